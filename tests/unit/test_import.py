"""`openwave import`: file validation (collector/importer.py) and loading (warehouse/imports.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import polars as pl
import pytest
from click.testing import CliRunner

from collector import cli_data
from collector.cli_data import import_group
from collector.importer import GITHUB, HUB, ImportFileError, bad_rows_message, read_snapshot_file
from collector.lock import warehouse_lock
from warehouse import db

COLLECTED_AT = datetime(2025, 3, 1, 3, 0, tzinfo=UTC)


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    """A migrated warehouse: repo 101 (THUDM/GLM-4 renamed zai-org/GLM-4), repo 202, collected rows."""
    path = tmp_path / "w.duckdb"
    with db.writing(path) as con:
        con.execute("""
            insert into github_repos (repo_id, repo, first_seen, last_seen) values
                (101, 'zai-org/GLM-4', '2025-01-10', '2025-06-01'),
                (202, 'deepseek-ai/DeepSeek-V3', '2025-01-10', '2025-06-01');
            insert into github_repo_names values
                (101, 'THUDM/GLM-4', '2025-01-10', '2025-02-01'),
                (101, 'zai-org/GLM-4', '2025-02-02', '2025-06-01'),
                (202, 'deepseek-ai/DeepSeek-V3', '2025-01-10', '2025-06-01');
        """)
        con.execute("""
            insert into github_repo_snapshots
                (snapshot_date, repo_id, repo, stars, forks, via, origin, run_id, fetched_at)
            values ('2025-03-01', 202, 'deepseek-ai/DeepSeek-V3', 1000, 50, 'graphql', 'collected', 1,
                    '2025-03-01 03:00:00+00');
            insert into hf_model_snapshots
                (snapshot_date, model_id, hub_id, author, downloads_30d, origin, run_id, fetched_at)
            values ('2025-03-01', 'deepseek-ai/DeepSeek-R1', 'hub-r1', 'deepseek-ai', 900, 'collected', 1,
                    '2025-03-01 03:00:00+00');
        """)
    return path


def run_import(kind: str, file: Path, warehouse: Path) -> tuple[int, str]:
    result = CliRunner().invoke(import_group, [kind, str(file), "--db", str(warehouse)],
                                catch_exceptions=False)
    return result.exit_code, result.output


def repo_rows(warehouse: Path) -> list[tuple]:
    with db.open_read(warehouse) as con:
        return con.execute("""select snapshot_date::varchar, repo_id, repo, stars, forks, via, origin, run_id
                              from github_repo_snapshots order by snapshot_date, repo_id""").fetchall()


GOOD_CSV = """Date,REPO,Stars,forks
2025-03-01,deepseek-ai/DeepSeek-V3,999,10
2025-03-02,DEEPSEEK-AI/deepseek-v3,1010,
2025-03-01,THUDM/GLM-4,500,20
2025-03-02,zai-org/glm-4,510,21
"""


def test_github_csv_follows_renames_matches_case_keeps_collected(tmp_path: Path, warehouse: Path) -> None:
    file = tmp_path / "history.csv"
    file.write_text(GOOD_CSV)
    code, output = run_import("github-snapshots", file, warehouse)
    assert code == 0, output
    assert output == ("history.csv: 4 rows read, 3 loaded, 1 skipped "
                      "(a collected snapshot of the same day exists)\n")
    assert repo_rows(warehouse) == [
        ("2025-03-01", 101, "THUDM/GLM-4", 500, 20, "import", "imported:history.csv", None),
        ("2025-03-01", 202, "deepseek-ai/DeepSeek-V3", 1000, 50, "graphql", "collected", 1),
        ("2025-03-02", 101, "zai-org/GLM-4", 510, 21, "import", "imported:history.csv", None),
        ("2025-03-02", 202, "deepseek-ai/DeepSeek-V3", 1010, None, "import", "imported:history.csv", None),
    ]


def test_github_parquet_replaces_earlier_imports(tmp_path: Path, warehouse: Path) -> None:
    first = tmp_path / "history.csv"
    first.write_text(GOOD_CSV)
    assert run_import("github-snapshots", first, warehouse)[0] == 0
    again = tmp_path / "again.parquet"
    pl.DataFrame({
        "date": [date(2025, 3, 1), date(2025, 3, 2)],
        "repo": ["deepseek-ai/DeepSeek-V3", "THUDM/GLM-4"],  # GLM-4's old name, on a day after the rename
        "stars": [1, 515],
    }).write_parquet(again)
    code, output = run_import("github-snapshots", again, warehouse)
    assert code == 0, output
    assert output == ("again.parquet: 2 rows read, 1 loaded, 1 skipped "
                      "(a collected snapshot of the same day exists)\n")
    assert repo_rows(warehouse) == [
        ("2025-03-01", 101, "THUDM/GLM-4", 500, 20, "import", "imported:history.csv", None),
        ("2025-03-01", 202, "deepseek-ai/DeepSeek-V3", 1000, 50, "graphql", "collected", 1),
        ("2025-03-02", 101, "THUDM/GLM-4", 515, None, "import", "imported:again.parquet", None),
        ("2025-03-02", 202, "deepseek-ai/DeepSeek-V3", 1010, None, "import", "imported:history.csv", None),
    ]
    with db.open_read(warehouse) as con:
        sql = "select min(fetched_at) from github_repo_snapshots where run_id is null"
        fetched = con.execute(sql).fetchone()
    assert fetched[0] > COLLECTED_AT


BAD_CSV = """date,repo,stars
2025-03-01,deepseek-ai/DeepSeek-V3,1
2025-02-30,deepseek-ai/DeepSeek-V3,2
2025-03-02,deepseek-ai/DeepSeek-V3,-3
2025-03-03,nobody/nothing,4

2025-03-01,DeepSeek-AI/DeepSeek-V3,5
2025-03-04,THUDM/GLM-4,6
2025-03-04,zai-org/GLM-4,7
2099-01-01,deepseek-ai/DeepSeek-V3,8
"""


def test_one_bad_file_loads_nothing_and_names_every_line(tmp_path: Path, warehouse: Path) -> None:
    file = tmp_path / "bad.csv"
    file.write_text(BAD_CSV)
    code, output = run_import("github-snapshots", file, warehouse)
    assert code == 2
    assert output == (
        "Error: bad.csv: 6 bad rows, nothing loaded:\n"
        "  line 3: date '2025-02-30' is not a valid YYYY-MM-DD date\n"
        "  line 4: stars '-3' is not a whole number ≥ 0\n"
        "  line 5: unknown repo 'nobody/nothing': run openwave collect first so its id is known\n"
        "  line 7: duplicate of line 2 (same date and repo)\n"
        "  line 9: same repo as line 8 (THUDM/GLM-4 and zai-org/GLM-4 are names of repo id 101)\n"
        "  line 10: date 2099-01-01 is in the future\n"
    )
    assert len(repo_rows(warehouse)) == 1


def test_parquet_bad_rows_are_numbered_like_csv_lines(tmp_path: Path) -> None:
    file = tmp_path / "hub.parquet"
    pl.DataFrame({"date": ["2025-03-02", "2025-03-02", "03/04/2025"],
                  "model_id": ["a/b", "no-slash", "a/c"],
                  "downloads_30d": [1, None, 3]}).write_parquet(file)
    code, output = run_import("hf-snapshots", file, tmp_path / "new.duckdb")
    assert not (tmp_path / "new.duckdb").exists()
    assert code == 2
    assert output == ("Error: hub.parquet: 2 bad rows, nothing loaded:\n"
                      "  line 3: model_id 'no-slash' is not of the form owner/name; "
                      "downloads_30d is missing\n"
                      "  line 4: date '03/04/2025' is not a valid YYYY-MM-DD date\n")


def test_hub_csv_takes_known_spelling_author_and_hub_id(tmp_path: Path, warehouse: Path) -> None:
    file = tmp_path / "hub.csv"
    file.write_text("date,model_id,downloads_30d,downloads_all_time,likes\n"
                    "2025-03-01,deepseek-ai/DeepSeek-R1,5,,\n"
                    "2025-03-02,DeepSeek-AI/deepseek-r1,7,100,3\n"
                    "2025-03-02,Qwen/Qwen3-8B,9,,\n")
    code, output = run_import("hf-snapshots", file, warehouse)
    assert code == 0, output
    assert output == ("hub.csv: 3 rows read, 2 loaded, 1 skipped "
                      "(a collected snapshot of the same day exists)\n")
    with db.open_read(warehouse) as con:
        rows = con.execute("""select snapshot_date::varchar, model_id, hub_id, author, downloads_30d,
                                     downloads_all_time, likes, origin, run_id
                              from hf_model_snapshots order by snapshot_date, model_id""").fetchall()
    assert rows == [
        ("2025-03-01", "deepseek-ai/DeepSeek-R1", "hub-r1", "deepseek-ai", 900, None, None, "collected", 1),
        ("2025-03-02", "Qwen/Qwen3-8B", None, "Qwen", 9, None, None, "imported:hub.csv", None),
        ("2025-03-02", "deepseek-ai/DeepSeek-R1", "hub-r1", "deepseek-ai", 7, 100, 3, "imported:hub.csv",
         None),
    ]


@pytest.mark.parametrize(("name", "text", "message"), [
    ("a.csv", "date,repo,stars,watchers,Extra\n", "a.csv: unexpected columns 'watchers', 'Extra' "
                                                  "(allowed: date, repo, stars, forks)"),
    ("a.csv", "date,stars\n", "a.csv: missing column 'repo' (required: date, repo, stars)"),
    ("a.csv", "date,repo,stars,DATE\n", "a.csv: repeated column 'date'"),
    ("a.csv", "", "a.csv: the file is empty (expected a header line)"),
    ("a.txt", "date,repo,stars\n", "a.txt: unknown file type '.txt': use .csv or .parquet"),
])
def test_file_level_problems(tmp_path: Path, name: str, text: str, message: str) -> None:
    file = tmp_path / name
    file.write_text(text)
    with pytest.raises(ImportFileError) as caught:
        read_snapshot_file(file, GITHUB)
    assert str(caught.value) == message


def test_quoted_newlines_and_blank_lines_keep_file_line_numbers(tmp_path: Path) -> None:
    file = tmp_path / "q.csv"
    file.write_text('date,model_id,downloads_30d\n2025-01-01,"a/\nb",1\n\n2025-01-02,a/b,x\n')
    parsed = read_snapshot_file(file, HUB, today=date(2025, 6, 1))
    assert parsed.rows_read == 2
    assert parsed.bad.rows() == [(2, "model_id 'a/\\nb' is not of the form owner/name"),
                                 (5, "downloads_30d 'x' is not a whole number ≥ 0")]


def test_future_is_relative_to_today(tmp_path: Path) -> None:
    file = tmp_path / "f.csv"
    file.write_text("date,repo,stars\n2025-06-01,a/b,1\n2025-06-02,a/b,1\n")
    parsed = read_snapshot_file(file, GITHUB, today=date(2025, 6, 1))
    assert parsed.bad.rows() == [(3, "date 2025-06-02 is in the future")]


def test_at_most_twenty_bad_rows_are_listed() -> None:
    bad = pl.DataFrame({"line": list(range(2, 27)), "problem": ["stars is missing"] * 25})
    message = bad_rows_message(Path("x.csv"), bad).splitlines()
    assert message[0] == "x.csv: 25 bad rows, nothing loaded:"
    assert message[1] == "  line 2: stars is missing"
    assert message[20] == "  line 21: stars is missing"
    assert message[21:] == ["  and 5 more"]


def test_github_import_needs_an_existing_warehouse(tmp_path: Path) -> None:
    file = tmp_path / "history.csv"
    file.write_text(GOOD_CSV)
    code, output = run_import("github-snapshots", file, tmp_path / "none.duckdb")
    assert code == 1
    assert output == (f"Error: no warehouse at {tmp_path / 'none.duckdb'}: run `openwave collect` first "
                      "so repo ids are known\n")
    assert not (tmp_path / "none.duckdb").exists()


def test_a_running_collection_makes_import_wait_then_exit_1(tmp_path: Path, warehouse: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    file = tmp_path / "history.csv"
    file.write_text(GOOD_CSV)
    monkeypatch.setattr(cli_data, "LOCK_WAIT_SECONDS", 0.2)
    with warehouse_lock(warehouse, "collect"):
        code, output = run_import("github-snapshots", file, warehouse)
    assert code == 1
    assert output.startswith(f"Error: {warehouse}: a collection is already writing it: pid ")
    assert len(repo_rows(warehouse)) == 1


# ----------------------------------------------------------------------------------------------------------
# other tools' exports and --columns

STAR_HISTORY_CSV = """Repository,Date,Stars
THUDM/GLM-4,Sat Mar 01 2025 00:00:00 GMT+0800 (China Standard Time),480
THUDM/GLM-4,Tue Mar 04 2025 00:00:00 GMT-0500 (Eastern Standard Time),520
deepseek-ai/DeepSeek-V3,Mon Mar 03 2025 08:00:00 GMT+0000 (Coordinated Universal Time),1100
"""


def test_star_history_csv_export(tmp_path: Path, warehouse: Path) -> None:
    file = tmp_path / "star-history-2025315.csv"
    file.write_text(STAR_HISTORY_CSV)
    code, output = run_import("github-snapshots", file, warehouse)
    assert code == 0, output
    assert output == "star-history-2025315.csv: 3 rows read, 3 loaded, 0 skipped " \
                     "(a collected snapshot of the same day exists)\n"
    origin = "imported:star-history-2025315.csv"
    assert repo_rows(warehouse) == [
        ("2025-03-01", 101, "THUDM/GLM-4", 480, None, "import", origin, None),
        ("2025-03-01", 202, "deepseek-ai/DeepSeek-V3", 1000, 50, "graphql", "collected", 1),
        ("2025-03-03", 202, "deepseek-ai/DeepSeek-V3", 1100, None, "import", origin, None),
        ("2025-03-04", 101, "THUDM/GLM-4", 520, None, "import", origin, None),
    ]


DAILY_STARS_CSV = "date,day-stars,total-stars\n28-02-2025,3,990\n01-03-2025,10,1000\n02-03-2025,7,1007"


def test_daily_stars_explorer_csv_takes_the_repo_from_the_file_name(tmp_path: Path, warehouse: Path) -> None:
    file = tmp_path / "deepseek-ai_DeepSeek-V3-stars-history (1).csv"
    file.write_text(DAILY_STARS_CSV)
    code, output = run_import("github-snapshots", file, warehouse)
    assert code == 0, output
    assert output.startswith(f"{file.name}: 3 rows read, 2 loaded, 1 skipped")
    origin = f"imported:{file.name}"
    assert repo_rows(warehouse) == [
        ("2025-02-28", 202, "deepseek-ai/DeepSeek-V3", 990, None, "import", origin, None),
        ("2025-03-01", 202, "deepseek-ai/DeepSeek-V3", 1000, 50, "graphql", "collected", 1),
        ("2025-03-02", 202, "deepseek-ai/DeepSeek-V3", 1007, None, "import", origin, None),
    ]


def test_daily_stars_explorer_csv_without_its_file_name_is_refused(tmp_path: Path, warehouse: Path) -> None:
    file = tmp_path / "stars.csv"
    file.write_text(DAILY_STARS_CSV)
    code, output = run_import("github-snapshots", file, warehouse)
    assert code == 2
    assert output == ("Error: stars.csv: a Daily Stars Explorer export names its repo in the file name "
                      "OWNER_REPO-stars-history.csv; rename the file so, or give --columns\n")
    assert len(repo_rows(warehouse)) == 1


def test_daily_stars_explorer_bad_date_is_a_bad_row(tmp_path: Path, warehouse: Path) -> None:
    file = tmp_path / "deepseek-ai_DeepSeek-V3-stars-history.csv"
    file.write_text("date,day-stars,total-stars\n31-02-2025,3,990\n")
    code, output = run_import("github-snapshots", file, warehouse)
    assert code == 2
    assert output == (f"Error: {file.name}: 1 bad row, nothing loaded:\n"
                      "  line 2: date '31-02-2025' is not a valid YYYY-MM-DD date\n")


def test_columns_map_any_other_layout(tmp_path: Path, warehouse: Path) -> None:
    file = tmp_path / "sheet.csv"
    file.write_text("Day,Repository,Stars,Comment\n2025-03-02,zai-org/GLM-4,515,=cmd\n2025-03-01,THUDM/glm-4,505,x\n")
    result = CliRunner().invoke(import_group, ["github-snapshots", str(file), "--db", str(warehouse),
                                               "--columns", "date=Day, repo=repository,stars=STARS"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("sheet.csv: 2 rows read, 2 loaded, 0 skipped")
    assert repo_rows(warehouse) == [
        ("2025-03-01", 101, "THUDM/GLM-4", 505, None, "import", "imported:sheet.csv", None),  # known spelling
        ("2025-03-01", 202, "deepseek-ai/DeepSeek-V3", 1000, 50, "graphql", "collected", 1),
        ("2025-03-02", 101, "zai-org/GLM-4", 515, None, "import", "imported:sheet.csv", None),
    ]


@pytest.mark.parametrize(("columns", "message"), [
    ("date=Day,repo", "--columns 'date=Day,repo': 'repo' is not COLUMN=HEADER"),
    ("date=Day,name=Repository,stars=Stars", "--columns: unknown column 'name' (allowed: date, repo, stars, forks)"),
    ("date=Day,date=Repository", "--columns: 'date' is given twice"),
    ("date=When,repo=Repository,stars=Stars",
     "sheet.csv: --columns date=When: no column 'When' (columns: 'Day', 'Repository', 'Stars')"),
    ("date=Day,repo=Repository", "sheet.csv: missing column 'stars' (required: date, repo, stars)"),
])
def test_bad_columns_exit_2_with_one_line(tmp_path: Path, warehouse: Path, columns: str, message: str) -> None:
    file = tmp_path / "sheet.csv"
    file.write_text("Day,Repository,Stars\n2025-03-02,zai-org/GLM-4,515\n")
    result = CliRunner().invoke(import_group, ["github-snapshots", str(file), "--db", str(warehouse),
                                               "--columns", columns], catch_exceptions=False)
    assert (result.exit_code, result.output) == (2, f"Error: {message}\n")
    assert len(repo_rows(warehouse)) == 1
