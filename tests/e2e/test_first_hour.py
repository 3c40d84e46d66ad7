"""The first hour of a new user, outside the checkout: demo, query, init, and every exit code of bad usage.

Each case runs the real `openwave` console script in a subprocess (cwd = a new empty folder, where no
config.toml exists) and asserts the exit code and the one-line message.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from collector.cli_init import CATALOG
from collector.config import load_config
from sources.standin import StandinServer, build_universe
from tests.e2e.conftest import TOKEN, run_openwave
from warehouse import db, runs

ROOT = Path(__file__).resolve().parents[2]
DEMO = "data/openwave-demo.duckdb"
MISSING = "run `openwave collect` to create it, or `openwave demo` for sample data"


@pytest.fixture(scope="module")
def demo_home(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """`openwave demo` run once in a new empty folder (the slowest step of this file: one demo)."""
    home = tmp_path_factory.mktemp("newuser")
    return home, run_openwave("demo", cwd=home, token=False, timeout=600)


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    """A small migrated warehouse with one finished run, built directly (fast)."""
    path = tmp_path / "w.duckdb"
    with db.writing(path) as con:
        runs.finish_run(con, runs.start_run(con, "collect", "github", None, "0.1.0"), "ok", repos_stored=3)
    return path


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    """The single stderr line of a failed command (asserting there is exactly one)."""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


# -- outside the checkout ------------------------------------------------------------------------------------


def test_the_packaged_catalog_is_the_checkout_config() -> None:
    assert CATALOG.read_bytes() == (ROOT / "config.toml").read_bytes(), (
        "collector/catalog/config.toml must equal config.toml: cp config.toml collector/catalog/config.toml")
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert "catalog/config.toml" in package_data["collector"]


def test_demo_in_an_empty_folder_uses_the_shipped_catalog(demo_home: tuple[Path, subprocess.CompletedProcess]) -> None:
    home, result = demo_home
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "no ./config.toml here: using the shipped catalog (`openwave init` writes it to edit)" in out
    assert out.count("SYNTHETIC DATA") == 2 and "Comparison by lab" in out
    assert f"Explore it: openwave query 'select * from lab_growth' --db {DEMO}" in out
    assert "│      - │" not in out and "│   NULL │" in out  # NULL shown as in query and status
    with duckdb.connect(str(home / DEMO), read_only=True) as con:
        assert con.execute("select count(*) from lab_comparison").fetchone() == (31,)
        assert con.execute("select command, status from runs order by run_id").fetchall() == [
            ("demo", "ok"), ("backfill", "ok")]
        assert con.execute("select count(*) > 0 from repo_stars_daily where basis = 'reconstructed'").fetchone() \
            == (True,)
    assert not (home / "data" / "openwave.duckdb").exists() and not (home / "config.toml").exists()
    # the real total: collect, star history and comparison all counted (each part rounded to 0.1 s)
    total = re.search(r"^demo: done in ([\d.]+) s \(collect ([\d.]+) s, star history ([\d.]+) s, "
                      r"comparison ([\d.]+) s\)$", out, re.MULTILINE)
    assert total, out
    whole, *parts = (float(x) for x in total.groups())
    assert abs(whole - sum(parts)) <= 0.15
    assert re.search(r"run 1: ok in ([\d.]+) s", out)


def test_query_the_demo_file_and_the_hint_that_points_at_it(
        demo_home: tuple[Path, subprocess.CompletedProcess]) -> None:
    home, _ = demo_home
    table = run_openwave("query", "select * from lab_comparison", "--db", DEMO, cwd=home)
    assert table.returncode == 0, table.stderr
    assert "31 rows" in table.stdout
    lost = run_openwave("query", "select * from lab_growth", cwd=home)  # no config here, a demo file is
    assert lost.returncode == 2
    assert one_line_error(lost) == ("Error: config.toml: no such config file (use --config, or `openwave init`); "
                                    f"for the demo's sample data add --db {DEMO}")


def test_the_missing_warehouse_hint_after_demo(demo_home: tuple[Path, subprocess.CompletedProcess],
                                               tmp_path: Path) -> None:
    home, _ = demo_home
    assert run_openwave("init", cwd=tmp_path).returncode == 0
    without = run_openwave("status", cwd=tmp_path)
    assert without.returncode == 2
    assert one_line_error(without) == f"Error: no warehouse at data/openwave.duckdb: {MISSING}"
    (tmp_path / "data").mkdir()
    shutil.copy(home / DEMO, tmp_path / DEMO)
    after = run_openwave("query", "select * from lab_growth", cwd=tmp_path)
    assert after.returncode == 2
    assert one_line_error(after) == (f"Error: no warehouse at data/openwave.duckdb: {MISSING}; "
                                     f"for the demo's sample data add --db {DEMO}")


def test_query_help_examples_work_when_pasted(demo_home: tuple[Path, subprocess.CompletedProcess]) -> None:
    home, _ = demo_home
    help_text = run_openwave("query", "--help").stdout
    examples = [line.strip() for line in help_text.splitlines() if line.strip().startswith("openwave query ")]
    assert len(examples) == 2 and "'select * from license_mix where entity_key = $lab'" in examples[1]
    env_path = f"{Path(sys.executable).parent}:/usr/bin:/bin"
    for example in examples:
        done = subprocess.run(["bash", "-c", f"{example} --db {DEMO}"], cwd=home, capture_output=True, text=True,
                              env={"PATH": env_path, "lab": "shell-expanded"}, timeout=120, check=False)
        assert done.returncode == 0, (example, done.stderr)
        assert done.stderr == ""
    markdown = done.stdout.splitlines()
    assert markdown[0].startswith("| entity_key ") and len(markdown) > 2
    assert all(line.split("|")[1].strip() == "deepseek" for line in markdown[2:])


def test_init_writes_the_catalog_and_never_overwrites(tmp_path: Path) -> None:
    first = run_openwave("init", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert first.stdout == ("wrote config.toml: the shipped catalog (31 entities, 33 events); edit it, then run "
                            "`openwave collect`\n")
    assert (tmp_path / "config.toml").read_bytes() == CATALOG.read_bytes()
    (tmp_path / "config.toml").write_text("# my edits\n")
    again = run_openwave("init", cwd=tmp_path)
    assert again.returncode == 2
    assert one_line_error(again) == ("Error: config.toml: already exists, not overwritten (edit it, or give another "
                                     "PATH)")
    assert (tmp_path / "config.toml").read_text() == "# my edits\n"
    from collector.cli import cli

    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path)
        elsewhere = CliRunner().invoke(cli, ["init", "conf/lab.toml"], catch_exceptions=False)
    assert elsewhere.exit_code == 0
    assert elsewhere.stdout.endswith("then run `openwave collect --config conf/lab.toml`\n")
    assert (tmp_path / "conf" / "lab.toml").read_bytes() == CATALOG.read_bytes()


def test_the_initialised_catalog_is_accepted_by_collect(tmp_path: Path) -> None:
    assert run_openwave("init", cwd=tmp_path).returncode == 0
    config = tmp_path / "config.toml"
    universe = build_universe(load_config(config).entities, seed=7)
    with StandinServer(universe) as server:
        text = config.read_text()
        text = re.sub(r'(?m)^api_url = ".*"', f'api_url = "{server.github_url}"', text)
        text = re.sub(r'(?m)^endpoint = ".*"', f'endpoint = "{server.hub_url}"', text)
        config.write_text(text)
        done = run_openwave("collect", "--config", "config.toml", "--entity", "deepseek", cwd=tmp_path,
                            env={"GITHUB_TOKEN": TOKEN})
    assert done.returncode == 0, done.stdout + done.stderr
    assert "openwave collect run 1: ok in" in done.stdout
    with duckdb.connect(str(tmp_path / "data" / "openwave.duckdb"), read_only=True) as con:
        assert con.execute("select entity_key from entities where entity_key = 'deepseek'").fetchall() == [
            ("deepseek",)]


# -- exit codes: 2 for bad usage, config or input, with one line ---------------------------------------------


def in_process(*args: str, cwd: Path) -> tuple[int, str]:
    """The same command through click in this process (fast): exit code and the stderr text. The subprocess
    runs above prove the console script; this covers the other commands sharing the same code path."""
    from collector.cli import cli

    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(cwd)
        result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stderr


def test_a_missing_warehouse_is_bad_usage(tmp_path: Path) -> None:
    result = run_openwave("query", "select 1", "--db", "nope.duckdb", cwd=tmp_path)
    assert result.returncode == 2
    assert one_line_error(result) == f"Error: no warehouse at nope.duckdb: {MISSING}"
    for command in (("export", "runs"), ("views",), ("status",)):
        assert in_process(*command, "--db", "nope.duckdb", cwd=tmp_path) == (
            2, f"Error: no warehouse at nope.duckdb: {MISSING}\n")


def test_a_file_that_is_not_duckdb_is_bad_usage(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("# not a database\n")
    message = (f'Error: cannot open the warehouse README.md: IO Error: The file "{tmp_path / "README.md"}" exists, '
               f'but it is not a valid DuckDB database file!')
    result = run_openwave("query", "select 1", "--db", "README.md", cwd=tmp_path)
    assert result.returncode == 2
    assert one_line_error(result) == message
    for command in (("export", "runs"), ("views",), ("status",)):
        assert in_process(*command, "--db", "README.md", cwd=tmp_path) == (2, message + "\n")


def test_a_folder_as_the_warehouse_is_bad_usage(tmp_path: Path) -> None:
    (tmp_path / "wh").mkdir()
    message = "Error: --db wh: is a folder, not a DuckDB file"
    for command in (("collect", "--config", str(ROOT / "config.toml")), ("query", "select 1")):
        result = run_openwave(*command, "--db", "wh", cwd=tmp_path)
        assert result.returncode == 2
        assert one_line_error(result) == message
    for command in (("status",), ("export", "runs"), ("views",), ("backfill", "--config", str(ROOT / "config.toml")),
                    ("demo",), ("schedule", "--config", str(ROOT / "config.toml"))):
        assert in_process(*command, "--db", "wh", cwd=tmp_path) == (2, message + "\n")
    assert list((tmp_path / "wh").iterdir()) == []


CASES = [  # (run as a subprocess?, args, the one line)
    (True, ("status", "--runs", "-3"), "Error: --runs -3: give 0 or more runs to show"),
    (True, ("query", ""), "Error: no SQL given: the statement is empty"),
    (False, ("query", " ; -- only a comment"), "Error: no SQL given: the statement is empty"),
    (False, ("query", "selec 1"), 'Error: Parser Error: syntax error at or near "selec"'),
    (True, ("query", "select 1", "-p", "unused", "3"),
     "Error: -p unused: the SQL has no $unused (it uses no parameters)"),
    (False, ("query", "select $lab", "-p", "unused", "3"), "Error: -p unused: the SQL has no $unused (it uses $lab)"),
    (True, ("query", "select $lab, $other", "-p", "lab", "x"), "Error: $other has no value: add -p other VALUE"),
    (True, ("query", "select 1; select 2", "--format", "csv"),
     "Error: --format csv prints one result and the SQL has 2 statements: give one (or use --format table or "
     "markdown to see each result)"),
    (True, ("export", "runs", "--output", "runs.csv", "--format", "json"),
     "Error: --output runs.csv is csv by its extension but --format is json: make them agree (or drop --format)"),
    (False, ("export", "runs", "--output", "runs.txt"),
     "Error: --output runs.txt: cannot tell the format from '.txt': give --format csv|parquet|json|markdown"),
    (True, ("export", "runs", "entities", "--output", "one.csv"),
     "Error: --output one.csv: 2 names write one file each: give a folder (e.g. exports/), or export one name"),
    (False, ("export", "runs", "--output", "-", "--format", "parquet"),
     "Error: --format parquet is binary: give --output FILE or DIRECTORY, not -"),
    (False, ("export", "runs", "entities", "--output", "-"),
     "Error: --output - prints one name to stdout, and 2 were given"),
]


@pytest.mark.parametrize(("subprocess_run", "args", "message"), CASES)
def test_bad_usage_exits_2_with_one_line(warehouse: Path, subprocess_run: bool, args: tuple[str, ...],
                                         message: str) -> None:
    if subprocess_run:
        result = run_openwave(*args, "--db", str(warehouse), cwd=warehouse.parent)
        assert (result.returncode, one_line_error(result)) == (2, message)
    else:
        assert in_process(*args, "--db", str(warehouse), cwd=warehouse.parent) == (2, message + "\n")
    assert sorted(p.name for p in warehouse.parent.iterdir()) == ["w.duckdb"]  # nothing written


def test_an_unknown_export_name_lists_views_and_tables_and_guesses(warehouse: Path) -> None:
    result = run_openwave("export", "rnus", "--db", str(warehouse))
    assert result.returncode == 2
    line = one_line_error(result)
    assert line.startswith("Error: unknown view or table 'rnus'; did you mean 'runs'? (views: as_of_dates, ")
    assert "; tables: crossover_pairs, entities, " in line and line.endswith(", runs, schema_migrations, "
                                                                              "spool_loads, view_state)")
