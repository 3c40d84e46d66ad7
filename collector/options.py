"""Option bundles shared by the commands (sqlite-utils style decorators)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import duckdb

from collector.config import Config, ConfigError, load_config, resolve_config_path
from warehouse import WarehouseError, db

EXIT_USAGE = 2
READ_WAIT_SECONDS = 5.0  # how long a reader retries while a collection loads


class UsageError(click.ClickException):
    """A one-line error for bad usage or config: exit code 2."""

    exit_code = EXIT_USAGE


def config_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--config", "config_path", type=click.Path(dir_okay=False), default=None,
                        help="config file (default ./config.toml, or $OPENWAVE_CONFIG)")(func)


def db_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--db", "db_path", type=click.Path(dir_okay=False), default=None,
                        help="DuckDB file (overrides [warehouse] path)")(func)


def load(config_path: str | None) -> Config:
    """Load the config or exit 2 with its one-line error."""
    try:
        return load_config(resolve_config_path(config_path))
    except ConfigError as exc:
        raise UsageError(str(exc)) from None


def resolve_db(db_path: str | None, config_path: str | None) -> Path:
    """--db wins; else the config's [warehouse] path (the config must then load)."""
    if db_path:
        return Path(db_path)
    return load(config_path).warehouse_path


def open_read(path: Path) -> duckdb.DuckDBPyConnection:
    """The warehouse, read-only, for a command: a missing, busy or unreadable file exits 1 with its one line."""
    try:
        return db.open_read(path, wait_seconds=READ_WAIT_SECONDS)
    except WarehouseError as exc:
        raise click.ClickException(str(exc)) from None
