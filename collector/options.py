"""Option bundles shared by the commands (sqlite-utils style decorators), and how they resolve.

Exit codes: 0 success; 1 the command was right but could not finish now (a warehouse busy with a collection,
some items failed, a run stopped by a signal: trying again later may work); 2 bad usage, config or input
(a missing config, a warehouse to read that does not exist or is not a DuckDB file, a folder given as the
warehouse, bad SQL, an unknown name, a contradicting option: the same command will fail again). Every error is
one line naming the file, option or value.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import duckdb

from collector.config import Config, ConfigError, load_config, resolve_config_path
from warehouse import WarehouseBusy, WarehouseError, db

EXIT_USAGE = 2
READ_WAIT_SECONDS = 5.0  # how long a reader retries while a collection loads
DEMO_DB_NAME = "openwave-demo.duckdb"  # `openwave demo` writes data/openwave-demo.duckdb
DEMO_DB = Path("data") / DEMO_DB_NAME


class UsageError(click.ClickException):
    """A one-line error for bad usage or config: exit code 2."""

    exit_code = EXIT_USAGE


def config_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--config", "config_path", type=click.Path(), default=None,
                        help="config file (default ./config.toml, or $OPENWAVE_CONFIG)")(func)


def not_a_folder(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    """--db must name a file: a folder exits 2 with one line (in every command, writing or reading)."""
    if value and Path(value).is_dir():
        raise UsageError(f"--db {value}: is a folder, not a DuckDB file")
    return value


def db_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--db", "db_path", type=click.Path(), default=None, callback=not_a_folder,
                        help="DuckDB file (overrides [warehouse] path)")(func)


def shown(path: Path) -> str:
    """A path as the user would type it: relative to the current folder when it lies below it."""
    try:
        return os.path.relpath(path) if Path(path).resolve().is_relative_to(Path.cwd().resolve()) else str(path)
    except (OSError, ValueError):
        return str(path)


def load(config_path: str | None) -> Config:
    """Load the config or exit 2 with its one-line error (a missing one says how to get one)."""
    path = resolve_config_path(config_path)
    try:
        return load_config(path)
    except ConfigError as exc:
        hint = "; `openwave init` writes the shipped catalog to edit" if not path.exists() else ""
        raise UsageError(f"{exc}{hint}") from None


def demo_hint(missing: Path | None = None) -> str:
    """`; the demo's sample data: add --db PATH` when a demo warehouse exists near `missing` or here, else ''."""
    candidates = [missing.with_name(DEMO_DB_NAME)] if missing is not None else []
    for candidate in [*candidates, DEMO_DB]:
        if candidate.is_file() and candidate != missing:
            return f"; for the demo's sample data add --db {shown(candidate)}"
    return ""


def resolve_db(db_path: str | None, config_path: str | None) -> Path:
    """--db wins; else the config's [warehouse] path (the config must then load)."""
    if db_path:
        return Path(db_path)
    config_file = resolve_config_path(config_path)
    if not config_file.exists() and (hint := demo_hint()):
        raise UsageError(f"{config_file}: no such config file (use --config, or `openwave init`){hint}")
    return load(config_path).warehouse_path


def open_read(path: Path) -> duckdb.DuckDBPyConnection:
    """The warehouse, read-only, for a command. Busy (a collection is loading) exits 1; a missing file, or one
    that is not a DuckDB warehouse (or is too new), exits 2: each with its one line."""
    if not path.exists():
        raise UsageError(f"no warehouse at {shown(path)}: run `openwave collect` to create it, or `openwave demo` "
                         f"for sample data{demo_hint(path)}")
    try:
        return db.open_read(path, wait_seconds=READ_WAIT_SECONDS)
    except WarehouseBusy as exc:
        raise click.ClickException(str(exc)) from None
    except WarehouseError as exc:
        raise UsageError(str(exc)) from None
