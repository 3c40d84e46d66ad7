"""Spooled loads: a batch that could not be loaded waits as Parquet files and is loaded exactly once."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest

from sources.records import ItemError, ModelRecord, RepoRecord
from warehouse import WarehouseBusy, db, load, runs, spool

DAY = date(2025, 1, 20)
T1 = datetime(2025, 1, 20, 3, 0, tzinfo=UTC)


def repo(repo_id: int, name: str, requested_as: str = "") -> RepoRecord:
    return RepoRecord(repo_id=repo_id, repo=name, requested_as=requested_as or name, stars=10, forks=1,
                      license_spdx="MIT", description="d", language=None, created_at=T1, pushed_at=T1,
                      is_archived=False, is_fork=False, via="rest", fetched_at=T1)


def model(model_id: str) -> ModelRecord:
    return ModelRecord(model_id=model_id, hub_id=None, author=model_id.split("/")[0], downloads_30d=5,
                       downloads_all_time=9, likes=1, license="mit", license_name=None, license_source="tag",
                       tags=("a", "b"), pipeline_tag=None, library_name=None, gated="false", created_at=T1,
                       last_modified=T1, children_count=0, base_models=(), fetched_at=T1)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    file = tmp_path / "w.duckdb"
    with db.writing(file) as con:
        runs.start_run(con, "collect", "github,huggingface", None, "test")
    return file


def github_batch() -> spool.Batch:
    return spool.Batch("github", 1, DAY, {
        "repos": load.repo_frame([repo(7, "zai-org/GLM-4", requested_as="THUDM/GLM-4"), repo(8, "zai-org/b")]),
        "entity_repos": load.entity_repo_frame([("zhipu", 7, "repo")]),
        "http_cache": load.cache_frame([]),
        "errors": load.error_frame([ItemError("github", "a/gone", "not_found", "Not Found", T1)])})


def finish_batch() -> spool.Batch:
    return spool.Batch("run", 1, DAY, {"errors": load.error_frame([])},
                       finish={"status": "partial", "repos_stored": 2, "rate_limit_reset": T1, "message": "m"})


def rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


@contextmanager
def busy(path: Path, wait_seconds: float = 0, purpose: str | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    raise WarehouseBusy(f"another process is using the warehouse {path} (PID 4242); waited 0s")
    yield  # pragma: no cover


def test_a_batch_round_trips_through_parquet(path: Path) -> None:
    folder = spool.write(path, finish_batch())
    again = spool.read(folder)
    assert (again.source, again.run_id, again.day, again.finish) == ("run", 1, DAY, finish_batch().finish)
    batch = github_batch()
    copy = spool.read(spool.write(path, batch))
    assert sorted(copy.frames) == ["entity_repos", "errors", "http_cache", "repos"]
    assert all(copy.frames[name].equals(frame) for name, frame in batch.frames.items())
    assert copy.rows == 2


def test_a_busy_file_spools_the_batch_and_the_next_load_takes_it_first(path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db, "writing", busy)
    assert spool.store(path, github_batch(), 0) is None
    assert spool.store(path, finish_batch(), 0) is None
    assert [p.name.split("-", 1)[1] for p in spool.pending(path)] == ["run1-github", "run1-run"]
    assert rows(path, "select count(*) from github_repo_snapshots") == [(0,)]
    monkeypatch.undo()
    models = spool.Batch("huggingface", 1, DAY, {"models": load.model_frame([model("Qwen/A")])})
    assert spool.store(path, models, 5) == 1
    assert spool.pending(path) == []
    assert rows(path, "select repo_id, repo, run_id from github_repo_snapshots order by 1") == [
        (7, "zai-org/GLM-4", 1), (8, "zai-org/b", 1)]
    assert rows(path, "select repo from github_repo_names where repo_id = 7 order by 1") == [
        ("THUDM/GLM-4",), ("zai-org/GLM-4",)]
    assert rows(path, "select model_id, tags from hf_model_snapshots") == [("Qwen/A", ["a", "b"])]
    assert rows(path, "select status, repos_stored, message, rate_limit_reset from runs") == [
        ("partial", 2, "m", T1)]
    assert rows(path, "select item, kind from run_errors") == [("a/gone", "not_found")]
    assert rows(path, "select count(*) from spool_loads") == [(2,)]


def test_a_batch_is_loaded_once_even_if_its_folder_survived(path: Path, tmp_path: Path) -> None:
    folder = spool.write(path, github_batch())
    keep = tmp_path / "copy"
    shutil.copytree(folder, keep)
    with db.writing(path) as con:
        assert spool.load_pending(con, path) == [folder.name]
    shutil.copytree(keep, folder)  # as if the process died after the commit, before removing the folder
    with db.writing(path) as con:
        assert spool.load_pending(con, path) == []
    assert not folder.exists()
    assert rows(path, "select count(*) from run_errors") == [(1,)]  # not appended twice


def test_a_batch_cut_short_while_written_is_never_loaded(path: Path) -> None:
    folder = spool.write(path, github_batch())
    half = folder.with_name(f".{folder.name}.tmp")
    folder.rename(half)
    assert spool.pending(path) == []
    with db.writing(path) as con:
        assert spool.load_pending(con, path) == []
    assert not half.exists()
    assert rows(path, "select count(*) from github_repo_snapshots") == [(0,)]
