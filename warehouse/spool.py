"""Loads that wait for the file: fetched data is never thrown away because a reader held the warehouse open.

A load is a `Batch`: frames (repos, entity_repos, http_cache, models, errors) of one run and day, and
optionally the run row's final values. `store` loads it in one transaction, waiting (logged) for readers to
let go; if the file stays held, the batch is written as Parquet files to `<db file>.pending/<name>/` and
`load_pending` loads it later: at the start of the next run, or by the same run once the file frees up.
A batch folder appears complete or not at all (written under a temporary name, then renamed); loading one
records its name in `spool_loads` in the same transaction, so it is loaded once even if the process dies
before it removes the folder.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from warehouse import WarehouseBusy, db, load, runs

log = logging.getLogger(__name__)
PARTS = ("repos", "entity_repos", "http_cache", "models", "errors")
META = "batch.json"


@dataclass(slots=True)
class Batch:
    """One load of one run: what goes into the warehouse together, or not at all."""

    source: str  # github | huggingface | run (the run row's end)
    run_id: int
    day: date
    frames: dict[str, pl.DataFrame] = field(default_factory=dict)
    finish: dict[str, Any] | None = None  # runs.finish_run keyword arguments (status, counters, message)

    @property
    def rows(self) -> int:
        return sum(f.height for name, f in self.frames.items() if name in ("repos", "models"))


def pending_dir(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".pending")


def apply(con: duckdb.DuckDBPyConnection, batch: Batch) -> int:
    """Load a batch (inside the caller's transaction when there is one); return the snapshot rows written."""
    frames, stored = batch.frames, 0
    with db.transaction(con):
        if (repos := frames.get("repos")) is not None:
            stored += load.load_repo_frame(con, repos, batch.day, batch.run_id)
        if (pairs := frames.get("entity_repos")) is not None:
            load.load_entity_repos(con, pairs, batch.day)
        if (cache := frames.get("http_cache")) is not None:
            load.load_http_cache(con, cache)
        if (models := frames.get("models")) is not None:
            stored += load.load_model_frame(con, models, batch.day, batch.run_id)
        if (errors := frames.get("errors")) is not None:
            load.load_errors(con, batch.run_id, errors)
        if batch.finish is not None:
            runs.finish_run(con, batch.run_id, **batch.finish)
    return stored


def store(db_path: Path, batch: Batch, wait_seconds: float) -> int | None:
    """Load the batch now (earlier pending batches first), or spool it when the file stays held.

    Returns the snapshot rows written, or None when the batch was spooled."""
    try:
        with db.writing(db_path, wait_seconds, purpose=f"load {batch.source}") as con:
            load_pending(con, db_path)
            with db.transaction(con):
                return apply(con, batch)
    except WarehouseBusy as exc:
        folder = write(db_path, batch)
        log.warning("warehouse: %s; the %s load of run %d (%d rows) waits in %s and is loaded by the next run",
                    exc, batch.source, batch.run_id, batch.rows, folder)
        return None


def write(db_path: Path, batch: Batch) -> Path:
    """Write the batch as Parquet files plus batch.json under `<db>.pending/`; return its folder."""
    root = pending_dir(db_path)
    root.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%f")
    name = f"{stamp}-run{batch.run_id}-{batch.source}"
    temporary = root / f".{name}.tmp"
    temporary.mkdir()
    for part, frame in batch.frames.items():
        frame.write_parquet(temporary / f"{part}.parquet")
        _fsync(temporary / f"{part}.parquet")
    meta = {"source": batch.source, "run_id": batch.run_id, "day": batch.day.isoformat(),
            "parts": sorted(batch.frames), "finish": _jsonable(batch.finish)}
    (temporary / META).write_text(json.dumps(meta), encoding="utf-8")
    _fsync(temporary / META)
    _fsync(temporary)
    final = root / name
    os.replace(temporary, final)
    _fsync(root)
    return final


def read(folder: Path) -> Batch:
    """A batch written by `write`."""
    meta = json.loads((folder / META).read_text(encoding="utf-8"))
    frames = {part: pl.read_parquet(folder / f"{part}.parquet") for part in meta["parts"]}
    finish = meta.get("finish")
    if finish and finish.get("rate_limit_reset"):
        finish["rate_limit_reset"] = datetime.fromisoformat(finish["rate_limit_reset"])
    return Batch(meta["source"], int(meta["run_id"]), date.fromisoformat(meta["day"]), frames, finish)


def pending(db_path: Path) -> list[Path]:
    """The complete batch folders waiting to be loaded, oldest first."""
    root = pending_dir(db_path)
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))


def load_pending(con: duckdb.DuckDBPyConnection, db_path: Path) -> list[str]:
    """Load every pending batch, oldest first, each in one transaction with its `spool_loads` row; remove
    the folders. Returns the names loaded. A batch already recorded (loaded, folder not removed) is removed."""
    loaded: list[str] = []
    for folder in pending(db_path):
        seen = con.execute("select count(*) from spool_loads where name = ?", [folder.name]).fetchone()
        if not (seen and seen[0]):
            batch = read(folder)
            with db.transaction(con):
                rows = apply(con, batch)
                con.execute("insert into spool_loads values (?, ?, ?)",
                            [folder.name, batch.run_id, datetime.now(UTC)])
            log.warning("warehouse: loaded the pending %s load of run %d (%d rows) from %s",
                        batch.source, batch.run_id, rows, folder)
            loaded.append(folder.name)
        shutil.rmtree(folder, ignore_errors=True)
    root = pending_dir(db_path)
    for leftover in root.glob(".*.tmp") if root.is_dir() else ():  # a write cut short: never complete
        shutil.rmtree(leftover, ignore_errors=True)
    return loaded


def _jsonable(values: dict[str, Any] | None) -> dict[str, Any] | None:
    if values is None:
        return None
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in values.items()}


def _fsync(path: Path) -> None:
    """Flush a file or folder to disk (best effort: some file systems refuse a folder fsync)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
