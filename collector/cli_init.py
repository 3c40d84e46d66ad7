"""`openwave init [PATH]`: write the shipped catalog (collector/catalog/config.toml) to a file to edit."""

from __future__ import annotations

from pathlib import Path

import click

from collector.config import ConfigError, load_config
from collector.options import UsageError, shown

# The catalog shipped inside the package: a byte-for-byte copy of the checkout's config.toml (a test keeps
# them equal), so `openwave demo` and `openwave init` work in any folder after `pip install`.
CATALOG = Path(__file__).resolve().parent / "catalog" / "config.toml"
DEFAULT_PATH = Path("config.toml")


@click.command("init")
@click.argument("path", required=False, type=click.Path(path_type=Path), default=DEFAULT_PATH)
def init(path: Path) -> None:
    """Write the shipped catalog to PATH (default ./config.toml; a folder gets PATH/config.toml) to edit.

    An existing file is never overwritten (exit 2). Then `openwave collect` (with --config PATH if elsewhere).
    """
    target = path / "config.toml" if path.is_dir() else path
    if target.exists():
        raise UsageError(f"{target}: already exists, not overwritten (edit it, or give another PATH)")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        with open(target, "xb") as file:  # "x": never overwrite, even a file created a moment ago
            file.write(CATALOG.read_bytes())
    except OSError as exc:
        raise UsageError(f"{target}: cannot write: {exc.strerror or type(exc).__name__}") from None
    try:
        config = load_config(target)
    except ConfigError as exc:  # the shipped catalog is tested valid; a warehouse path blocked here is not
        raise UsageError(f"wrote {target}, but: {exc}") from None
    option = "" if target == DEFAULT_PATH else f" --config {shown(target)}"
    click.echo(f"wrote {shown(target)}: the shipped catalog ({len(config.entities)} entities, "
               f"{len(config.events)} events); edit it, then run `openwave collect{option}`")
