"""Every open for writing applies the registered views, once per version of the view files, never blocking loads."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from warehouse import db


@pytest.fixture
def view_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    folder = tmp_path / "views"
    folder.mkdir()
    (folder / "01_counted.sql").write_text("create or replace view counted as select count(*) as n from runs;")
    monkeypatch.setattr(db, "VIEW_DIRS", [folder])
    yield folder


def names(con) -> list[str]:
    return [r[0] for r in con.execute("select view_name from duckdb_views() where not internal order by 1").fetchall()]


def test_views_applied_on_open_and_only_when_files_change(tmp_path: Path, view_dirs: Path) -> None:
    path = tmp_path / "w.duckdb"
    with db.writing(path) as con:
        assert names(con) == ["counted"]
        assert con.execute("select n from counted").fetchall() == [(0,)]
        assert db.ensure_views(con) == []  # same files: nothing to do
    (view_dirs / "02_more.sql").write_text("create or replace view more as select 1 as one;")
    with db.writing(path) as con:
        assert names(con) == ["counted", "more"]
        assert con.execute("select count(*) from view_state").fetchall() == [(1,)]


def test_a_broken_view_never_blocks_the_warehouse(tmp_path: Path, view_dirs: Path,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "w.duckdb"
    with db.writing(path):
        pass
    (view_dirs / "02_broken.sql").write_text("create or replace view broken as select * from no_such_table;")
    with db.writing(path) as con:  # opens, warns, keeps the previous views
        assert names(con) == ["counted"]
        con.execute("insert into entities values ('x', 'X', 'CN', 'ai-lab', false, null, now())")
    assert "views not updated" in caplog.text and "broken" in caplog.text
