"""`openwave report`: one self-contained HTML file (inline CSS and SVG, no script, nothing fetched).

Sections: the headline table (lab_comparison), the six charts, the rules in plain words, the data's freshness.
Every string reaches the page through Jinja2 autoescaping; charts are SVG whose text the renderer escaped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from dashboards import charts
from dashboards.charts.common import SYNTHETIC
from dashboards.charts.text import label
from warehouse import runs

TEMPLATES = Path(__file__).resolve().parent / "templates"
HEADLINE = [  # lab_comparison column, heading, format
    ("rank_stars_gained_30d", "rank (stars 30 d)", "int"),
    ("name", "lab", "text"),
    ("region", "region", "text"),
    ("stars", "stars", "int"),
    ("stars_gained_30d", "stars gained 30 d", "int"),
    ("growth_30d_pct", "growth 30 d", "pct"),
    ("github_basis", "basis", "text"),
    ("rank_downloads_30d", "rank (downloads 30 d)", "int"),
    ("models", "Hub models", "int"),
    ("downloads_30d", "downloads 30 d", "int"),
    ("derivative_models", "derivative models", "int"),
    ("permissive_share", "permissive share", "share"),
]


@dataclass
class Freshness:
    """What `openwave status` says about the data: newest day and collection per source, the last run."""

    newest: dict[str, date | None]
    fetched: dict[str, datetime | None]
    last_run: dict[str, Any] | None
    warnings: list[str] = field(default_factory=list)


def cell(value: Any, kind: str) -> str:
    """A headline figure as shown: thousands separators, percentages, '–' for NULL."""
    if value is None:
        return "–"
    if kind == "int":
        return f"{int(value):,}"
    if kind == "pct":
        return f"{float(value):,.1f} %"
    if kind == "share":
        return f"{float(value) * 100:.2f} %"
    return label(str(value))


def headline(con: duckdb.DuckDBPyConnection) -> list[list[tuple[str, str]]]:
    """lab_comparison in its own order, as (column, shown text) pairs."""
    cursor = con.execute("select * from lab_comparison")
    names = [d[0] for d in cursor.description or ()]
    return [[(col, cell(dict(zip(names, row, strict=True))[col], kind)) for col, _, kind in HEADLINE]
            for row in cursor.fetchall()]


def freshness(con: duckdb.DuckDBPyConnection, warnings: list[str] | None = None) -> Freshness:
    recent = runs.last_runs(con, 1)
    return Freshness(runs.newest_snapshots(con), runs.newest_fetches(con), recent[0] if recent else None,
                     warnings or [])


def as_of(con: duckdb.DuckDBPyConnection) -> date | None:
    """The report's date: the GitHub as-of date, else the Hub's."""
    found = dict(con.execute("select source, as_of from as_of_dates").fetchall())
    return found.get("github") or found.get("huggingface")


def render(con: duckdb.DuckDBPyConnection, warnings: list[str] | None = None,
           now: datetime | None = None) -> str:
    """The whole report as one HTML document."""
    synthetic = charts.is_synthetic(con)
    figures = []
    for name in charts.CHARTS:
        figure = charts.build(con, name, synthetic=synthetic)
        figures.append((figure, Markup(charts.svg(figure))))  # the renderer escaped its text
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(default=True))
    env.filters["label"] = label
    return env.get_template("report.html.j2").render(
        as_of=as_of(con), synthetic=synthetic, banner=SYNTHETIC, headings=[h for _, h, _ in HEADLINE],
        rows=headline(con), figures=figures, fresh=freshness(con, warnings),
        generated=(now or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC"))
