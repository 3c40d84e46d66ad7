"""star-history: daily star curves of the top repos and every crossover pair, milestones and crossovers marked."""

from __future__ import annotations

import math

import altair as alt

from dashboards.charts.common import WIDTH, Context, Figure, as_of_text, basis, cells, empty, titled

TOP_REPOS = 8
MAX_DAYS = 1200  # a longer curve keeps one day in k (counted back from the as-of day); marks keep their day

REPOS_SQL = """
with ranked as (
    select g.repo_id from repo_growth g
    where g.stars is not null and ({where})
    order by g.stars desc, g.repo_id limit {top}
),
pairs as (
    select a_repo_id as repo_id from star_crossovers where a_repo_id is not null and ({pair_where})
    union select b_repo_id from star_crossovers where b_repo_id is not null and ({pair_where})
)
select g.repo_id, g.repo, g.stars, r.description
from repo_growth g left join github_repos r on r.repo_id = g.repo_id
where g.repo_id in (select repo_id from ranked union select repo_id from pairs)
order by g.stars desc nulls last, g.repo
"""


def short(threshold: int) -> str:
    return f"{threshold // 1000}k"


def star_history(ctx: Context) -> Figure:
    """Curves from repo_stars_daily; star_milestones (reached) and star_crossovers (crossed) as marked points."""
    where, params = "true", []
    pair_where = "true"
    if ctx.entities:
        where = "g.repo_id in (select repo_id from entity_repos where list_contains(?, entity_key))"
        pair_where = ("a_repo_id in (select repo_id from entity_repos where list_contains(?, entity_key)) or "
                      "b_repo_id in (select repo_id from entity_repos where list_contains(?, entity_key))")
        params = [list(ctx.entities)] * 3
    repos = ctx.records(REPOS_SQL.format(where=where, pair_where=pair_where, top=TOP_REPOS), params)
    ids = [r["repo_id"] for r in repos]
    as_of = ctx.as_of("github")
    span = ctx.con.execute("select max(day) - min(day) + 1 from repo_stars_daily where list_contains(?, repo_id) "
                           "and stars is not null", [ids]).fetchone()
    step = max(1, math.ceil((span[0] or 0) / MAX_DAYS)) if span else 1
    floor = 1 if ctx.log else 0
    series = ctx.records(
        "select repo, day, stars, basis from repo_stars_daily where list_contains(?, repo_id) and stars >= ? "
        "and (as_of - day) % ? = 0 order by repo, day", [ids, floor, step])
    milestones = ctx.records(
        "select repo, threshold, first_day as day, threshold as stars from star_milestones "
        "where status = 'reached' and list_contains(?, repo_id) order by repo, threshold", [ids])
    for m in milestones:
        m["mark"] = short(m["threshold"])
    crossings = ctx.records(
        "select repo_a, repo_b, crossover_day as day, a_stars as stars, basis from star_crossovers "
        "where status = 'crossed' and (list_contains(?, a_repo_id) or list_contains(?, b_repo_id)) and a_stars >= ? "
        "order by day", [ids, ids, floor])
    for c in crossings:
        c["mark"] = f"{c['repo_a']} passes {c['repo_b']}"
    as_of_label = as_of_text(ctx, "github")
    basis_text = basis(["includes reconstructed" if r["basis"] == "reconstructed" else "observed" for r in series],
                       ctx.imported("github_repo_snapshots"))
    source = "GitHub stars, views repo_stars_daily, star_milestones, star_crossovers"
    title = "Star history" + (" (log scale)" if ctx.log else "") + (f", one point every {step} days" if step > 1
                                                                    else "")
    if not series:
        chart = empty(ctx, "no star curve yet")
    else:
        scale = alt.Scale(type="log") if ctx.log else alt.Scale(type="linear")
        x = alt.X("day:T", title=None)
        y = alt.Y("stars:Q", scale=scale, title="stars")
        layers = [alt.Chart(ctx.data(series)).mark_line().encode(x=x, y=y, color=alt.Color("repo:N", title="repo"))]
        if milestones:
            marks = alt.Chart(ctx.data(milestones)).encode(x=x, y=y)
            layers += [marks.mark_point(shape="triangle-up", filled=True, size=40, color="#333"),
                       marks.mark_text(dy=-8, fontSize=9, color="#333").encode(text="mark:N")]
        if crossings:
            marks = alt.Chart(ctx.data(crossings)).encode(x=x, y=y)
            layers += [marks.mark_point(shape="diamond", filled=True, size=90, color="#b00020"),
                       marks.mark_text(dy=12, align="left", fontSize=10, color="#b00020").encode(text="mark:N")]
        chart = alt.layer(*layers).properties(width=WIDTH, height=320)
    columns = ["repo", "stars", "description"]
    del as_of
    return Figure("star-history", title, as_of_label, basis_text, source,
                  titled(chart, ctx, title, as_of_label, basis_text, source), columns, cells(repos, columns))
