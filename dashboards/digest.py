"""`openwave digest`: what changed between two days, as Markdown, HTML or JSON, ready to paste.

Every figure comes from the table macros of dashboards/macros/ (gains between two days, star-burst alerts) and
the comparison views (star_milestones, star_crossovers), so the digest says what the SQL says. The window is
(from, to]: gains are value(to) - value(from); a milestone, crossover, new repo or model, licence change or
alert counts when its day is after `from` and on or before `to`.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import duckdb
import polars as pl

from dashboards.export import _json_value, escape_markdown, to_markdown
from warehouse.runs import is_synthetic

FORMATS = ("markdown", "html", "json")
DEFAULT_DAYS = 7
TOP_REPOS = 20
SECTIONS = ("labs", "repos", "downloads", "milestones", "crossovers", "new_repos", "new_models",
            "license_changes", "alerts", "missing")
SYNTHETIC_NOTE = ("SYNTHETIC DATA: this warehouse was filled by `openwave demo` from the local stand-in upstream; "
                  "no number below was fetched from GitHub or Hugging Face.")


class DigestError(Exception):
    """The window cannot be built (no data, or days out of order); the message is one line."""


@dataclass(frozen=True, slots=True)
class Window:
    """The digest's days: gains are value(to_day) - value(from_day)."""

    from_day: date
    to_day: date


def newest_day(con: duckdb.DuckDBPyConnection) -> date | None:
    """The newest snapshot day of any source (the default end of the window)."""
    return con.execute("select max(as_of) from as_of_dates").fetchall()[0][0]


def window(con: duckdb.DuckDBPyConnection, to_day: date | None, days: int | None,
           from_day: date | None) -> Window:
    """to = `to_day` or the newest snapshot day; from = `from_day` or to - `days` (default 7)."""
    if days is not None and from_day is not None:
        raise DigestError("give --days or --from, not both")
    if days is not None and days < 1:
        raise DigestError(f"--days {days}: must be 1 or more")
    end = to_day or newest_day(con)
    if end is None:
        raise DigestError("the warehouse has no snapshot yet: run `openwave collect` (or `openwave demo`)")
    start = from_day or end - timedelta(days=days or DEFAULT_DAYS)
    if start >= end:
        raise DigestError(f"--from {start} must be before --to {end}")
    return Window(start, end)


ENTITY_OF_REPO = "(select repo_id, min(entity_key) as entity_key from entity_repos group by repo_id)"

QUERIES: dict[str, str] = {
    "labs": """
        select entity_key, name, region, stars_gained, growth_pct, stars, repos_counted, repos_uncounted, basis
        from lab_gains_between($from_day, $to_day)
        order by stars_gained desc nulls last, entity_key""",
    "repos": f"""
        select e.entity_key, g.repo, g.stars_gained,
               round(100.0 * g.stars_gained / nullif(g.stars_from, 0), 1) as growth_pct,
               g.stars_to as stars, g.basis
        from repo_gains_between($from_day, $to_day) g
        join {ENTITY_OF_REPO} e on e.repo_id = g.repo_id
        where g.stars_gained is not null
        order by g.stars_gained desc, g.repo
        limit {TOP_REPOS}""",
    "downloads": """
        select entity_key, name, region, downloads_gained, growth_pct, downloads_all_time, models_counted,
               models_uncounted, basis
        from hf_lab_downloads_between($from_day, $to_day)
        order by downloads_gained desc nulls last, entity_key""",
    "milestones": f"""
        select e.entity_key, m.repo, m.threshold, m.first_day as day, m.days_taken, m.basis
        from star_milestones m
        left join {ENTITY_OF_REPO} e on e.repo_id = m.repo_id
        where m.first_day > $from_day and m.first_day <= $to_day
        order by m.first_day, m.threshold desc, m.repo""",
    "crossovers": f"""
        select e.entity_key, c.repo_a as repo, c.repo_b as other_repo, c.crossover_day as day,
               c.a_stars as stars, c.b_stars as other_stars, c.basis
        from star_crossovers c
        left join {ENTITY_OF_REPO} e on e.repo_id = c.a_repo_id
        where c.crossover_day > $from_day and c.crossover_day <= $to_day
        order by c.crossover_day, c.repo_a, c.repo_b""",
    "new_repos": f"""
        with firsts as (
            select repo_id, min(snapshot_date) as first_day,
                   arg_max(stars, snapshot_date) filter (where snapshot_date <= $to_day) as stars
            from github_repo_snapshots group by repo_id
        )
        select e.entity_key, r.repo,
               coalesce((r.created_at at time zone 'UTC')::date, f.first_day) as day, f.stars,
               case when r.created_at is null then 'first snapshot' else 'created' end as basis
        from {ENTITY_OF_REPO} e
        join github_repos r on r.repo_id = e.repo_id
        left join firsts f on f.repo_id = e.repo_id
        where coalesce((r.created_at at time zone 'UTC')::date, f.first_day) > $from_day
          and coalesce((r.created_at at time zone 'UTC')::date, f.first_day) <= $to_day
        order by day, r.repo""",
    "new_models": """
        with models as (
            select model_id, arg_max(author, snapshot_date) as author, min(snapshot_date) as first_day,
                   (arg_max(created_at, snapshot_date) at time zone 'UTC')::date as created_day,
                   arg_max(downloads_all_time, snapshot_date) as downloads_all_time
            from hf_model_snapshots where snapshot_date <= $to_day group by model_id
        )
        select min(a.entity_key) as entity_key, m.model_id, coalesce(m.created_day, m.first_day) as day,
               m.downloads_all_time,
               case when m.created_day is null then 'first snapshot' else 'created' end as basis
        from models m
        join entity_hf_authors a on lower(a.author) = lower(m.author)
        where coalesce(m.created_day, m.first_day) > $from_day and coalesce(m.created_day, m.first_day) <= $to_day
        group by m.model_id, m.created_day, m.first_day, m.downloads_all_time
        order by day, m.model_id""",
    "license_changes": """
        with licences as (
            select model_id, author, snapshot_date as day,
                   coalesce(case when license = 'other' then license_name end, license, 'unknown') as licence,
                   lag(coalesce(case when license = 'other' then license_name end, license, 'unknown'))
                       over (partition by model_id order by snapshot_date) as previous
            from hf_model_snapshots where snapshot_date <= $to_day
        )
        select min(a.entity_key) as entity_key, l.model_id, l.day, l.previous as license_from,
               l.licence as license_to, 'observed' as basis
        from licences l
        join entity_hf_authors a on lower(a.author) = lower(l.author)
        where l.day > $from_day and l.previous is distinct from l.licence and l.previous is not null
        group by l.model_id, l.day, l.previous, l.licence
        order by l.day, l.model_id""",
    "alerts": f"""
        select e.entity_key, b.repo, b.day, b.stars_added, b.baseline, b.excess, b.median, b.mad,
               b.baseline_days, b.days_spanned, b.rule, b.note, b.basis
        from star_bursts_between($from_day, $to_day) b
        left join {ENTITY_OF_REPO} e on e.repo_id = b.repo_id
        order by b.day, b.excess desc, b.repo""",
    "missing": f"""
        select e.entity_key, 'repo' as kind, g.repo, null::varchar as model_id,
               case when g.basis_from = 'missing' and g.basis_to = 'missing' then 'both'
                    when g.basis_from = 'missing' then 'from' else 'to' end as missing_at,
               'missing' as basis
        from repo_gains_between($from_day, $to_day) g
        join {ENTITY_OF_REPO} e on e.repo_id = g.repo_id
        where g.stars_gained is null
        union all
        select min(a.entity_key), 'model', null, m.model_id,
               case when m.downloads_from is null and m.downloads_to is null then 'both'
                    when m.downloads_from is null then 'from' else 'to' end,
               'missing'
        from hf_model_downloads_between($from_day, $to_day) m
        join entity_hf_authors a on lower(a.author) = lower(m.author)
        where m.downloads_gained is null
        group by m.model_id, m.downloads_from, m.downloads_to
        order by kind desc, entity_key, repo, model_id""",
}


def build(con: duckdb.DuckDBPyConnection, win: Window) -> dict[str, Any]:
    """The digest as one dict: from, to, synthetic, then one list of items per section (JSON-ready)."""
    params = {"from_day": win.from_day, "to_day": win.to_day}
    result: dict[str, Any] = {"from": win.from_day.isoformat(), "to": win.to_day.isoformat(),
                              "synthetic": is_synthetic(con)}
    for section in SECTIONS:
        cursor = con.execute(QUERIES[section], params)
        names = [column[0] for column in cursor.description]
        result[section] = [{k: _json_value(v) for k, v in zip(names, row, strict=True)} for row in cursor.fetchall()]
    return result


# ----------------------------------------------------------------------------------------------------------
# rendering

TITLES = {
    "labs": "Labs: GitHub stars gained",
    "repos": f"Repos: most stars gained (top {TOP_REPOS})",
    "downloads": "Labs: Hub downloads gained (all-time count; growth_pct relative to their size)",
    "milestones": "Milestones reached",
    "crossovers": "Crossovers",
    "new_repos": "New repos",
    "new_models": "New Hub models",
    "license_changes": "Licence changes",
    "alerts": "Star-burst alerts",
    "missing": "Missing: no data at one end or both (left out of the sums above)",
}
HIDDEN = {"alerts": ("rule",)}  # shown once under the table rather than on every row


def _frame(items: list[dict[str, Any]], section: str) -> pl.DataFrame:
    frame = pl.DataFrame(items, infer_schema_length=None)
    return frame.drop([c for c in HIDDEN.get(section, ()) if c in frame.columns])


def _missing_summary(items: list[dict[str, Any]]) -> str:
    repos = sum(1 for i in items if i["kind"] == "repo")
    models = len(items) - repos
    return f"{repos} repo{'s' if repos != 1 else ''} and {models} model{'s' if models != 1 else ''} without data " \
           "at one end or both."


def _rule(digest: dict[str, Any]) -> str | None:
    rules = {a["rule"] for a in digest["alerts"]}
    return next(iter(rules)) if rules else None


def to_markdown_text(digest: dict[str, Any]) -> str:
    """Markdown: one heading and table per section; cells escaped as the Markdown export escapes them."""
    out = [f"# openwave digest: {digest['from']} to {digest['to']}", ""]
    if digest["synthetic"]:
        out += [f"**{SYNTHETIC_NOTE}**", ""]
    out += ["Gains are value(to) - value(from); events count when their day is after from and on or before to. "
            "`basis` says where each figure comes from.", ""]
    for section in SECTIONS:
        items = digest[section]
        out += [f"## {TITLES[section]}", ""]
        if section == "missing" and items:
            out += [_missing_summary(items), ""]
        out += [to_markdown(_frame(items, section)) if items else "None in this window.", ""]
        if section == "alerts" and items:
            out += [f"Rule: {escape_markdown(_rule(digest) or '')}", ""]
    return "\n".join(out).rstrip() + "\n"


def _html_table(items: list[dict[str, Any]], section: str) -> str:
    frame = _frame(items, section)
    head = "".join(f"<th>{html.escape(c)}</th>" for c in frame.columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape('' if v is None else str(v))}</td>" for v in row) + "</tr>"
        for row in frame.iter_rows()
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def to_html(digest: dict[str, Any]) -> str:
    """A self-contained HTML page; every cell escaped with html.escape."""
    title = f"openwave digest: {digest['from']} to {digest['to']}"
    parts = ["<!doctype html>", '<html lang="en"><head><meta charset="utf-8">', f"<title>{html.escape(title)}</title>",
             "<style>body{font-family:sans-serif}table{border-collapse:collapse}td,th{border:1px solid #ccc;"
             "padding:2px 6px}.synthetic{background:#fe0;font-weight:bold;padding:4px}</style></head><body>",
             f"<h1>{html.escape(title)}</h1>"]
    if digest["synthetic"]:
        parts.append(f'<p class="synthetic">{html.escape(SYNTHETIC_NOTE)}</p>')
    for section in SECTIONS:
        items = digest[section]
        parts.append(f"<h2>{html.escape(TITLES[section])}</h2>")
        if section == "missing" and items:
            parts.append(f"<p>{html.escape(_missing_summary(items))}</p>")
        parts.append(_html_table(items, section) if items else "<p>None in this window.</p>")
        if section == "alerts" and items:
            parts.append(f"<p>Rule: {html.escape(_rule(digest) or '')}</p>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def to_json_text(digest: dict[str, Any]) -> str:
    return json.dumps(digest, ensure_ascii=False, indent=1) + "\n"


def render(digest: dict[str, Any], fmt: str) -> str:
    """The digest in one of FORMATS."""
    renderers = {"markdown": to_markdown_text, "html": to_html, "json": to_json_text}
    return renderers[fmt](digest)
