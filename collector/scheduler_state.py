"""What a running `openwave schedule` tells the other commands, and data-freshness warnings for `status`.

The scheduler keeps `<db>.scheduler.json` next to the warehouse: its pid, cron, timezone, next run and last
run. It is written when the scheduler starts and after each run, and removed when it exits cleanly.

For its whole life the scheduler also holds an exclusive lock on `<db>.scheduler.lock` (`filelock`: flock on
POSIX, LockFileEx on Windows; the system drops it when the process dies, even by SIGKILL). The state file is
trusted only while that lock is held: a file left by a killed scheduler is ignored even when its pid was reused
by another process.
"""

from __future__ import annotations

import json
import os
import socket
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from filelock import FileLock

from collector.lock import try_lock

STALE_AFTER = timedelta(hours=36)


def state_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".scheduler.json")


def lock_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".scheduler.lock")


def acquire_lock(db_path: Path) -> FileLock | None:
    """Take the scheduler lock of `db_path` without waiting: the held lock (hold it, then `release_lock`), or
    None when another scheduler holds it. The lock file itself is left in place (deleting it would race)."""
    return try_lock(lock_path(db_path))  # a first run creates the warehouse folder


def release_lock(lock: FileLock) -> None:
    lock.release()


def lock_held(db_path: Path) -> bool:
    """True while a scheduler (another process, or another open of this file) holds the lock of `db_path`.

    Probes by taking the lock without waiting on a separate handle, released at once."""
    if not lock_path(db_path).exists():
        return False
    try:
        probe = try_lock(lock_path(db_path))
    except OSError:
        return True  # cannot probe (permissions): fall back to trusting the state file
    if probe is None:
        return True
    probe.release()
    return False


def write_state(db_path: Path, **fields: Any) -> dict[str, Any]:
    """Merge `fields` into this process's state file (atomically); returns the new state."""
    path = state_path(db_path)
    state = _load(path)
    if state.get("pid") != os.getpid():
        state = {"pid": os.getpid(), "host": socket.gethostname()}
    state.update({k: _jsonable(v) for k, v in fields.items()})
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(state, indent=2) + "\n")
    os.replace(tmp, path)
    return state


def remove_state(db_path: Path) -> None:
    """Remove the state file if this process wrote it."""
    path = state_path(db_path)
    if _load(path).get("pid") == os.getpid():
        path.unlink(missing_ok=True)


def read_state(db_path: Path) -> dict[str, Any] | None:
    """The state of the scheduler serving `db_path`, or None when none is running (nobody holds its lock)."""
    state = load_state(db_path)
    if not isinstance(state.get("pid"), int):
        return None
    return state if lock_held(db_path) else None


def load_state(db_path: Path) -> dict[str, Any]:
    """The state file as written, whether or not its scheduler still runs ({} when missing or unreadable)."""
    return _load(state_path(db_path))


def next_run(db_path: Path) -> datetime | None:
    """When the running scheduler will start its next run (aware datetime), or None."""
    state = read_state(db_path)
    value = state.get("next_run_at") if state else None
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def freshness(newest: dict[str, date | datetime | None], now: datetime | None = None) -> list[str]:
    """One warning per source whose newest snapshot is older than 36 hours, or that has none.

    `newest` maps a source name to its newest `fetched_at` (best) or `snapshot_date`. A date counts as the
    end of that UTC day; naive datetimes are UTC.
    """
    now = _aware(now or datetime.now(UTC))
    warnings = []
    for source, value in newest.items():
        if value is None:
            warnings.append(f"{source}: no snapshots yet (run `openwave collect`)")
            continue
        age = now - _as_instant(value)
        if age > STALE_AFTER:
            is_time = isinstance(value, datetime)
            shown = f"{_aware(value):%Y-%m-%d %H:%M} UTC" if is_time else value.isoformat()
            warnings.append(f"{source}: newest snapshot is {_age(age)} old ({shown}), older than 36 hours: "
                            f"is the nightly collection running?")
    return warnings


def _as_instant(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return _aware(value)
    return datetime.combine(value + timedelta(days=1), time(), tzinfo=UTC)


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _age(age: timedelta) -> str:
    hours = int(age.total_seconds() // 3600)
    return f"{hours} hours" if hours < 72 else f"{hours // 24} days"


def _jsonable(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _load(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}
