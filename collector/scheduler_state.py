"""What a running `openwave schedule` tells the other commands, and data-freshness warnings for `status`.

The scheduler keeps `<db>.scheduler.json` next to the warehouse: its pid, cron, timezone, next run and last
run. It is written when the scheduler starts and after each run, and removed when it exits cleanly; a file
left by a process that died is ignored (the pid must be alive).
"""

from __future__ import annotations

import json
import os
import socket
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

STALE_AFTER = timedelta(hours=36)


def state_path(db_path: Path) -> Path:
    return db_path.with_name(db_path.name + ".scheduler.json")


def pid_alive(pid: int) -> bool:
    """True when a process with this pid exists (ours or another user's)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


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
    """The state of the scheduler serving `db_path`, or None when none is running."""
    state = _load(state_path(db_path))
    pid = state.get("pid")
    if not isinstance(pid, int):
        return None
    if state.get("host", socket.gethostname()) != socket.gethostname():
        return state  # another machine (shared disk): its pid cannot be checked from here
    return state if pid_alive(pid) else None


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
