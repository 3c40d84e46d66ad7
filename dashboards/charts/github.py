"""GitHub charts: region share of stars over time, 30-day gain per lab, star history with its marks."""

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


def region_share(ctx: Context) -> Figure:
    """Share of tracked GitHub stars per region per day (region_growth), Hub 30-day share on its as-of date."""
    stars = ctx.records("select region, day, share, basis from region_growth where share is not null order by day")
    hub = ctx.records("select region, share from hf_region_downloads where share is not null order by region")
    as_of = as_of_text(ctx, "github", "huggingface")
    basis_text = basis((r["basis"] for r in stars), ctx.imported("github_repo_snapshots"))
    source = "GitHub stars (region_growth), Hub 30-day downloads (hf_region_downloads)"
    if not stars:
        return Figure("region-share", "Share of tracked stars by region", as_of, basis_text, source,
                      titled(empty(ctx, "no GitHub stars yet"), ctx, "Share of tracked stars by region", as_of,
                             basis_text, source))
    lines = alt.Chart(ctx.data(stars)).mark_line().encode(
        x=alt.X("day:T", title=None), y=alt.Y("share:Q", axis=alt.Axis(format="%"), title="share of stars"),
        color=region_color()).properties(width=WIDTH, height=260, title="GitHub stars, daily")
    chart: alt.TopLevelMixin = lines
    if hub:
        bars = alt.Chart(ctx.data(hub)).mark_bar().encode(
            x=alt.X("region:N", sort=["CN", "US", "EU", "other"], title=None),
            y=alt.Y("share:Q", axis=alt.Axis(format="%"), title="share of 30-day downloads"),
            color=region_color()).properties(width=120, height=260, title="Hub downloads, as-of day")
        chart = alt.hconcat(lines, bars)
    title = "Share of tracked stars and downloads by region"
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


def release_takeoff(ctx: Context) -> Figure:
    """Stars and downloads gained from day 0 to day 7, 30, 90 after each event, aligned on day 0."""
    where, params = ctx.entity_filter()
    events = ctx.records(
        f"select event_id, day, entity_key, label, repo, model, stars_gained_7d, stars_gained_30d, "
        f"stars_gained_90d, downloads_gained_7d, downloads_gained_30d, downloads_gained_90d, basis "
        f"from release_takeoff where {where} order by day, event_id", params)
    points = []
    for e in events:
        name = f"{e['day']} {e['label']}"
        for metric, prefix in (("stars", "stars_gained"), ("downloads (all-time)", "downloads_gained")):
            gains = [(n, e[f"{prefix}_{n}d"]) for n in (7, 30, 90) if e[f"{prefix}_{n}d"] is not None]
            if gains:
                points += [{"event": name, "metric": metric, "day": 0, "gained": 0}]
                points += [{"event": name, "metric": metric, "day": n, "gained": g} for n, g in gains]
    as_of = as_of_text(ctx, "github", "huggingface")
    basis_text = basis((e["basis"] for e in events), ctx.imported("github_repo_snapshots")
                       or ctx.imported("hf_model_snapshots"))
    source = "GitHub stars and Hub all-time downloads, view release_takeoff"
    title = "Release take-off: gained since the day before each event"
    columns = ["day", "label", "repo", "model", "stars_gained_7d", "stars_gained_30d", "stars_gained_90d",
               "downloads_gained_7d", "downloads_gained_30d", "downloads_gained_90d", "basis"]
    if not points:
        chart = empty(ctx, "no event has reached day 7 yet")
    else:
        chart = alt.Chart(ctx.data(points)).mark_line(point=True).encode(
            x=alt.X("day:Q", scale=alt.Scale(domain=[0, 90]), title="days after the event (day 0: the day before)"),
            y=alt.Y("gained:Q", title="gained"),
            color=alt.Color("event:N", title="event", legend=alt.Legend(labelLimit=320)),
        ).properties(width=320, height=260).facet(column=alt.Column("metric:N", title=None)).resolve_scale(
            y="independent")
    return Figure("release-takeoff", title, as_of, basis_text, source,
                  titled(chart, ctx, title, as_of, basis_text, source), columns, cells(events, columns))
