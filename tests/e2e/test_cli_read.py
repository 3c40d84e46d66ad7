"""`openwave query`, `status` and `demo` end to end, as a user runs them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from sources.standin import StandinServer
from tests.e2e.conftest import run_openwave, write_config

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


def test_query_errors_are_one_line(collected: Path) -> None:
    bad = run_openwave("query", "selec 1", "--config", str(collected))
    assert bad.returncode == 2
    assert bad.stderr.strip().count("\n") == 0 and "syntax error" in bad.stderr
    write = run_openwave("query", "delete from runs", "--config", str(collected))
    assert write.returncode == 2 and "read-only" in write.stderr.lower()
    missing = run_openwave("query", "select 1", "--db", str(collected.parent / "nope.duckdb"))
    assert missing.returncode == 1
    assert "no warehouse at" in missing.stderr and "openwave collect" in missing.stderr


def test_status_shows_runs_errors_and_freshness(collected: Path) -> None:
    result = run_openwave("status", "--config", str(collected))
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "partial" in out and "deepseek-ai/Gone: not_found" in out
    assert "github:" in out and "huggingface:" in out
    assert "not running for this warehouse" in out
    assert "warning" not in out  # today's snapshots are fresh


def test_demo_runs_offline_and_says_the_data_is_synthetic(tmp_path: Path) -> None:
    shutil.copy(ROOT / "config.toml", tmp_path / "config.toml")
    result = run_openwave("demo", cwd=tmp_path, token=False, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("SYNTHETIC DATA") == 2
    assert "Comparison by lab" in result.stdout and "DeepSeek" in result.stdout
    db = tmp_path / "data" / "openwave-demo.duckdb"
    with duckdb.connect(str(db), read_only=True) as con:
        entities = con.execute("select count(*) from lab_comparison").fetchone()[0]
        runs = con.execute("select command, status from runs").fetchall()
        reconstructed = con.execute("select count(*) from repo_stars_daily where basis = 'reconstructed'").fetchone()[0]
    assert entities == 31
    assert runs == [("demo", "ok"), ("backfill", "ok")]
    assert reconstructed > 0
    assert not (tmp_path / "data" / "openwave.duckdb").exists()  # never the real warehouse
