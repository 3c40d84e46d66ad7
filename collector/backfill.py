"""Star history: the `backfill` run and the nightly upkeep that `collect` calls.

Plan from the warehouse, fetch with the file closed, load every few repos (or seconds) so an interruption
keeps finished work. A repo's state (next page, oldest day, complete) lets the next run resume there.
A spent budget or rate limit, or an unreachable GitHub (`unreachable_after` consecutive connection failures),
stops the run cleanly: `stopped_reason` names it ("api.github.com: name resolution failed").
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from collector import __version__
from collector.config import Config
from collector.lock import warehouse_lock
from collector.progress import Stage
from sources.github.history import HistoryError, HistoryPage, fetch_history, pages_needed
from sources.github.http import BudgetExhausted, GitHubHttp, ItemGone, RateLimitExhausted, UpstreamError
from sources.guard import HostUnreachable
from sources.records import ErrorKind, ItemError, StarHistoryDay
from warehouse import WarehouseMissing, db, load, runs
from warehouse.history import (
    CoveredRange,
    HistoryState,
    HistoryTarget,
    history_targets,
    load_history,
    resolve_repo_names,
    upkeep_targets,
)

BATCH_REPOS = 25  # load after this many repos ...
BATCH_SECONDS = 5.0  # ... or this many seconds of fetching, whichever comes first
LOAD_LOCK_WAIT = 900.0  # a batch waits this long for a collection's run to finish before it loads
MAX_LISTED = 10
STAGE = "Star history"


class UnknownRepos(Exception):
    """--repo names that match no tracked repo."""


@dataclass(slots=True)
class HistoryRunResult:
    """What a backfill or upkeep did and what is left."""

    command: str  # backfill | upkeep
    requests: int = 0
    complete: list[str] = field(default_factory=list)
    partial: list[tuple[str, int | None]] = field(default_factory=list)  # (repo, pages left or None)
    not_started: list[str] = field(default_factory=list)
    refreshed: list[str] = field(default_factory=list)  # upkeep: repos whose newest page was fetched
    truncated: list[str] = field(default_factory=list)  # older than the endpoint's 100 pages
    errors: list[ItemError] = field(default_factory=list)
    stopped_reason: str | None = None
    run_id: int | None = None

    @property
    def exit_code(self) -> int:
        """0 when all the work is done, 1 when repos failed or work is left."""
        return 1 if self.errors or self.partial or self.not_started or self.stopped_reason else 0

    def lines(self) -> list[str]:
        """The human summary, one item per line."""
        if self.command == "upkeep":
            head = (f"star history upkeep: {_n(len(self.refreshed), 'repo')} refreshed, "
                    f"{_n(self.requests, 'request')}")
        else:
            head = (f"star history: {_n(len(self.complete), 'repo')} complete, {len(self.partial)} partial, "
                    f"{len(self.not_started)} not started; {_n(self.requests, 'request')}")
        out = [head + (f", {_n(len(self.errors), 'error')}" if self.errors else "")]
        partial = [f"{repo} ({'? pages' if left is None else _n(left, 'page')} left)"
                   for repo, left in self.partial]
        limited = ("complete back to page 100 only (the endpoint's limit)", self.truncated)
        for label, names in (("complete", self.complete), ("partial", partial),
                             ("not started", self.not_started), limited):
            if names:
                out.append(f"  {label}: {_listed(names)}")
        out += [f"  error: {e.item}: {e.message}" for e in self.errors]
        if self.stopped_reason:
            out.append(f"  stopped: {self.stopped_reason}")
        if self.command == "backfill" and (self.partial or self.not_started):
            out.append("  run `openwave backfill` again to resume where this run stopped")
        return out


def _n(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _listed(names: Sequence[str]) -> str:
    more = f" and {len(names) - MAX_LISTED} more" if len(names) > MAX_LISTED else ""
    return ", ".join(names[:MAX_LISTED]) + more


class _Batch:
    """Fetched pages, states and errors waiting to be loaded; each flush is one short write transaction."""

    def __init__(self, db_path: Path, run_id: int | None,
                 lock: Callable[[], AbstractContextManager[object]] = nullcontext) -> None:
        self.db_path, self.run_id, self.lock = db_path, run_id, lock
        self.days: list[StarHistoryDay] = []
        self.covered: list[CoveredRange] = []
        self.states: dict[int, HistoryState] = {}
        self.errors: list[ItemError] = []
        self.touched: set[int] = set()  # every repo whose state this run changed (kept across flushes)
        self.loaded: set[int] = set()  # every repo with history stored by this run
        self.started = time.monotonic()

    def put(self, state: HistoryState) -> None:
        self.states[state.repo_id] = state
        self.touched.add(state.repo_id)

    def due(self) -> bool:
        return len(self.states) >= BATCH_REPOS or time.monotonic() - self.started >= BATCH_SECONDS

    def flush(self) -> None:
        if self.states or self.errors:
            with self.lock(), db.writing(self.db_path) as con, db.transaction(con):
                load_history(con, self.days, self.covered, list(self.states.values()))
                if self.run_id is not None:
                    load.load_errors(con, self.run_id, self.errors)
        self.days, self.covered, self.states, self.errors = [], [], {}, []
        self.started = time.monotonic()


def _client(config: Config, max_requests: int | None) -> GitHubHttp:
    github = config.github
    return GitHubHttp(github.api_url, github.token, github.retry, max_requests=max_requests)


def _error(target: HistoryTarget, page: int, exc: Exception) -> ItemError:
    kind: ErrorKind = "error"
    if isinstance(exc, HistoryError):
        kind, text = exc.kind, exc.reason
    elif isinstance(exc, ItemGone):
        kind, text = ("blocked" if exc.status == 451 else "not_found"), str(exc)
    else:
        kind, text = "bad_response", str(exc)
    message = " ".join(f"star history page {page}: {text}".split())[:300]
    return ItemError(source="github", item=target.repo, kind=kind, message=message, at=datetime.now(UTC))


def _apply(state: HistoryState, page: HistoryPage, target: HistoryTarget, upkeep: bool) -> CoveredRange:
    """Advance a repo's state past one fetched page; returns the day range the page replaces."""
    state.last_fetched_at, state.last_error = datetime.now(UTC), None
    if page.first_day is not None:
        state.oldest_day = min(state.oldest_day or page.first_day, page.first_day)
    if page.page == 1:
        state.stars_at_fetch = target.stars
    if not upkeep:
        state.next_page, state.complete = page.page + 1, page.last
    elif page.last and not state.complete:
        state.next_page, state.complete = page.page + 1, True
    return CoveredRange(target.repo_id, page.first_day, page.last_day)


def _fetch(http: GitHubHttp, target: HistoryTarget, state: HistoryState, start: int, batch: _Batch,
           result: HistoryRunResult, *, upkeep: bool = False) -> bool:
    """Fetch pages from `start` into the batch; a bad repo becomes an error. Returns True when nothing failed.

    BudgetExhausted and RateLimitExhausted propagate (after the pages fetched so far are in the batch).
    """
    number = start
    try:
        for page in fetch_history(http, target.repo, target.repo_id, created_at=target.created_at,
                                  start_page=start, max_pages=1 if upkeep else None,
                                  expect_weeks=target.stars != 0):
            batch.covered.append(_apply(state, page, target, upkeep))
            batch.days.extend(page.days)
            batch.put(state)
            batch.loaded.add(target.repo_id)
            number = page.page + 1
            if page.page_limit:
                result.truncated.append(target.repo)
        return True
    except (HistoryError, ItemGone, UpstreamError) as exc:
        error = _error(target, number, exc)
        state.last_error = error.message
        batch.put(state)
        batch.errors.append(error)
        result.errors.append(error)
        return False


def _no_stars(target: HistoryTarget, state: HistoryState, batch: _Batch) -> None:
    """A repo whose newest snapshot has 0 stars: every bucket is 0, so it is complete, no rows, 0 requests."""
    state.complete, state.stars_at_fetch, state.last_error = True, 0, None
    batch.covered.append(CoveredRange(target.repo_id, None, None))
    batch.put(state)
    batch.loaded.add(target.repo_id)


def _state_for(target: HistoryTarget) -> HistoryState:
    state = replace(target.state) if target.state else HistoryState(target.repo_id, target.repo)
    state.repo, state.created_at = target.repo, target.created_at
    state.pages_needed = pages_needed(target.created_at, datetime.now(UTC).date())
    return state


def _classify(result: HistoryRunResult, target: HistoryTarget, state: HistoryState | None) -> None:
    if state is not None and state.complete:
        result.complete.append(target.repo)
    elif state is not None and state.next_page > 1:
        left = state.pages_needed - state.next_page + 1 if state.pages_needed else None
        result.partial.append((target.repo, max(left, 1) if left is not None else None))
    else:
        result.not_started.append(target.repo)


def _order(work: list[HistoryTarget]) -> list[HistoryTarget]:
    """Free repos (no stars) first, then the ones a previous run started, then the rest; by name within."""
    return sorted(work, key=lambda t: (t.stars != 0, not (t.state and t.state.next_page > 1)))


def _plan(db_path: Path, repos: Sequence[str]) -> tuple[list[HistoryTarget], int]:
    """Migrate, resolve --repo names, read the targets and start a `runs` row (command 'backfill')."""
    if not Path(db_path).exists():
        raise WarehouseMissing(f"no warehouse at {db_path}: run `openwave collect` first to track repos")
    with db.writing(db_path) as con:
        ids: list[int] | None = None
        if repos:
            ids, unknown = resolve_repo_names(con, repos)
            if unknown:
                raise UnknownRepos(f"not tracked (no github_repos row; run `openwave collect` first): "
                                   f"{', '.join(unknown)}")
        targets = history_targets(con, ids)
        runs.mark_interrupted(con)
        run_id = runs.start_run(con, "backfill", "github", list(repos) or None, __version__)
    return targets, run_id


def run_backfill(config: Config, db_path: Path, *, repos: Sequence[str] = (), max_requests: int | None = None,
                 refresh: bool = False, stage: Stage | None = None,
                 lock_wait: float = 30.0) -> HistoryRunResult:
    """Backfill the star history of every tracked repo (or `repos`) back to its creation week.

    Complete repos are skipped unless `refresh`; partial ones resume at their next page. The warehouse lock
    and the file are taken only to plan and to load each batch, never while requests are in flight, so a
    long backfill never makes the nightly collection wait more than one load.
    """
    stage = stage or Stage(enabled=False)

    def locked() -> AbstractContextManager[object]:
        return warehouse_lock(db_path, "backfill", max(lock_wait, LOAD_LOCK_WAIT))

    with warehouse_lock(db_path, "backfill", lock_wait):
        targets, run_id = _plan(db_path, repos)
    result = HistoryRunResult("backfill", run_id=run_id)
    final: dict[int, HistoryState | None] = {t.repo_id: t.state for t in targets}
    work = _order([t for t in targets if refresh or not (t.state and t.state.complete)])
    batch = _Batch(db_path, run_id, locked)
    http = _client(config, max_requests)
    status: str | None = "failed"
    try:
        stage.start(STAGE, "0 requests", total=len(work))
        for target in work:
            state = _state_for(target)
            try:
                if target.stars == 0:
                    _no_stars(target, state, batch)
                else:
                    _fetch(http, target, state, 1 if refresh else state.next_page, batch, result)
            except (BudgetExhausted, RateLimitExhausted, HostUnreachable) as exc:
                result.stopped_reason = str(exc)
                break
            finally:
                if target.repo_id in batch.touched:
                    final[target.repo_id] = state
            stage.advance(STAGE, detail=f"{http.stats.requests} requests")
            if batch.due():
                batch.flush()
        status = None
    except KeyboardInterrupt:
        status = "interrupted"
        raise
    finally:
        result.requests = http.stats.requests
        http.close()
        batch.flush()
        for target in targets:
            _classify(result, target, final[target.repo_id])
        with locked():
            _finish(db_path, result, http, status, len(batch.loaded))
    stage.done(STAGE, f"{result.requests} requests")
    return result


def _finish(db_path: Path, result: HistoryRunResult, http: GitHubHttp, forced: str | None,
            stored: int) -> None:
    """Close the `runs` row: ok, partial (failures or work left), interrupted or failed (nothing stored)."""
    core = http.limits.get("core")
    status = forced or ("ok" if not result.exit_code else "partial" if stored else "failed")
    message = "; ".join(result.lines())[:1000]
    with db.writing(db_path) as con:
        runs.finish_run(con, result.run_id or 0, status, repos_stored=stored,
                        github_requests=result.requests, items_failed=len(result.errors), message=message,
                        rate_limit_remaining=core.remaining if core else None,
                        rate_limit_reset=core.reset_at if core else None)


def upkeep_history(config: Config, db_path: Path, *, run_id: int | None = None, stage: Stage | None = None,
                   http: GitHubHttp | None = None, max_requests: int | None = None) -> HistoryRunResult:
    """Refresh the newest page (1 request) of each repo with history whose star count changed since its fetch.

    A repo now at 0 stars costs no request: all its rows go. Called by `collect` after the snapshots are
    stored, under the caller's warehouse lock (not taken here).
    Errors are stored in run_errors under `run_id` (when given) and in the repo's state, and returned.
    """
    stage = stage or Stage(enabled=False)
    with db.open_read(db_path) as con:
        targets = upkeep_targets(con)
    result = HistoryRunResult("upkeep", run_id=run_id)
    if not targets:
        return result
    own = http is None
    client = http or _client(config, max_requests)
    before = client.stats.requests
    batch = _Batch(db_path, run_id)
    stage.start(STAGE, f"{len(targets)} repos changed", total=len(targets))
    try:
        for target in targets:
            state = _state_for(target)
            try:
                if target.stars == 0:
                    _no_stars(target, state, batch)
                    result.refreshed.append(target.repo)
                elif _fetch(client, target, state, 1, batch, result, upkeep=True):
                    result.refreshed.append(target.repo)
            except (BudgetExhausted, RateLimitExhausted, HostUnreachable) as exc:
                result.stopped_reason = str(exc)
                result.not_started = [t.repo for t in targets[targets.index(target):]]
                kind: ErrorKind = "rate_limited" if isinstance(exc, RateLimitExhausted) else "skipped"
                stop = ItemError(source="github", item="*", kind=kind, at=datetime.now(UTC),
                                 message=f"star history upkeep stopped: {exc}; "
                                         f"{_n(len(result.not_started), 'repo')} not refreshed")
                batch.errors.append(stop)
                result.errors.append(stop)
                break
            stage.advance(STAGE, detail=f"{client.stats.requests - before} requests")
            if batch.due():
                batch.flush()
    finally:
        result.requests = client.stats.requests - before
        batch.flush()
        if own:
            client.close()
    stage.done(STAGE, f"{len(result.refreshed)} refreshed, {result.requests} requests")
    return result
