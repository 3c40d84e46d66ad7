"""Migrations: from empty, re-open, upgrade of an older file, refusal of a newer one, atomic failure."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from warehouse import MigrationError, SchemaTooNew
from warehouse.db import open_write
from warehouse.migrate import Migration, available_migrations, has_table, migrate, schema_version

SEED_COUNTS = [("open-weights-restricted", 44), ("other", 16), ("permissive", 37), ("unknown", 1)]


def versions(con: duckdb.DuckDBPyConnection) -> list[tuple[int, str]]:
    return con.execute("select version, name from schema_migrations order by version").fetchall()


def test_shipped_migrations_are_numbered_in_order() -> None:
    shipped = available_migrations()
    assert [(m.version, m.name) for m in shipped[:2]] == [(1, "initial"), (2, "license_categories")]
    assert [m.version for m in shipped] == sorted({m.version for m in shipped})


def test_empty_file_gets_every_migration_and_the_licence_seed(tmp_path: Path) -> None:
    con = open_write(tmp_path / "new" / "w.duckdb")
    assert versions(con) == [(m.version, m.name) for m in available_migrations()]
    seed = "select category, count(*) from license_categories group by category order by category"
    assert con.execute(seed).fetchall() == SEED_COUNTS
    pick = "select license, category from license_categories where license in (?, ?, ?, ?) order by license"
    assert con.execute(pick, ["apache-2.0", "llama3.1", "modified-mit", "unknown"]).fetchall() == [
        ("apache-2.0", "permissive"),
        ("llama3.1", "open-weights-restricted"),
        ("modified-mit", "permissive"),
        ("unknown", "unknown"),
    ]
    con.close()


def test_reopen_is_a_noop(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    con = open_write(path)
    before = con.execute("select version, applied_at from schema_migrations order by version").fetchall()
    con.close()
    con = open_write(path)
    assert migrate(con) == []
    after = con.execute("select version, applied_at from schema_migrations order by version").fetchall()
    assert after == before
    assert con.execute("select count(*) from license_categories").fetchone() == (98,)
    con.close()


def test_file_with_only_001_is_upgraded_and_user_rows_survive(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    with duckdb.connect(str(path)) as con:
        assert migrate(con, available_migrations()[:1]) == [1]
        con.execute("insert into license_categories values ('qwen', 'permissive', 'my call')")
    con = open_write(path)
    assert versions(con) == [(m.version, m.name) for m in available_migrations()]
    assert con.execute("select category, note from license_categories where license = 'qwen'").fetchone() == (
        "permissive",
        "my call",
    )
    assert con.execute("select count(*) from license_categories").fetchone() == (98,)
    con.close()


def test_seed_is_idempotent_when_run_again(tmp_path: Path) -> None:
    con = open_write(tmp_path / "w.duckdb")
    con.execute("update license_categories set category = 'permissive' where license = 'modified-mit'")
    con.execute(available_migrations()[1].sql)
    row = con.execute("select category from license_categories where license = 'modified-mit'").fetchone()
    assert row == ("permissive",)
    assert con.execute("select count(*) from license_categories").fetchone() == (98,)
    con.close()


def test_newer_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    con = open_write(path)
    con.execute("insert into schema_migrations values (999, 'future', now())")
    con.close()
    known = available_migrations()[-1].version
    with pytest.raises(SchemaTooNew) as err:
        open_write(path)
    assert str(err.value) == (
        f"{path}: the warehouse has schema version 999 but this openwave knows up to {known}: "
        "it was written by a newer openwave; upgrade openwave to use it"
    )
    with duckdb.connect(str(path)) as con:  # the refused open changed nothing
        assert schema_version(con) == 999


def test_new_migration_file_is_picked_up_in_order(tmp_path: Path) -> None:
    con = open_write(tmp_path / "w.duckdb")
    later = [
        Migration(901, "second", "insert into extra values (2)"),
        Migration(900, "first", "create table extra (a int)"),
    ]
    assert migrate(con, [*available_migrations(), *later]) == [900, 901]
    assert con.execute("select a from extra").fetchall() == [(2,)]
    assert versions(con)[-2:] == [(900, "first"), (901, "second")]
    con.close()


def test_failing_migration_is_rolled_back(tmp_path: Path) -> None:
    con = open_write(tmp_path / "w.duckdb")
    bad = Migration(900, "bad", "create table half (a int); select * from no_such_table")
    expected = r"^migration 900_bad\.sql failed and was rolled back: Catalog Error"
    with pytest.raises(MigrationError, match=expected):
        migrate(con, [*available_migrations(), bad])
    assert not has_table(con, "half")
    assert schema_version(con) == available_migrations()[-1].version
    con.close()
