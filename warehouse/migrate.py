"""Versioned schema migrations: `warehouse/migrations/NNN_name.sql`, applied in number order.

Each migration runs inside its own transaction and is recorded in `schema_migrations`. Adding a file with the
next number is all it takes to change the schema; opening an older file applies the missing ones. A file whose
recorded version is higher than any migration this code knows is refused (it was written by a newer openwave).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources

import duckdb

from warehouse import MigrationError, SchemaTooNew

MIGRATION_RE = re.compile(r"^(\d{3})_([a-z0-9_]+)\.sql$")

SCHEMA_MIGRATIONS_DDL = """
create table if not exists schema_migrations (
    version    integer primary key,
    name       varchar not null,
    applied_at timestamptz not null
)
"""


@dataclass(frozen=True, slots=True)
class Migration:
    """One migration file: its number, its name and its SQL."""

    version: int
    name: str
    sql: str


def available_migrations() -> list[Migration]:
    """The migrations shipped with the package, in number order."""
    folder = resources.files("warehouse").joinpath("migrations")
    found: dict[int, Migration] = {}
    for entry in folder.iterdir():
        match = MIGRATION_RE.match(entry.name)
        if not match:
            continue
        version = int(match.group(1))
        if version in found:
            other = found[version].name
            raise MigrationError(f"two migrations are numbered {version:03d}: {other}, {match.group(2)}")
        found[version] = Migration(version, match.group(2), entry.read_text(encoding="utf-8"))
    return [found[v] for v in sorted(found)]


def has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether a table (or view) of that name exists in the main schema."""
    row = con.execute(
        "select count(*) from information_schema.tables where table_schema = 'main' and table_name = ?",
        [name],
    ).fetchone()
    return bool(row and row[0])


def applied_versions(con: duckdb.DuckDBPyConnection) -> dict[int, str]:
    """Version -> name of every migration recorded in the file (empty for a new file)."""
    if not has_table(con, "schema_migrations"):
        return {}
    return dict(con.execute("select version, name from schema_migrations order by version").fetchall())


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    """The highest migration recorded in the file, 0 for a new file."""
    return max(applied_versions(con), default=0)


def check_not_newer(con: duckdb.DuckDBPyConnection, migrations: Sequence[Migration]) -> None:
    """Raise SchemaTooNew if the file records a version this code does not know."""
    known = max((m.version for m in migrations), default=0)
    found = schema_version(con)
    if found > known:
        raise SchemaTooNew(
            f"the warehouse has schema version {found} but this openwave knows up to {known}: "
            "it was written by a newer openwave; upgrade openwave to use it"
        )


def apply_migration(con: duckdb.DuckDBPyConnection, migration: Migration) -> None:
    """Run one migration and record it, in one transaction (rolled back on error)."""
    con.execute(SCHEMA_MIGRATIONS_DDL)
    con.execute("begin transaction")
    try:
        con.execute(migration.sql)
        con.execute(
            "insert into schema_migrations (version, name, applied_at) values (?, ?, now())",
            [migration.version, migration.name],
        )
        con.execute("commit")
    except duckdb.Error as exc:
        con.execute("rollback")
        first_line = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise MigrationError(
            f"migration {migration.version:03d}_{migration.name}.sql failed and was rolled back: {first_line}"
        ) from exc


def migrate(con: duckdb.DuckDBPyConnection, migrations: Sequence[Migration] | None = None) -> list[int]:
    """Apply every migration not yet recorded, in number order; return the versions applied."""
    migrations = available_migrations() if migrations is None else sorted(migrations, key=lambda m: m.version)
    check_not_newer(con, migrations)
    done = applied_versions(con)
    applied: list[int] = []
    for migration in migrations:
        if migration.version not in done:
            apply_migration(con, migration)
            applied.append(migration.version)
    return applied
