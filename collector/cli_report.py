"""`openwave report` (one self-contained HTML file) and `openwave chart NAME` (one SVG or PNG)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from collector.options import UsageError, config_option, db_option, open_read, resolve_db
from collector.terminal import printable
from dashboards import charts  # cheap: Altair is imported when a chart is drawn

DEFAULT_REPORT_DIR = Path("reports")


def _write(path: Path, content: str | bytes) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"{path}: cannot write: {exc.strerror or exc}") from None


@click.command()
@config_option
@db_option
@click.option("--output", "-o", "output", type=click.Path(dir_okay=False), default=None,
              help="HTML file to write (default reports/openwave-<as-of>.html)")
def report(config_path: str | None, db_path: str | None, output: str | None) -> None:
    """Write one self-contained HTML report: the headline table, six charts, the rules, the data's freshness.

    The file opens from disk with no network: no script, style, font or image is fetched. Prints its path.
    """
    from collector.scheduler_state import freshness
    from dashboards import report as html
    from warehouse import runs

    with open_read(resolve_db(db_path, config_path)) as con:
        day = html.as_of(con)
        if day is None:
            raise click.ClickException("the warehouse has no snapshots yet: run `openwave collect` "
                                       "(or `openwave demo`) first")
        warnings = freshness(runs.newest_fetches(con), datetime.now(UTC))
        page = html.render(con, warnings)
    path = Path(output) if output else DEFAULT_REPORT_DIR / f"openwave-{day}.html"
    _write(path, page)
    click.echo(printable(str(path)))


@click.command()
@click.argument("name", metavar="NAME")
@config_option
@db_option
@click.option("--format", "fmt", type=click.Choice(["svg", "png"]), default="svg", show_default=True)
@click.option("--output", "-o", "output", type=click.Path(dir_okay=False), default=None,
              help="file to write (default NAME.svg or NAME.png in the current folder)")
@click.option("--entity", "entities", multiple=True, metavar="KEY", help="only this entity (repeatable)")
@click.option("--log", "log", is_flag=True, help="log scale (star-history)")
def chart(name: str, config_path: str | None, db_path: str | None, fmt: str, output: str | None,
          entities: tuple[str, ...], log: bool) -> None:
    """Write one chart as an SVG or PNG file to paste into a newsletter or a README. Prints its path.

    NAME: region-share, lab-growth, hf-downloads, license-mix, release-takeoff, star-history.
    """
    if name not in charts.CHARTS:
        raise UsageError(f"unknown chart {printable(repr(name))}; charts: {', '.join(charts.CHARTS)}")
    with open_read(resolve_db(db_path, config_path)) as con:
        try:
            charts.check(con, name, entities, log)  # before Altair is imported: a usage error is quick
        except charts.ChartError as exc:
            raise UsageError(printable(str(exc))) from None
        figure = charts.build(con, name, entities, log)
        content: str | bytes = charts.svg(figure) if fmt == "svg" else charts.png(figure)
    path = Path(output) if output else Path(f"{name}.{fmt}")
    _write(path, content)
    click.echo(printable(str(path)))
