"""`openwave export` and `openwave views` on a real warehouse file, through click and through a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from collector import options
from collector.cli_data import export, views
from warehouse import db

ROOT = Path(__file__).resolve().parents[2]
TABLES = ("crossover_pairs, entities, entity_github_orgs, entity_github_repos, entity_hf_authors, entity_repos, "
          "events, github_http_cache, github_repo_names, github_repo_snapshots, github_repos, github_star_history, "
          "github_star_history_state, hf_model_snapshots, license_categories, run_errors, runs, schema_migrations, "
          "spool_loads, view_state")


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(db, "VIEW_DIRS", [])  # these tests bring two small views of their own
    path = tmp_path / "w.duckdb"
    with db.writing(path) as con:
        con.execute("""
            insert into github_repos (repo_id, repo, description, first_seen, last_seen) values
                (1, 'a/one', '=cmd|'' /C calc''!A0', '2025-01-01', '2025-02-01'),
                (2, 'a/two', 'fine', '2025-01-01', '2025-02-01');
            create view lab_growth as
                select 'deepseek' as entity_key, 'CN' as region, 1200 as stars, 0.25 as share;
            comment on view lab_growth is 'Stars per lab, gained over 7, 30 and 90 days';
            create view as_of_dates as select date '2025-02-01' as github;
            comment on view as_of_dates is 'The newest snapshot day per source';
        """)
    return path


def invoke(command, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(command, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def test_one_name_goes_to_exports_or_to_stdout_with_output_dash(warehouse: Path, tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert invoke(export, "lab_growth", "--db", str(warehouse)) == (
        0, "created folder exports\nwrote exports/lab_growth.csv (1 row)\n")
    assert (tmp_path / "exports" / "lab_growth.csv").read_text() == (
        "entity_key,region,stars,share\ndeepseek,CN,1200,0.25\n")
    assert invoke(export, "lab_growth", "--format", "json", "--db", str(warehouse)) == (
        0, "wrote exports/lab_growth.json (1 row)\n")  # the folder exists now: nothing said about it
    assert invoke(export, "lab_growth", "-o", "-", "--db", str(warehouse)) == (
        0, "entity_key,region,stars,share\ndeepseek,CN,1200,0.25\n")
    assert invoke(export, "LAB_GROWTH", "--format", "markdown", "--output", "-", "--db", str(warehouse)) == (0, (
        "| entity_key | region | stars | share |\n"
        "| ---------- | ------ | ----: | ----: |\n"
        "| deepseek   | CN     |  1200 |  0.25 |\n"))


def test_one_name_with_output_writes_that_file(warehouse: Path, tmp_path: Path) -> None:
    target = tmp_path / "out" / "repos.csv"
    code, output = invoke(export, "github_repos", "--output", str(target), "--db", str(warehouse))
    assert (code, output) == (0, f"created folder {target.parent}\nwrote {target} (2 rows)\n")
    assert target.read_text().splitlines()[1] == "1,a/one,'=cmd|' /C calc'!A0,,,,,,,2025-01-01,2025-02-01"


@pytest.mark.parametrize(("name", "first_line"), [
    ("out.json", "["), ("out.md", "| entity_key | region | stars | share |"),
    ("OUT.CSV", "entity_key,region,stars,share")])
def test_the_format_follows_the_output_extension(warehouse: Path, tmp_path: Path, name: str, first_line: str) -> None:
    assert invoke(export, "lab_growth", "--output", str(tmp_path / name), "--db", str(warehouse))[0] == 0
    assert (tmp_path / name).read_text().splitlines()[0] == first_line
    assert invoke(export, "lab_growth", "--output", str(tmp_path / "x.parquet"), "--db", str(warehouse))[0] == 0
    assert pl.read_parquet(tmp_path / "x.parquet").row(0) == ("deepseek", "CN", 1200, Decimal("0.25"))


def test_several_names_write_one_file_each(warehouse: Path, tmp_path: Path) -> None:
    folder = tmp_path / "exports"
    code, output = invoke(export, "lab_growth", "as_of_dates", "--format", "json", "-o", str(folder),
                          "--db", str(warehouse))
    assert code == 0
    assert output.splitlines() == [f"created folder {folder}", f"wrote {folder / 'lab_growth.json'} (1 row)",
                                   f"wrote {folder / 'as_of_dates.json'} (1 row)"]
    assert json.loads((folder / "as_of_dates.json").read_text()) == [{"github": "2025-02-01"}]


def test_all_writes_the_comparison_views_and_parquet_round_trips(warehouse: Path, tmp_path: Path) -> None:
    folder = tmp_path / "dump"
    code, _ = invoke(export, "--all", "--format", "parquet", "--output", str(folder), "--db", str(warehouse))
    assert code == 0
    assert sorted(p.stem for p in folder.iterdir()) == ["lab_growth"]  # the comparison views this file has
    code, _ = invoke(export, "github_repos", "--format", "parquet", "--output", str(folder / "repos.parquet"),
                     "--db", str(warehouse))
    assert code == 0
    with db.open_read(warehouse) as con:
        source = con.sql("select * from github_repos").pl()
    assert pl.read_parquet(folder / "repos.parquet").equals(source)


@pytest.mark.parametrize(("args", "message"), [
    (("lab_grwoth",), "Error: unknown view or table 'lab_grwoth'; did you mean 'lab_growth'? (views: as_of_dates, "
                      "lab_growth; tables: " + TABLES + ")\n"),
    (("lab_growth", "--format", "parquet", "-o", "-"),
     "Error: --format parquet is binary: give --output FILE or DIRECTORY, not -\n"),
    ((), "Error: give one or more view or table names, or --all (not both); "
         "`openwave views` lists the views\n"),
])
def test_bad_usage_exits_2(warehouse: Path, args: tuple[str, ...], message: str) -> None:
    assert invoke(export, *args, "--db", str(warehouse)) == (2, message)


def test_views_lists_names_and_descriptions(warehouse: Path) -> None:
    assert invoke(views, "--db", str(warehouse)) == (0, (
        "as_of_dates  The newest snapshot day per source\n"
        "lab_growth   Stars per lab, gained over 7, 30 and 90 days\n"))
    code, output = invoke(views, "--format", "json", "--db", str(warehouse))
    assert code == 0
    assert json.loads(output)[1] == {"name": "lab_growth",
                                     "description": "Stars per lab, gained over 7, 30 and 90 days"}


def test_missing_warehouse_exits_2(tmp_path: Path) -> None:
    code, output = invoke(views, "--db", str(tmp_path / "none.duckdb"))
    assert code == 2
    assert output.startswith(f"Error: no warehouse at {tmp_path / 'none.duckdb'}: run `openwave collect`")


def test_a_writer_holding_the_file_gives_the_busy_message(warehouse: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
                               "print('ok', flush=True); time.sleep(30)", str(warehouse)],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "ok\n"
        monkeypatch.setattr(options, "READ_WAIT_SECONDS", 0.3)
        started = time.monotonic()
        code, output = invoke(export, "lab_growth", "--db", str(warehouse))
        assert code == 1
        assert output.startswith(f"Error: a collection is writing the warehouse {warehouse}")
        assert time.monotonic() - started < 5
    finally:
        holder.kill()
        holder.wait()


def test_command_object_in_a_subprocess(warehouse: Path, tmp_path: Path) -> None:
    env = {**os.environ, "GITHUB_TOKEN": "ghp_never_in_exports_123", "PYTHONPATH": str(ROOT)}
    script = ("import sys; from collector.cli_data import export; "
              "export(sys.argv[1:], prog_name='openwave export')")
    names = ["github_repos", "runs", "entities", "lab_growth", "as_of_dates", "license_categories"]
    done = subprocess.run([sys.executable, "-c", script, *names, "--format", "json", "--output",
                           str(tmp_path / "out"), "--db", str(warehouse)], env=env, capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    files = sorted((tmp_path / "out").iterdir())
    assert len(files) == len(done.stdout.splitlines()) == 6
    assert not any("ghp_never_in_exports_123" in f.read_text() for f in files)
    bad = subprocess.run([sys.executable, "-c", script, "nope", "--db", str(warehouse)], env=env,
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2
    assert bad.stderr == f"Error: unknown view or table 'nope' (views: as_of_dates, lab_growth; tables: {TABLES})\n"
