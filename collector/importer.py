"""Read and validate snapshot files (CSV or Parquet) for `openwave import`; no database here.

Every cell is checked; problems are collected per file line (CSV: the line in the file, header = line 1;
Parquet: the line the row would have in the same data saved as CSV, so the first row is line 2).

Besides openwave's own columns, star counts are read from two other tools' CSV exports, recognised by their
header: star-history.com (`Repository,Date,Stars`, the date as a browser's Date.toString(), e.g.
`Mon Mar 02 2026 00:00:00 GMT+0800 (China Standard Time)`: its calendar day is taken) and Daily Stars Explorer
(`date,day-stars,total-stars`, dates DD-MM-YYYY, stars = total-stars, the repo from the file name it downloads
as, `OWNER_REPO-stars-history.csv`). Any other layout maps its headers with `columns` (`--columns`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path

import polars as pl

from collector.config import REPO_RE

MODEL_RE = r"^[A-Za-z0-9][A-Za-z0-9._-]*/[A-Za-z0-9._-]+$"
DATE_RE = r"^\d{4}-\d{2}-\d{2}$"
INT_RE = r"^\d{1,18}$"  # fits a bigint
MAX_LISTED = 20
STAR_HISTORY_HEADER = ("repository", "date", "stars")  # star-history.com "CSV" button
DAILY_STARS_HEADER = ("date", "day-stars", "total-stars")  # Daily Stars Explorer /allStarsCsv
DAILY_STARS_FILE = re.compile(r"^([A-Za-z0-9-]+)_(.+)-stars-history(?: ?\(\d+\))?\.csv$", re.IGNORECASE)


class ImportFileError(Exception):
    """The file as a whole cannot be imported (unreadable, wrong columns, bad rows); the message says why."""


@dataclass(frozen=True, slots=True)
class FileSpec:
    """The columns of one kind of snapshot file."""

    kind: str
    name: str  # the identity column: repo or model_id
    name_pattern: str
    required: tuple[str, ...]
    optional: tuple[str, ...]

    @property
    def counts(self) -> tuple[str, ...]:
        return tuple(c for c in self.required + self.optional if c not in ("date", self.name))


GITHUB = FileSpec("github", "repo", REPO_RE.pattern, ("date", "repo", "stars"), ("forks",))
HUB = FileSpec("hf", "model_id", MODEL_RE, ("date", "model_id", "downloads_30d"),
               ("downloads_all_time", "likes"))


@dataclass(frozen=True, slots=True)
class ParsedFile:
    """A file's rows with typed columns (null where a cell is bad) and its problems, one row per problem."""

    path: Path
    rows: pl.DataFrame  # line, snapshot_date, <name>, <counts...>
    bad: pl.DataFrame  # line, problem

    @property
    def rows_read(self) -> int:
        return self.rows.height


def utc_today() -> date:
    return datetime.now(UTC).date()


def parse_columns(text: str, spec: FileSpec) -> dict[str, str]:
    """`date=Day,repo=Repository,stars=Stars` -> {"date": "Day", ...}; ImportFileError names a bad part."""
    mapping: dict[str, str] = {}
    allowed = spec.required + spec.optional
    for part in text.split(","):
        target, sep, source = (piece.strip() for piece in part.partition("="))
        if not sep or not target or not source:
            raise ImportFileError(f"--columns {text!r}: {part.strip()!r} is not COLUMN=HEADER")
        if target.lower() not in allowed:
            raise ImportFileError(f"--columns: unknown column {target!r} (allowed: {', '.join(allowed)})")
        if target.lower() in mapping:
            raise ImportFileError(f"--columns: {target!r} is given twice")
        mapping[target.lower()] = source
    return mapping


def read_snapshot_file(path: Path, spec: FileSpec, today: date | None = None,
                       columns: dict[str, str] | None = None) -> ParsedFile:
    """Read a .csv or .parquet file and validate every row (ImportFileError for a file-level problem).

    `columns` maps openwave's columns to the file's headers (the file's other columns are ignored); without
    it, star-history.com and Daily Stars Explorer exports are recognised by their headers (GitHub files)."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        raw = _read_csv(path)
    elif suffix in (".parquet", ".pq"):
        raw = _read_parquet(path)
    else:
        raise ImportFileError(f"{path.name}: unknown file type {suffix or '(none)'!r}: use .csv or .parquet")
    if columns:
        raw = _map_columns(path, raw, columns)
    elif spec.name == "repo":
        raw = _other_tools(path, raw)
    raw = _check_columns(path, raw, spec)
    return _validate(path, raw, spec, today or utc_today())


def _read_csv(path: Path) -> pl.DataFrame:
    try:
        frame = pl.read_csv(path, infer_schema=False, raise_if_empty=True)
    except pl.exceptions.NoDataError:
        raise ImportFileError(f"{path.name}: the file is empty (expected a header line)") from None
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise ImportFileError(f"{path.name}: cannot read as CSV: {str(exc).splitlines()[0]}") from None
    # a quoted cell may span lines: the file line of row i counts the newlines inside earlier rows
    newlines = pl.sum_horizontal([pl.col(c).str.count_matches("\n").fill_null(0) for c in frame.columns])
    extra = frame.select(newlines.cast(pl.Int64).alias("n"))["n"]
    line = pl.int_range(2, frame.height + 2, eager=True) + extra.cum_sum() - extra
    return frame.with_columns(line.alias("__line"))


def _read_parquet(path: Path) -> pl.DataFrame:
    try:
        frame = pl.read_parquet(path)
    except (pl.exceptions.PolarsError, OSError) as exc:
        raise ImportFileError(f"{path.name}: cannot read as Parquet: {str(exc).splitlines()[0]}") from None
    as_text = []
    for name, dtype in frame.schema.items():
        col = pl.col(name)
        if dtype == pl.String:
            expr = col
        elif isinstance(dtype, pl.Datetime):
            midnight = col.dt.time() == time(0)
            expr = pl.when(midnight).then(col.dt.date().cast(pl.String)).otherwise(col.cast(pl.String))
        elif dtype.is_float():
            integral = col.is_finite() & (col == col.floor()) & (col.abs() < 1e18)
            expr = pl.when(integral).then(col.cast(pl.Int64).cast(pl.String)).otherwise(col.cast(pl.String))
        elif dtype.is_numeric() or dtype in (pl.Date, pl.Boolean, pl.Categorical, pl.Enum):
            expr = col.cast(pl.String)
        else:
            raise ImportFileError(f"{path.name}: column {name!r} has unsupported type {dtype}")
        as_text.append(expr.alias(name))
    line = pl.int_range(2, frame.height + 2).cast(pl.Int64).alias("__line")
    return frame.select(as_text).with_columns(line)


def _map_columns(path: Path, raw: pl.DataFrame, columns: dict[str, str]) -> pl.DataFrame:
    """Keep the mapped headers (matched case-insensitively, blanks trimmed) under openwave's names."""
    headers = {c.strip().lower(): c for c in raw.columns if c != "__line"}
    picked = []
    for target, source in columns.items():
        if source.strip().lower() not in headers:
            shown = ", ".join(repr(c) for c in raw.columns if c != "__line")
            raise ImportFileError(f"{path.name}: --columns {target}={source}: no column {source!r} (columns: {shown})")
        picked.append(pl.col(headers[source.strip().lower()]).alias(target))
    return raw.select(*picked, "__line")


def _other_tools(path: Path, raw: pl.DataFrame) -> pl.DataFrame:
    """star-history.com and Daily Stars Explorer exports as date, repo, stars (dates made YYYY-MM-DD when
    they have the tool's form; anything else is left for the row checks to report)."""
    names = [c for c in raw.columns if c != "__line"]
    header = tuple(c.strip().lower() for c in names)
    column = dict(zip(header, names, strict=True))
    if header == STAR_HISTORY_HEADER:  # "Mon Mar 02 2026 00:00:00 GMT+0800 (...)": the calendar day shown
        text = pl.col(column["date"]).str.strip_chars()
        parsed = text.str.extract(r"^[A-Za-z]{3} ([A-Za-z]{3} \d{2} \d{4})\b", 1).str.to_date("%b %d %Y", strict=False)
        day = pl.when(parsed.is_not_null()).then(parsed.cast(pl.String)).otherwise(text)
        return raw.select(day.alias("date"), pl.col(column["repository"]).alias("repo"),
                          pl.col(column["stars"]).alias("stars"), "__line")
    if header == DAILY_STARS_HEADER:  # 31-01-2026; the repo is in the file name only
        match = DAILY_STARS_FILE.match(path.name)
        if not match:
            raise ImportFileError(f"{path.name}: a Daily Stars Explorer export names its repo in the file name "
                                  "OWNER_REPO-stars-history.csv; rename the file so, or give --columns")
        text = pl.col(column["date"]).str.strip_chars()
        parsed = text.str.to_date("%d-%m-%Y", strict=False)
        day = pl.when(text.str.contains(r"^\d{2}-\d{2}-\d{4}$") & parsed.is_not_null()).then(
            parsed.cast(pl.String)).otherwise(text)
        return raw.select(day.alias("date"), pl.lit(f"{match.group(1)}/{match.group(2)}").alias("repo"),
                          pl.col(column["total-stars"]).alias("stars"), "__line")
    return raw


def _check_columns(path: Path, raw: pl.DataFrame, spec: FileSpec) -> pl.DataFrame:
    names = [c for c in raw.columns if c != "__line"]
    lowered = [c.strip().lower() for c in names]
    repeated = sorted({c for c in lowered if lowered.count(c) > 1 or "_duplicated_" in c})
    if repeated:
        raise ImportFileError(f"{path.name}: repeated column {repeated[0].split('_duplicated_')[0]!r}")
    allowed = spec.required + spec.optional
    extra = [n for n, low in zip(names, lowered, strict=True) if low not in allowed]
    if extra:
        raise ImportFileError(f"{path.name}: unexpected column{'s' if len(extra) > 1 else ''} "
                              f"{', '.join(repr(c) for c in extra)} (allowed: {', '.join(allowed)})")
    missing = [c for c in spec.required if c not in lowered]
    if missing:
        raise ImportFileError(f"{path.name}: missing column{'s' if len(missing) > 1 else ''} "
                              f"{', '.join(repr(c) for c in missing)} (required: {', '.join(spec.required)})")
    raw = raw.rename(dict(zip(names, lowered, strict=True)))
    cells = [pl.col(c).str.strip_chars().replace("", None) for c in lowered]
    absent = [pl.lit(None, pl.String).alias(c) for c in spec.optional if c not in lowered]
    raw = raw.with_columns(*cells, *absent)
    # a blank line is no row at all
    return raw.filter(pl.any_horizontal([pl.col(c).is_not_null() for c in allowed]))


def _shown(name: str) -> pl.Expr:
    """A cell quoted for a message, cut to 40 characters."""
    text = pl.col(name).str.slice(0, 40).str.replace_all("\n", "\\n", literal=True)
    text = text.str.replace_all("\r", "\\r", literal=True).str.replace_all(r"\p{Cc}", "?")
    return pl.format("'{}'", text)


def _validate(path: Path, raw: pl.DataFrame, spec: FileSpec, today: date) -> ParsedFile:
    day = pl.col("date").str.to_date("%Y-%m-%d", strict=False)
    date_ok = pl.col("date").str.contains(DATE_RE) & day.is_not_null()
    name_ok = pl.col(spec.name).str.contains(spec.name_pattern)
    problems: list[pl.Expr] = [
        pl.when(pl.col("date").is_null()).then(pl.lit("date is missing"))
        .when(~date_ok).then(pl.format("date {} is not a valid YYYY-MM-DD date", _shown("date")))
        .when(day > today).then(pl.format("date {} is in the future", pl.col("date"))),
        pl.when(pl.col(spec.name).is_null()).then(pl.lit(f"{spec.name} is missing"))
        .when(~name_ok).then(pl.format(f"{spec.name} {{}} is not of the form owner/name", _shown(spec.name))),
    ]
    for column in spec.counts:
        check = pl.when(~pl.col(column).str.contains(INT_RE)).then(
            pl.format(f"{column} {{}} is not a whole number ≥ 0", _shown(column)))
        if column in spec.required:
            check = pl.when(pl.col(column).is_null()).then(pl.lit(f"{column} is missing")).otherwise(check)
        problems.append(check)

    typed = raw.select(
        pl.col("__line").alias("line"),
        pl.when(date_ok & (day <= today)).then(day).alias("snapshot_date"),
        pl.when(name_ok).then(pl.col(spec.name)).alias(spec.name),
        *[pl.when(pl.col(c).str.contains(INT_RE)).then(pl.col(c).cast(pl.Int64)).alias(c)
          for c in spec.counts],
        pl.concat_list([p.alias(f"p{i}") for i, p in enumerate(problems)]).list.drop_nulls()
        .alias("problems"),
    )
    first = pl.col("line").min().over("snapshot_date", pl.col(spec.name).str.to_lowercase())
    typed = typed.with_columns(
        pl.when(pl.col("snapshot_date").is_not_null() & pl.col(spec.name).is_not_null()
                & (pl.col("line") != first))
        .then(pl.col("problems").list.concat(pl.concat_list(
            pl.format("duplicate of line {} (same date and {})", first, pl.lit(spec.name)))))
        .otherwise(pl.col("problems")).alias("problems"))
    bad = typed.select("line", pl.col("problems").alias("problem")).explode("problem").drop_nulls("problem")
    return ParsedFile(path=path, rows=typed.drop("problems"), bad=bad)


def bad_rows_message(path: Path, bad: pl.DataFrame, limit: int = MAX_LISTED) -> str:
    """'FILE: N bad rows, nothing loaded:' then one line per bad row (up to `limit`), then 'and N more'."""
    per_line = (bad.group_by("line", maintain_order=True).agg(pl.col("problem").unique(maintain_order=True))
                .sort("line"))
    count = per_line.height
    lines = [f"{path.name}: {count} bad row{'s' if count != 1 else ''}, nothing loaded:"]
    for line, found in per_line.head(limit).iter_rows():
        lines.append(f"  line {line}: {'; '.join(found)}")
    if count > limit:
        lines.append(f"  and {count - limit} more")
    return "\n".join(lines)
