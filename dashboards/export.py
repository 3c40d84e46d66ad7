"""Exporters: a view or table of the warehouse as CSV, Parquet, JSON or a Markdown table.

Cells are upstream text (repo descriptions, card fields), so every text format defuses them: CSV cells
that a spreadsheet would run as a formula get a leading `'` (OWASP CSV injection), Markdown cells cannot break
the table or carry HTML. Values stay exact: no thousands separators, dates as ISO 8601, and timestamps in one
ISO 8601 form in every text format (`timestamps_as_text`: UTC as `2026-01-02T03:04:05Z`, with a fraction of a
second only when there is one).
Control characters are kept (files are data); commands printing to a terminal escape them (collector/terminal.py).
"""

from __future__ import annotations

import json
import math
import re
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

FORMATS = ("csv", "parquet", "json", "markdown")
EXTENSIONS = {"csv": "csv", "parquet": "parquet", "json": "json", "markdown": "md"}
# What a spreadsheet may run as a formula: a text cell starting with tab or CR, or whose first non-blank character
# is = + - @, their fullwidth forms (＝ ＋ － ＠) or small forms (﹦ ﹢ ﹣ ﹫): spreadsheets skip leading blanks
# and some fold fullwidth signs to ASCII. No look-arounds: Polars (Rust regex) runs it.
FORMULA_START = r"^(?:[\t\r]|\s*[=+\-@\x{FF1D}\x{FF0B}\x{FF0D}\x{FF20}\x{FE66}\x{FE62}\x{FE63}\x{FE6B}])"

RELATIONS = """
select view_name as name, 'view' as kind from duckdb_views()
where schema_name = 'main' and not internal and not temporary
union all
select table_name, 'table' from duckdb_tables() where schema_name = 'main' and not temporary
order by name
"""
DESCRIPTIONS = """
select view_name as name, coalesce(comment, '') as description from duckdb_views()
where schema_name = 'main' and not internal and not temporary
union all  -- table macros (dashboards/macros): their comment starts "Table macro NAME(from_day, to_day): "
select distinct function_name, coalesce(comment, '') from duckdb_functions()
where schema_name = 'main' and not internal and function_type = 'table_macro'
order by name
"""


def relations(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Every view and table of the warehouse: name -> 'view' or 'table', by name."""
    return dict(con.execute(RELATIONS).fetchall())


def view_descriptions(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """One row per view: name and description (its COMMENT ON VIEW, whitespace collapsed)."""
    rows = con.execute(DESCRIPTIONS).fetchall()
    return pl.DataFrame([(name, " ".join(text.split())) for name, text in rows],
                        schema={"name": pl.String, "description": pl.String}, orient="row")


def read_relation(con: duckdb.DuckDBPyConnection, name: str) -> pl.DataFrame:
    """All rows of one view or table (the name must come from `relations`)."""
    quoted = '"' + name.replace('"', '""') + '"'
    return con.sql(f"select * from {quoted}").pl()


# ----------------------------------------------------------------------------------------------------------
# formats

ISO_SECONDS = "%Y-%m-%dT%H:%M:%S%.f"  # %.f: no fraction when it is 0, else 3, 6 or 9 digits


def timestamps_as_text(frame: pl.DataFrame) -> pl.DataFrame:
    """Timestamp columns as ISO 8601 text, the same in CSV, JSON and Markdown: zoned ones converted to UTC and
    written `2026-01-02T03:04:05Z` (`.120Z` with a fraction), naive ones without a zone."""
    return frame.with_columns(
        (pl.col(n).dt.convert_time_zone("UTC").dt.strftime(ISO_SECONDS + "Z") if dtype.time_zone
         else pl.col(n).dt.strftime(ISO_SECONDS)).alias(n)
        for n, dtype in frame.schema.items() if isinstance(dtype, pl.Datetime)
    )


def _nested_as_json(frame: pl.DataFrame) -> pl.DataFrame:
    """List and struct columns become JSON text (CSV and Markdown have no nested cells)."""
    nested = [name for name, dtype in frame.schema.items() if dtype.is_nested()]
    return frame.with_columns(
        pl.when(pl.col(n).is_null()).then(None)
        .otherwise(pl.struct(pl.col(n).alias("v")).struct.json_encode().str.slice(5).str.head(-1)).alias(n)
        for n in nested
    )


def neutralise_csv(frame: pl.DataFrame) -> pl.DataFrame:
    """Prefix `'` to formula-looking text cells (FORMULA_START); numbers and other types are untouched."""
    text = [name for name, dtype in frame.schema.items() if dtype == pl.String]
    return frame.with_columns(
        pl.when(pl.col(n).str.contains(FORMULA_START)).then(pl.lit("'") + pl.col(n))
        .otherwise(pl.col(n)).alias(n)
        for n in text
    )


def to_csv(frame: pl.DataFrame) -> str:
    """RFC 4180 CSV with a header; nested cells as JSON; formula-looking text defused."""
    return neutralise_csv(_nested_as_json(timestamps_as_text(frame))).write_csv()


def _json_value(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, list):
        return [_json_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _json_value(v) for k, v in value.items()}
    if isinstance(value, bytes):
        return value.hex()
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)


def to_json(frame: pl.DataFrame) -> str:
    """An array of objects, one per line: numbers as numbers, dates and timestamps ISO strings, NaN null."""
    rows = (json.dumps({k: _json_value(v) for k, v in row.items()}, ensure_ascii=False)
            for row in timestamps_as_text(frame).iter_rows(named=True))
    body = ",\n".join(rows)
    return f"[\n{body}\n]\n" if body else "[]\n"


def format_float(value: float) -> str:
    """Two decimals from 1 up, four significant digits below, no trailing zeros; repr out of [1e-6, 1e15)."""
    if not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if value == 0:
        return "0"
    if not 1e-6 <= abs(value) < 1e15:
        return repr(value)
    decimals = 2 if abs(value) >= 1 else 3 - math.floor(math.log10(abs(value)))
    text = f"{value:.{decimals}f}"
    text = text.rstrip("0").rstrip(".") if "." in text else text
    return "0" if text in ("-0", "") else text


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format_float(value)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, list | dict):
        return json.dumps(_json_value(value), ensure_ascii=False)
    return str(value)


MARKDOWN_ACTIVE = re.compile(r"[`*\[\]~]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")
AUTOLINK = re.compile(r"(?i)(://|www\.)")


def escape_markdown(text: str) -> str:
    """Make a cell inert inside a GitHub-flavoured table: no new cell or row, no HTML, no link, image or
    emphasis (upstream text such as a model card's licence name is untrusted)."""
    text = text.replace("\\", "\\\\").replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = MARKDOWN_ACTIVE.sub(lambda m: "\\" + m.group(0), text.replace("|", "\\|"))
    text = AUTOLINK.sub(lambda m: ":\\/\\/" if m.group(0) == "://" else m.group(0)[:3] + "\\.", text)
    return " ".join(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))


def to_markdown(frame: pl.DataFrame) -> str:
    """A GitHub-flavoured Markdown table, numbers right-aligned, columns padded for reading as plain text."""
    frame = timestamps_as_text(frame)
    numeric = [dtype.is_numeric() for dtype in frame.dtypes]
    header = [escape_markdown(name) for name in frame.columns]
    body = [[escape_markdown(_cell_text(v)) for v in row] for row in frame.iter_rows()]
    widths = [max([3, len(h)] + [len(r[i]) for r in body]) for i, h in enumerate(header)]

    def line(cells: list[str]) -> str:
        padded = (c.rjust(w) if num else c.ljust(w) for c, w, num in zip(cells, widths, numeric, strict=True))
        return "| " + " | ".join(padded) + " |"

    rule = "| " + " | ".join("-" * (w - 1) + ":" if num else "-" * w
                             for w, num in zip(widths, numeric, strict=True)) + " |"
    return "\n".join([line(header), rule, *(line(r) for r in body)]) + "\n"


def render(frame: pl.DataFrame, fmt: str) -> str:
    """The text formats as a string (Parquet is binary: use write)."""
    renderers = {"csv": to_csv, "json": to_json, "markdown": to_markdown}
    if fmt not in renderers:
        raise ValueError(f"{fmt} is not a text format")
    return renderers[fmt](frame)


def write(frame: pl.DataFrame, fmt: str, path: Path) -> None:
    """Write one frame to `path` in `fmt` (Parquet keeps native types)."""
    if fmt == "parquet":
        frame.write_parquet(path)
    else:
        path.write_text(render(frame, fmt), encoding="utf-8", newline="")
