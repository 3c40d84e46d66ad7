"""The six charts of the report, drawn with Altair from the comparison views and rendered offline by vl-convert.

`build(con, name)` returns a Figure (Vega-Lite spec, caption facts, data table); `svg`/`png` render it.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb

from dashboards.charts.common import ChartError, Context, Figure
from dashboards.charts.github import lab_growth, region_share, release_takeoff
from dashboards.charts.hub import hf_downloads, license_mix
from dashboards.charts.star_history import star_history

__all__ = ["CHARTS", "ChartError", "Figure", "build", "is_synthetic", "png", "svg"]

CHARTS: dict[str, Callable[[Context], Figure]] = {
    "region-share": region_share,
    "lab-growth": lab_growth,
    "hf-downloads": hf_downloads,
    "license-mix": license_mix,
    "release-takeoff": release_takeoff,
    "star-history": star_history,
}
LOG_CHARTS = ("star-history",)


def is_synthetic(con: duckdb.DuckDBPyConnection) -> bool:
    """True when `openwave demo` wrote into this warehouse (its runs are recorded with command 'demo')."""
    row = con.execute("select exists(select 1 from runs where command = 'demo')").fetchone()
    return bool(row and row[0])


def build(con: duckdb.DuckDBPyConnection, name: str, entities: tuple[str, ...] = (), log: bool = False,
          synthetic: bool | None = None) -> Figure:
    """One chart from the views; ChartError for an unknown name or entity, or --log where it means nothing."""
    if name not in CHARTS:
        raise ChartError(f"unknown chart {name!r}; charts: {', '.join(CHARTS)}")
    if log and name not in LOG_CHARTS:
        raise ChartError(f"--log applies to {', '.join(LOG_CHARTS)} only, not {name}")
    known = {row[0] for row in con.execute("select entity_key from entities").fetchall()}
    unknown = [key for key in entities if key not in known]
    if unknown:
        raise ChartError(f"unknown entity {unknown[0]!r} (--entity takes an entity key of the warehouse: "
                         f"{', '.join(sorted(known)) or 'none yet'})")
    ctx = Context(con, tuple(entities), log, is_synthetic(con) if synthetic is None else synthetic)
    return CHARTS[name](ctx)


def svg(figure: Figure) -> str:
    """The chart as a standalone SVG document (text escaped by the renderer)."""
    import vl_convert

    return vl_convert.vegalite_to_svg(figure.spec)


def png(figure: Figure, scale: float = 2.0) -> bytes:
    """The chart as a PNG (2x by default, for a newsletter)."""
    import vl_convert

    return vl_convert.vegalite_to_png(figure.spec, scale=scale)
