"""Open the DuckDB file for writing (migrated) or reading (waiting out a writer), apply views, transactions.

DuckDB lets one process write a file, or several read it. The collector opens the file for writing only while
it loads (not while it fetches), so `openwave query` and friends can read between loads; `open_read` waits a
few seconds for a load to finish before giving up with `WarehouseBusy`.
"""

from __future__ import annotations

import hashlib
import logging
import re
import time
import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path

import duckdb

from warehouse import (
    SchemaTooNew,
    ViewError,
    WarehouseBusy,
    WarehouseError,
    WarehouseMissing,
)
from warehouse.migrate import migrate

__all__ = [
    "VIEWS_DIR",
    "SchemaTooNew",
    "WarehouseBusy",
    "WarehouseError",
    "WarehouseMissing",
    "apply_views",
    "ensure_views",
    "open_read",
    "open_write",
    "register_view_dir",
    "transaction",
    "writing",
]

_IN_TRANSACTION: weakref.WeakSet[duckdb.DuckDBPyConnection] = weakref.WeakSet()  # opened by transaction()
log = logging.getLogger(__name__)
VIEWS_DIR = Path(__file__).resolve().parent / "views"  # the base views shipped with the package
VIEW_DIRS: list[Path] = [VIEWS_DIR]  # applied in this order on every open for writing; see register_view_dir
RETRY_SLEEP_SECONDS = 0.1
WAIT_LOG_SECONDS = 15.0  # a writer that waits for readers says so at once, then this often
LOCK_MARKERS = ("could not set lock", "conflicting lock")
PID_RE = re.compile(r"PID (\d+)")
VIEW_NAME_RE = re.compile(
    r"\bcreate\s+(?:or\s+replace\s+)?(?:temp\w*\s+)?(?:view|macro)\s+(?:if\s+not\s+exists\s+)?((?:\"[^\"]+\"|[\w.])+)",
    re.IGNORECASE,
)


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _is_lock_error(exc: duckdb.Error) -> bool:
    text = str(exc).lower()
    return any(marker in text for marker in LOCK_MARKERS)


def _connect(path: Path, *, read_only: bool, wait_seconds: float,
             purpose: str | None = None) -> duckdb.DuckDBPyConnection:
    """Connect, retrying with short sleeps while another process holds the lock.

    With a `purpose` ("load github"), the wait is logged (WARNING) at once and every WAIT_LOG_SECONDS."""
    deadline = time.monotonic() + max(wait_seconds, 0.0)
    next_log = time.monotonic()
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as exc:
            if not _is_lock_error(exc):
                raise WarehouseError(f"cannot open the warehouse {path}: {_first_line(exc)}") from exc
            now = time.monotonic()
            if now + RETRY_SLEEP_SECONDS > deadline:
                raise _busy(path, exc, read_only=read_only, waited=wait_seconds) from exc
            if purpose is not None and now >= next_log:
                log.warning("warehouse: %s: open in another process%s; retrying for up to %.0f s more to %s",
                            path, _holder(exc), deadline - now, purpose)
                next_log = now + WAIT_LOG_SECONDS
            time.sleep(RETRY_SLEEP_SECONDS)
            continue
        con.execute("set TimeZone = 'UTC'")  # timestamptz values and date casts in UTC, whatever the host
        return con


def _holder(exc: duckdb.Error) -> str:
    match = PID_RE.search(str(exc))
    return f" (PID {match.group(1)})" if match else ""


def _busy(path: Path, exc: duckdb.Error, *, read_only: bool, waited: float) -> WarehouseBusy:
    holder = _holder(exc)
    if read_only:
        what = f"a collection is writing the warehouse {path}{holder}"
    else:
        what = f"another process is using the warehouse {path}{holder}"
    return WarehouseBusy(f"{what}; waited {waited:g}s, try again when it has finished")


def open_write(path: Path, wait_seconds: float = 30.0, purpose: str | None = None) -> duckdb.DuckDBPyConnection:
    """Open (or create) the warehouse for writing and apply any pending migrations.

    Waits up to `wait_seconds` for readers or another writer to let go of the file (logging the wait when a
    `purpose` is given), then raises WarehouseBusy. Raises SchemaTooNew if a newer openwave wrote the file.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    con = _connect(path, read_only=False, wait_seconds=wait_seconds, purpose=purpose)
    try:
        migrate(con)
    except BaseException as exc:
        con.close()
        if isinstance(exc, SchemaTooNew):
            raise SchemaTooNew(f"{path}: {exc}") from None
        raise
    try:
        ensure_views(con)
    except ViewError as exc:  # a broken view must never stop data from loading: the old views stay
        log.warning("%s: views not updated: %s", path, exc)
    return con


def register_view_dir(path: Path) -> None:
    """Add a folder of view files (after the base views) to what every open for writing applies."""
    if path not in VIEW_DIRS:
        VIEW_DIRS.append(path)


def views_digest(dirs: Sequence[Path]) -> str:
    digest = hashlib.sha256()
    for folder in dirs:
        for file in sorted(folder.glob("*.sql")):
            digest.update(file.name.encode() + b"\0" + file.read_bytes() + b"\0")
    return digest.hexdigest()


def ensure_views(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply the registered view folders when their files changed since the file last got them."""
    digest = views_digest(VIEW_DIRS)
    stored = con.execute("select digest from view_state").fetchall()
    if stored == [(digest,)]:
        return []
    with transaction(con):
        names = apply_views(con, *VIEW_DIRS)
        con.execute("delete from view_state")
        con.execute("insert into view_state values (?, now())", [digest])
    return names


@contextmanager
def writing(path: Path, wait_seconds: float = 30.0,
            purpose: str | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """Hold the warehouse open for writing for the length of a `with` block, then close it."""
    con = open_write(path, wait_seconds=wait_seconds, purpose=purpose)
    try:
        yield con
    finally:
        con.close()


def open_read(path: Path, wait_seconds: float = 5.0) -> duckdb.DuckDBPyConnection:
    """Open the warehouse read-only; wait up to `wait_seconds` for a writer to finish.

    Raises WarehouseMissing if the file does not exist, WarehouseBusy if a writer keeps it locked. A file of
    an older schema version opens as it is (it is not migrated; newer views may be missing).
    """
    path = Path(path)
    if not path.exists():
        raise WarehouseMissing(
            f"no warehouse at {path}: run `openwave collect` to create it, or `openwave demo` for sample data"
        )
    return _connect(path, read_only=True, wait_seconds=wait_seconds)


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """BEGIN ... COMMIT, ROLLBACK on any exception.

    Nested use joins the outer transaction (DuckDB has no savepoints): only the outermost block commits or
    rolls back, so a loader that wraps its own statements stays atomic on its own and inside a caller's block.
    """
    if con in _IN_TRANSACTION:  # already inside one: join it
        yield con
        return
    con.execute("begin transaction")
    _IN_TRANSACTION.add(con)
    try:
        yield con
    except BaseException:
        with suppress(duckdb.Error):  # keep the original error if the rollback fails too
            con.execute("rollback")
        raise
    else:
        try:
            con.execute("commit")
        except duckdb.Error:
            with suppress(duckdb.Error):  # a failed commit may leave the transaction open
                con.execute("rollback")
            raise
    finally:
        _IN_TRANSACTION.discard(con)


def view_name(sql: str) -> str | None:
    """The name of the view (or table macro) a SQL file creates, or None."""
    match = VIEW_NAME_RE.search(re.sub(r"--[^\n]*", "", sql))
    return match.group(1).replace('"', "") if match else None


def apply_views(con: duckdb.DuckDBPyConnection, *dirs: Path) -> list[str]:
    """Run every `*.sql` file of each directory in filename order (one view or macro per file); return the names.

    All files are applied in one transaction: if one fails (e.g. it references a missing table), none of the
    views change and ViewError names the file.
    """
    names: list[str] = []
    with transaction(con):
        for folder in dirs:
            for file in sorted(Path(folder).glob("*.sql")):
                sql = file.read_text(encoding="utf-8")
                name = view_name(sql)
                if name is None:
                    raise ViewError(f"{file}: no CREATE VIEW or CREATE MACRO statement found")
                try:
                    con.execute(sql)
                except duckdb.Error as exc:
                    problem = _first_line(exc)
                    raise ViewError(f"view {name} ({file.name}) cannot be created: {problem}") from exc
                names.append(name)
    return names
