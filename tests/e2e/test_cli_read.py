"""`openwave query` and `status` end to end, as a user runs them (demo: tests/e2e/test_first_hour.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sources.standin import StandinServer
from tests.e2e.conftest import OPENWAVE, run_openwave, write_config
from warehouse import db, runs

ROOT = Path(__file__).resolve().parents[2]
SQL = "select repo_id, repo, stars from github_repo_snapshots order by repo_id limit 2"


@pytest.fixture
def collected(tmp_path: Path, standin: StandinServer) -> Path:
    config = write_config(tmp_path, standin)
    assert run_openwave("collect", "--config", str(config)).returncode == 1  # the deleted repo
    return config


def test_query_formats(collected: Path) -> None:
    csv = run_openwave("query", SQL, "--config", str(collected), "--format", "csv")
    assert csv.returncode == 0, csv.stderr
    assert csv.stdout.splitlines() == ["repo_id,repo,stars", "101,deepseek-ai/DeepSeek-V3,100000",
                                       "102,deepseek-ai/DeepSeek-R1,90000"]
    text = run_openwave("query", SQL, "--config", str(collected), "--format", "json").stdout
    assert json.loads(text) == [
        {"repo_id": 101, "repo": "deepseek-ai/DeepSeek-V3", "stars": 100000},
        {"repo_id": 102, "repo": "deepseek-ai/DeepSeek-R1", "stars": 90000}]
    markdown = run_openwave("query", SQL, "--config", str(collected), "--format", "markdown").stdout.splitlines()
    assert markdown[0].split("|")[1:-1] == [" repo_id ", " repo                    ", "  stars "]
    assert markdown[1] == "| ------: | ----------------------- | -----: |"
    assert markdown[2].replace(" ", "") == "|101|deepseek-ai/DeepSeek-V3|100000|"
    table = run_openwave("query", SQL, "--config", str(collected))
    assert "100,000" in table.stdout and "2 rows" in table.stdout


def test_query_binds_parameters_and_reads_stdin(collected: Path) -> None:
    bound = run_openwave("query", "select stars from github_repo_snapshots where repo = $name", "-p", "name",
                         "zai-org/GLM-4", "--config", str(collected), "--format", "csv")
    assert bound.stdout.splitlines() == ["stars", "7000"]
    piped = subprocess.run([OPENWAVE, "query", "-", "-p", "name", "zai-org/GLM-4", "--config", str(collected),
                            "--format", "csv"], input="select stars from github_repo_snapshots\nwhere repo = $name;\n",
                           capture_output=True, text=True, timeout=120, check=False)
    assert (piped.returncode, piped.stdout.splitlines()) == (0, ["stars", "7000"]), piped.stderr
    empty = subprocess.run([OPENWAVE, "query", "-", "--config", str(collected)], input="", capture_output=True,
                           text=True, timeout=120, check=False)
    assert (empty.returncode, empty.stderr) == (2, "Error: no SQL given: the statement is empty (stdin was empty)\n")


def test_query_shows_every_statement_and_null_the_same_way(tmp_path: Path) -> None:
    with db.writing(tmp_path / "w.duckdb"):
        pass
    table = run_openwave("query", "select 1 as a; select null as b, 'x' as c", "--db", str(tmp_path / "w.duckdb"))
    assert table.returncode == 0, table.stderr
    lines = table.stdout.splitlines()
    assert lines[0] == "select 1 as a" and lines[6] == "1 row"
    assert lines[7] == "select null as b, 'x' as c" and lines[11] == "│ NULL │ x │" and lines[13] == "1 row"
    markdown = run_openwave("query", "select 1 as a; select 2 as b", "--db", str(tmp_path / "w.duckdb"),
                            "--format", "markdown")
    assert markdown.stdout == "|   a |\n| --: |\n|   1 |\n\n|   b |\n| --: |\n|   2 |\n"


def test_query_errors_are_one_line(collected: Path) -> None:
    bad = run_openwave("query", "selec 1", "--config", str(collected))
    assert bad.returncode == 2
    assert bad.stderr.strip().count("\n") == 0 and "syntax error" in bad.stderr
    write = run_openwave("query", "delete from runs", "--config", str(collected))
    assert write.returncode == 2 and "read-only" in write.stderr.lower()
    missing = run_openwave("query", "select 1", "--db", str(collected.parent / "nope.duckdb"))
    assert missing.returncode == 2
    assert "no warehouse at" in missing.stderr and "openwave collect" in missing.stderr


def test_status_shows_runs_errors_and_freshness(collected: Path) -> None:
    result = run_openwave("status", "--config", str(collected))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "partial" in out and "deepseek-ai/Gone: not_found" in out
    assert "github:" in out and "huggingface:" in out
    assert "not running for this warehouse" in out
    assert "warning" not in out  # today's snapshots are fresh


def test_status_runs_0_interrupted_runs_and_the_next_run_with_its_timezone(tmp_path: Path) -> None:
    db_path = tmp_path / "w.duckdb"
    with db.writing(db_path) as con:
        runs.finish_run(con, runs.start_run(con, "collect", "github", None, "0.1.0"), "ok", repos_stored=3,
                        rate_limit_remaining=None)
        runs.finish_run(con, runs.start_run(con, "collect", "github", None, "0.1.0"), "interrupted",
                        repos_stored=1, message="SIGTERM: stopped")
    shown = run_openwave("status", "--db", str(db_path))
    assert shown.returncode == 0, shown.stderr
    table = [line for line in shown.stdout.splitlines() if line.startswith("│")]
    assert [line.split("│")[4].strip() for line in table] == ["interrupted", "ok"]
    assert all(line.split("│")[10].strip() == "NULL" for line in table)  # rate limit left: NULL, as in query
    assert "run 2: SIGTERM: stopped" in shown.stdout
    # --runs 0: no table, and not "no runs yet" (there are runs)
    none = run_openwave("status", "--db", str(db_path), "--runs", "0")
    assert none.returncode == 0 and "last runs: none shown (--runs 0)" in none.stdout
    assert "no runs yet" not in none.stdout and "│" not in none.stdout
    # a scheduler (this stand-in holds its lock) whose [schedule] timezone is Asia/Shanghai
    holder = subprocess.Popen(
        [sys.executable, "-c", (
            "import sys; from datetime import datetime; from pathlib import Path; from zoneinfo import ZoneInfo\n"
            "from collector import scheduler_state as s\n"
            "db = Path(sys.argv[1]); lock = s.acquire_lock(db)\n"
            "s.write_state(db, timezone='Asia/Shanghai', "
            "next_run_at=datetime(2026, 1, 6, 3, 0, tzinfo=ZoneInfo('Asia/Shanghai')))\n"
            "print('held', flush=True); sys.stdin.read()"), str(db_path)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        planned = run_openwave("status", "--db", str(db_path), "--runs", "0")
    finally:
        holder.communicate("", timeout=30)
    assert "scheduler: next run 2026-01-05 19:00:00 UTC (2026-01-06 03:00:00 Asia/Shanghai)" in planned.stdout
