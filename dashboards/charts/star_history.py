"""star-history: daily star curves of the top repos and every crossover pair, milestones and crossovers marked."""

from __future__ import annotations

import math
from typing import Any

import altair as alt

from dashboards.charts.common import WIDTH, Context, Figure, as_of_text, basis, cells, empty, titled

TOP_REPOS = 8
MAX_DAYS = 1200  # a longer curve keeps one day in k (counted back from the as-of day); marks keep their day


def chosen_repos(ctx: Context, crossovers: list[dict[str, Any]]) -> list[int]:
    """The top repos by stars on the as-of date (of the asked entities) and the repos of every crossover pair."""
    where, params = "true", []
    if ctx.entities:
        where, params = "repo_id in (select repo_id from entity_repos where list_contains(?, entity_key))", [
            list(ctx.entities)]
    top = [r["repo_id"] for r in ctx.records(
        f"select repo_id from repo_growth where stars is not null and {where} order by stars desc, repo_id "
        f"limit {TOP_REPOS}", params)]
    mine = set(top)
    if ctx.entities:
        mine |= {r["repo_id"] for r in ctx.records(
            "select repo_id from entity_repos where list_contains(?, entity_key)", [list(ctx.entities)])}
    pairs = [(c["a_repo_id"], c["b_repo_id"]) for c in crossovers if c["a_repo_id"] and c["b_repo_id"]]
    return top + sorted({i for a, b in pairs if not ctx.entities or {a, b} & mine for i in (a, b)} - set(top))


def star_history(ctx: Context) -> Figure:
    """Curves from repo_stars_daily; star_milestones (reached) and star_crossovers (crossed) as marked points."""
    crossovers = ctx.records("select repo_a, repo_b, a_repo_id, b_repo_id, status, crossover_day as day, "
                             "a_stars as stars from star_crossovers order by crossover_day, repo_a")
    ids = chosen_repos(ctx, crossovers)
    floor = 1 if ctx.log else 0
    daily = ctx.records("select repo_id, repo, day, stars, basis, as_of from repo_stars_daily "
                        "where list_contains(?, repo_id) and stars >= ? order by repo, day", [ids, floor])
    span = (max(r["day"] for r in daily) - min(r["day"] for r in daily)).days + 1 if daily else 0
    step = max(1, math.ceil(span / MAX_DAYS))
    series = [r for r in daily if (r["as_of"] - r["day"]).days % step == 0]
    milestones = ctx.records(
        "select repo, threshold, first_day as day, threshold as stars from star_milestones "
        "where status = 'reached' and list_contains(?, repo_id) order by repo, threshold", [ids])
    for m in milestones:
        m["mark"] = f"{m['threshold'] // 1000}k"
    crossings = [dict(c, mark=f"{c['repo_a']} passes {c['repo_b']}") for c in crossovers
                 if c["status"] == "crossed" and (c["a_repo_id"] in ids or c["b_repo_id"] in ids)
                 and c["stars"] >= floor]
    as_of = as_of_text(ctx, "github")
    basis_text = basis(["includes reconstructed" if r["basis"] == "reconstructed" else "observed" for r in series],
                       ctx.imported("github_repo_snapshots"))
    source = "GitHub stars, views repo_stars_daily, star_milestones, star_crossovers"
    title = "Star history" + (" (log scale)" if ctx.log else "") + (
        f", one point every {step} days" if step > 1 else "")
    if not series:
        chart = empty(ctx, "no star curve yet")
    else:
        scale = alt.Scale(type="log") if ctx.log else alt.Scale(type="linear")
        x = alt.X("day:T", title=None)
        y = alt.Y("stars:Q", scale=scale, title="stars")
        layers = [alt.Chart(ctx.data([{k: r[k] for k in ("repo", "day", "stars")} for r in series])).mark_line()
                  .encode(x=x, y=y, color=alt.Color("repo:N", title="repo"))]
        if milestones:
            marks = alt.Chart(ctx.data(milestones)).encode(x=x, y=y)
            layers += [marks.mark_point(shape="triangle-up", filled=True, size=40, color="#333"),
                       marks.mark_text(dy=-8, fontSize=9, color="#333").encode(text="mark:N")]
        if crossings:
            marks = alt.Chart(ctx.data(crossings)).encode(x=x, y=y)
            layers += [marks.mark_point(shape="diamond", filled=True, size=90, color="#b00020"),
                       marks.mark_text(dy=12, align="left", fontSize=10, color="#b00020").encode(text="mark:N")]
        chart = alt.layer(*layers).properties(width=WIDTH, height=320)
    latest = {r["repo_id"]: r for r in daily if r["day"] == r["as_of"]}
    described = {r["repo_id"]: r for r in ctx.records(
        "select repo_id, repo, description from github_repos where list_contains(?, repo_id)", [ids])}
    repos = [{"repo": described.get(i, {}).get("repo"), "stars": latest.get(i, {}).get("stars"),
              "description": described.get(i, {}).get("description")} for i in ids]
    columns = ["repo", "stars", "description"]
    return Figure("star-history", title, as_of, basis_text, source,
                  titled(chart, ctx, title, as_of, basis_text, source), columns, cells(repos, columns))
