"""The GitHub source: a plan (orgs, named repos) in, one RepoRecord per repo id out.

With a token it reads GraphQL: org listing pages carry the statistics, named repos not already listed go
100 to a query. Without a token it reads REST: listing pages carry full repos, named repos cost one
conditional request each (a 304 is free of rate limit only with a token). A spent rate limit or request
budget, an unreachable host (`unreachable_after` consecutive connection failures) or a set `stop` event stops
the source cleanly: what was read is kept and every org/repo not done gets a "skipped" ItemError.
An org listing much shorter than last time (`expected`, `min_listing_ratio`) is fetched once more; if still
short, its records are kept and a "suspect_listing" ItemError says so.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from sources.github import graphql, rest
from sources.github.http import (
    TOKEN_HINT,
    BudgetExhausted,
    GitHubHttp,
    ItemGone,
    RateLimitExhausted,
    StopRequested,
    UpstreamError,
    describe_reset,
)
from sources.guard import STOPPED, HostBreaker, HostUnreachable
from sources.policy import RetryPolicy
from sources.records import ErrorKind, HttpCacheEntry, ItemError, OrgListing, RepoRecord, SourceStats

GONE: dict[int, tuple[ErrorKind, str]] = {404: ("not_found", "not found (HTTP 404)"),
                                          410: ("not_found", "deleted (HTTP 410)"),
                                          451: ("blocked", "repository access blocked (HTTP 451)")}


@dataclass(slots=True)
class GitHubResult:
    """What one fetch read: records (one per repo id), listings, name -> id, cache updates, errors, stats."""

    records: list[RepoRecord] = field(default_factory=list)
    listings: list[OrgListing] = field(default_factory=list)
    resolved: dict[str, int] = field(default_factory=dict)  # lower-case owner/name, asked or listed -> id
    cache_updates: list[HttpCacheEntry] = field(default_factory=list)
    errors: list[ItemError] = field(default_factory=list)
    stats: SourceStats = field(default_factory=SourceStats)
    stopped_reason: str | None = None


def _unique(names: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for name in names:
        name = name.strip()
        if name and name.lower() not in seen:
            seen.add(name.lower())
            out.append(name)
    return out


class _Run:
    """The state of one fetch: what is done, what was read, what failed."""

    def __init__(self, http: GitHubHttp, clock: Callable[[], datetime], secret: str | None,
                 progress: Callable[[int], None] | None = None) -> None:
        self.http, self.clock, self.secret, self.progress = http, clock, secret, progress
        self.result = GitHubResult(stats=http.stats)
        self.ids: set[int] = set()
        self.done: set[str] = set()  # lower-case names of orgs and repos finished (read or failed)

    def add(self, records: Iterable[RepoRecord]) -> None:
        for record in records:
            for name in (record.requested_as, record.repo):
                self.result.resolved[name.lower()] = record.repo_id
                self.done.add(name.lower())
            if record.repo_id not in self.ids:
                self.ids.add(record.repo_id)
                self.result.records.append(record)
        if self.progress is not None:
            self.progress(len(self.result.records))

    def fail(self, item: str, kind: ErrorKind, message: str) -> None:
        self.done.add(item.lower())
        if self.secret:
            message = message.replace(self.secret, "***")
        self.result.errors.append(ItemError("github", item, kind, rest.one_line(message, 300), self.clock()))


class GitHubSource:
    """Reads repo statistics for a plan of orgs and named repos, sequentially, for one token (or none)."""

    def __init__(self, api_url: str, graphql_url: str, token: str | None, retry: RetryPolicy, *,
                 transport: httpx.BaseTransport | None = None, sleep: Callable[[float], None] = time.sleep,
                 max_requests: int | None = None, clock: Callable[[], datetime] | None = None,
                 stop: threading.Event | None = None, breaker: HostBreaker | None = None) -> None:
        self.api_url, self.graphql_url = api_url, graphql_url
        self._token, self._retry = token, retry
        self._transport, self._sleep, self._max_requests = transport, sleep, max_requests
        self._clock = clock or (lambda: datetime.now(UTC))
        self._stop_event, self._breaker = stop, breaker

    @property
    def authenticated(self) -> bool:
        return bool(self._token)

    def fetch(self, orgs: Sequence[str], repos: Sequence[str], cache: Mapping[str, HttpCacheEntry],
              progress: Callable[[int], None] | None = None,
              expected: Mapping[str, int] | None = None) -> GitHubResult:
        """Read every org's public repos, then the named repos not already read. Never raises for an item.

        `progress`, when given, is called with the number of repos read so far after each page or batch.
        `expected` maps a lower-case org to how many repos it listed last time (see the module docstring).
        """
        orgs, repos = _unique(orgs), _unique(repos)
        expected = {k.lower(): v for k, v in (expected or {}).items()}
        with GitHubHttp(self.api_url, self._token, self._retry, max_requests=self._max_requests,
                        sleep=self._sleep, transport=self._transport, stop=self._stop_event,
                        breaker=self._breaker) as http:
            run = _Run(http, self._clock, self._token, progress)
            try:
                for org in orgs:
                    self._org(run, org, cache, expected.get(org.lower()))
                pending = [name for name in repos if name.lower() not in run.done]
                if self.authenticated:
                    for start in range(0, len(pending), graphql.MAX_ALIASES):
                        self._batch(run, pending[start:start + graphql.MAX_ALIASES])
                else:
                    for name in pending:
                        if name.lower() not in run.done:  # an old name read earlier may cover a new one
                            self._repo(run, name, cache)
            except RateLimitExhausted as exc:
                self._stop(run, orgs, repos, self._limit_reason(exc))
            except BudgetExhausted:
                self._stop(run, orgs, repos, f"request budget spent ({self._max_requests} requests)")
            except StopRequested:
                self._stop(run, orgs, repos, STOPPED)
            except HostUnreachable as exc:
                self._stop(run, orgs, repos, str(exc))
            self._note_limits(run)
        return run.result

    # -- stopping ----------------------------------------------------------------------------------------

    @property
    def _resource(self) -> str:
        return "graphql" if self.authenticated else "core"

    def _limit_reason(self, exc: RateLimitExhausted) -> str:
        reason = str(exc)
        if exc.reset_at is not None and "resets at" not in reason:
            reason += f"; {describe_reset(exc.reset_at)}"
        if not self.authenticated and TOKEN_HINT not in reason:
            reason += f"; {TOKEN_HINT}"
        return reason

    def _guard(self, http: GitHubHttp) -> Callable[[], None]:
        """Before each request: stop without sending it when the last headers said nothing is left."""
        def check() -> None:
            limit = http.limits.get(self._resource)
            if limit is None or limit.remaining != 0:
                return
            if limit.reset_at is not None and limit.reset_at <= datetime.now(UTC):
                return
            raise RateLimitExhausted(f"GitHub {self._resource} rate limit exhausted (0 remaining); "
                                     f"{describe_reset(limit.reset_at)}", limit.reset_at, self._resource)
        return check

    def _stop(self, run: _Run, orgs: Sequence[str], repos: Sequence[str], reason: str) -> None:
        run.result.stopped_reason = run.result.stats.stopped_reason = reason
        for name in [*orgs, *repos]:
            if name.lower() not in run.done:
                run.fail(name, "skipped", f"not fetched: {reason}")

    def _note_limits(self, run: _Run) -> None:
        stats, limit = run.result.stats, run.http.limits.get(self._resource)
        if limit is not None:
            stats.rate_limit_limit, stats.rate_limit_remaining = limit.limit, limit.remaining
            stats.rate_limit_reset = limit.reset_at

    # -- GraphQL -----------------------------------------------------------------------------------------

    def _graphql(self, run: _Run, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        self._guard(run.http)()
        try:
            body = run.http.graphql(self.graphql_url, query, variables)
        except ItemGone as exc:  # /graphql itself answered 404: a wrong graphql_url, not a missing repo
            raise UpstreamError(f"POST graphql: HTTP {exc.status}", exc.status) from None
        if (limit := graphql.rate_limit(body)) is not None:
            used = run.http.limits.get("graphql")
            limit.used = used.used if used else None
            run.http.limits["graphql"] = limit
        return body

    def _batch(self, run: _Run, names: list[str]) -> None:
        try:
            body = self._graphql(run, graphql.batch_query(names))
        except UpstreamError as exc:
            for name in names:
                run.fail(name, "error", f"GraphQL batch failed: {exc}")
            return
        parsed = graphql.parse_batch(body, names, self._clock())
        run.add(parsed.records)
        for name, kind, message in parsed.failures:
            run.fail(name, kind, message)

    def _org_graphql(self, run: _Run, org: str) -> OrgListing:
        names: list[str] = []
        cursor: str | None = None
        while True:
            body = self._graphql(run, graphql.ORG_QUERY, {"login": org, "cursor": cursor})
            page = graphql.parse_org_page(body, self._clock())
            run.add(page.records)
            for item, kind, message in page.failures:
                run.fail(f"{org}: {item}" if item.startswith("listing node") else item, kind, message)
            names.extend(record.repo for record in page.records)
            if not page.has_next or not page.end_cursor:
                return OrgListing(org, tuple(names), self._clock())
            cursor = page.end_cursor

    # -- REST --------------------------------------------------------------------------------------------

    def _org_rest(self, run: _Run, org: str, cache: Mapping[str, HttpCacheEntry]) -> OrgListing:
        def on_page(records: list[RepoRecord], update: HttpCacheEntry | None) -> None:
            run.add(records)
            if update is not None:
                run.result.cache_updates.append(update)

        def on_bad(item: str, reason: str) -> None:
            run.fail(item, "bad_response", f"listing item: {reason}")

        records = rest.list_owner(run.http, org, cache, self._clock(), self._guard(run.http), on_page, on_bad)
        return OrgListing(org, tuple(record.repo for record in records), self._clock())

    def _repo(self, run: _Run, name: str, cache: Mapping[str, HttpCacheEntry]) -> None:
        if "/" not in name.strip("/"):
            run.fail(name, "error", "not an owner/name")
            return
        self._guard(run.http)()
        try:
            record, entry = rest.fetch_repo(run.http, name, cache, self._clock())
        except ItemGone as exc:
            kind, message = GONE.get(exc.status, ("not_found", f"HTTP {exc.status}"))
            run.fail(name, kind, message)
            return
        except UpstreamError as exc:
            run.fail(name, "error", str(exc))
            return
        except rest.BadResponse as exc:
            run.fail(name, "bad_response", str(exc))
            return
        run.add([record])
        if entry is not None:
            run.result.cache_updates.append(entry)

    # -- both --------------------------------------------------------------------------------------------

    def _org(self, run: _Run, org: str, cache: Mapping[str, HttpCacheEntry], expected: int | None) -> None:
        """List one org (or user): its records are added page by page; failures become an ItemError.

        A listing below min_listing_ratio of `expected` is fetched once more; a short one never updates the
        HTTP cache (tomorrow asks with the validators of the last full listing).
        """
        floor = self._retry.min_listing_ratio * expected if expected and expected >= 1 else 0
        for attempt in (1, 2):
            mark = len(run.result.cache_updates)
            listing = self._list_org(run, org, cache)
            if listing is None or len(listing.repos) >= floor:
                break
            del run.result.cache_updates[mark:]
            if attempt == 2:
                run.fail(org, "suspect_listing", f"listed {len(listing.repos)}, {expected} last time: "
                                                 "recorded as a warning, not taken as the truth")
        if listing is not None:
            run.result.listings.append(listing)
            run.done.add(org.lower())

    def _list_org(self, run: _Run, org: str, cache: Mapping[str, HttpCacheEntry]) -> OrgListing | None:
        """One listing of an org, or None when it failed (the failure is an ItemError)."""
        try:
            return self._org_graphql(run, org) if self.authenticated else self._org_rest(run, org, cache)
        except graphql.OwnerError as exc:
            run.fail(org, exc.kind, str(exc))
        except ItemGone as exc:
            run.fail(org, "not_found", f"no org or user of this name (HTTP {exc.status})")
        except UpstreamError as exc:
            run.fail(org, "error", f"org listing failed: {exc}")
        except rest.BadResponse as exc:
            run.fail(org, "bad_response", f"org listing: {exc}")
        return None
