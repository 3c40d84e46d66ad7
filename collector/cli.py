"""The `openwave` command line: each command is a short recipe over collector/, warehouse/ and dashboards/."""

from __future__ import annotations

import sys

import click

from collector import __version__
from collector.cli_backfill import backfill
from collector.cli_data import export, import_group, views
from collector.cli_demo import demo
from collector.cli_digest import digest
from collector.cli_init import init
from collector.cli_query import query
from collector.cli_report import chart, report
from collector.cli_schedule import schedule
from collector.cli_status import status
from collector.config import ConfigError, warehouse_target
from collector.lock import LockBusy
from collector.options import UsageError, config_option, db_option, load
from collector.progress import Stage
from collector.report import print_summary
from collector.run import SOURCES, run_collection
from warehouse import WarehouseError


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 110})
@click.version_option(__version__, prog_name="openwave")
def cli() -> None:
    """openwave: GitHub stars and Hugging Face downloads of Chinese and Western open-source labs, in DuckDB.

    The nightly job is `openwave collect`; everything else reads the warehouse file.
    """


@cli.command()
@config_option
@db_option
@click.option("--source", "source", type=click.Choice(SOURCES), default=None, help="collect only this source")
@click.option("--entity", "entity_key", default=None, metavar="KEY", help="collect only this entity")
@click.option("--lock-wait", type=float, default=30.0, show_default=True, metavar="SECONDS",
              help="how long to wait for another collection to finish")
def collect(config_path: str | None, db_path: str | None, source: str | None, entity_key: str | None,
            lock_wait: float) -> None:
    """Fetch today's GitHub and Hugging Face numbers into the warehouse (same day = same rows, updated).

    Exit 0 when everything was stored; 1 when some items failed (the rest is saved), nothing could be stored,
    or the run was stopped (SIGTERM/Ctrl-C: what was fetched is loaded; a second signal exits at once);
    2 for bad usage or config. Every wait and retry is one line on stderr and in openwave.log.
    """
    import threading

    from collector.logs import log_summary, setup_run_logging
    from collector.run import stop_on_signals

    config = load(config_path)
    if entity_key:
        try:
            config.entity(entity_key)
        except Exception as exc:
            raise UsageError(str(exc)) from None
    try:
        target = warehouse_target(config, db_path)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    setup_run_logging(target, config)  # waits and retries on stderr and in the log file
    stop = threading.Event()
    try:
        with stop_on_signals(stop), Stage() as stage:
            summary = run_collection(config, target, sources=(source,) if source else SOURCES,
                                     entity_key=entity_key, stage=stage, stop=stop, lock_wait=lock_wait)
    except (LockBusy, WarehouseError) as exc:  # busy, missing, corrupt, or written by a newer openwave
        raise click.ClickException(str(exc)) from None
    print_summary(summary)
    log_summary(summary, file_only=True)  # the summary goes to stdout and the log file, once each
    sys.exit(summary.exit_code)


cli.add_command(query)
cli.add_command(status)
cli.add_command(demo)
cli.add_command(init)
cli.add_command(backfill)
cli.add_command(schedule)
cli.add_command(import_group)
cli.add_command(export)
cli.add_command(views)
cli.add_command(digest)
cli.add_command(report)
cli.add_command(chart)


def main() -> None:
    """Console-script entry point."""
    try:
        cli.main(prog_name="openwave", standalone_mode=True)
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
