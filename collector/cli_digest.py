"""`openwave digest`: what changed between two days (gains, milestones, crossovers, new repos and models,
licence changes, star-burst alerts, what is missing) as Markdown, HTML or JSON."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click
import duckdb

from collector.options import UsageError, config_option, db_option, open_read, resolve_db
from collector.terminal import echo_data
from dashboards import digest as digests


def _day(ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"--{param.name.replace('_day', '')} {value!r}: not a YYYY-MM-DD date") from None


@click.command()
@click.option("--to", "to_day", callback=_day, metavar="DAY", help="last day (default: the newest snapshot day)")
@click.option("--days", type=int, default=None, metavar="N", help="window of N days: from = to - N (default 7)")
@click.option("--from", "from_day", callback=_day, metavar="DAY", help="first day (instead of --days)")
@click.option("--format", "fmt", type=click.Choice(digests.FORMATS), default="markdown", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="write to this file (default: stdout)")
@config_option
@db_option
def digest(to_day: date | None, days: int | None, from_day: date | None, fmt: str, output: Path | None,
           config_path: str | None, db_path: str | None) -> None:
    """What changed between two days, ready to paste into a newsletter.

    Gains are value(to) - value(from) by the views' rules (bridging up to 3 days, NULL not 0, basis); a
    milestone, crossover, new repo or model, licence change or star-burst alert counts when its day is after
    FROM and on or before TO. `--days 7` gives the same gains as lab_growth's 7-day columns on the newest day.
    """
    with open_read(resolve_db(db_path, config_path)) as con:
        try:
            win = digests.window(con, to_day, days, from_day)
            result = digests.build(con, win)
        except digests.DigestError as exc:
            raise UsageError(str(exc)) from None
        except duckdb.CatalogException as exc:
            raise click.ClickException("the warehouse has no digest macros yet: run `openwave collect` once to "
                                       f"add them ({str(exc).splitlines()[0]})") from None
    text = digests.render(result, fmt)
    if output is None:
        echo_data(text)
        return
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(text, encoding="utf-8")
    click.echo(f"wrote {output} ({result['from']} to {result['to']})")
