"""release-takeoff: the aligned timeline of each [[event]], day 0 (the day before it) to day 90, one point a day.

Stars: the event's repos (event_repos) valued by repo_stars_daily, 0 before a repo's creation day; the curve is the
gain since day 0 over the repos with both ends (created by the day), as release_takeoff adds them on days 7, 30, 90.
Downloads: the Hub's rolling 30-day count of the model the event names, on the days it has a snapshot.
"""

from __future__ import annotations

from typing import Any

import altair as alt

from dashboards.charts.common import WIDTH, Context, Figure, as_of_text, basis, cells, empty, titled

MAX_EVENTS = 10  # the most recent events with data; one colour each
DAYS = 90

STAR_CURVES = """
with ev as (
    select event_id, day - 1 as day0 from events where {where}
),
grid as (   -- each event repo on day 0 .. 90, not after the GitHub as-of date
    select ev.event_id, r.repo_id, t.k, ev.day0 + t.k::int as day
    from ev
    join event_repos r on r.event_id = ev.event_id
    cross join range(0, {days} + 1) t(k)
    where ev.day0 + t.k::int <= r.as_of
),
daily as (
    select repo_id, day, stars, basis
    from repo_stars_daily
    where repo_id in (select repo_id from grid)
      and day between (select min(day) from grid) and (select max(day) from grid)
),
valued as (   -- the day's value, 0 before the repo's creation day (UTC), NULL when missing
    select
        g.event_id, g.repo_id, g.k,
        case when c.created_day > g.day then 0 else s.stars end as stars,
        coalesce(c.created_day <= g.day, true) as created,
        s.basis = 'reconstructed' as reconstructed
    from grid g
    left join daily s on s.repo_id = g.repo_id and s.day = g.day
    left join (select repo_id, (created_at at time zone 'UTC')::date as created_day from github_repos) c
        on c.repo_id = g.repo_id
),
gains as (
    select
        v.event_id, v.k, v.stars - z.stars as gain,
        coalesce(v.reconstructed, false) or coalesce(z.reconstructed, false) as reconstructed
    from valued v
    join valued z on z.event_id = v.event_id and z.repo_id = v.repo_id and z.k = 0
    where v.created and v.stars is not null and z.stars is not null
)
select event_id, k, sum(gain)::bigint as value, count(*) as items, bool_or(reconstructed) as reconstructed
from gains
group by event_id, k
order by event_id, k
"""

DOWNLOAD_CURVES = """
select e.event_id, s.snapshot_date - (e.day - 1) as k, sum(s.downloads_30d)::bigint as value,
       count(*) as items, bool_or(starts_with(s.origin, 'imported:')) as imported
from events e
join hf_model_snapshots s on lower(s.model_id) = lower(e.model)
where e.model is not null and {where} and s.downloads_30d is not null
  and s.snapshot_date between e.day - 1 and e.day - 1 + {days}
group by e.event_id, s.snapshot_date - (e.day - 1)
order by e.event_id, k
"""

STARS = ("stars gained since day 0", "stars gained")
DOWNLOADS = ("Hub 30-day downloads of the event's model, on its snapshot days", "30-day downloads")


def chosen(events: list[dict[str, Any]], stars: list[dict[str, Any]], downloads: list[dict[str, Any]]) -> list[int]:
    """The most recent MAX_EVENTS events with a star gain after day 0 or a download figure."""
    with_data = {r["event_id"] for r in stars if r["k"] > 0} | {r["event_id"] for r in downloads}
    recent = [e["event_id"] for e in sorted(events, key=lambda e: (e["day"], e["event_id"]), reverse=True)
              if e["event_id"] in with_data]
    return recent[:MAX_EVENTS]


def panel(ctx: Context, points: list[dict[str, Any]], order: list[str], titles: tuple[str, str],
          few: bool) -> alt.Chart:
    return alt.Chart(ctx.data(points)).mark_line(point=few).encode(
        x=alt.X("k:Q", scale=alt.Scale(domain=[0, DAYS]), title="days after day 0 (the day before the event)"),
        y=alt.Y("value:Q", title=titles[1]),
        color=alt.Color("event:N", sort=order, title="event", legend=alt.Legend(labelLimit=320)),
    ).properties(width=WIDTH, height=200, title=titles[0])


def release_takeoff(ctx: Context) -> Figure:
    """Daily star gain and Hub 30-day downloads from day 0 to day 90 of each event, aligned on day 0."""
    where, params = ctx.entity_filter()
    events = ctx.records(
        f"select event_id, day, entity_key, label, repo, model, stars_gained_7d, stars_gained_30d, "
        f"stars_gained_90d, downloads_gained_7d, downloads_gained_30d, downloads_gained_90d, basis "
        f"from release_takeoff where {where} order by day, event_id", params)
    stars = ctx.records(STAR_CURVES.format(where=where, days=DAYS), params)
    hub_where, hub_params = ctx.entity_filter("e.entity_key")
    downloads = ctx.records(DOWNLOAD_CURVES.format(where=hub_where, days=DAYS), hub_params)
    ids = chosen(events, stars, downloads)
    names = {e["event_id"]: f"{e['day']} {e['label']}" for e in events}
    order = [names[i] for i in sorted(ids, key=lambda i: next(e["day"] for e in events if e["event_id"] == i))]
    star_points = [{"event": names[r["event_id"]], "k": r["k"], "value": r["value"]}
                   for r in stars if r["event_id"] in ids]
    download_points = [{"event": names[r["event_id"]], "k": r["k"], "value": r["value"]}
                       for r in downloads if r["event_id"] in ids]
    as_of = as_of_text(ctx, "github", "huggingface")
    star_basis = basis(["includes reconstructed" if r["reconstructed"] else "observed"
                        for r in stars if r["event_id"] in ids], ctx.imported("github_repo_snapshots"))
    hub_imported = any(r["imported"] for r in downloads if r["event_id"] in ids)
    basis_text = f"stars {star_basis}; downloads {'observed + imported' if hub_imported else 'observed'}"
    source = "GitHub repo_stars_daily of event_repos; Hub hf_model_snapshots of the event's named model"
    title = (f"Release take-off, aligned on day 0: the {len(ids)} most recent of {len(events)} events with data "
             f"(a star gain or a Hub snapshot by day {DAYS}; at most {MAX_EVENTS})")
    columns = ["day", "label", "repo", "model", "stars_gained_7d", "stars_gained_30d", "stars_gained_90d",
               "downloads_gained_7d", "downloads_gained_30d", "downloads_gained_90d", "basis"]
    panels = []
    if star_points:
        panels.append(panel(ctx, star_points, order, STARS, False))
    if download_points:
        panels.append(panel(ctx, download_points, order, DOWNLOADS, len({p["k"] for p in download_points}) < 30))
    if not panels:
        chart: alt.TopLevelMixin = empty(ctx, "no event has a star gain or a Hub snapshot yet")
    elif len(panels) == 1:
        chart = panels[0]
    else:
        chart = alt.vconcat(*panels).resolve_scale(color="shared")
    return Figure("release-takeoff", title, as_of, basis_text, source,
                  titled(chart, ctx, title, as_of, basis_text, source), columns, cells(events, columns))
