"""Option bundles shared by the commands (sqlite-utils style decorators)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from collector.config import Config, ConfigError, load_config, resolve_config_path

EXIT_OK, EXIT_PARTIAL, EXIT_USAGE = 0, 1, 2


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
