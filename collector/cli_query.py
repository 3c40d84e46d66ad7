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
NULL = "NULL"  # how every terminal table (query, demo, status) shows a missing value


def print_table(frame: pl.DataFrame, console: Console, title: str | None = None) -> None:
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
        table.add_row(*(escape(printable(format_cell(v, decimals.get(k, 2)))) for k, v in row.items()))
    console.print(table)
    if title is None:
        console.print(f"{frame.height:,} row{'s' if frame.height != 1 else ''}", style="dim")


def format_cell(value: object, decimals: int = 2) -> str:
    """One value as text: thousands separators, `decimals` places for fractions, one line."""
    if value is None:
        return NULL
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, Decimal):
        value = int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.{decimals}f}"
    return " ".join(str(value).split()) if isinstance(value, str) else str(value)


def statements(con: duckdb.DuckDBPyConnection, sql: str) -> list[duckdb.Statement]:
    """The SQL's statements, in order; exit 2 with the parser's first line on a syntax error."""
    try:
        return list(con.extract_statements(sql))
    except duckdb.Error as exc:
        raise UsageError(first_line(exc)) from None


def first_line(exc: BaseException) -> str:
    """DuckDB's message without the `LINE 1: ... ^` context, whose caret means nothing once on one line."""
    lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
    return lines[0] if lines else type(exc).__name__


def check_params(found: list[duckdb.Statement], params: dict[str, str]) -> None:
    """Every -p NAME is used by the SQL and every $NAME has a value, else exit 2 naming it."""
    used = sorted({name for statement in found for name in statement.named_parameters})
    for name in params:
        if name not in used:
            uses = ", ".join(f"${n}" for n in used) or "no parameters"
            raise UsageError(f"-p {name}: the SQL has no ${name} (it uses {uses})")
    for name in used:
        if name not in params:
            raise UsageError(f"${name} has no value: add -p {name} VALUE")


def run_statements(con: duckdb.DuckDBPyConnection, found: list[duckdb.Statement],
                   params: dict[str, str]) -> list[tuple[str, pl.DataFrame]]:
    """Run each statement in order; (its text, its rows) for those that return rows."""
    results = []
    for statement in found:
        values = {name: params[name] for name in statement.named_parameters}
        try:
            relation = con.sql(statement.query, params=values or None)
        except duckdb.Error as exc:
            raise UsageError(first_line(exc)) from None
        if relation is not None and duckdb.ExpectedResultType.QUERY_RESULT in statement.expected_result_type:
            results.append((" ".join(statement.query.split()).rstrip(";"), relation.pl()))
    if not results:
        raise UsageError("the SQL returns no rows (queries are read-only: select, with, describe, show ...)")
    return results


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

    Only the warehouse is read: statements that write, or read and write other files, are refused (use
    Python's duckdb with read_only=True for those). Several statements (`select 1; select 2`) show each
    result in order with --format table or markdown; csv and json take one. Empty SQL, a syntax error,
    an unused -p NAME or a $NAME without a value exit 2. Put SQL with $NAME in single quotes (the shell
    expands $NAME inside double quotes):

    \b
    openwave query 'select name, stars, stars_gained_30d from lab_growth order by stars_gained_30d desc'
    openwave query 'select * from license_mix where entity_key = $lab' -p lab deepseek --format markdown

    NULL shows as NULL in tables. On a terminal every format shows control characters of upstream text as
    escapes (\\x1b); piped or redirected, CSV and JSON carry the values unchanged.
    """
    from_stdin = sql == "-"
    if from_stdin:
        sql = sys.stdin.read()
    bound = dict(params)
    with duckdb.connect() as parser:
        found = statements(parser, sql)
    if not found:
        raise UsageError("no SQL given: the statement is empty" + (" (stdin was empty)" if from_stdin else ""))
    check_params(found, bound)
    if fmt in ("csv", "json") and len(found) > 1:
        raise UsageError(f"--format {fmt} prints one result and the SQL has {len(found)} statements: give one "
                         "(or use --format table or markdown to see each result)")
    path = resolve_db(db_path, config_path)
    with open_read(path) as con:
        try:
            con.execute("set enable_external_access = false")  # reads the warehouse only: no file I/O
        except duckdb.Error as exc:
            raise UsageError(first_line(exc)) from None
        results = run_statements(con, found, bound)
    if fmt == "table":
        console = stdout_console()
        for text, frame in results:
            if len(results) > 1:
                console.print(escape(printable(text if len(text) <= 100 else text[:99] + "…")), style="bold",
                              highlight=False)
            print_table(frame, console)
    else:
        echo_data("\n".join(render(frame, fmt) for _, frame in results))
