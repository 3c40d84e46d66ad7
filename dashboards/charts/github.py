"""Region share of stars and Hub downloads over time; 30-day star gain per lab."""

from __future__ import annotations

import altair as alt

from dashboards.charts.common import (
    WIDTH,
    Context,
    Figure,
    as_of_text,
    basis,
    cells,
    empty,
    region_color,
    titled,
)

POINTS_BELOW = 60  # days: fewer draw a point per day too


def hub_basis(values: list[str | None]) -> str:
    """observed, imported, or observed + imported, from hub_region_share's basis column."""
    found = {v for v in values if v}
    return "observed + imported" if found == {"observed", "imported"} else (found.pop() if found else "observed")


def share_panel(ctx: Context, records: list[dict], title: str, y_title: str) -> alt.Chart:
    """Share per region over time; points too when there are few days (one day still shows a mark)."""
    few = len({r["day"] for r in records}) < POINTS_BELOW
    return alt.Chart(ctx.data(records)).mark_line(point=few).encode(
        x=alt.X("day:T", title=None), y=alt.Y("share:Q", axis=alt.Axis(format="%"), title=y_title),
        color=region_color()).properties(width=WIDTH, height=220, title=title)


def region_share(ctx: Context) -> Figure:
    """Share per region over time: tracked GitHub stars (region_growth) and Hub 30-day downloads (hub_region_share)."""
    stars = ctx.records("select region, day, share, basis from region_growth where share is not null order by day")
    hub = ctx.records("select region, day, share, basis from hub_region_share where share is not null order by day")
    as_of = as_of_text(ctx, "github", "huggingface")
    basis_text = (f"GitHub stars {basis((r['basis'] for r in stars), ctx.imported('github_repo_snapshots'))}; "
                  f"Hub downloads {hub_basis([r['basis'] for r in hub])}")
    source = "GitHub stars (region_growth), Hub 30-day downloads per snapshot day (hub_region_share)"
    title = "Share of tracked stars and Hub downloads by region, over time"
    panels = []
    if stars:
        panels.append(share_panel(ctx, stars, "GitHub stars, daily", "share of stars"))
    if hub:
        panels.append(share_panel(ctx, hub, "Hub 30-day downloads, each snapshot day", "share of 30-day downloads"))
    if not panels:
        chart: alt.TopLevelMixin = empty(ctx, "no GitHub stars or Hub downloads yet")
    elif len(panels) == 1:
        chart = panels[0]
    else:
        chart = alt.vconcat(*panels).resolve_scale(x="independent")
    return Figure("region-share", title, as_of, basis_text, source, titled(chart, ctx, title, as_of, basis_text,
                                                                           source))


def lab_growth(ctx: Context) -> Figure:
    """30-day star gain per lab, ranked bars coloured by region (lab_growth)."""
    where, params = ctx.entity_filter()
    records = ctx.records(
        f"select entity_key, name, region, stars, stars_gained_30d, growth_30d_pct, repos_counted_30d, "
        f"repos_uncounted_30d, basis_30d from lab_growth where stars_gained_30d is not null and {where} "
        f"order by stars_gained_30d desc, entity_key", params)
    as_of = as_of_text(ctx, "github")
    basis_text = basis((r["basis_30d"] for r in records), ctx.imported("github_repo_snapshots"))
    source = "GitHub stars, view lab_growth"
    title = "Stars gained in 30 days, by lab"
    columns = ["name", "region", "stars", "stars_gained_30d", "growth_30d_pct", "repos_counted_30d",
               "repos_uncounted_30d", "basis_30d"]
    if not records:
        chart = empty(ctx, "no lab has a 30-day gain yet (30 days of data are needed)")
    else:
        order = [r["name"] for r in records]
        base = alt.Chart(ctx.data(records)).encode(
            y=alt.Y("name:N", sort=order, title=None),
            x=alt.X("stars_gained_30d:Q", title="stars gained in 30 days"))
        chart = (base.mark_bar().encode(color=region_color())
                 + base.mark_text(align="left", dx=3).encode(text=alt.Text("stars_gained_30d:Q", format=","))
                 ).properties(width=WIDTH, height=max(60, 18 * len(records)))
    return Figure("lab-growth", title, as_of, basis_text, source, titled(chart, ctx, title, as_of, basis_text, source),
                  columns, cells(records, columns))
