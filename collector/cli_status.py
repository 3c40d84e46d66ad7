"""`openwave status`: the last runs, their errors, the next scheduled run and data freshness per source."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click
from rich.markup import escape
from rich.table import Table

from collector.cli_query import NULL
from collector.options import UsageError, config_option, db_option, open_read, resolve_db
from collector.progress import stdout_console
from collector.report import error_lines
from collector.scheduler_state import freshness, next_run, read_state
from collector.terminal import printable
from warehouse import runs

MAX_ERROR_LINES = 20


def _fmt(value: object) -> str:
    if value is None:
        return NULL
    if isinstance(value, datetime):
        return f"{value.astimezone(UTC):%Y-%m-%d %H:%M:%S}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


@click.command()
@config_option
@db_option
@click.option("--runs", "limit", type=int, default=5, show_default=True, help="how many runs to show")
def status(config_path: str | None, db_path: str | None, limit: int) -> None:
    """Show the last runs, their errors, the next scheduled run and the newest snapshot per source.

    --runs 0 shows no runs (nor the errors of the last one); a negative --runs exits 2. Times are UTC; the
    next run also shows in the [schedule] timezone when that is not UTC.
    """
    if limit < 0:
        raise UsageError(f"--runs {limit}: give 0 or more runs to show")
    path = resolve_db(db_path, config_path)
    with open_read(path) as con:
        recent = runs.last_runs(con, limit) if limit else []
        any_run = bool(recent) or bool(runs.last_runs(con, 1))
        newest = runs.newest_snapshots(con)
        fetched = runs.newest_fetches(con)
        errors = runs.run_errors(con, recent[0]["run_id"]) if recent else []
    console = stdout_console()
    console.print(f"[bold]warehouse[/] {escape(str(path))}")
    table = Table(title="last runs", title_justify="left")
    for column in ("run", "command", "started (UTC)", "status", "repos", "models", "GitHub req", "Hub req",
                   "failed", "rate limit left"):
        table.add_column(column, justify="right" if column not in ("command", "status") else "left")
    for run in recent:
        table.add_row(*(escape(_fmt(run.get(key))) for key in (
            "run_id", "command", "started_at", "status", "repos_stored", "models_stored", "github_requests",
            "hf_requests", "items_failed", "rate_limit_remaining")))
    if recent:
        console.print(table)
    elif any_run:
        console.print("last runs: none shown (--runs 0)")
    else:
        console.print("no runs yet: run `openwave collect` (or `openwave demo`)")
    if recent and recent[0].get("message"):
        console.print(escape(printable(f"run {recent[0]['run_id']}: {recent[0]['message']}")), highlight=False)
    if errors:
        console.print(f"[bold]errors of run {recent[0]['run_id']}[/] ({len(errors):,})")
        lines = error_lines([(e["source"], e["item"], e["kind"], e["message"]) for e in errors])
        for line in lines[:MAX_ERROR_LINES]:
            console.print(escape(printable(line)), highlight=False)
        if len(lines) > MAX_ERROR_LINES:
            console.print(f"  … and {len(lines) - MAX_ERROR_LINES:,} more: openwave query \"select * from run_errors "
                          f"where run_id = {recent[0]['run_id']}\"")
    console.print("[bold]newest data[/]")
    for source, day in newest.items():
        when = fetched.get(source)
        console.print(f"  {source}: {_fmt(day)}" + (f" (collected {_fmt(when)} UTC)" if when else ""))
    # freshness is when rows were last collected (not the snapshot day, not imports, not star-history days)
    for warning in freshness(fetched, datetime.now(UTC)):
        console.print(f"[yellow]warning[/]: {escape(warning)}")
    upcoming = next_run(path)
    console.print(f"[bold]scheduler[/]: next run {escape(next_run_text(upcoming, path))}" if upcoming
                  else "[bold]scheduler[/]: not running for this warehouse")


def next_run_text(upcoming: datetime, db_path: Path) -> str:
    """`2026-01-02 03:00:00 UTC`, plus the time in the scheduler's timezone when that is not UTC."""
    text = f"{_fmt(upcoming)} UTC"
    zone = (read_state(db_path) or {}).get("timezone")
    if not isinstance(zone, str) or zone.upper() in ("UTC", "ETC/UTC"):
        return text
    try:
        local = upcoming.astimezone(ZoneInfo(zone))
    except (ZoneInfoNotFoundError, ValueError):
        return text
    return f"{text} ({local:%Y-%m-%d %H:%M:%S} {zone})"
