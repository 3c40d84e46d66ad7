"""`openwave import …`, `openwave export` and `openwave views`: data in from files, data out to files."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from collector.importer import (
    GITHUB,
    HUB,
    FileSpec,
    ImportFileError,
    bad_rows_message,
    parse_columns,
    read_snapshot_file,
)
from collector.lock import LockBusy, warehouse_lock
from collector.options import UsageError, config_option, db_option, open_read, resolve_db
from collector.terminal import echo_data
from dashboards import columns, comparison_views
from dashboards import export as exporter
from warehouse import WarehouseError, db, imports

LOCK_WAIT_SECONDS = 10.0
DEFAULT_EXPORT_DIR = Path("exports")

RULES = """
Header names are case-insensitive; any other column is an error. Every row is checked: the date is YYYY-MM-DD
and not in the future, counts are whole numbers >= 0, required cells are filled, and a (date, {name}) pair
appears once. Bad rows are listed by line (CSV: the file line, header = line 1; Parquet: the row's line in the
same data as CSV, so the first row is line 2) and a file with any bad row loads nothing (exit 2).
Imported rows never replace a collected snapshot of the same day (those rows are skipped and counted); they
replace rows imported earlier, and are marked origin 'imported:<file name>'.
"""


@click.group("import")
def import_group() -> None:
    """Load historical snapshots from CSV or Parquet files (history you already have)."""


def _import(file: Path, spec: FileSpec, config_path: str | None, db_path: str | None,
            columns: str | None = None) -> None:
    path = resolve_db(db_path, config_path)
    try:
        mapping = parse_columns(columns, spec) if columns else None
        parsed = read_snapshot_file(file, spec, columns=mapping)
    except ImportFileError as exc:
        raise UsageError(str(exc)) from None
    if spec is GITHUB and not path.exists():
        raise click.ClickException(f"no warehouse at {path}: run `openwave collect` first so repo ids are "
                                   "known")
    if spec is HUB and parsed.bad.height:  # no Hub check needs the warehouse: fail before touching it
        raise UsageError(bad_rows_message(file, parsed.bad))
    try:
        with warehouse_lock(path, "import", LOCK_WAIT_SECONDS), db.writing(path) as con:
            if spec is GITHUB:
                rows, unknown = imports.match_repos(con, parsed.rows)
                bad = parsed.bad.vstack(unknown)
                if bad.height:  # every problem of the file at once, those of the file and the unknown repos
                    raise UsageError(bad_rows_message(file, bad))
            else:
                rows = imports.match_models(con, parsed.rows)
            load = imports.load_repo_rows if spec is GITHUB else imports.load_model_rows
            loaded, skipped = load(con, rows, f"imported:{file.name}", datetime.now(UTC))
    except (LockBusy, WarehouseError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{file.name}: {parsed.rows_read} rows read, {loaded} loaded, {skipped} skipped "
               f"(a collected snapshot of the same day exists)")


def _file_argument(func: click.decorators.FC) -> click.decorators.FC:
    return click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))(func)


@import_group.command("github-snapshots", epilog=RULES.format(name="repo"))
@_file_argument
@click.option("--columns", default=None, metavar="date=H,repo=H,stars=H[,forks=H]",
              help="the file's header for each column (other columns are ignored), e.g. "
                   "date=Day,repo=Repository,stars=Stars")
@config_option
@db_option
def import_github(file: Path, columns: str | None, config_path: str | None, db_path: str | None) -> None:
    """Star counts per repo and day: columns date, repo, stars[, forks] (FILE is .csv or .parquet).

    Also reads star-history.com's CSV export (Repository, Date, Stars: the calendar day of Date is taken) and
    Daily Stars Explorer's (date DD-MM-YYYY, day-stars, total-stars: stars = total-stars, the repo from the file
    name OWNER_REPO-stars-history.csv). Repos are matched case-insensitively to the ids the warehouse knows,
    under any name they have had (renames are followed); a repo never collected is a bad row: run
    `openwave collect` first.
    """
    _import(file, GITHUB, config_path, db_path, columns)


@import_group.command("hf-snapshots", epilog=RULES.format(name="model_id"))
@_file_argument
@config_option
@db_option
def import_hf(file: Path, config_path: str | None, db_path: str | None) -> None:
    """Hub numbers per model and day: columns date, model_id, downloads_30d[, downloads_all_time, likes].

    FILE is .csv or .parquet. A model id matching a known model case-insensitively takes the known spelling;
    the author is the part before '/'.
    """
    _import(file, HUB, config_path, db_path)


EXTENSION_FORMATS = {".csv": "csv", ".parquet": "parquet", ".json": "json", ".md": "markdown",
                     ".markdown": "markdown"}
STDOUT = Path("-")


def _output_format(output: Path, fmt: str | None) -> str:
    """The format of one output file: --format, else its extension; exit 2 when they contradict."""
    inferred = EXTENSION_FORMATS.get(output.suffix.lower())
    if fmt and inferred and fmt != inferred:
        raise UsageError(f"--output {output} is {inferred} by its extension but --format is {fmt}: "
                         "make them agree (or drop --format)")
    if not (fmt or inferred):
        raise UsageError(f"--output {output}: cannot tell the format from {output.suffix or 'no extension'!r}: "
                         f"give --format {'|'.join(exporter.FORMATS)}")
    return fmt or inferred or "csv"


def _destination(count: int, fmt: str | None, output: Path | None) -> tuple[str, Path | None, Path | None]:
    """(format, file, folder): one of file and folder, or neither for stdout (`--output -`, one name).

    One name: --output FILE (format from the extension), --output DIR/ or an existing folder, default exports/.
    Several names: a folder; an --output named like a file (one.csv) or an existing file exits 2."""
    if output == STDOUT:
        if count != 1:
            raise UsageError(f"--output - prints one name to stdout, and {count} were given")
        if fmt == "parquet":
            raise UsageError("--format parquet is binary: give --output FILE or DIRECTORY, not -")
        return fmt or "csv", None, None
    as_folder = output is None or output.is_dir() or str(output).endswith(("/", "\\"))
    if count == 1 and not as_folder and output is not None:
        return _output_format(output, fmt), output, None
    folder = output or DEFAULT_EXPORT_DIR
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"--output {folder}: {count} names need a folder, and this is a file")
    if not folder.exists() and folder.suffix.lower() in EXTENSION_FORMATS and not as_folder:
        raise UsageError(f"--output {folder}: {count} names write one file each: give a folder (e.g. exports/), "
                         "or export one name")
    return fmt or "csv", None, folder


def _make_folder(folder: Path) -> None:
    """Create a missing output folder and say so (one line on stderr)."""
    if not folder.exists():
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UsageError(f"--output: cannot create the folder {folder}: {exc.strerror}") from None
        click.echo(f"created folder {folder}", err=True)


def _unknown_name(name: str, known: dict[str, str]) -> UsageError:
    """The error for an unknown NAME: a close match if any, then every view and table."""
    views = ", ".join(n for n, kind in known.items() if kind == "view") or "(none yet)"
    tables = ", ".join(n for n, kind in known.items() if kind == "table") or "(none yet)"
    return UsageError(f"unknown view or table {name!r}{columns.did_you_mean(name, list(known))} (views: {views}; "
                      f"tables: {tables})")


@click.command("export")
@click.argument("names", nargs=-1, metavar="NAME...")
@click.option("--format", "fmt", type=click.Choice(exporter.FORMATS), default=None,
              help="csv, parquet, json or markdown [default: from --output's extension, else csv]")
@click.option("--output", "-o", type=click.Path(path_type=Path), default=None,
              help="file for one NAME (its extension gives the format), else a folder (default exports/); "
                   "- prints one NAME to stdout")
@click.option("--all", "export_all", is_flag=True,
              help="export every comparison view, in file order (lab_growth, region_growth, ... hub_region_share)")
@config_option
@db_option
def export(names: tuple[str, ...], fmt: str | None, output: Path | None, export_all: bool, config_path: str | None,
           db_path: str | None) -> None:
    """Write views or tables to files, one `<name>.<ext>` per NAME in exports/ (`openwave views` lists the views).

    CSV cells that a spreadsheet would run as a formula get a leading ' ; Markdown cells are escaped so that
    upstream text cannot break the table or add HTML; JSON is an array of objects; Parquet keeps native types.
    Timestamps are ISO 8601 in UTC (2026-01-02T03:04:05Z) in CSV, JSON and Markdown. An unknown NAME, an
    --output file for several names, or a --format contradicting --output's extension exits 2; a missing
    folder is created (and said on stderr).
    """
    if bool(names) == export_all:
        raise UsageError("give one or more view or table names, or --all (not both); "
                         "`openwave views` lists the views")
    wanted = comparison_views() if export_all else list(dict.fromkeys(n.lower() for n in names))
    fmt, file, folder = _destination(2 if export_all else len(wanted), fmt, output)
    with open_read(resolve_db(db_path, config_path)) as con:
        known = exporter.relations(con)
        if export_all:
            wanted = [n for n in wanted if n in known]
        for name in wanted:
            if name not in known:
                raise _unknown_name(name, known)
        if folder is not None:
            _make_folder(folder)
        elif file is not None:
            _make_folder(file.parent)
        for name in wanted:
            frame = exporter.read_relation(con, name)
            target = file or (folder / f"{name}.{exporter.EXTENSIONS[fmt]}" if folder else None)
            if target is None:
                echo_data(exporter.render(frame, fmt))
                continue
            exporter.write(frame, fmt, target)
            click.echo(f"wrote {target} ({frame.height} row{'' if frame.height == 1 else 's'})")


@click.command("views")
@click.argument("name", required=False)
@click.option("--format", "fmt", type=click.Choice(("table", "csv", "json", "markdown")), default="table",
              show_default=True)
@config_option
@db_option
def views(name: str | None, fmt: str, config_path: str | None, db_path: str | None) -> None:
    """List every view of the warehouse with its description; with NAME, that view's columns, types, meanings."""
    with open_read(resolve_db(db_path, config_path)) as con:
        try:
            frame = columns.view_columns(con, name) if name else exporter.view_descriptions(con)
        except columns.UnknownView as exc:
            raise UsageError(str(exc)) from None
    if fmt != "table":
        echo_data(exporter.render(frame, fmt))
        return
    if frame.is_empty():
        click.echo("no views yet: run `openwave collect`")
        return
    widths = [max(len(v) for v in frame[c]) for c in frame.columns[:-1]]
    for row in frame.iter_rows():
        click.echo("  ".join([*(v.ljust(w) for v, w in zip(row, widths, strict=False)), row[-1]]).rstrip())
