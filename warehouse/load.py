"""Bulk loaders: records -> Polars frame -> Arrow table registered in DuckDB -> one INSERT ... SELECT.

Never row by row. Every loader is atomic on its own and joins the caller's `transaction` when there is one.
Snapshot tables keep one row per key per UTC day: loading the same day again replaces the row, and a
collected row always replaces an imported one (never the other way round).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import date, datetime
from typing import Any, Protocol

import duckdb
import polars as pl

from sources.records import HttpCacheEntry, ItemError, ModelRecord, RepoRecord
from warehouse.db import transaction

UTC_TS = pl.Datetime("us", "UTC")
IDENT_RE = re.compile(r"^[a-z_][a-z0-9_]*$")
REPO_SNAPSHOT_KEYS = ("snapshot_date", "repo_id")
MODEL_SNAPSHOT_KEYS = ("snapshot_date", "model_id")

REPO_SCHEMA: dict[str, Any] = {
    "repo_id": pl.Int64, "repo": pl.String, "requested_as": pl.String, "stars": pl.Int64, "forks": pl.Int64,
    "license_spdx": pl.String, "description": pl.String, "language": pl.String, "created_at": UTC_TS,
    "pushed_at": UTC_TS, "is_archived": pl.Boolean, "is_fork": pl.Boolean, "via": pl.String,
    "fetched_at": UTC_TS,
}
MODEL_SCHEMA: dict[str, Any] = {
    "model_id": pl.String, "hub_id": pl.String, "author": pl.String, "downloads_30d": pl.Int64,
    "downloads_all_time": pl.Int64, "likes": pl.Int64, "license": pl.String, "license_name": pl.String,
    "license_source": pl.String, "gated": pl.String, "pipeline_tag": pl.String, "library_name": pl.String,
    "tags": pl.List(pl.String), "base_models": pl.List(pl.String), "children_count": pl.Int64,
    "created_at": UTC_TS, "last_modified": UTC_TS, "fetched_at": UTC_TS,
}
CACHE_SCHEMA: dict[str, Any] = {"url": pl.String, "etag": pl.String, "body": pl.String, "fetched_at": UTC_TS}
ERROR_SCHEMA: dict[str, Any] = {
    "source": pl.String, "item": pl.String, "kind": pl.String, "message": pl.String, "at": UTC_TS,
}


# latest descriptive fields per repo id: a load of an older day only widens first_seen/last_seen
UPSERT_REPOS = """
insert into github_repos as g (repo_id, repo, description, language, license_spdx, created_at, pushed_at,
    is_archived, is_fork, first_seen, last_seen)
select repo_id, repo, description, language, license_spdx, created_at, pushed_at, is_archived, is_fork,
    $day, $day
from _ow_repos
on conflict (repo_id) do update set
    repo = case when $day >= g.last_seen then excluded.repo else g.repo end,
    description = case when $day >= g.last_seen then excluded.description else g.description end,
    language = case when $day >= g.last_seen then excluded.language else g.language end,
    license_spdx = case when $day >= g.last_seen then excluded.license_spdx else g.license_spdx end,
    created_at = coalesce(excluded.created_at, g.created_at),
    pushed_at = greatest(excluded.pushed_at, g.pushed_at),
    is_archived = case when $day >= g.last_seen then excluded.is_archived else g.is_archived end,
    is_fork = case when $day >= g.last_seen then excluded.is_fork else g.is_fork end,
    first_seen = least(g.first_seen, excluded.first_seen),
    last_seen = greatest(g.last_seen, excluded.last_seen)
"""


class EntityLike(Protocol):
    """What `sync_entities` reads from a configured entity (collector.config.Entity); read-only."""

    @property
    def key(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def region(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def github_orgs(self) -> Sequence[str]: ...
    @property
    def github_repos(self) -> Sequence[str]: ...
    @property
    def hf_authors(self) -> Sequence[str]: ...
    @property
    def mirror(self) -> bool: ...
    @property
    def notes(self) -> str: ...


def _ident(name: str) -> str:
    if not IDENT_RE.match(name):
        raise ValueError(f"not a plain SQL identifier: {name!r}")
    return name


def _frame(records: Sequence[Any], schema: dict[str, Any]) -> pl.DataFrame:
    """A frame with one column per schema field, read from the records' attributes."""
    columns: dict[str, list[Any]] = {}
    for name, dtype in schema.items():
        values = [getattr(r, name) for r in records]
        columns[name] = [list(v) for v in values] if isinstance(dtype, pl.List) else values
    return pl.DataFrame(columns, schema=schema)


@contextmanager
def registered(con: duckdb.DuckDBPyConnection, **frames: pl.DataFrame) -> Iterator[None]:
    """Expose frames to SQL under the given names (as Arrow tables) for the length of a `with` block."""
    for name, frame in frames.items():
        con.register(name, frame.to_arrow())
    try:
        yield
    finally:
        for name in frames:
            with suppress(duckdb.Error):  # fails in an aborted transaction; the next register replaces it
                con.unregister(name)


def upsert_frame(
    con: duckdb.DuckDBPyConnection,
    table: str,
    frame: pl.DataFrame,
    keys: Sequence[str],
) -> int:
    """Insert the frame's rows into `table`, replacing rows with the same key; return the rows written.

    Columns are matched by name (the frame's columns must exist in the table). Rows of the frame with the same
    key are reduced to the last one. (Imports have their own rule, in warehouse/imports.py.)
    """
    if frame.is_empty():
        return 0
    if frame.select(pl.struct(*keys).is_duplicated().any()).item():  # the check is cheaper than unique()
        frame = frame.unique(subset=list(keys), keep="last", maintain_order=True)
    cols = ", ".join(_ident(c) for c in frame.columns)
    table = _ident(table)
    view = f"_ow_{table}"
    match = " and ".join(f"t.{_ident(k)} = f.{k}" for k in keys)
    source = f"{view} f"
    with transaction(con), registered(con, **{view: frame}):
        overlap = con.execute(f"select count(*) from {table} t join {view} f on {match}").fetchone()
        verb = "insert or replace" if overlap and overlap[0] else "insert"  # plain insert is faster
        row = con.execute(f"{verb} into {table} ({cols}) select {cols} from {source}").fetchone()
    return int(row[0]) if row else 0


def repo_frame(records: Sequence[RepoRecord]) -> pl.DataFrame:
    """Repo records as the frame `load_repo_frame` stores (also what a spooled batch keeps)."""
    return _frame(records, REPO_SCHEMA)


def load_repo_snapshots(
    con: duckdb.DuckDBPyConnection, records: Sequence[RepoRecord], day: date, run_id: int | None
) -> int:
    """Store today's repo records: snapshots of `day`, latest repo fields, and every name seen; return rows.

    Several records with the same repo_id keep the last one. `github_repo_names` also keeps `requested_as`
    when it differs from the name GitHub returned (the old name a renamed repo was requested under).
    """
    return load_repo_frame(con, repo_frame(records), day, run_id)


def load_repo_frame(con: duckdb.DuckDBPyConnection, frame: pl.DataFrame, day: date, run_id: int | None) -> int:
    """`load_repo_snapshots` for a frame of `REPO_SCHEMA` columns."""
    if frame.is_empty():
        return 0
    wide = frame.unique(subset=["repo_id"], keep="last", maintain_order=True)
    snapshots = wide.select(
        pl.lit(day, pl.Date).alias("snapshot_date"), "repo_id", "repo", "stars", "forks", "license_spdx",
        "is_archived", "via", pl.lit("collected").alias("origin"), pl.lit(run_id, pl.Int64).alias("run_id"),
        "fetched_at",
    )
    aliases = wide.filter(pl.col("requested_as").str.to_lowercase() != pl.col("repo").str.to_lowercase())
    names = pl.concat(
        [wide.select("repo_id", "repo"), aliases.select("repo_id", pl.col("requested_as").alias("repo"))]
    ).unique(maintain_order=True)
    with transaction(con), registered(con, _ow_repos=wide, _ow_names=names):
        stored = upsert_frame(con, "github_repo_snapshots", snapshots, REPO_SNAPSHOT_KEYS)
        con.execute(UPSERT_REPOS, {"day": day})
        _upsert_seen(con, "github_repo_names", "repo_id, repo", "_ow_names", ("repo_id", "repo"), day)
    return stored


def _upsert_seen(
    con: duckdb.DuckDBPyConnection, table: str, cols: str, view: str, keys: Sequence[str], day: date,
    update: str = "",
) -> None:
    """Insert rows with first_seen = last_seen = day; on conflict widen the first/last-seen range."""
    con.execute(
        f"""
        insert into {table} as t ({cols}, first_seen, last_seen)
        select {cols}, $day, $day from {view}
        on conflict ({", ".join(keys)}) do update set {update}
            first_seen = least(t.first_seen, excluded.first_seen),
            last_seen = greatest(t.last_seen, excluded.last_seen)
        """,
        {"day": day},
    )


def entity_repo_frame(pairs: Iterable[tuple[str, int, str]]) -> pl.DataFrame:
    """(entity_key, repo_id, via) pairs as a frame."""
    return pl.DataFrame(
        list(pairs), schema={"entity_key": pl.String, "repo_id": pl.Int64, "via": pl.String}, orient="row"
    )


def load_entity_repos(
    con: duckdb.DuckDBPyConnection, pairs: Iterable[tuple[str, int, str]] | pl.DataFrame, day: date
) -> int:
    """Record the repo ids each entity covers today: (entity_key, repo_id, via 'org'|'repo'); return rows."""
    frame = pairs if isinstance(pairs, pl.DataFrame) else entity_repo_frame(pairs)
    frame = frame.unique(subset=["entity_key", "repo_id"], keep="last", maintain_order=True)
    if frame.is_empty():
        return 0
    with transaction(con), registered(con, _ow_entity_repos=frame):
        _upsert_seen(
            con, "entity_repos", "entity_key, repo_id, via", "_ow_entity_repos", ("entity_key", "repo_id"),
            day, update="via = excluded.via,",
        )
    return frame.height


def sync_entities(con: duckdb.DuckDBPyConnection, entities: Iterable[EntityLike], now: datetime) -> int:
    """Make `entities` and its target tables exactly the config's content; return the number of entities.

    Entities removed from the config lose their rows here and in `entity_repos`; their snapshots stay.
    """
    entities = list(entities)
    frames: dict[str, tuple[pl.DataFrame, tuple[str, ...]]] = {
        "entities": (_entities_frame(entities, now), ("entity_key",)),
        "entity_github_orgs": (_targets(entities, "github_orgs", "org"), ("entity_key", "org")),
        "entity_github_repos": (_targets(entities, "github_repos", "repo"), ("entity_key", "repo")),
        "entity_hf_authors": (_targets(entities, "hf_authors", "author"), ("entity_key", "author")),
    }
    with transaction(con):
        for table in frames:
            con.execute(f"delete from {table}")
        stored = {table: upsert_frame(con, table, frame, keys) for table, (frame, keys) in frames.items()}
        con.execute("delete from entity_repos where entity_key not in (select entity_key from entities)")
    return stored["entities"]


def _entities_frame(entities: Sequence[EntityLike], now: datetime) -> pl.DataFrame:
    rows = [(e.key, e.name, e.region, e.kind, bool(e.mirror), e.notes or None, now) for e in entities]
    schema = {"entity_key": pl.String, "name": pl.String, "region": pl.String, "kind": pl.String,
              "mirror": pl.Boolean, "notes": pl.String, "updated_at": UTC_TS}
    return pl.DataFrame(rows, schema=schema, orient="row").unique(
        subset=["entity_key"], keep="last", maintain_order=True
    )


def _targets(entities: Sequence[EntityLike], attribute: str, column: str) -> pl.DataFrame:
    rows = [(e.key, value) for e in entities for value in getattr(e, attribute)]
    return pl.DataFrame(rows, schema={"entity_key": pl.String, column: pl.String}, orient="row").unique(
        maintain_order=True
    )


def read_http_cache(con: duckdb.DuckDBPyConnection) -> dict[str, HttpCacheEntry]:
    """Every stored conditional-request validator, by URL."""
    rows = con.execute("select url, etag, body, fetched_at from github_http_cache").fetchall()
    return {url: HttpCacheEntry(url, etag, body, fetched_at) for url, etag, body, fetched_at in rows}


def cache_frame(entries: Iterable[HttpCacheEntry]) -> pl.DataFrame:
    return _frame(list(entries), CACHE_SCHEMA)


def load_http_cache(con: duckdb.DuckDBPyConnection, entries: Iterable[HttpCacheEntry] | pl.DataFrame) -> int:
    """Upsert validators by URL (the last entry of a URL wins); return the rows written."""
    frame = entries if isinstance(entries, pl.DataFrame) else cache_frame(entries)
    return upsert_frame(con, "github_http_cache", frame, ("url",))


def model_frame(records: Sequence[ModelRecord]) -> pl.DataFrame:
    """Model records as the frame `load_model_frame` stores (also what a spooled batch keeps)."""
    return _frame(records, MODEL_SCHEMA)


def load_model_snapshots(
    con: duckdb.DuckDBPyConnection, records: Sequence[ModelRecord], day: date, run_id: int | None
) -> int:
    """Upsert today's model snapshots (one row per model per day; the last record of a model wins)."""
    return load_model_frame(con, model_frame(records), day, run_id)


def load_model_frame(con: duckdb.DuckDBPyConnection, frame: pl.DataFrame, day: date, run_id: int | None) -> int:
    """`load_model_snapshots` for a frame of `MODEL_SCHEMA` columns."""
    if frame.is_empty():
        return 0
    frame = frame.with_columns(
        pl.lit(day, pl.Date).alias("snapshot_date"),
        pl.lit("collected").alias("origin"),
        pl.lit(run_id, pl.Int64).alias("run_id"),
    )
    return upsert_frame(con, "hf_model_snapshots", frame, MODEL_SNAPSHOT_KEYS)


def error_frame(errors: Sequence[ItemError]) -> pl.DataFrame:
    return _frame(errors, ERROR_SCHEMA)


def load_errors(con: duckdb.DuckDBPyConnection, run_id: int, errors: Sequence[ItemError] | pl.DataFrame) -> int:
    """Append the items a run could not store; return the rows written."""
    frame = errors if isinstance(errors, pl.DataFrame) else error_frame(errors)
    if frame.is_empty():
        return 0
    frame = frame.with_columns(pl.lit(run_id, pl.Int64).alias("run_id"))
    with transaction(con), registered(con, _ow_errors=frame):
        con.execute(
            'insert into run_errors (run_id, source, item, kind, message, error_at) '
            'select run_id, source, item, kind, message, "at" from _ow_errors'
        )
    return frame.height


def known_repos(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Lower-case owner/name of every name ever seen -> repo id (the latest holder if a name moved)."""
    rows = con.execute(
        "select lower(repo), arg_max(repo_id, last_seen) from github_repo_names group by lower(repo)"
    ).fetchall()
    return {name: int(repo_id) for name, repo_id in rows}


def current_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Lower-case owner/name of every name ever seen -> the repo's name now (renames followed)."""
    rows = con.execute(
        "select n.name, r.repo from (select lower(repo) as name, arg_max(repo_id, last_seen) as repo_id "
        "from github_repo_names group by lower(repo)) n join github_repos r using (repo_id)"
    ).fetchall()
    return dict(rows)


def _newest_day_items(con: duckdb.DuckDBPyConnection, table: str, owner_sql: str, item: str,
                      name: str) -> dict[str, dict[object, str]]:
    """Lower-case owner -> {item: name} of what it had on its newest collected snapshot day (imports aside)."""
    rows = con.execute(
        f"""
        with owned as (
            select lower({owner_sql}) as owner, snapshot_date, {item} as item, {name} as name
            from {table} where origin = 'collected'
        ), newest as (select owner, max(snapshot_date) as day from owned group by owner)
        select distinct o.owner, o.item, o.name from owned o join newest n
            on o.owner = n.owner and o.snapshot_date = n.day
        """
    ).fetchall()
    items: dict[str, dict[object, str]] = {}
    for owner, key, label in rows:
        items.setdefault(owner, {})[key] = label
    return items


def org_listing_items(con: duckdb.DuckDBPyConnection) -> dict[str, dict[object, str]]:
    """Lower-case GitHub owner -> {repo_id: owner/name} of its repos on the last collected day with any of them.

    What `GitHubSource.fetch(expected=...)` compares today's org listing with (a sharp shrink is suspect), and
    what a complete listing that lacks one of them is reported against (`not_listed`)."""
    return _newest_day_items(con, "github_repo_snapshots", "split_part(repo, '/', 1)", "repo_id", "repo")


def author_model_items(con: duckdb.DuckDBPyConnection) -> dict[str, dict[object, str]]:
    """Lower-case Hub author -> {lower-case model id: model id} of its models on its last collected day."""
    return _newest_day_items(con, "hf_model_snapshots", "author", "lower(model_id)", "model_id")


def org_listing_sizes(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Lower-case GitHub owner -> how many repos it had on the last collected day with any of them stored."""
    return {owner: len(items) for owner, items in org_listing_items(con).items()}


def author_model_counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Lower-case Hub author -> how many models it had on its last collected snapshot day."""
    return {owner: len(items) for owner, items in author_model_items(con).items()}
