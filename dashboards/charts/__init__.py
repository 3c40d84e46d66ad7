"""The six charts of the report, drawn with Altair from the comparison views and rendered offline by vl-convert.

`build(con, name)` returns a Figure (Vega-Lite spec, caption facts, data table); `svg`/`png` render it.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

import duckdb

from warehouse.runs import is_synthetic

if TYPE_CHECKING:
    from dashboards.charts.common import Figure

__all__ = ["CHARTS", "ChartError", "build", "check", "is_synthetic", "png", "svg"]

# name -> module:function; modules (and Altair) are imported only when a chart is drawn
CHARTS = {
    "region-share": "github:region_share",
    "lab-growth": "github:lab_growth",
    "hf-downloads": "hub:hf_downloads",
    "license-mix": "hub:license_mix",
    "release-takeoff": "takeoff:release_takeoff",
    "star-history": "star_history:star_history",
}
LOG_CHARTS = ("star-history",)


class ChartError(Exception):
    """A chart cannot be drawn with these arguments (unknown name or entity, --log where it has no meaning)."""


def check(con: duckdb.DuckDBPyConnection, name: str, entities: tuple[str, ...] = (), log: bool = False) -> None:
    """ChartError for an unknown name or entity, or --log where it means nothing."""
    if name not in CHARTS:
        raise ChartError(f"unknown chart {name!r}; charts: {', '.join(CHARTS)}")
    if log and name not in LOG_CHARTS:
        raise ChartError(f"--log applies to {', '.join(LOG_CHARTS)} only, not {name}")
    known = {row[0] for row in con.execute("select entity_key from entities").fetchall()}
    unknown = [key for key in entities if key not in known]
    if unknown:
        raise ChartError(f"unknown entity {unknown[0]!r} (--entity takes an entity key of the warehouse: "
                         f"{', '.join(sorted(known)) or 'none yet'})")
    if name == "region-share" and entities:
        raise ChartError("region-share covers every region: it takes no --entity")


def build(con: duckdb.DuckDBPyConnection, name: str, entities: tuple[str, ...] = (), log: bool = False,
          synthetic: bool | None = None) -> Figure:
    """One chart from the views (after `check`)."""
    from dashboards.charts.common import Context

    check(con, name, entities, log)
    module, function = CHARTS[name].split(":")
    draw = getattr(import_module(f"dashboards.charts.{module}"), function)
    return draw(Context(con, tuple(entities), log, is_synthetic(con) if synthetic is None else synthetic))


def svg(figure: Figure) -> str:
    """The chart as a standalone SVG document (text escaped by the renderer)."""
    import vl_convert

    return vl_convert.vegalite_to_svg(figure.spec)


def png(figure: Figure, scale: float = 2.0) -> bytes:
    """The chart as a PNG (2x by default, for a newsletter)."""
    import vl_convert

    return vl_convert.vegalite_to_png(figure.spec, scale=scale)
