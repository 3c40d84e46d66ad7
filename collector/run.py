"""One collection run: plan -> fetch (file closed) -> load (one transaction per source) -> summary.

The warehouse file is opened for writing only around each load, so `openwave query` and the `duckdb` CLI can
read it while a source fetches. A lock next to the file keeps two collections from writing at once. A load
waits (logged) up to `load_wait` seconds for readers to let go of the file; after that the fetched records
wait in `<db>.pending/` (warehouse/spool.py) and the next run loads them first: nothing fetched is dropped.

Status: ok (exit 0); partial (1) when items failed or a load had to wait in `pending/`; failed (1) when items
were tried and nothing at all was stored; interrupted (1) when a stop (SIGTERM/SIGINT, the scheduler) ended
it early, after loading what was complete.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from types import FrameType
from typing import Any

import dashboards  # noqa: F401  (registers the comparison views applied on every open)
from collector import __version__
from collector.config import Config, Entity
from collector.lock import warehouse_lock
from collector.progress import Stage
from sources.github.source import GitHubResult, GitHubSource
from sources.huggingface import HuggingFaceSource
from sources.records import WARNING_KINDS, ItemError, SourceStats
from warehouse import db, events, load, runs, spool

log = logging.getLogger(__name__)
SOURCES = ("github", "huggingface")
LOAD_WAIT_SECONDS = 120.0  # readers (`openwave query`, the duckdb CLI) are short; then the load is spooled


@dataclass(slots=True)
class SourceOutcome:
    """What one source did in a run."""

    name: str
    stored: int = 0
    stats: SourceStats = field(default_factory=SourceStats)
    errors: list[ItemError] = field(default_factory=list)
    history_requests: int = 0
    pending_errors: list[ItemError] = field(default_factory=list)  # in `errors` but not yet in run_errors
    spooled: int = 0  # records fetched whose load waits in `<db>.pending/` (the file was held)


@dataclass(slots=True)
class RunSummary:
    run_id: int
    db_path: Path
    started_at: datetime
    command: str = "collect"
    finished_at: datetime | None = None
    status: str = "running"
    outcomes: list[SourceOutcome] = field(default_factory=list)
    message: str = ""
    load_wait: float = LOAD_WAIT_SECONDS

    @property
    def errors(self) -> list[ItemError]:
        return [e for o in self.outcomes for e in o.errors]

    @property
    def exit_code(self) -> int:
        return 0 if self.status == "ok" else 1

    def outcome(self, name: str) -> SourceOutcome | None:
        return next((o for o in self.outcomes if o.name == name), None)


def utc_today() -> date:
    return datetime.now(UTC).date()


def unique(values: Iterable[str]) -> list[str]:
    """Keep the first spelling of each value, compared case-insensitively (GitHub names are)."""
    seen: dict[str, str] = {}
    for value in values:
        seen.setdefault(value.lower(), value)
    return list(seen.values())


def entity_repo_pairs(entities: Sequence[Entity], result: GitHubResult,
                      known: dict[str, int] | None = None) -> list[tuple[str, int, str]]:
    """(entity_key, repo_id, via) for every repo an entity covers, through its orgs and its named repos.

    `known` (every name the warehouse has seen -> id) maps a configured old name to the repo asked for under
    its current name."""
    ids = dict(known or {}) | {r.repo.lower(): r.repo_id for r in result.records} | dict(result.resolved)
    listings = {listing.org.lower(): listing for listing in result.listings}
    pairs: dict[tuple[str, int], str] = {}
    for entity in entities:
        for org in entity.github_orgs:
            listing = listings.get(org.lower())
            for name in listing.repos if listing else ():
                if (repo_id := ids.get(name.lower())) is not None:
                    pairs.setdefault((entity.key, repo_id), "org")
        for name in entity.github_repos:
            if (repo_id := ids.get(name.lower())) is not None:
                pairs[(entity.key, repo_id)] = "repo"
    return [(key, repo_id, via) for (key, repo_id), via in pairs.items()]


def collect_github(config: Config, entities: Sequence[Entity], summary: RunSummary, day: date,
                   stage: Stage, stop: threading.Event | None = None) -> SourceOutcome:
    outcome = SourceOutcome("github")
    orgs = unique(org for e in entities for org in e.github_orgs)
    repos = unique(repo for e in entities for repo in e.github_repos)
    if not orgs and not repos:
        return outcome
    with db.open_read(summary.db_path) as con:
        cache = load.read_http_cache(con)
        known, current = load.known_repos(con), load.current_names(con)
        before = load.org_listing_items(con)
    # a repo renamed since (THUDM -> zai-org) is asked for under its name now: no 301 to pay every night
    repos = unique(current.get(name.lower(), name) for name in repos)
    expected = {org.lower(): len(before[org.lower()]) for org in orgs if org.lower() in before}
    stage.start("GitHub", f"{len(orgs)} orgs, {len(repos)} named repos")
    source = GitHubSource(config.github.api_url, config.graphql_url, config.github.token, config.github.retry,
                          stop=stop)
    result = source.fetch(orgs, repos, cache, progress=lambda n: stage.update("GitHub", n, "repos read"),
                          expected=expected)
    listed = {listing.org.lower() for listing in result.listings} - {e.item.lower() for e in result.errors}
    result.errors.extend(unlisted("github", {o: before[o] for o in listed if o in before},
                                  {r.repo_id for r in result.records}, result.errors))
    stage.done("GitHub", f"{len(result.errors):,} failed" if result.errors else "", count=len(result.records))
    batch = spool.Batch("github", summary.run_id, day, {
        "repos": load.repo_frame(result.records),
        "entity_repos": load.entity_repo_frame(entity_repo_pairs(entities, result, known)),
        "http_cache": load.cache_frame(result.cache_updates),
        "errors": load.error_frame(result.errors)})
    _store(summary, outcome, batch)
    outcome.stats, outcome.errors = result.stats, list(result.errors)
    return outcome


def collect_huggingface(config: Config, entities: Sequence[Entity], summary: RunSummary, day: date,
                        stage: Stage, stop: threading.Event | None = None) -> SourceOutcome:
    outcome = SourceOutcome("huggingface")
    authors = unique(a for e in entities for a in e.hf_authors)
    if not authors:
        return outcome
    with db.open_read(summary.db_path) as con:
        before = load.author_model_items(con)
    expected = {a.lower(): len(before[a.lower()]) for a in authors if a.lower() in before}
    stage.start("Hugging Face", f"{len(authors)} authors", total=len(authors))
    source = HuggingFaceSource(config.huggingface.endpoint, config.huggingface.token, config.huggingface.retry,
                               stop=stop)
    records, errors = source.fetch(authors, progress=lambda n: stage.update("Hugging Face", n),
                                   expected=expected)
    failed_authors = {e.item.lower() for e in errors}
    listed = {a.lower() for a in authors} - failed_authors
    errors = [*errors, *unlisted("huggingface", {a: before[a] for a in listed if a in before},
                                 {r.model_id.lower() for r in records}, errors)]
    stage.done("Hugging Face", f"{len(records):,} models")
    batch = spool.Batch("huggingface", summary.run_id, day,
                        {"models": load.model_frame(records), "errors": load.error_frame(errors)})
    _store(summary, outcome, batch)
    outcome.stats, outcome.errors = source.stats, list(errors)
    return outcome


def unlisted(source: str, before: Mapping[str, Mapping[object, str]], seen: set[object],
             errors: Sequence[ItemError]) -> list[ItemError]:
    """A `not_listed` warning for each repo or model an owner had on its last collected day that today's complete
    listing of that owner lacks (and that has no error of its own): counted, never silently gone."""
    named = {e.item.lower() for e in errors}
    now = datetime.now(UTC)
    return [ItemError(source=source, item=name, kind="not_listed",  # type: ignore[arg-type]
                      message=f"listed under {owner} on its last collected day, not in today's listing", at=now)
            for owner, items in sorted(before.items()) for key, name in sorted(items.items(), key=lambda kv: kv[1])
            if key not in seen and name.lower() not in named]


def _store(summary: RunSummary, outcome: SourceOutcome, batch: spool.Batch) -> None:
    """Load a source's batch now, or leave it in `<db>.pending/` when readers keep the file too long."""
    stored = spool.store(summary.db_path, batch, summary.load_wait)
    if stored is None:
        outcome.spooled = batch.rows
    else:
        outcome.stored = stored


def guarded(name: str, step: Callable[..., SourceOutcome], *args: object) -> SourceOutcome:
    """Run one source step; an unexpected failure becomes an error of that source, never a lost run."""
    try:
        return step(*args)
    except (db.WarehouseBusy, db.WarehouseMissing):
        raise
    except Exception as exc:  # the run row must still be closed and the other source still run
        log.exception("%s failed", name)
        message = " ".join(f"{type(exc).__name__}: {exc}".split())[:300]
        error = ItemError(source=name, item="*", kind="error", message=message, at=datetime.now(UTC))  # type: ignore[arg-type]
        return SourceOutcome(name, errors=[error], pending_errors=[error])


def prepare(config: Config, db_path: Path, command: str, sources: Sequence[str], entity_key: str | None,
            load_wait: float = LOAD_WAIT_SECONDS) -> int:
    """Migrate, load what earlier runs left in `pending/`, mirror config into the warehouse, close runs a dead
    process left open, start a run row."""
    now = datetime.now(UTC)
    with db.writing(db_path, load_wait, purpose="start the run") as con:
        spool.load_pending(con, db_path)
        runs.mark_interrupted(con)
        with db.transaction(con):
            load.sync_entities(con, config.entities, now)
            events.load_events(con, config.events, config.crossovers)
        return runs.start_run(con, command, ",".join(sources), entity_key, __version__)


def run_status(summary: RunSummary, interrupted: bool) -> str:
    """interrupted | failed (items tried, nothing stored) | partial (failures or a spooled load) | ok."""
    failed = sum(1 for o in summary.outcomes for e in o.errors if e.kind not in WARNING_KINDS)
    kept = sum(o.stored + o.spooled for o in summary.outcomes)
    if interrupted:
        return "interrupted"
    if failed and not kept:
        return "failed"
    return "partial" if failed or any(o.spooled for o in summary.outcomes) else "ok"


def finish(summary: RunSummary, interrupted: bool) -> RunSummary:
    summary.status = run_status(summary, interrupted)
    summary.finished_at = datetime.now(UTC)
    waiting = [o.name for o in summary.outcomes if o.spooled]
    if waiting:
        note = (f"the warehouse was held open by another process: the {' and '.join(waiting)} load waits in "
                f"{spool.pending_dir(summary.db_path)} and is loaded by the next run")
        summary.message = f"{summary.message}; {note}" if summary.message else note
    github = summary.outcome("github")
    hf = summary.outcome("huggingface")
    stats = github.stats if github else SourceStats()
    pending = [e for o in summary.outcomes for e in o.pending_errors]
    values = {"status": summary.status,
              "repos_stored": (github.stored + github.spooled) if github else 0,
              "models_stored": (hf.stored + hf.spooled) if hf else 0,
              "github_requests": (stats.requests + github.history_requests) if github else 0,
              "hf_requests": hf.stats.requests if hf else 0,
              "rate_limit_remaining": stats.rate_limit_remaining,
              "rate_limit_reset": stats.rate_limit_reset,
              "items_failed": sum(e.kind not in WARNING_KINDS for o in summary.outcomes for e in o.errors),
              "message": summary.message or None}
    batch = spool.Batch("run", summary.run_id, summary.finished_at.date(),
                        {"errors": load.error_frame(pending)}, finish=values)
    if spool.store(summary.db_path, batch, summary.load_wait) is None:
        note = (f"this run's record waits in {spool.pending_dir(summary.db_path)} (it shows as running until "
                "the next run loads it)")
        summary.message = f"{summary.message}; {note}" if summary.message else note
    return summary


def run_collection(config: Config, db_path: Path, *, sources: Sequence[str] = SOURCES, entity_key: str | None = None,
                   stage: Stage | None = None, stop: threading.Event | None = None, command: str = "collect",
                   lock_wait: float = 30.0, load_wait: float = LOAD_WAIT_SECONDS) -> RunSummary:
    """Collect every source for every entity (or one) into the warehouse; never raises for item failures.

    `load_wait`: how long each load waits for readers to let go of the file before it is spooled."""
    stage = stage or Stage()
    entities = [config.entity(entity_key)] if entity_key else list(config.entities)
    with warehouse_lock(db_path, command, lock_wait):
        run_id = prepare(config, db_path, command, sources, entity_key, load_wait)
        summary = RunSummary(run_id=run_id, db_path=db_path, started_at=datetime.now(UTC), command=command,
                             load_wait=load_wait)
        try:
            return collect_sources(config, entities, summary, sources, stage, stop)
        except BaseException as exc:  # never leave the run row 'running': record why it failed, then re-raise
            close_failed(summary, exc)
            raise


def collect_sources(config: Config, entities: Sequence[Entity], summary: RunSummary, sources: Sequence[str],
                    stage: Stage, stop: threading.Event | None) -> RunSummary:
    day = utc_today()
    steps = {"github": collect_github, "huggingface": collect_huggingface}
    interrupted = False
    for index, name in enumerate(sources):
        if stop is not None and stop.is_set():
            interrupted = True
            summary.message = f"stopped before {name}"
            break
        summary.outcomes.append(guarded(name, steps[name], config, entities, summary, day, stage, stop))
        if stop is not None and stop.is_set():  # the source stopped early: what it read is loaded, consistently
            interrupted = True
            rest = sources[index + 1:]
            summary.message = (f"stopped during {name} (what it read before the stop is loaded)"
                               + (f"; not started: {', '.join(rest)}" if rest else ""))
            break
    github = summary.outcome("github")
    # no upkeep after GitHub stopped early (rate limit spent, host unreachable): it would fail the same way
    if github is not None and github.stored and not github.spooled and not interrupted \
            and not github.stats.stopped_reason:
        github.history_requests = history_upkeep(config, summary.db_path, summary.run_id, stage, github)
    return finish(summary, interrupted)


def close_failed(summary: RunSummary, exc: BaseException) -> None:
    """Best effort: mark the run failed (or interrupted on Ctrl-C) with a one-line reason."""
    status = "interrupted" if isinstance(exc, KeyboardInterrupt) else "failed"
    message = " ".join(f"{type(exc).__name__}: {exc}".split())[:300]
    try:
        with db.writing(summary.db_path, wait_seconds=5) as con:
            runs.finish_run(con, summary.run_id, status, message=message)
    except Exception:  # the warehouse itself is the problem; mark_interrupted closes the row next time
        log.warning("could not record run %s as %s", summary.run_id, status)


def history_upkeep(config: Config, db_path: Path, run_id: int, stage: Stage, github: SourceOutcome) -> int:
    """Refresh the newest star-history page of repos whose star count changed (see collector/backfill.py)."""
    from collector.backfill import upkeep_history

    try:
        result = upkeep_history(config, db_path, run_id=run_id, stage=stage)
    except Exception as exc:  # the snapshots are stored; a history failure is an error of that step only
        log.exception("star-history upkeep failed")
        message = " ".join(f"star-history upkeep: {type(exc).__name__}: {exc}".split())[:300]
        error = ItemError(source="github", item="star-history", kind="error", message=message, at=datetime.now(UTC))
        github.errors.append(error)
        github.pending_errors.append(error)
        return 0
    github.errors.extend(result.errors)  # upkeep stored them in run_errors already
    return result.requests


@contextmanager
def stop_on_signals(stop: threading.Event, *, interrupt: bool = False,
                    what: str = "finishing the current request") -> Iterator[None]:
    """The first SIGTERM or SIGINT sets `stop` (with `interrupt`, raises KeyboardInterrupt in the main thread
    instead) and logs one line; a second one exits at once (128 + signal number; the next run marks the run
    row interrupted). Outside the main thread, or on exit, the previous handlers are kept/restored."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: FrameType | None) -> None:
        name = signal.Signals(signum).name
        if stop.is_set():
            log.error("second %s: exiting now; nothing half-loaded is committed", name)
            logging.shutdown()
            os._exit(128 + signum)
        stop.set()
        log.warning("%s: stopping after %s; what was fetched and complete is loaded (send it again to exit now)",
                    name, what)
        if interrupt:
            raise KeyboardInterrupt(name)

    previous: dict[int, Any] = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
