"""The SQL side of `openwave import`: match names to warehouse identities, then load in bulk.

Imported rows never overwrite a collected snapshot of the same day (they are skipped and counted); they do
replace rows imported earlier. They carry origin 'imported:<file name>', run_id NULL and fetched_at = import
time.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import duckdb
import polars as pl

from warehouse.db import transaction

# every spelling a repo id has had (renames included), with the first day it was seen under it
REPO_NAMES = """
with spellings as (
    select repo_id, repo, first_seen, last_seen from github_repo_names
    union all
    select repo_id, repo, first_seen, last_seen from github_repos
), names as (
    select repo_id, lower(repo) as key, max_by(repo, last_seen) as repo, min(first_seen) as first_seen
    from spellings group by repo_id, lower(repo)
), candidates as (
    -- a name held by two ids over time: the id that held it on the row's date, else its first holder
    select f.line, n.repo_id, n.repo, row_number() over (
        partition by f.line
        order by (n.first_seen <= f.snapshot_date) desc nulls last,
                 case when n.first_seen <= f.snapshot_date then n.first_seen end desc,
                 n.first_seen, n.repo_id) as pick
    from _import_rows f join names n on n.key = lower(f.repo)
)
select line, repo_id, repo from candidates where pick = 1
"""

KNOWN_MODELS = """
with known as (
    select lower(model_id) as key, model_id,
           row_number() over (partition by lower(model_id)
                              order by origin = 'collected' desc, snapshot_date desc, model_id) as pick
    from hf_model_snapshots
), hub_ids as (
    select model_id, max_by(hub_id, snapshot_date) as hub_id
    from hf_model_snapshots where hub_id is not null group by model_id
)
select f.line, k.model_id, h.hub_id
from _import_rows f join known k on k.key = lower(f.model_id) and k.pick = 1
left join hub_ids h on h.model_id = k.model_id
"""

# the one rule: an import never replaces a row that was not imported (a collected snapshot), only earlier imports
NOT_IMPORTED = "not starts_with(s.origin, 'imported:')"

LOAD_REPOS = f"""
insert or replace into github_repo_snapshots
    (snapshot_date, repo_id, repo, stars, forks, via, origin, run_id, fetched_at)
select f.snapshot_date, f.repo_id, f.repo, f.stars, f.forks, 'import', $origin, null, $fetched_at
from _import_rows f
where not exists (select 1 from github_repo_snapshots s
                  where s.snapshot_date = f.snapshot_date and s.repo_id = f.repo_id
                    and {NOT_IMPORTED})
"""

LOAD_MODELS = f"""
insert or replace into hf_model_snapshots
    (snapshot_date, model_id, hub_id, author, downloads_30d, downloads_all_time, likes,
     origin, run_id, fetched_at)
select f.snapshot_date, f.model_id, f.hub_id, split_part(f.model_id, '/', 1), f.downloads_30d,
       f.downloads_all_time, f.likes, $origin, null, $fetched_at
from _import_rows f
where not exists (select 1 from hf_model_snapshots s
                  where s.snapshot_date = f.snapshot_date and s.model_id = f.model_id
                    and {NOT_IMPORTED})
"""

COLLECTED = f"""
select count(*) from _import_rows f join {{table}} s using (snapshot_date, {{key}})
where {NOT_IMPORTED}
"""

BAD_SCHEMA = {"line": pl.Int64, "problem": pl.String}


@contextmanager
def _registered(con: duckdb.DuckDBPyConnection, rows: pl.DataFrame) -> Iterator[None]:
    con.register("_import_rows", rows.to_arrow())
    try:
        yield
    finally:
        con.unregister("_import_rows")


def match_repos(con: duckdb.DuckDBPyConnection, rows: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Add repo_id (and the warehouse's spelling of the name) to rows with a repo; return (rows, bad).

    Names match case-insensitively through github_repo_names, so a repo's former names find its id. Bad rows:
    a repo the warehouse never saw, and two names of one repo on the same date.
    """
    named = rows.filter(pl.col("repo").is_not_null()).select("line", "snapshot_date", "repo")
    with _registered(con, named):
        found = con.sql(REPO_NAMES).pl()
    found = found.cast({"line": pl.Int64, "repo_id": pl.Int64, "repo": pl.String})
    matched = rows.join(found.rename({"repo": "known"}), on="line", how="left").with_columns(
        pl.coalesce("known", "repo").alias("repo")).drop("known")
    message = "unknown repo '{}': run openwave collect first so its id is known"
    unknown = matched.filter(pl.col("repo").is_not_null() & pl.col("repo_id").is_null()).select(
        "line", pl.format(message, "repo").alias("problem"))
    # rows the file itself already calls duplicates (same date, same name) are reported there, not again here
    first_line = pl.col("line").min().over("snapshot_date", pl.col("repo").str.to_lowercase())
    distinct = matched.filter(pl.col("repo_id").is_not_null() & pl.col("snapshot_date").is_not_null()
                              & (pl.col("line") == first_line))
    first = distinct.sort("line").group_by("snapshot_date", "repo_id", maintain_order=True).agg(
        pl.col("line").first().alias("first_line"), pl.col("repo").first().alias("first_repo"))
    renamed = distinct.join(first, on=["snapshot_date", "repo_id"])
    renamed = renamed.filter(pl.col("line") != pl.col("first_line"))
    message = "same repo as line {} ({} and {} are names of repo id {})"
    renamed = renamed.select("line", pl.format(message, "first_line", "first_repo", "repo", "repo_id")
                             .alias("problem"))
    return matched, pl.concat([unknown, renamed]).cast(BAD_SCHEMA)


def match_models(con: duckdb.DuckDBPyConnection, rows: pl.DataFrame) -> pl.DataFrame:
    """Spell model ids as the warehouse knows them (case-insensitive match) and add their Hub _id."""
    named = rows.filter(pl.col("model_id").is_not_null()).select("line", "model_id")
    with _registered(con, named):
        found = con.sql(KNOWN_MODELS).pl()
    found = found.cast({"line": pl.Int64, "model_id": pl.String, "hub_id": pl.String})
    return rows.join(found.rename({"model_id": "known"}), on="line", how="left").with_columns(
        pl.coalesce("known", "model_id").alias("model_id")).drop("known")


def _load(con: duckdb.DuckDBPyConnection, rows: pl.DataFrame, table: str, key: str, sql: str, origin: str,
          fetched_at: datetime) -> tuple[int, int]:
    with _registered(con, rows), transaction(con):
        row = con.execute(COLLECTED.format(table=table, key=key)).fetchone()
        skipped = int(row[0]) if row else 0
        con.execute(sql, {"origin": origin, "fetched_at": fetched_at})
    return rows.height - skipped, skipped


def load_repo_rows(con: duckdb.DuckDBPyConnection, rows: pl.DataFrame, origin: str,
                   fetched_at: datetime) -> tuple[int, int]:
    """Upsert matched, valid GitHub rows in one transaction; return (loaded, skipped as collected)."""
    frame = rows.select("snapshot_date", "repo_id", "repo", "stars", "forks")
    return _load(con, frame, "github_repo_snapshots", "repo_id", LOAD_REPOS, origin, fetched_at)


def load_model_rows(con: duckdb.DuckDBPyConnection, rows: pl.DataFrame, origin: str,
                    fetched_at: datetime) -> tuple[int, int]:
    """Upsert matched, valid Hub rows in one transaction; return (loaded, skipped as collected)."""
    frame = rows.select("snapshot_date", "model_id", "hub_id", "downloads_30d", "downloads_all_time", "likes")
    return _load(con, frame, "hf_model_snapshots", "model_id", LOAD_MODELS, origin, fetched_at)
