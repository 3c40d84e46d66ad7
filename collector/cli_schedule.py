"""`openwave schedule`: stay in the foreground and run the nightly collection on the config's cron."""

from __future__ import annotations

from pathlib import Path

import click

from collector.options import UsageError, config_option, db_option, load
from collector.schedule import DEFAULT_LOCK_WAIT, ScheduleError, SchedulerRunning, serve


@click.command("schedule")
@config_option
@db_option
@click.option("--run-now", is_flag=True, help="Run once right away, then follow the cron.")
@click.option("--lock-wait", type=click.FloatRange(min=0), default=DEFAULT_LOCK_WAIT, show_default=True,
              metavar="SECONDS", help="How long a scheduled run waits for another collection to finish.")
def schedule(config_path: str | None, db_path: str | None, run_now: bool, lock_wait: float) -> None:
    """Stay in the foreground and run `collect` (then star-history upkeep) on the [schedule] cron.

    One run at a time: a fire due while a run is still going is skipped. A run missed while the machine slept
    starts on wake if within `misfire_grace_seconds`. Ctrl-C or SIGTERM stops the run in progress before its
    next request (a Retry-After wait ends at once), loads what was read, records the run as interrupted and
    exits 0; a second signal aborts at once. One scheduler per warehouse (a second one exits 1). Runs are
    logged to stderr and to openwave.log next to the warehouse.
    """
    config = load(config_path)
    db = Path(db_path) if db_path else config.warehouse_path
    try:
        serve(config, db, run_now=run_now, lock_wait=lock_wait)
    except ScheduleError as exc:
        raise UsageError(f"{config.path}: [schedule]: {exc}") from None
    except SchedulerRunning as exc:
        raise click.ClickException(str(exc)) from None
