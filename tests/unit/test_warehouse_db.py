"""Opening the file (missing, locked by another process, older schema), views and transactions."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from warehouse import ViewError, WarehouseBusy, WarehouseMissing
from warehouse.db import apply_views, open_read, open_write, transaction, writing
from warehouse.migrate import available_migrations, migrate

HOLD_WRITE_LOCK = (
    "import sys, duckdb; con = duckdb.connect(sys.argv[1]); print('locked', flush=True); sys.stdin.read()"
)


@pytest.fixture
def writer(tmp_path: Path) -> Iterator[tuple[Path, subprocess.Popen[str]]]:
    """Another process holding the write lock of a migrated file until its stdin closes."""
    path = tmp_path / "w.duckdb"
    open_write(path).close()
    command = [sys.executable, "-c", HOLD_WRITE_LOCK, str(path)]
    proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline() == "locked\n"
    yield path, proc
    if proc.poll() is None:
        proc.kill()
    proc.wait(timeout=10)


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "nope.duckdb"
    with pytest.raises(WarehouseMissing) as err:
        open_read(path)
    assert str(err.value) == (
        f"no warehouse at {path}: run `openwave collect` to create it, or `openwave demo` for sample data"
    )
    assert not path.exists()


def test_read_while_another_process_writes_raises_busy(writer: tuple[Path, subprocess.Popen[str]]) -> None:
    path, proc = writer
    started = time.monotonic()
    with pytest.raises(WarehouseBusy) as err:
        open_read(path, wait_seconds=0.3)
    waited = time.monotonic() - started
    assert 0.2 <= waited < 2.0
    assert str(err.value) == (
        f"a collection is writing the warehouse {path} (PID {proc.pid}); "
        "waited 0.3s, try again when it has finished"
    )


def test_read_waits_for_the_writer_to_finish(writer: tuple[Path, subprocess.Popen[str]]) -> None:
    path, proc = writer
    assert proc.stdin is not None
    threading.Timer(0.3, proc.stdin.close).start()  # the writer exits 0.3 s from now
    started = time.monotonic()
    with open_read(path, wait_seconds=5.0) as con:
        assert con.execute("select count(*) from license_categories").fetchone() == (98,)
    assert 0.2 <= time.monotonic() - started < 5.0


def test_read_only_open_of_an_older_file_does_not_migrate(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    with duckdb.connect(str(path)) as con:
        migrate(con, available_migrations()[:1])
    with open_read(path) as con:
        assert con.execute("select version from schema_migrations").fetchall() == [(1,)]
        assert con.execute("select count(*) from github_repo_snapshots").fetchone() == (0,)


def test_writing_closes_the_file(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "w.duckdb"
    with writing(path) as con:
        con.execute("insert into entities values ('x', 'X', 'CN', 'ai-lab', false, null, now())")
    with pytest.raises(duckdb.ConnectionException):
        con.execute("select 1")
    with open_read(path) as reader:
        assert reader.execute("select entity_key from entities").fetchall() == [("x",)]


def write_views(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir()
    for name, sql in files.items():
        (folder / name).write_text(sql)
    return folder


def test_apply_views_in_filename_order_across_dirs(tmp_path: Path) -> None:
    base = write_views(
        tmp_path / "base",
        {
            "02_named.sql": "-- create view not_this\ncreate or replace view named as select * from keyed;",
            "01_keyed.sql": "create or replace view keyed as select entity_key from entities;",
            "notes.txt": "not a view",
        },
    )
    more = write_views(
        tmp_path / "more",
        {"10_top.sql": "create or replace view top as select * from named;\ncomment on view top is 'top';"},
    )
    con = open_write(tmp_path / "w.duckdb")
    assert apply_views(con, base, more) == ["keyed", "named", "top"]
    assert apply_views(con, base, more) == ["keyed", "named", "top"]  # idempotent
    comment = con.execute("select comment from duckdb_views() where view_name = 'top'").fetchone()
    assert comment == ("top",)
    con.close()


def test_view_on_a_missing_table_fails_clearly_and_changes_nothing(tmp_path: Path) -> None:
    views = write_views(
        tmp_path / "views",
        {
            "01_ok.sql": "create or replace view ok as select 1 as one;",
            "02_bad.sql": "create or replace view bad as select * from github_nothing;",
        },
    )
    con = open_write(tmp_path / "w.duckdb")
    expected = r"^view bad \(02_bad\.sql\) cannot be created: Catalog Error: .*github_nothing"
    with pytest.raises(ViewError, match=expected):
        apply_views(con, views)
    created = con.execute("select count(*) from duckdb_views() where view_name in ('ok', 'bad')").fetchone()
    assert created == (0,)
    con.close()


def test_transaction_commits_or_rolls_back(tmp_path: Path) -> None:
    con = open_write(tmp_path / "w.duckdb")
    insert = "insert into license_categories values (?, 'other', null)"
    with transaction(con):
        con.execute(insert, ["kept"])
    with pytest.raises(RuntimeError), transaction(con):
        con.execute(insert, ["dropped"])
        with transaction(con):  # nested blocks join the outer transaction
            con.execute(insert, ["inner"])
        raise RuntimeError("boom")
    rows = con.execute("select license from license_categories where license in ('kept', 'dropped', 'inner')")
    assert rows.fetchall() == [("kept",)]
    with transaction(con):  # usable again after a rollback
        con.execute(insert, ["again"])
    assert con.execute("select count(*) from license_categories").fetchone() == (100,)
    con.close()
