"""`openwave digest` end to end: a collected warehouse, history imported from star-history.com and Daily Stars
Explorer exports, and the digest's JSON equal to what the views and macros say for the same days."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from sources.standin import StandinServer
from tests.e2e.conftest import TODAY, run_openwave, small_universe, write_config

CROSSOVER = '[[crossover]]\na = "deepseek-ai/FlashMLA"\nb = "zai-org/GLM-4"\n'
START = TODAY - timedelta(days=22)  # imported days: START + i, i = 0..12
FROM, TO = START + timedelta(days=2), START + timedelta(days=10)


def day(i: int) -> str:
    return (START + timedelta(days=i)).isoformat()


def js_date(i: int) -> str:
    """How star-history.com's CSV writes a day (a browser's Date.toString())."""
    value = START + timedelta(days=i)
    return value.strftime("%a %b %d %Y") + " 00:00:00 GMT+0800 (China Standard Time)"


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Collected once (deepseek-ai/Gone is not found: exit 1), then 13 days of history: DeepSeek-V3
    95,000 + 100 i and THUDM/GLM-4 (renamed zai-org) 1,100 + 5 i from star-history.com's CSV, FlashMLA
    900 + 40 i from Daily Stars Explorer's. The tests only read it."""
    tmp_path = tmp_path_factory.mktemp("digest")
    with StandinServer(small_universe()) as standin:
        config = write_config(tmp_path, standin, extra=CROSSOVER)
        collected = run_openwave("collect", "--config", str(config))
    assert collected.returncode == 1, collected.stdout + collected.stderr
    history = tmp_path / "star-history-2026.csv"
    history.write_text("Repository,Date,Stars\n" + "".join(
        f"deepseek-ai/DeepSeek-V3,{js_date(i)},{95_000 + 100 * i}\nTHUDM/GLM-4,{js_date(i)},{1_100 + 5 * i}\n"
        for i in range(13)))
    daily = tmp_path / "deepseek-ai_FlashMLA-stars-history.csv"
    daily.write_text("date,day-stars,total-stars\n" + "\n".join(
        f"{(START + timedelta(days=i)).strftime('%d-%m-%Y')},40,{900 + 40 * i}" for i in range(13)))
    for file in (history, daily):
        done = run_openwave("import", "github-snapshots", str(file), "--config", str(config))
        assert done.returncode == 0, done.stdout + done.stderr
    return config


def query(config: Path, sql: str) -> list[dict]:
    """The rows of a query as JSON-ready dicts, read straight from the warehouse file (what `duckdb` sees)."""
    with duckdb.connect(str(config.parent / "wh" / "openwave.duckdb"), read_only=True) as con:
        cursor = con.execute(sql)
        names = [column[0] for column in cursor.description]
        return [{k: v.isoformat() if isinstance(v, date) else v for k, v in zip(names, row, strict=True)}
                for row in cursor.fetchall()]


def test_digest_json_over_imported_history_equals_the_views(imported: Path) -> None:
    done = run_openwave("digest", "--from", FROM.isoformat(), "--to", TO.isoformat(), "--format", "json",
                        "--config", str(imported))
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout)

    assert (got["from"], got["to"], got["synthetic"]) == (FROM.isoformat(), TO.isoformat(), False)
    # V3 +800 (i 2 -> 10), FlashMLA +320; R1 has no history: uncounted. GLM-4 +40. llama3: nothing
    assert [(x["entity_key"], x["stars_gained"], x["repos_counted"], x["repos_uncounted"], x["basis"])
            for x in got["labs"]] == [
        ("deepseek", 1120, 2, 1, "observed"), ("zhipu", 40, 1, 0, "observed"), ("meta", None, 0, 1, None)]
    assert [(x["repo"], x["stars_gained"]) for x in got["repos"]] == [
        ("deepseek-ai/DeepSeek-V3", 800), ("deepseek-ai/FlashMLA", 320), ("zai-org/GLM-4", 40)]
    # FlashMLA (created 2025-02-21): 980 on i = 2, 1,020 on i = 3; it passes GLM-4 on i = 6 (1,140 > 1,130)
    taken = (START + timedelta(days=3) - date(2025, 2, 21)).days
    assert got["milestones"] == [{"entity_key": "deepseek", "repo": "deepseek-ai/FlashMLA", "threshold": 1000,
                                  "day": day(3), "days_taken": taken, "basis": "observed"}]
    assert got["crossovers"] == [{"entity_key": "deepseek", "repo": "deepseek-ai/FlashMLA",
                                  "other_repo": "zai-org/GLM-4", "day": day(6), "stars": 1140,
                                  "other_stars": 1130, "basis": "observed"}]

    window = f"'{FROM}', '{TO}'"
    labs = query(imported, f"select entity_key, stars_gained, repos_counted, repos_uncounted, basis "
                           f"from lab_gains_between({window})")
    assert sorted(labs, key=lambda x: x["entity_key"]) == sorted(
        ({k: x[k] for k in labs[0]} for x in got["labs"]), key=lambda x: x["entity_key"])
    milestones = query(imported, f"select repo, threshold, first_day as day from star_milestones "
                                 f"where first_day > '{FROM}' and first_day <= '{TO}'")
    assert milestones == [{k: x[k] for k in ("repo", "threshold", "day")} for x in got["milestones"]]
    crossovers = query(imported, f"select repo_a as repo, repo_b as other_repo, crossover_day as day "
                                 f"from star_crossovers where crossover_day > '{FROM}' and crossover_day <= '{TO}'")
    assert crossovers == [{k: x[k] for k in ("repo", "other_repo", "day")} for x in got["crossovers"]]


def test_default_digest_is_the_last_7_days_as_lab_growth(imported: Path, tmp_path: Path) -> None:
    out = tmp_path / "digest.json"
    done = run_openwave("digest", "--days", "7", "--format", "json", "--output", str(out), "--config",
                        str(imported))
    assert done.returncode == 0, done.stderr
    got = json.loads(out.read_text())
    growth = query(imported, "select entity_key, stars_gained_7d from lab_growth")
    # 7 days ago is 3 days after the last imported day: bridged. V3 100,000 - 96,200, FlashMLA 12,000 - 1,380,
    # GLM-4 7,000 - 1,160
    assert {x["entity_key"]: x["stars_gained"] for x in got["labs"]} == {
        x["entity_key"]: x["stars_gained_7d"] for x in growth} == {"deepseek": 14420, "zhipu": 5840, "meta": None}
    assert (got["from"], got["to"]) == ((TODAY - timedelta(days=7)).isoformat(), TODAY.isoformat())

    markdown = run_openwave("digest", "--config", str(imported))
    assert markdown.returncode == 0
    assert markdown.stdout.startswith(f"# openwave digest: {TODAY - timedelta(days=7)} to {TODAY}\n")
    assert "SYNTHETIC" not in markdown.stdout


@pytest.mark.parametrize(("args", "message"), [
    (("--from", "2026-13-01"), "Error: --from '2026-13-01': not a YYYY-MM-DD date"),
    (("--days", "7", "--from", "2026-01-01"), "Error: give --days or --from, not both"),
])
def test_bad_usage_exits_2_with_one_line(imported: Path, args: tuple[str, ...], message: str) -> None:
    done = run_openwave("digest", *args, "--config", str(imported))
    assert (done.returncode, done.stderr) == (2, message + "\n")
