"""Hub charts: downloads per lab (30-day, all-time, derivative models) and the licence mix of those downloads."""

from __future__ import annotations

import altair as alt

from dashboards.charts.common import (
    Context,
    Figure,
    as_of_text,
    basis,
    cells,
    empty,
    region_color,
    titled,
)

CATEGORIES = ["permissive", "open-weights-restricted", "other", "unknown"]
CATEGORY_COLORS = ["#2ca02c", "#ff7f0e", "#9467bd", "#c7c7c7"]
MEASURES = {"downloads_30d": "30-day downloads", "downloads_all_time": "all-time downloads",
            "derivative_models": "derivative models"}


def hf_downloads(ctx: Context) -> Figure:
    """Per lab: rolling 30-day and all-time downloads and derivative models (hf_lab_downloads)."""
    where, params = ctx.entity_filter()
    records = ctx.records(
        f"select entity_key, name, region, models, downloads_30d, downloads_all_time, derivative_models, "
        f"models_missing from hf_lab_downloads where models > 0 and {where} "
        f"order by downloads_30d desc nulls last, entity_key", params)
    as_of = as_of_text(ctx, "huggingface")
    basis_text = basis([], ctx.imported("hf_model_snapshots"))
    source = "Hugging Face Hub, view hf_lab_downloads"
    title = "Hub downloads and derivative models, by lab"
    columns = ["name", "region", "models", "downloads_30d", "downloads_all_time", "derivative_models",
               "models_missing"]
    long = [{"name": r["name"], "region": r["region"], "measure": label, "value": r[key]}
            for r in records for key, label in MEASURES.items() if r[key] is not None]
    if not long:
        chart = empty(ctx, "no Hub models yet")
    else:
        order = [r["name"] for r in records]
        base = alt.Chart(ctx.data(long)).encode(y=alt.Y("name:N", sort=order, title=None),
                                             x=alt.X("value:Q", title=None, axis=alt.Axis(format=".3~s")))
        chart = (base.mark_bar().encode(color=region_color())
                 + base.mark_text(align="left", dx=2, fontSize=9).encode(text=alt.Text("value:Q", format=".3~s"))
                 ).properties(width=200, height=max(60, 18 * len(records))).facet(
            column=alt.Column("measure:N", sort=list(MEASURES.values()), title=None)).resolve_scale(x="independent")
    return Figure("hf-downloads", title, as_of, basis_text, source, titled(chart, ctx, title, as_of, basis_text,
                                                                           source), columns, cells(records, columns))


def license_mix(ctx: Context) -> Figure:
    """Share of each lab's 30-day downloads by licence category, stacked (license_mix)."""
    where, params = ctx.entity_filter("m.entity_key")
    licences = ctx.records(
        f"select e.name, m.entity_key, m.license, m.license_category, m.models, m.downloads_30d, "
        f"m.share_of_downloads from license_mix m join entities e on e.entity_key = m.entity_key where {where} "
        f"order by e.name, m.downloads_30d desc nulls last, m.license", params)
    shares: dict[tuple[str, str], float] = {}
    for r in licences:
        if r["share_of_downloads"] is not None:
            key = (r["name"], r["license_category"])
            shares[key] = shares.get(key, 0.0) + float(r["share_of_downloads"])
    stacked = [{"name": n, "category": c, "share": s, "order": CATEGORIES.index(c) if c in CATEGORIES else 9}
               for (n, c), s in shares.items()]
    as_of = as_of_text(ctx, "huggingface")
    basis_text = basis([], ctx.imported("hf_model_snapshots"))
    source = "Hugging Face Hub licences, view license_mix"
    title = "Licence mix of 30-day downloads, by lab"
    columns = ["name", "license", "license_category", "models", "downloads_30d", "share_of_downloads"]
    if not stacked:
        chart = empty(ctx, "no Hub downloads yet")
    else:
        permissive = {n: s for (n, c), s in shares.items() if c == "permissive"}
        order = sorted({n for n, _ in shares}, key=lambda n: (-permissive.get(n, 0.0), n))
        chart = alt.Chart(ctx.data(stacked)).mark_bar().encode(
            y=alt.Y("name:N", sort=order, title=None),
            x=alt.X("share:Q", stack="normalize", axis=alt.Axis(format="%"), title="share of 30-day downloads"),
            color=alt.Color("category:N", scale=alt.Scale(domain=CATEGORIES, range=CATEGORY_COLORS),
                            title="licence category"),
            order=alt.Order("order:Q"),
        ).properties(width=480, height=max(60, 18 * len(order)))
    return Figure("license-mix", title, as_of, basis_text, source, titled(chart, ctx, title, as_of, basis_text,
                                                                          source), columns, cells(licences, columns))
