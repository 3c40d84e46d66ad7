"""The run log: start, finish, errors, freshness, and runs left open by a dead process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from sources.records import ItemError
from warehouse.db import open_write
from warehouse.load import load_errors
from warehouse.runs import finish_run, last_runs, mark_interrupted, newest_snapshots, run_errors, start_run

T1 = datetime(2025, 1, 20, 3, 0, tzinfo=UTC)


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = open_write(tmp_path / "w.duckdb")
    yield connection
    connection.close()


def test_start_and_finish_a_run(con: duckdb.DuckDBPyConnection) -> None:
    first = start_run(con, "collect", ["github", "huggingface"], None, "0.1.0")
    second = start_run(con, "backfill", "github", ["qwen", "glm"], "0.1.0")
    assert (first, second) == (1, 2)
    finish_run(
        con, first, "partial", repos_stored=40, models_stored=12, github_requests=3, hf_requests=2,
        rate_limit_remaining=4990, rate_limit_reset=T1, items_failed=1, message="1 item failed",
    )
    newest, oldest = last_runs(con)
    assert newest["run_id"] == 2 and newest["status"] == "running" and newest["finished_at"] is None
    assert [newest[k] for k in ("command", "sources", "entity_filter")] == ["backfill", "github", "qwen,glm"]
    assert (newest["pid"], newest["host"]) == (os.getpid(), socket.gethostname())
    expected = {
        "run_id": 1, "command": "collect", "status": "partial", "sources": "github,huggingface",
        "entity_filter": None, "repos_stored": 40, "models_stored": 12, "github_requests": 3,
        "hf_requests": 2, "rate_limit_remaining": 4990, "rate_limit_reset": T1, "items_failed": 1,
        "message": "1 item failed", "collector_version": "0.1.0",
    }
    assert {k: oldest[k] for k in expected} == expected
    assert oldest["started_at"] <= oldest["finished_at"]
    assert [r["run_id"] for r in last_runs(con, limit=1)] == [2]


def test_finish_rejects_an_unknown_status(con: duckdb.DuckDBPyConnection) -> None:
    run_id = start_run(con, "collect", "github", None, "0.1.0")
    expected = "run status must be one of ok, partial, failed, interrupted, not 'done'"
    with pytest.raises(ValueError, match=expected):
        finish_run(con, run_id, "done")


def test_run_errors_of_one_run_in_order(con: duckdb.DuckDBPyConnection) -> None:
    load_errors(con, 1, [ItemError("huggingface", "x", "error", "boom", T1 + timedelta(seconds=5)),
                         ItemError("github", "a/b", "blocked", "451", T1)])
    load_errors(con, 2, [ItemError("github", "c/d", "not_found", "gone", T1)])
    assert run_errors(con, 1) == [
        {"source": "github", "item": "a/b", "kind": "blocked", "message": "451", "error_at": T1},
        {"source": "huggingface", "item": "x", "kind": "error", "message": "boom",
         "error_at": T1 + timedelta(seconds=5)},
    ]
    assert run_errors(con, 3) == []


def test_newest_snapshots_per_source(con: duckdb.DuckDBPyConnection) -> None:
    assert newest_snapshots(con) == {"github": None, "huggingface": None, "star_history": None}
    con.execute(
        "insert into github_repo_snapshots (snapshot_date, repo_id, repo, stars, via, fetched_at) values "
        "('2025-01-19', 1, 'a/x', 1, 'graphql', now()), ('2025-01-20', 1, 'a/x', 2, 'graphql', now())"
    )
    con.execute("insert into hf_model_snapshots (snapshot_date, model_id, author, fetched_at) "
                "values ('2025-01-18', 'a/m', 'a', now())")
    assert newest_snapshots(con) == {"github": date(2025, 1, 20), "huggingface": date(2025, 1, 18),
                                     "star_history": None}


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait(timeout=10)
    return proc.pid


def test_mark_interrupted_only_closes_runs_of_dead_processes(con: duckdb.DuckDBPyConnection) -> None:
    ids = [start_run(con, "collect", "github", None, "0.1.0") for _ in range(5)]
    here = socket.gethostname()
    old = datetime.now(UTC) - timedelta(days=2)
    updates = [  # (pid, host, started_at) per run; run 1 keeps this live process
        (dead_pid(), here, datetime.now(UTC)),
        (12345, "elsewhere", datetime.now(UTC)),
        (12345, "elsewhere", old),
    ]
    for run_id, (pid, host, started) in zip(ids[1:4], updates, strict=True):
        con.execute("update runs set pid = ?, host = ?, started_at = ? where run_id = ?",
                    [pid, host, started, run_id])
    finish_run(con, ids[4], "ok")
    assert mark_interrupted(con) == [2, 4]
    statuses = con.execute("select run_id, status, finished_at is not null, message from runs order by 1")
    gone = "the collecting process ended before the run finished"
    assert statuses.fetchall() == [
        (1, "running", False, None),
        (2, "interrupted", True, gone),
        (3, "running", False, None),
        (4, "interrupted", True, gone),
        (5, "ok", True, None),
    ]
    assert mark_interrupted(con) == []


def test_newest_fetches_ignore_imports(tmp_path) -> None:
    import duckdb as _duckdb

    from warehouse.migrate import migrate
    from warehouse.runs import newest_fetches

    with _duckdb.connect(str(tmp_path / "f.duckdb")) as con:
        migrate(con)
        con.execute("""insert into github_repo_snapshots (snapshot_date, repo_id, repo, stars, via, origin, fetched_at)
                       values ('2026-11-01', 1, 'a/b', 5, 'graphql', 'collected', '2026-11-01 03:00:00+00'),
                              ('2026-11-20', 1, 'a/b', 9, 'import', 'imported:x.csv', '2026-11-28 10:00:00+00')""")
        fetched = newest_fetches(con)
    assert fetched["huggingface"] is None
    assert fetched["github"].isoformat().startswith("2026-11-01T03:00:00")
