"""`openwave views NAME`: one view's columns with their type and meaning, run as the real console script."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import dashboards  # noqa: F401  (registers the comparison views, applied by db.writing)
from tests.e2e.conftest import run_openwave
from warehouse import db

AS_OF_SOURCE = "The source: github or huggingface."
AS_OF_AS_OF = ("The newest snapshot_date of the source (github_repo_snapshots, hf_model_snapshots): the day every "
               "view of that source reports on; NULL when the source has no snapshot yet.")


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty warehouse with every migration and view (the columns do not need rows)."""
    path = tmp_path_factory.mktemp("views") / "w.duckdb"
    with db.writing(path):
        pass
    return path


def test_a_view_name_lists_its_columns_types_and_meanings(warehouse: Path) -> None:
    result = run_openwave("views", "as_of_dates", "--db", str(warehouse))
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == f"source  VARCHAR  {AS_OF_SOURCE}\nas_of   DATE     {AS_OF_AS_OF}\n"


def test_the_name_is_case_insensitive_and_json_gives_one_object_per_column(warehouse: Path) -> None:
    result = run_openwave("views", "LAB_Growth", "--format", "json", "--db", str(warehouse))
    assert result.returncode == 0, result.stderr
    columns = json.loads(result.stdout)
    assert len(columns) == 25
    assert columns[9] == {
        "column": "growth_30d_pct", "type": "DOUBLE",
        "meaning": "100 x stars_gained_30d / the stars of the same counted repos 30 days earlier, 1 decimal; "
                   "NULL when that base is 0 or NULL."}
    assert all(c["meaning"] for c in columns)


def test_markdown_and_csv_formats(warehouse: Path) -> None:
    markdown = run_openwave("views", "as_of_dates", "--format", "markdown", "--db", str(warehouse))
    assert markdown.returncode == 0, markdown.stderr
    assert markdown.stdout.splitlines()[:2] == ["| column | type    | " + "meaning".ljust(len(AS_OF_AS_OF)) + " |",
                                                "| ------ | ------- | " + "-" * len(AS_OF_AS_OF) + " |"]
    csv = run_openwave("views", "as_of_dates", "--format", "csv", "--db", str(warehouse))
    assert csv.stdout.splitlines() == ["column,type,meaning", f"source,VARCHAR,{AS_OF_SOURCE}",
                                       f'as_of,DATE,"{AS_OF_AS_OF}"']


@pytest.mark.parametrize(("name", "message"), [
    ("lab_grwth", "Error: unknown view 'lab_grwth'; did you mean 'lab_growth' or 'repo_growth'?\n"),
    ("zzz", "Error: unknown view 'zzz'; `openwave views` lists them\n"),
    ("GitHub_Repos", "Error: 'github_repos' is a table, not a view: `openwave query \"describe github_repos\"` "
                     "lists its columns\n"),
])
def test_an_unknown_name_exits_2_with_a_hint(warehouse: Path, name: str, message: str) -> None:
    result = run_openwave("views", name, "--db", str(warehouse))
    assert (result.returncode, result.stdout, result.stderr) == (2, "", message)
