"""GitHub GraphQL: the two query shapes the client sends (named-repo batches, org listing pages) and parsing.

Every query asks for `rateLimit { limit cost remaining resetAt }`. Owner and name are JSON-escaped
string literals, never interpolated raw. The repository fields are those of the `R` fragment.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sources.github.http import RateLimit
from sources.github.rest import BadResponse, one_line, parse_time
from sources.guard import BadCount, check_count
from sources.records import ErrorKind, RepoRecord

MAX_ALIASES = 100
RATE_LIMIT = "rateLimit { limit cost remaining resetAt }"
FRAGMENT = ("fragment R on Repository { databaseId nameWithOwner stargazerCount forkCount description "
            "createdAt pushedAt isArchived isFork primaryLanguage { name } licenseInfo { spdxId } }")
ORG_QUERY = (f"query($login: String!, $cursor: String) {{ {RATE_LIMIT}\n"
             "  repositoryOwner(login: $login) { repositories(first: 100, after: $cursor, privacy: PUBLIC, "
             "ownerAffiliations: OWNER,\n      orderBy: {field: NAME, direction: ASC}) "
             "{ totalCount pageInfo { hasNextPage endCursor } nodes { ...R } } } }\n" + FRAGMENT)
ERROR_KINDS: dict[str, ErrorKind] = {"NOT_FOUND": "not_found", "FORBIDDEN": "blocked"}


class OwnerError(Exception):
    """The org listing query failed for this owner (unknown login, forbidden, null data)."""

    def __init__(self, kind: ErrorKind, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def batch_query(full_names: Sequence[str]) -> str:
    """One query reading up to 100 named repos, aliased r0..rN in the order given."""
    if not 0 < len(full_names) <= MAX_ALIASES:
        raise ValueError(f"a batch holds 1 to {MAX_ALIASES} repos, not {len(full_names)}")
    lines = [f"query {{ {RATE_LIMIT}"]
    for i, full_name in enumerate(full_names):
        owner, _, name = full_name.partition("/")
        lines.append(f"  r{i}: repository(owner: {json.dumps(owner)}, name: {json.dumps(name)}) {{ ...R }}")
    lines[-1] += " }"
    return "\n".join([*lines, FRAGMENT])


def repo_from_node(node: Any, requested_as: str, fetched_at: datetime) -> RepoRecord:
    """A RepoRecord from a node of the R fragment."""
    if not isinstance(node, dict):
        raise BadResponse("repository node is not an object")
    try:
        language = node.get("primaryLanguage") or {}
        license_info = node.get("licenseInfo") or {}
        repo_id, stars, forks = (_count(node, key) for key in ("databaseId", "stargazerCount", "forkCount"))
        return RepoRecord(repo_id=repo_id, repo=str(node["nameWithOwner"]),
                          requested_as=requested_as or str(node["nameWithOwner"]),
                          stars=stars, forks=forks,
                          license_spdx=license_info.get("spdxId"), description=node.get("description"),
                          language=language.get("name"), created_at=parse_time(node.get("createdAt")),
                          pushed_at=parse_time(node.get("pushedAt")),
                          is_archived=bool(node.get("isArchived")), is_fork=bool(node.get("isFork")),
                          via="graphql", fetched_at=fetched_at)
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        detail = f"{type(exc).__name__}: {one_line(exc, 60)}"
        raise BadResponse(f"repository node lacks a field ({detail})") from None


def _count(node: dict[str, Any], key: str) -> int:
    """A count or id of a node in 0..2^63-1; KeyError when absent, BadResponse naming field and value otherwise."""
    value = node[key]
    try:
        check_count(value, key)
    except BadCount as exc:
        raise BadResponse(str(exc)) from None
    return int(value)


def rate_limit(body: dict[str, Any]) -> RateLimit | None:
    """The `rateLimit` the query asked for (after this query's cost), or None when absent."""
    data = body.get("data")
    info = data.get("rateLimit") if isinstance(data, dict) else None
    if not isinstance(info, dict):
        return None
    try:
        return RateLimit(limit=_count(info, "limit"), remaining=_count(info, "remaining"),
                         reset_at=parse_time(info.get("resetAt")))
    except (KeyError, TypeError, ValueError, BadResponse):
        return None


def _error_text(error: dict[str, Any]) -> str:
    kind = error.get("type") or "ERROR"
    return f"{kind}: {one_line(error.get('message') or 'no message')}"


def _errors_by_alias(body: dict[str, Any]) -> tuple[dict[str, dict[str, Any]], dict[str, Any] | None]:
    """Errors keyed by the first element of their path, and the first error without a path."""
    by_alias: dict[str, dict[str, Any]] = {}
    general: dict[str, Any] | None = None
    for error in body.get("errors") or []:
        if not isinstance(error, dict):
            continue
        path = error.get("path")
        if isinstance(path, list) and path:
            by_alias.setdefault(str(path[0]), error)
        elif general is None:
            general = error
    return by_alias, general


@dataclass(slots=True)
class BatchResult:
    """The records read by one batch query (with the name each was asked as) and the failed names."""

    records: list[RepoRecord] = field(default_factory=list)
    failures: list[tuple[str, ErrorKind, str]] = field(default_factory=list)  # (requested, kind, message)


def parse_batch(body: dict[str, Any], full_names: Sequence[str], fetched_at: datetime) -> BatchResult:
    """Split a batch answer into records and per-repo failures; a null `data` fails the whole batch."""
    result = BatchResult()
    data = body.get("data")
    by_alias, general = _errors_by_alias(body)
    if not isinstance(data, dict):
        data = {}
        general = general or next(iter(by_alias.values()), None)
    for i, full_name in enumerate(full_names):
        node = data.get(f"r{i}")
        if node is not None:
            try:
                result.records.append(repo_from_node(node, full_name, fetched_at))
            except BadResponse as exc:
                result.failures.append((full_name, "bad_response", f"GraphQL: {exc}"))
            continue
        error = by_alias.get(f"r{i}") or general
        if error is None:
            result.failures.append((full_name, "bad_response", "GraphQL returned no data and no error"))
        else:
            kind = ERROR_KINDS.get(str(error.get("type")), "error")
            result.failures.append((full_name, kind, f"GraphQL {_error_text(error)}"))
    return result


@dataclass(slots=True)
class OrgPage:
    """One page of an owner's repositories."""

    records: list[RepoRecord]
    total_count: int
    has_next: bool
    end_cursor: str | None
    failures: list[tuple[str, ErrorKind, str]] = field(default_factory=list)  # (item, kind, message)


def parse_org_page(body: dict[str, Any], fetched_at: datetime) -> OrgPage:
    """Parse an ORG_QUERY answer; raises OwnerError for an unknown owner or a failed query.

    GitHub answers an unknown login with `{"data": {"repositoryOwner": null}}` and no `errors`: not_found.
    """
    data = body.get("data")
    owner = data.get("repositoryOwner") if isinstance(data, dict) else None
    if owner is None:
        by_alias, general = _errors_by_alias(body)
        error = by_alias.get("repositoryOwner") or general
        if error is None and isinstance(data, dict) and "repositoryOwner" in data:
            raise OwnerError("not_found", "no org or user of this name (GraphQL repositoryOwner is null)")
        if error is None:
            raise OwnerError("bad_response", "org GraphQL returned no repositoryOwner and no error")
        kind = ERROR_KINDS.get(str(error.get("type")), "error")
        raise OwnerError(kind, f"org GraphQL {_error_text(error)}")
    try:
        repos = owner["repositories"]
        info = repos["pageInfo"]
        nodes = repos["nodes"]
        page = OrgPage([], int(repos.get("totalCount") or 0), bool(info["hasNextPage"]), info.get("endCursor"))
    except (KeyError, TypeError, ValueError) as exc:
        raise BadResponse(f"org listing page lacks a field ({type(exc).__name__})") from None
    node_errors = _node_errors(body)
    for index, node in enumerate(nodes if isinstance(nodes, list) else []):
        try:
            if node is None:  # GitHub's partial answer: a null node and an error whose path ends at it
                error = node_errors.get(index)
                raise BadResponse(_error_text(error) if error else "null repository node without an error")
            page.records.append(repo_from_node(node, "", fetched_at))
        except BadResponse as exc:  # one bad repo is an error of that repo, the rest of the page is kept
            name = node.get("nameWithOwner") if isinstance(node, dict) else None
            kind = ERROR_KINDS.get(str((node_errors.get(index) or {}).get("type")), "bad_response")
            page.failures.append((str(name or f"listing node {index}"), kind, f"GraphQL: {exc}"))
    return page


def _node_errors(body: dict[str, Any]) -> dict[int, dict[str, Any]]:
    """Errors whose path points into the listing's nodes, keyed by node index."""
    found: dict[int, dict[str, Any]] = {}
    for error in body.get("errors") or []:
        path = error.get("path") if isinstance(error, dict) else None
        if isinstance(path, list) and "nodes" in path:
            position = path.index("nodes") + 1
            if position < len(path) and isinstance(path[position], int):
                found.setdefault(path[position], error)
    return found
