"""Star history in the warehouse: plan which repos need which pages, and load fetched days with their state.

`github_star_history` holds one row per repo per day with stars_added > 0. A fetched page replaces every
stored day of the range it covers (the newest fetch wins: unstars lower old buckets, days now 0 are deleted).
`github_star_history_state` holds one row per repo: where the backfill resumes and what the last fetch saw.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import duckdb
import polars as pl

from sources.records import StarHistoryDay
from warehouse.db import transaction
from warehouse.load import UTC_TS, upsert_frame

DAY_SCHEMA: dict[str, Any] = {"repo_id": pl.Int64, "repo": pl.String, "day": pl.Date, "stars_added": pl.Int64,
                              "fetched_at": UTC_TS}
RANGE_SCHEMA: dict[str, Any] = {"repo_id": pl.Int64, "first_day": pl.Date, "last_day": pl.Date}
STATE_SCHEMA: dict[str, Any] = {
    "repo_id": pl.Int64, "repo": pl.String, "created_at": UTC_TS, "pages_needed": pl.Int32,
    "next_page": pl.Int32,
    "complete": pl.Boolean, "oldest_day": pl.Date, "stars_at_fetch": pl.Int64, "last_fetched_at": UTC_TS,
    "last_error": pl.String,
}
STATE_COLUMNS = ", ".join(STATE_SCHEMA)


@dataclass(slots=True)
class HistoryState:
    """One row of github_star_history_state."""

    repo_id: int
    repo: str
    created_at: datetime | None = None
    pages_needed: int | None = None  # ceil(weeks since creation / 30) when last computed
    next_page: int = 1  # the next page to fetch (numbered from the newest week)
    complete: bool = False
    oldest_day: date | None = None
    stars_at_fetch: int | None = None  # the newest snapshot's stars when page 1 was last fetched
    last_fetched_at: datetime | None = None
    last_error: str | None = None

    @property
    def started(self) -> bool:
        return self.complete or self.next_page > 1


@dataclass(frozen=True, slots=True)
class HistoryTarget:
    """A tracked repo: its current name and creation, its newest snapshot's stars, and its state if any."""

    repo_id: int
    repo: str
    created_at: datetime | None
    stars: int | None  # None when the repo has no snapshot
    state: HistoryState | None


@dataclass(frozen=True, slots=True)
class CoveredRange:
    """Days a fetch covered for one repo; both None means every day (a repo whose stars are all gone)."""

    repo_id: int
    first_day: date | None
    last_day: date | None


_TARGETS_SQL = f"""
with newest as (
    select repo_id, stars from github_repo_snapshots
    qualify row_number() over (partition by repo_id order by snapshot_date desc, fetched_at desc) = 1
)
select g.repo_id, g.repo, g.created_at, n.stars, s.repo_id is not null as has_state,
    {", ".join(f"s.{c}" for c in STATE_SCHEMA if c not in ("repo_id", "repo", "created_at"))}
from github_repos g
left join newest n using (repo_id)
left join github_star_history_state s using (repo_id)
"""


def _targets(con: duckdb.DuckDBPyConnection, where: str = "",
             params: Sequence[Any] = ()) -> list[HistoryTarget]:
    rows = con.execute(f"{_TARGETS_SQL} {where} order by lower(g.repo), g.repo_id", list(params)).fetchall()
    targets = []
    for repo_id, repo, created_at, stars, has_state, *rest in rows:
        pages, next_page, complete, oldest, at_fetch, fetched, error = rest
        state = HistoryState(repo_id, repo, created_at, pages, next_page, complete, oldest, at_fetch, fetched,
                             error) if has_state else None
        targets.append(HistoryTarget(repo_id, repo, created_at, stars, state))
    return targets


def resolve_repo_names(con: duckdb.DuckDBPyConnection, names: Sequence[str]) -> tuple[list[int], list[str]]:
    """Repo ids for owner/name strings, matched case-insensitively against every name a repo had.

    Returns (ids in the order asked, without duplicates; names matching no tracked repo). A name two ids have
    carried (reused after a rename) resolves to the id that carried it last.
    """
    ids: list[int] = []
    unknown: list[str] = []
    for name in names:
        row = con.execute(
            """
            select repo_id from (
                select repo_id, last_seen from github_repo_names where lower(repo) = lower($name)
                union all
                select repo_id, last_seen from github_repos where lower(repo) = lower($name)
            ) where repo_id in (select repo_id from github_repos)
            order by last_seen desc, repo_id limit 1
            """,
            {"name": name},
        ).fetchone()
        if row is None:
            unknown.append(name)
        elif row[0] not in ids:
            ids.append(int(row[0]))
    return ids, unknown


def history_targets(con: duckdb.DuckDBPyConnection,
                    repo_ids: Sequence[int] | None = None) -> list[HistoryTarget]:
    """Every tracked repo (a `github_repos` row), or only `repo_ids`, ordered by name."""
    if repo_ids is None:
        return _targets(con)
    if not repo_ids:
        return []
    return _targets(con, "where g.repo_id in (select unnest($1::bigint[]))", [list(repo_ids)])


def upkeep_targets(con: duckdb.DuckDBPyConnection) -> list[HistoryTarget]:
    """Repos with a complete or started history whose newest snapshot's stars differ from stars_at_fetch."""
    return _targets(con, "where (s.complete or s.next_page > 1) and n.stars is not null "
                         "and n.stars is distinct from s.stars_at_fetch")


def _frame(rows: Sequence[Any], schema: dict[str, Any]) -> pl.DataFrame:
    return pl.DataFrame({name: [getattr(r, name) for r in rows] for name in schema}, schema=schema)


def load_history(con: duckdb.DuckDBPyConnection, days: Sequence[StarHistoryDay],
                 covered: Sequence[CoveredRange], states: Sequence[HistoryState]) -> int:
    """In one transaction: delete the stored days of every covered range, insert `days`, upsert `states`.

    Days are reduced to one per (repo_id, day), the last given winning. Returns the day rows written.
    """
    day_frame = _frame(days, DAY_SCHEMA).filter(pl.col("stars_added") > 0)
    range_frame = _frame(covered, RANGE_SCHEMA)
    with transaction(con):
        if not range_frame.is_empty():
            con.register("_ow_history_ranges", range_frame.to_arrow())
            try:
                con.execute("""
                    delete from github_star_history h using _ow_history_ranges r
                    where h.repo_id = r.repo_id
                      and (r.first_day is null or h.day >= r.first_day)
                      and (r.last_day is null or h.day <= r.last_day)
                """)
            finally:
                con.unregister("_ow_history_ranges")
        written = upsert_frame(con, "github_star_history", day_frame, ("repo_id", "day"))
        upsert_frame(con, "github_star_history_state", _frame(states, STATE_SCHEMA), ("repo_id",))
    return written

