"""Bulk loaders: same-day upserts, renames, collected vs imported, entity sync, atomic failure."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import polars as pl
import pytest

from sources.records import HttpCacheEntry, ItemError, ModelRecord, RepoRecord
from warehouse.db import open_write, transaction
from warehouse.imports import load_repo_rows
from warehouse.load import (
    author_model_counts,
    known_repos,
    load_entity_repos,
    load_errors,
    load_http_cache,
    load_model_snapshots,
    load_repo_snapshots,
    org_listing_sizes,
    read_http_cache,
    sync_entities,
)

DAY1, DAY2 = date(2025, 1, 20), date(2025, 1, 21)
T1 = datetime(2025, 1, 20, 3, 0, tzinfo=UTC)
T2 = datetime(2025, 1, 21, 3, 0, tzinfo=UTC)


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    connection = open_write(tmp_path / "w.duckdb")
    yield connection
    connection.close()


def repo(repo_id: int, name: str, stars: int, at: datetime = T1, requested_as: str = "") -> RepoRecord:
    return RepoRecord(
        repo_id=repo_id, repo=name, requested_as=requested_as or name, stars=stars, forks=stars // 10,
        license_spdx="MIT", description=f"{name} at {stars}", language="Python", created_at=T1, pushed_at=at,
        is_archived=False, is_fork=False, via="graphql", fetched_at=at,
    )


def model(model_id: str, downloads: int, at: datetime = T1) -> ModelRecord:
    return ModelRecord(
        model_id=model_id, hub_id=f"hub-{model_id}", author=model_id.split("/")[0], downloads_30d=downloads,
        downloads_all_time=downloads * 3, likes=7, license="mit", license_name=None, license_source="tag",
        tags=("license:mit", "text-generation"), pipeline_tag="text-generation", library_name="transformers",
        gated="false", created_at=T1, last_modified=at, children_count=2, base_models=("a/base",),
        fetched_at=at,
    )


def rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple[object, ...]]:
    return con.execute(sql).fetchall()


SNAPSHOTS = (
    "select snapshot_date, repo_id, repo, stars, forks, via, origin, run_id "
    "from github_repo_snapshots order by 1, 2"
)


def test_same_day_twice_replaces_the_rows(con: duckdb.DuckDBPyConnection) -> None:
    assert load_repo_snapshots(con, [repo(1, "a/x", 100), repo(2, "a/y", 5)], DAY1, 1) == 2
    assert load_repo_snapshots(con, [repo(1, "a/x", 120, T2)], DAY1, 2) == 1
    assert rows(con, SNAPSHOTS) == [
        (DAY1, 1, "a/x", 120, 12, "graphql", "collected", 2),
        (DAY1, 2, "a/y", 5, 0, "graphql", "collected", 1),
    ]
    assert rows(con, "select repo_id, description, first_seen, last_seen from github_repos order by 1") == [
        (1, "a/x at 120", DAY1, DAY1),
        (2, "a/y at 5", DAY1, DAY1),
    ]


def test_duplicate_repo_ids_in_one_batch_keep_the_last(con: duckdb.DuckDBPyConnection) -> None:
    assert load_repo_snapshots(con, [repo(1, "a/x", 100), repo(1, "a/x", 101)], DAY1, None) == 1
    assert rows(con, "select repo_id, stars, run_id from github_repo_snapshots") == [(1, 101, None)]


def test_renamed_repo_keeps_one_row_per_day_and_every_name(con: duckdb.DuckDBPyConnection) -> None:
    load_repo_snapshots(con, [repo(7, "THUDM/GLM-4", 100)], DAY1, 1)
    load_repo_snapshots(con, [repo(7, "zai-org/GLM-4", 110, T2, requested_as="THUDM/GLM-4")], DAY2, 2)
    assert rows(con, "select snapshot_date, repo_id, repo, stars from github_repo_snapshots order by 1") == [
        (DAY1, 7, "THUDM/GLM-4", 100),
        (DAY2, 7, "zai-org/GLM-4", 110),
    ]
    assert rows(con, "select repo, first_seen, last_seen from github_repo_names order by repo") == [
        ("THUDM/GLM-4", DAY1, DAY2),  # still answers (redirects) under the old name on day 2
        ("zai-org/GLM-4", DAY2, DAY2),
    ]
    assert rows(con, "select repo_id, repo, first_seen, last_seen from github_repos") == [
        (7, "zai-org/GLM-4", DAY1, DAY2)
    ]
    assert known_repos(con) == {"thudm/glm-4": 7, "zai-org/glm-4": 7}


def test_an_older_day_does_not_overwrite_the_latest_repo_fields(con: duckdb.DuckDBPyConnection) -> None:
    load_repo_snapshots(con, [repo(7, "zai-org/GLM-4", 110, T2)], DAY2, 2)
    load_repo_snapshots(con, [repo(7, "THUDM/GLM-4", 100)], DAY1, 1)
    assert rows(con, "select repo, description, first_seen, last_seen from github_repos") == [
        ("zai-org/GLM-4", "zai-org/GLM-4 at 110", DAY1, DAY2)
    ]


def test_collected_replaces_imported_and_never_the_reverse(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "insert into github_repo_snapshots (snapshot_date, repo_id, repo, stars, via, origin, fetched_at) "
        "values (?, 1, 'a/x', 90, 'import', ?, ?), (?, 2, 'a/y', 4, 'import', ?, ?)",
        [DAY1, "imported:old.csv", T1, DAY1, "imported:old.csv", T1],
    )
    load_repo_snapshots(con, [repo(1, "a/x", 100)], DAY1, 3)
    imported = pl.DataFrame(
        {"snapshot_date": [DAY1, DAY1], "repo_id": [1, 2], "repo": ["a/x", "a/y"], "stars": [1, 6],
         "forks": [None, None]}, schema_overrides={"forks": pl.Int64}
    )
    assert load_repo_rows(con, imported, "imported:new.csv", T2) == (1, 1)  # the import path's one rule
    assert rows(con, "select repo_id, stars, via, origin, run_id from github_repo_snapshots order by 1") == [
        (1, 100, "graphql", "collected", 3),
        (2, 6, "import", "imported:new.csv", None),
    ]


@dataclass
class Entity:
    key: str
    name: str
    region: str = "CN"
    kind: str = "ai-lab"
    github_orgs: tuple[str, ...] = ()
    github_repos: tuple[str, ...] = ()
    hf_authors: tuple[str, ...] = ()
    mirror: bool = False
    notes: str = ""


def test_entity_sync_mirrors_the_config(con: duckdb.DuckDBPyConnection) -> None:
    old = [Entity("qwen", "Qwen", github_orgs=("QwenLM",), hf_authors=("Qwen",)), Entity("glm", "G")]
    assert sync_entities(con, old, T1) == 2
    load_repo_snapshots(con, [repo(1, "QwenLM/Qwen3", 10)], DAY1, 1)
    load_entity_repos(con, [("qwen", 1, "org"), ("glm", 1, "repo")], DAY1)
    new = [Entity("glm", "GLM-Z", region="CN", github_repos=("zai-org/GLM-4",), mirror=True)]
    assert sync_entities(con, new, T2) == 1
    assert rows(con, "select entity_key, name, region, kind, mirror, notes, updated_at from entities") == [
        ("glm", "GLM-Z", "CN", "ai-lab", True, None, T2)
    ]
    assert rows(con, "select * from entity_github_orgs") == []
    assert rows(con, "select * from entity_hf_authors") == []
    assert rows(con, "select * from entity_github_repos") == [("glm", "zai-org/GLM-4")]
    assert rows(con, "select entity_key, repo_id, via from entity_repos") == [("glm", 1, "repo")]
    assert rows(con, "select count(*) from github_repo_snapshots") == [(1,)]  # snapshots stay


def test_entity_repos_track_first_and_last_seen(con: duckdb.DuckDBPyConnection) -> None:
    assert load_entity_repos(con, [("qwen", 1, "org"), ("qwen", 2, "org"), ("qwen", 1, "repo")], DAY1) == 2
    assert load_entity_repos(con, [("qwen", 1, "org")], DAY2) == 1
    sql = "select entity_key, repo_id, via, first_seen, last_seen from entity_repos order by 2"
    assert rows(con, sql) == [
        ("qwen", 1, "org", DAY1, DAY2),
        ("qwen", 2, "org", DAY1, DAY1),
    ]


def test_failing_load_inside_a_transaction_keeps_the_previous_rows(con: duckdb.DuckDBPyConnection) -> None:
    load_repo_snapshots(con, [repo(1, "a/x", 100), repo(2, "a/y", 5)], DAY1, 1)
    broken = model("m/one", 5)
    object.__setattr__(broken, "author", None)  # violates NOT NULL
    with pytest.raises(duckdb.ConstraintException), transaction(con):
        load_repo_snapshots(con, [repo(1, "a/x2", 999, T2), repo(3, "a/z", 1, T2)], DAY1, 2)
        load_model_snapshots(con, [broken], DAY1, 2)
    assert rows(con, "select repo_id, repo, stars, run_id from github_repo_snapshots order by 1") == [
        (1, "a/x", 100, 1),
        (2, "a/y", 5, 1),
    ]
    assert rows(con, "select count(*) from github_repos") == [(2,)]
    assert rows(con, "select count(*) from github_repo_names") == [(2,)]
    assert rows(con, "select count(*) from hf_model_snapshots") == [(0,)]


def test_model_snapshots_upsert_with_lists(con: duckdb.DuckDBPyConnection) -> None:
    assert load_model_snapshots(con, [model("Qwen/Qwen3-8B", 100), model("Qwen/Qwen3-4B", 50)], DAY1, 1) == 2
    assert load_model_snapshots(con, [model("Qwen/Qwen3-8B", 130, T2)], DAY1, 2) == 1
    sql = (
        "select model_id, hub_id, author, downloads_30d, downloads_all_time, license, tags, base_models, "
        "children_count, origin, run_id, fetched_at from hf_model_snapshots order by model_id"
    )
    assert rows(con, sql) == [
        ("Qwen/Qwen3-4B", "hub-Qwen/Qwen3-4B", "Qwen", 50, 150, "mit", ["license:mit", "text-generation"],
         ["a/base"], 2, "collected", 1, T1),
        ("Qwen/Qwen3-8B", "hub-Qwen/Qwen3-8B", "Qwen", 130, 390, "mit", ["license:mit", "text-generation"],
         ["a/base"], 2, "collected", 2, T2),
    ]


def test_http_cache_round_trip(con: duckdb.DuckDBPyConnection) -> None:
    url = "https://api.github.com/repos/a/x"
    first, second = HttpCacheEntry(url, '"e1"', "{}", T1), HttpCacheEntry(url, '"e2"', "{1}", T2)
    assert load_http_cache(con, [first, second]) == 1
    assert load_http_cache(con, [HttpCacheEntry(url, '"e3"', "{2}", T2)]) == 1
    assert load_http_cache(con, []) == 0
    assert read_http_cache(con) == {url: HttpCacheEntry(url, '"e3"', "{2}", T2)}


def test_errors_are_appended(con: duckdb.DuckDBPyConnection) -> None:
    errors = [
        ItemError("github", "a/gone", "not_found", "Not Found", T1),
        ItemError("huggingface", "someone", "rate_limited", "429", T2),
    ]
    assert load_errors(con, 4, errors) == 2
    assert load_errors(con, 4, []) == 0
    assert rows(con, 'select run_id, source, item, kind, message, error_at from run_errors order by error_at') == [
        (4, "github", "a/gone", "not_found", "Not Found", T1),
        (4, "huggingface", "someone", "rate_limited", "429", T2),
    ]


def test_listing_sizes_are_those_of_each_owners_newest_collected_day(con: duckdb.DuckDBPyConnection) -> None:
    load_repo_snapshots(con, [repo(1, "Lab/a", 1), repo(2, "lab/b", 1), repo(3, "other/c", 1)], DAY1, 1)
    load_repo_snapshots(con, [repo(1, "lab/a", 2, T2)], DAY2, 2)  # lab listed one repo on its newest day
    load_model_snapshots(con, [model("Qwen/A", 1), model("Qwen/B", 1), model("qwen/C", 1)], DAY1, 1)
    load_model_snapshots(con, [model("zai-org/GLM", 1, T2)], DAY2, 2)
    con.execute("update hf_model_snapshots set origin = 'imported:x.csv' where model_id = 'zai-org/GLM'")
    assert org_listing_sizes(con) == {"lab": 1, "other": 1}
    assert author_model_counts(con) == {"qwen": 3}  # imports are no listing
