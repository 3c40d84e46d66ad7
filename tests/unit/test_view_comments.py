"""Every column of every view has a COMMENT (what `openwave views NAME` shows), and keeps it when re-applied."""

from __future__ import annotations

import duckdb

from tests.unit.view_fixtures import DASHBOARD_VIEWS_DIR, VIEWS_DIR, rows, warehouse
from warehouse.db import apply_views, view_name

VIEW_COLUMNS = """
select c.table_name, c.column_name, c.comment
from duckdb_columns() c
join duckdb_views() v on v.schema_name = c.schema_name and v.view_name = c.table_name
where not v.internal
order by c.table_name, c.column_index
"""


def _view_files() -> list[str]:
    files = sorted(VIEWS_DIR.glob("*.sql")) + sorted(DASHBOARD_VIEWS_DIR.glob("*.sql"))
    return [name for name in (view_name(f.read_text(encoding="utf-8")) for f in files) if name]


def _comments(con: duckdb.DuckDBPyConnection) -> dict[tuple[str, str], str | None]:
    return {(view, column): comment for view, column, comment in rows(con, VIEW_COLUMNS)}


def test_every_column_of_every_view_has_a_comment() -> None:
    con = warehouse()
    comments = _comments(con)
    assert sorted({view for view, _ in comments}) == sorted(_view_files())  # the views are the files' views
    undocumented = [f"{view}.{column}" for (view, column), text in comments.items() if not (text or "").strip()]
    assert undocumented == []


def test_comments_say_what_the_numbers_mean() -> None:
    comments = _comments(warehouse())
    assert comments["lab_growth", "growth_30d_pct"] == (
        "100 x stars_gained_30d / the stars of the same counted repos 30 days earlier, 1 decimal; NULL when that "
        "base is 0 or NULL.")
    assert comments["hf_model_latest", "downloads_30d"] == (
        "The Hub's rolling 30-day download count on snapshot_date: not a daily figure, not cumulative.")
    assert comments["repo_stars_daily", "basis"] == (
        "observed (a snapshot that day), bridged (the latest snapshot, at most 3 days earlier), reconstructed "
        "(before the first snapshot: the first observed total minus the stars added after the day) or missing "
        "(stars NULL).")
    assert comments["license_mix", "license_category"] == (
        "From license_categories (case-insensitive): permissive, open-weights-restricted, other or unknown; a "
        "declared licence without a row there is other, no licence declared is unknown.")
    assert comments["lab_comparison", "rank_stars_gained_30d"] == (
        "rank() by stars_gained_30d, largest first (ties share a rank, the next is skipped); NULL when "
        "stars_gained_30d is NULL.")
    assert comments["star_crossovers", "status"] == (
        "crossed, always ahead (A above B on every compared day), not yet (A not above B after its last day at "
        "or below it) or no data (a name not found or no day to compare).")


def test_comments_survive_the_views_being_applied_again() -> None:
    con = warehouse()
    before = _comments(con)
    apply_views(con, VIEWS_DIR, DASHBOARD_VIEWS_DIR)  # `create or replace view` drops comments: the files re-add them
    assert _comments(con) == before
