"""Plain typed records that sources yield and the warehouse loads.

A source knows HTTP and these records, never the database. Every record carries `fetched_at` (UTC).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

ErrorKind = Literal["not_found", "blocked", "rate_limited", "skipped", "bad_response", "error", "suspect_listing",
                    "not_listed"]
# kinds that are recorded and shown but do not make a run partial: a repo or model listed on the last collected
# day and absent from today's complete listing (deleted, made private, moved, or a page the upstream dropped)
WARNING_KINDS: frozenset[str] = frozenset({"not_listed"})
# suspect_listing: a listing much shorter than last time (min_listing_ratio); its records are kept, as a warning


@dataclass(frozen=True, slots=True)
class RepoRecord:
    """One GitHub repository as read today (GraphQL or REST)."""

    repo_id: int  # GitHub's numeric id (databaseId): the identity of a repo across renames
    repo: str  # owner/name exactly as GitHub returns it today (nameWithOwner / full_name)
    requested_as: str  # the owner/name we asked for (differs from `repo` after a rename)
    stars: int
    forks: int
    license_spdx: str | None  # e.g. "MIT"; None when GitHub knows no licence; "NOASSERTION" kept as is
    description: str | None  # untrusted upstream text
    language: str | None
    created_at: datetime | None
    pushed_at: datetime | None
    is_archived: bool
    is_fork: bool
    via: Literal["graphql", "rest", "rest-304"]
    fetched_at: datetime


@dataclass(frozen=True, slots=True)
class OrgListing:
    """The public repositories of one org (or user) as owner/name strings, in GitHub's order."""

    org: str
    repos: tuple[str, ...]
    fetched_at: datetime


@dataclass(frozen=True, slots=True)
class HttpCacheEntry:
    """A conditional-request validator to keep: the next request for `url` sends If-None-Match: etag."""

    url: str
    etag: str
    body: str  # the JSON text of the 200 response, reused when the upstream answers 304
    fetched_at: datetime


@dataclass(frozen=True, slots=True)
class ModelRecord:
    """One Hugging Face model as listed today."""

    model_id: str  # author/name
    hub_id: str | None  # the Hub's `_id`: stable across renames
    author: str  # the author we listed (as configured)
    downloads_30d: int | None  # the Hub's rolling 30-day count (`downloads`)
    downloads_all_time: int | None  # `downloadsAllTime`
    likes: int | None
    license: str | None  # normalised lower-case id ("apache-2.0", "other", ...) or None
    license_name: str | None  # the card's `license_name` (for `other`), lower-case
    license_source: Literal["tag", "card"] | None
    tags: tuple[str, ...]
    pipeline_tag: str | None
    library_name: str | None
    gated: str | None  # "false", "auto", "manual"
    created_at: datetime | None
    last_modified: datetime | None
    children_count: int | None  # `childrenModelCount`: derivative models
    base_models: tuple[str, ...]  # ids of the models this one derives from
    fetched_at: datetime


@dataclass(frozen=True, slots=True)
class StarHistoryDay:
    """Stars added on one day, from GET /repos/{owner}/{repo}/stargazers/history."""

    repo_id: int
    repo: str
    day: date
    stars_added: int
    fetched_at: datetime


@dataclass(frozen=True, slots=True)
class ItemError:
    """An item (repo, org, author, model) that could not be stored, and why. Never fatal to the run."""

    source: Literal["github", "huggingface"]
    item: str
    kind: ErrorKind
    message: str  # one line, no secrets
    at: datetime


@dataclass(slots=True)
class SourceStats:
    """What a source spent and what the upstream said about its budget."""

    requests: int = 0  # HTTP requests sent (every attempt, redirects included)
    not_modified: int = 0  # 304 answers (free of rate limit only when the request was authorised)
    retries: int = 0
    rate_limit_limit: int | None = None
    rate_limit_remaining: int | None = None
    rate_limit_reset: datetime | None = None
    stopped_reason: str | None = None  # set when the source stopped early (rate limit, budget, host unreachable)
    notes: list[str] = field(default_factory=list)
