"""The run log: one `runs` row per collection run, its item errors, and data freshness per source."""

from __future__ import annotations

import os
import socket
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

import duckdb

from warehouse.migrate import has_table

FINAL_STATUSES = ("ok", "partial", "failed", "interrupted")
FOREIGN_HOST_STALE = timedelta(days=1)  # a run of another host still 'running' after this is presumed dead

# source -> (table, date column) for newest_snapshots; a table a migration has not created yet is skipped
FRESHNESS = {
    "github": ("github_repo_snapshots", "snapshot_date"),
    "huggingface": ("hf_model_snapshots", "snapshot_date"),
    "star_history": ("github_star_history", "day"),
}


def _now() -> datetime:
    return datetime.now(UTC)


def _text(value: str | Sequence[str] | None) -> str | None:
    if value is None or isinstance(value, str):
        return value or None
    return ",".join(value) or None


def _dicts(cursor: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    names = [d[0] for d in cursor.description or ()]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def start_run(
    con: duckdb.DuckDBPyConnection,
    command: str,
    sources: str | Sequence[str] | None,
    entity_filter: str | Sequence[str] | None,
    version: str | None,
) -> int:
    """Record a run as 'running' (with this process's PID and host); return its run_id."""
    row = con.execute(
        """
        insert into runs (command, started_at, status, sources, entity_filter, collector_version, pid, host)
        values (?, ?, 'running', ?, ?, ?, ?, ?) returning run_id
        """,
        [command, _now(), _text(sources), _text(entity_filter), version, os.getpid(), socket.gethostname()],
    ).fetchone()
    assert row is not None  # INSERT ... RETURNING always yields the row
    return int(row[0])


def finish_run(
    con: duckdb.DuckDBPyConnection,
    run_id: int,
    status: str,
    *,
    repos_stored: int = 0,
    models_stored: int = 0,
    github_requests: int = 0,
    hf_requests: int = 0,
    rate_limit_remaining: int | None = None,
    rate_limit_reset: datetime | None = None,
    items_failed: int = 0,
    message: str | None = None,
) -> None:
    """Close a run with its final status ('ok', 'partial', 'failed' or 'interrupted') and its counters."""
    if status not in FINAL_STATUSES:
        raise ValueError(f"run status must be one of {', '.join(FINAL_STATUSES)}, not {status!r}")
    con.execute(
        """
        update runs set finished_at = ?, status = ?, repos_stored = ?, models_stored = ?, github_requests = ?,
            hf_requests = ?, rate_limit_remaining = ?, rate_limit_reset = ?, items_failed = ?, message = ?
        where run_id = ?
        """,
        [_now(), status, repos_stored, models_stored, github_requests, hf_requests, rate_limit_remaining,
         rate_limit_reset, items_failed, message, run_id],
    )


def last_runs(con: duckdb.DuckDBPyConnection, limit: int = 10) -> list[dict[str, Any]]:
    """The newest runs first, every column of `runs` as a dict."""
    return _dicts(con.execute("select * from runs order by run_id desc limit ?", [limit]))


def run_errors(con: duckdb.DuckDBPyConnection, run_id: int) -> list[dict[str, Any]]:
    """The item errors of one run, in the order they happened."""
    return _dicts(
        con.execute(
            'select source, item, kind, message, error_at from run_errors where run_id = ? '
            'order by error_at, source, item',
            [run_id],
        )
    )


def newest_snapshots(con: duckdb.DuckDBPyConnection) -> dict[str, date | None]:
    """The newest stored day per source: 'github', 'huggingface', and 'star_history' once its table exists."""
    newest: dict[str, date | None] = {}
    for source, (table, column) in FRESHNESS.items():
        if has_table(con, table):
            row = con.execute(f"select max({column}) from {table}").fetchone()
            newest[source] = row[0] if row else None
    return newest


def newest_fetches(con: duckdb.DuckDBPyConnection) -> dict[str, datetime | None]:
    """When each nightly source last stored collected rows (max fetched_at; imports don't count)."""
    newest: dict[str, datetime | None] = {}
    for source in ("github", "huggingface"):
        table = FRESHNESS[source][0]
        row = con.execute(f"select max(fetched_at) from {table} where origin = 'collected'").fetchone()
        newest[source] = row[0] if row else None
    return newest


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, owned by someone else
        return True
    return True


def mark_interrupted(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Mark as 'interrupted' the runs left 'running' by a process that has died; return their ids.

    A run of this host is dead when its PID no longer exists; a run of another host when it started more than
    a day ago.
    """
    host = socket.gethostname()
    rows = con.execute("select run_id, pid, host, started_at from runs where status = 'running'").fetchall()
    dead = [
        run_id
        for run_id, pid, run_host, started_at in rows
        if (run_host == host and (pid is None or not _alive(pid)))
        or (run_host != host and started_at < _now() - FOREIGN_HOST_STALE)
    ]
    if dead:
        con.execute(
            """
            update runs set status = 'interrupted', finished_at = coalesce(finished_at, ?),
                message = coalesce(message, 'the collecting process ended before the run finished')
            where list_contains(?, run_id)
            """,
            [_now(), dead],
        )
    return dead


def is_synthetic(con: duckdb.DuckDBPyConnection) -> bool:
    """True when `openwave demo` wrote into this warehouse (its runs are recorded with command 'demo')."""
    return bool(con.execute("select count(*) from runs where command = 'demo'").fetchall()[0][0])
