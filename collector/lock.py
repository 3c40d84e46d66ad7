"""A lock next to the warehouse so two collections (scheduler, manual collect, backfill) never write at once.

The lock is a `filelock.FileLock` on `<db>.lock` (flock on POSIX, LockFileEx on Windows), held for the whole
run (fetch and load); readers never take it. The holder's pid, command and start time go to a sidecar file,
`<db>.lock.json`, so the second process can name it (a locked file cannot be read on Windows).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path

from filelock import FileLock, Timeout


class LockBusy(Exception):
    """Another process holds the warehouse lock; the message names it."""


def lock_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".lock")


def holder_path(db_path: Path) -> Path:
    """The sidecar naming who holds (or last held) the lock."""
    return db_path.with_name(db_path.name + ".lock.json")


def read_holder(db_path: Path) -> dict[str, object] | None:
    """Who holds (or last held) the lock, as written by that process."""
    try:
        holder = json.loads(holder_path(db_path).read_text() or "null")
    except (OSError, ValueError):
        return None
    return holder if isinstance(holder, dict) else None


def _describe(holder: dict[str, object] | None) -> str:
    if not holder:
        return "another process"
    return f"pid {holder.get('pid')} (`openwave {holder.get('command')}`, started {holder.get('started_at')})"


def try_lock(path: Path) -> FileLock | None:
    """Take the lock file `path` without waiting: the held lock (release it), or None when another holds it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(path), thread_local=False)
    try:
        lock.acquire(blocking=False)
    except Timeout:
        return None
    return lock


def write_holder(db_path: Path, command: str) -> None:
    """Name this process as the holder (atomically: a reader never sees half a file)."""
    path = holder_path(db_path)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps({"pid": os.getpid(), "command": command,
                               "started_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")}))
    os.replace(tmp, path)


@contextmanager
def warehouse_lock(db_path: Path, command: str, wait_seconds: float = 30.0, poll: float = 0.2) -> Iterator[None]:
    """Hold the writer lock of `db_path`; wait up to `wait_seconds`, then raise LockBusy naming the holder."""
    deadline = time.monotonic() + wait_seconds
    while (lock := try_lock(lock_path(db_path))) is None:
        if time.monotonic() >= deadline:
            raise LockBusy(f"{db_path}: a collection is already writing it: {_describe(read_holder(db_path))};"
                           f" waited {wait_seconds:.0f} s, try again later")
        time.sleep(poll)
    try:
        with suppress(OSError):  # the name is a courtesy: an unwritable sidecar never stops a run
            write_holder(db_path, command)
        yield
    finally:
        lock.release()
