"""A lock next to the warehouse so two collections (scheduler, manual collect, backfill) never write at once.

The lock is an advisory `flock` on `<db>.lock`, held for the whole run (fetch and load); readers never take it.
The file holds the holder's pid, command and start time so the second process can name it.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path


class LockBusy(Exception):
    """Another process holds the warehouse lock; the message names it."""


def lock_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".lock")


def read_holder(db_path: Path) -> dict[str, object] | None:
    """Who holds (or last held) the lock, as written by that process."""
    try:
        return json.loads(lock_path(db_path).read_text() or "null")
    except (OSError, ValueError):
        return None


def _describe(holder: dict[str, object] | None) -> str:
    if not holder:
        return "another process"
    return f"pid {holder.get('pid')} (`openwave {holder.get('command')}`, started {holder.get('started_at')})"


@contextmanager
def warehouse_lock(db_path: Path, command: str, wait_seconds: float = 30.0, poll: float = 0.2) -> Iterator[None]:
    """Hold the writer lock of `db_path`; wait up to `wait_seconds`, then raise LockBusy naming the holder."""
    path = lock_path(db_path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+")  # noqa: SIM115 - held open for the lifetime of the lock
    try:
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockBusy(f"{db_path}: a collection is already writing it: {_describe(read_holder(db_path))};"
                                   f" waited {wait_seconds:.0f} s, try again later") from None
                time.sleep(poll)
        handle.seek(0)
        handle.truncate()
        handle.write(json.dumps({"pid": os.getpid(), "command": command,
                                 "started_at": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")}))
        handle.flush()
        yield
    finally:
        handle.close()  # closing releases the flock
