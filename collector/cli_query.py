"""`openwave query "SQL"`: read-only SQL against the warehouse, printed as a table, CSV, JSON or Markdown."""

from __future__ import annotations

import sys
from decimal import Decimal

import click
import duckdb
import polars as pl
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from collector.options import UsageError, config_option, db_option, open_read, resolve_db
from collector.progress import stdout_console
from collector.terminal import echo_data, printable
from dashboards.export import render

FORMATS = ("table", "csv", "json", "markdown")


def print_table(frame: pl.DataFrame, console: Console, title: str | None = None, null: str = "NULL") -> None:
    """A terminal table: numbers right-aligned with thousands separators and one precision per column
    (2 decimals, or 4 when every value is below 1), upstream text escaped and kept on one line: no Rich markup,
    no terminal control sequence (collector/terminal.py)."""
    table = Table(title=title, title_justify="left")
    decimals = {}
    for name, dtype in frame.schema.items():
        table.add_column(escape(printable(name)), justify="right" if dtype.is_numeric() else "left")
        if dtype.is_float() or dtype == pl.Decimal:
            values = frame[name].drop_nulls().cast(pl.Float64).abs()
            decimals[name] = 4 if values.len() and values.max() < 1 else 2
    for row in frame.iter_rows(named=True):
        table.add_row(*(escape(printable(format_cell(v, decimals.get(k, 2), null))) for k, v in row.items()))
    console.print(table)
    if title is None:
        console.print(f"{frame.height:,} row{'s' if frame.height != 1 else ''}", style="dim")


def format_cell(value: object, decimals: int = 2, null: str = "NULL") -> str:
    """One value as text: thousands separators, `decimals` places for fractions, one line."""
    if value is None:
        return null
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, Decimal):
        value = int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.{decimals}f}"
    return " ".join(str(value).split()) if isinstance(value, str) else str(value)


@click.command()
@click.argument("sql")
@config_option
@db_option
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="table", show_default=True)
@click.option("-p", "--param", "params", nargs=2, multiple=True, metavar="NAME VALUE",
              help="bind $NAME to VALUE (repeatable); values are bound, never pasted into the SQL")
def query(sql: str, config_path: str | None, db_path: str | None, fmt: str,
          params: tuple[tuple[str, str], ...]) -> None:
    """Run read-only SQL against the warehouse ('-' reads the SQL from stdin).

    Only the warehouse is read: statements that write, or read and write other files, are refused (use the
    duckdb CLI with -readonly for those).

    \b
    openwave query "select * from lab_growth order by stars_gained_30d desc"
    openwave query "select * from license_mix where entity_key = $lab" -p lab deepseek --format markdown

    On a terminal every format shows control characters of upstream text as escapes (\x1b); piped or redirected,
    CSV and JSON carry the values unchanged.
    """
    if sql == "-":
        sql = sys.stdin.read()
    path = resolve_db(db_path, config_path)
    with open_read(path) as con:
        try:
            con.execute("set enable_external_access = false")  # reads the warehouse only: no file I/O
            frame = con.sql(sql, params=dict(params) or None).pl() if sql.strip() else pl.DataFrame()
        except duckdb.Error as exc:
            raise UsageError(" ".join(str(exc).split())) from None
        except AttributeError:  # a statement without a result (DDL) gives no relation
            raise UsageError("the statement returned no rows (queries are read-only)") from None
    if fmt == "table":
        print_table(frame, stdout_console())
    else:
        echo_data(render(frame, fmt))
