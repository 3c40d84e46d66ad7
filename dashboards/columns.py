"""The columns of one view with their type and meaning (their COMMENT ON COLUMN), for `openwave views NAME`."""

from __future__ import annotations

import difflib

import duckdb
import polars as pl

VIEW_NAMES = """
select view_name from duckdb_views() where schema_name = 'main' and not internal and not temporary
order by view_name
"""
TABLE_NAMES = "select table_name from duckdb_tables() where schema_name = 'main' and not temporary"
COLUMNS = """
select column_name, data_type, coalesce(comment, '') from duckdb_columns()
where schema_name = 'main' and table_name = ? order by column_index
"""
SCHEMA = {"column": pl.String, "type": pl.String, "meaning": pl.String}


class UnknownView(LookupError):
    """A name that is no view of the warehouse; the message says which views come close."""


def view_names(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The views of the warehouse, by name."""
    return [name for (name,) in con.execute(VIEW_NAMES).fetchall()]


def did_you_mean(name: str, candidates: list[str]) -> str:
    """`; did you mean 'x'?` for the closest candidates, or '' when none is close."""
    close = difflib.get_close_matches(name.lower(), candidates, n=3, cutoff=0.6)
    return f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""


def view_columns(con: duckdb.DuckDBPyConnection, name: str) -> pl.DataFrame:
    """One row per column of the view NAME (case-insensitive): column, type, meaning (whitespace collapsed)."""
    names = view_names(con)
    match = next((n for n in names if n.lower() == name.lower()), None)
    if match is None:
        tables = [t for (t,) in con.execute(TABLE_NAMES).fetchall()]
        if name.lower() in tables:
            raise UnknownView(f"{name.lower()!r} is a table, not a view: "
                              f"`openwave query \"describe {name.lower()}\"` lists its columns")
        hint = did_you_mean(name, names) or "; `openwave views` lists them"
        raise UnknownView(f"unknown view {name!r}{hint}")
    rows = [(column, kind, " ".join(text.split())) for column, kind, text in con.execute(COLUMNS, [match]).fetchall()]
    return pl.DataFrame(rows, schema=SCHEMA, orient="row")
