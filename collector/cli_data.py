"""`openwave import …`, `openwave export` and `openwave views`: data in from files, data out to files."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from collector.importer import GITHUB, HUB, FileSpec, ImportFileError, bad_rows_message, read_snapshot_file
from collector.lock import LockBusy, warehouse_lock
from collector.options import UsageError, config_option, db_option, open_read, resolve_db
from collector.terminal import echo_data
from dashboards import comparison_views
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


def _import(file: Path, spec: FileSpec, config_path: str | None, db_path: str | None) -> None:
    path = resolve_db(db_path, config_path)
    try:
        parsed = read_snapshot_file(file, spec)
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
@config_option
@db_option
def import_github(file: Path, config_path: str | None, db_path: str | None) -> None:
    """Star counts per repo and day: columns date, repo, stars[, forks] (FILE is .csv or .parquet).

    Repos are matched case-insensitively to the ids the warehouse knows, under any name they have had (renames
    are followed); a repo never collected is a bad row: run `openwave collect` first.
    """
    _import(file, GITHUB, config_path, db_path)


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


def _destination(single: bool, fmt: str, output: Path | None) -> tuple[Path | None, Path | None]:
    """(file, directory) to write to; both None means stdout. One NAME and --output DIR/ gives a directory."""
    if single and output is None:
        if fmt == "parquet":
            raise UsageError("--format parquet writes a file: give --output FILE or DIRECTORY")
        return None, None
    if single and output is not None and not output.is_dir() and not str(output).endswith(("/", "\\")):
        return output, None
    folder = output or DEFAULT_EXPORT_DIR
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"--output {folder}: several names need a directory, and this is a file")
    return None, folder


@click.command("export")
@click.argument("names", nargs=-1, metavar="NAME...")
@click.option("--format", "fmt", type=click.Choice(exporter.FORMATS), default="csv", show_default=True)
@click.option("--output", "-o", type=click.Path(path_type=Path), default=None,
              help="file for one NAME, else directory (default exports/); one NAME without it goes to stdout")
@click.option("--all", "export_all", is_flag=True,
              help="export every comparison view (lab_comparison, lab_growth, license_mix, ...)")
@config_option
@db_option
def export(names: tuple[str, ...], fmt: str, output: Path | None, export_all: bool, config_path: str | None,
           db_path: str | None) -> None:
    """Write views or tables to files, one `<name>.<ext>` per NAME (`openwave views` lists the views).

    CSV cells that a spreadsheet would run as a formula get a leading ' ; Markdown cells are escaped so that
    upstream text cannot break the table or add HTML; JSON is an array of objects; Parquet keeps native types.
    An unknown NAME exits 2.
    """
    if bool(names) == export_all:
        raise UsageError("give one or more view or table names, or --all (not both); "
                         "`openwave views` lists the views")
    single = len(set(n.lower() for n in names)) == 1
    file, folder = _destination(single, fmt, output)
    with open_read(resolve_db(db_path, config_path)) as con:
        known = exporter.relations(con)
        wanted = ([n for n in comparison_views() if n in known] if export_all
                  else list(dict.fromkeys(n.lower() for n in names)))
        unknown = [n for n in wanted if n not in known]
        if unknown:
            views = ", ".join(n for n, kind in known.items() if kind == "view") or "(none yet)"
            raise UsageError(f"unknown view or table {unknown[0]!r}; views: {views}")
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
        for name in wanted:
            frame = exporter.read_relation(con, name)
            target = file or (folder / f"{name}.{exporter.EXTENSIONS[fmt]}" if folder else None)
            if target is None:
                echo_data(exporter.render(frame, fmt))
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            exporter.write(frame, fmt, target)
            click.echo(f"wrote {target} ({frame.height} row{'' if frame.height == 1 else 's'})")


@click.command("views")
@click.option("--format", "fmt", type=click.Choice(("table", "csv", "json", "markdown")), default="table",
              show_default=True)
@config_option
@db_option
def views(fmt: str, config_path: str | None, db_path: str | None) -> None:
    """List every view of the warehouse with its description."""
    with open_read(resolve_db(db_path, config_path)) as con:
        frame = exporter.view_descriptions(con)
    if fmt != "table":
        echo_data(exporter.render(frame, fmt))
        return
    if frame.is_empty():
        click.echo("no views yet: run `openwave collect`")
        return
    width = max(len(name) for name in frame["name"])
    for name, description in frame.iter_rows():
        click.echo(f"{name.ljust(width)}  {description}".rstrip())
