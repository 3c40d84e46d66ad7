"""`openwave backfill`: daily star history of the tracked repos from GitHub's /stargazers/history."""

from __future__ import annotations

from pathlib import Path

import click

from collector.backfill import UnknownRepos, run_backfill
from collector.config import REPO_RE, ConfigError, warehouse_target
from collector.lock import LockBusy
from collector.options import UsageError, config_option, db_option, load
from collector.progress import Stage
from warehouse import WarehouseError, WarehouseMissing


@click.command("backfill")
@config_option
@db_option
@click.option("--repo", "repos", multiple=True, metavar="OWNER/NAME",
              help="only this tracked repo (repeatable; any name it had, case-insensitive)")
@click.option("--max-requests", type=click.IntRange(min=0), default=None, metavar="N",
              help="send at most N requests; the next run resumes where this one stopped")
@click.option("--refresh", is_flag=True, help="fetch complete repos again (every page)")
def backfill(config_path: str | None, db_path: str | None, repos: tuple[str, ...], max_requests: int | None,
             refresh: bool) -> None:
    """Fetch each tracked repo's daily star history back to its creation week.

    One request covers 30 weeks; repos already complete cost nothing unless --refresh. The history counts the
    stars that still exist, by the day they were given: it is not the historical star total. Exit code 1
    when repos failed or work is left (budget or rate limit) or it was stopped (SIGTERM/Ctrl-C: the pages
    fetched are loaded; a second signal exits at once): run it again to resume.
    """
    import threading

    from collector.logs import setup_run_logging
    from collector.run import stop_on_signals

    config = load(config_path)
    path = Path(db_path) if db_path else config.warehouse_path
    if not path.exists():  # before any lock file is made next to it
        raise UsageError(f"no warehouse at {path}: run `openwave collect` first to track repos")
    try:
        path = warehouse_target(config, db_path)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    for repo in repos:
        if not REPO_RE.match(repo):
            raise UsageError(f"--repo {repo!r} is not of the form OWNER/NAME")
    if path.exists():
        setup_run_logging(path, config)  # waits and retries on stderr and in the log file
    try:
        # run_backfill has no stop event: the first signal interrupts the request in flight, the pages
        # fetched before it are loaded and the run row is closed 'interrupted' (collector/backfill.py)
        with stop_on_signals(threading.Event(), interrupt=True, what="the pages fetched so far"), \
                Stage() as stage:
            result = run_backfill(config, path, repos=repos, max_requests=max_requests, refresh=refresh,
                                  stage=stage)
    except (UnknownRepos, WarehouseMissing) as exc:
        raise UsageError(str(exc)) from None
    except (LockBusy, WarehouseError) as exc:
        raise click.ClickException(str(exc)) from None
    except KeyboardInterrupt as exc:
        click.echo(f"backfill interrupted ({exc or 'SIGINT'}): the pages fetched before the stop are loaded; "
                   "run `openwave backfill` again to resume")
        click.get_current_context().exit(1)
    for line in result.lines():
        click.echo(line)
    click.get_current_context().exit(result.exit_code)
