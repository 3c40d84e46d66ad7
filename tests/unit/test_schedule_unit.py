"""Scheduler parts: cron parsing, job defaults, misfires, the job, state file, freshness, log redaction."""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from apscheduler.events import EVENT_JOB_EXECUTED, EVENT_JOB_MISSED
from apscheduler.triggers.cron import CronTrigger
from click.testing import CliRunner

from collector import cli_schedule, logs, scheduler_state
from collector.config import Config, GitHubConfig, HuggingFaceConfig, ScheduleConfig
from collector.lock import LockBusy
from collector.run import RunSummary, SourceOutcome
from collector.schedule import (
    Nightly,
    ScheduleError,
    SchedulerRunning,
    cron_trigger,
    cron_weekdays,
    make_scheduler,
    serve,
)

UTC_JAN5 = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)  # a Monday


def next_fire(cron: str, after: datetime, timezone: str = "UTC") -> datetime:
    seconds = len(cron.split()) == 6  # the scheduler's tests only (OPENWAVE_TEST_CRON); config.toml takes 5
    return cron_trigger(cron, timezone, seconds=seconds).get_next_fire_time(None, after).astimezone(UTC)


@pytest.mark.parametrize(("cron", "after", "expected"), [
    ("0 3 * * *", UTC_JAN5, datetime(2026, 1, 6, 3, 0, tzinfo=UTC)),
    ("30 2 1 * *", UTC_JAN5, datetime(2026, 2, 1, 2, 30, tzinfo=UTC)),
    ("0 3 * * 0", UTC_JAN5, datetime(2026, 1, 11, 3, 0, tzinfo=UTC)),  # cron 0 = Sunday
    ("0 3 * * 7", UTC_JAN5, datetime(2026, 1, 11, 3, 0, tzinfo=UTC)),  # and so is 7
    ("0 3 * * 1-5", datetime(2026, 1, 3, 12, tzinfo=UTC), datetime(2026, 1, 5, 3, tzinfo=UTC)),  # Sat: Mon
    ("0 3 * * sat", UTC_JAN5, datetime(2026, 1, 10, 3, 0, tzinfo=UTC)),
    ("*/2 * * * * *", UTC_JAN5 + timedelta(seconds=0.5), UTC_JAN5 + timedelta(seconds=2)),
    ("0 0 4 * * *", UTC_JAN5, datetime(2026, 1, 6, 4, 0, 0, tzinfo=UTC)),
])
def test_cron_fields(cron: str, after: datetime, expected: datetime) -> None:
    assert next_fire(cron, after) == expected


def test_cron_timezone() -> None:
    # 03:00 in Berlin is 02:00 UTC in winter and 01:00 UTC in summer
    assert next_fire("0 3 * * *", datetime(2026, 1, 5, 0, 0, tzinfo=UTC), "Europe/Berlin") == \
        datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
    assert next_fire("0 3 * * *", datetime(2026, 7, 5, 0, 0, tzinfo=UTC), "Europe/Berlin") == \
        datetime(2026, 7, 5, 1, 0, tzinfo=UTC)


@pytest.mark.parametrize(("field", "names"), [
    ("*", "*"), ("0", "sun"), ("7", "sun"), ("1-5", "mon,tue,wed,thu,fri"), ("*/2", "sun,tue,thu,sat"),
    ("fri-mon", "sun,mon,fri,sat"), ("1,3,5", "mon,wed,fri"), ("0-7", "*"), ("SUN,sat", "sun,sat"),
    ("2/2", "tue,thu,sat"),
])
def test_cron_weekdays_use_cron_numbering(field: str, names: str) -> None:
    assert cron_weekdays(field) == names


@pytest.mark.parametrize(("cron", "timezone", "message"), [
    ("0 3 * *", "UTC", "cron '0 3 * *' has 4 fields: give 5 (minute hour day month weekday)"),
    ("0 0 3 * *  *", "UTC", "cron '0 0 3 * *  *' has 6 fields: give 5 (minute hour day month weekday)"),
    ("0 3 * * 8", "UTC", "cron '0 3 * * 8': bad day of week '8' in '8' (use 0-7 or sun-sat)"),
    ("0 3 * * mon/0", "UTC", "cron '0 3 * * mon/0': bad step '0' in day of week 'mon/0'"),
    ("0 0 30 2 *", "UTC", "cron '0 0 30 2 *' never fires"),
    ("0 3 * * *", "Mars/Olympus",
     "unknown timezone 'Mars/Olympus' (use an IANA name: 'UTC', 'Europe/Berlin')"),
])
def test_bad_cron_messages(cron: str, timezone: str, message: str) -> None:
    with pytest.raises(ScheduleError) as info:
        cron_trigger(cron, timezone)
    assert str(info.value) == message


@pytest.mark.parametrize("cron", ["61 3 * * *", "0 25 * * *", "0 3 32 * *", "x 3 * * *", "*/2 61 * * * *"])
def test_out_of_range_cron_is_rejected(cron: str) -> None:
    with pytest.raises(ScheduleError, match=f"^cron '{cron.replace('*', '[*]')}' is not valid: "):
        cron_trigger(cron, "UTC", seconds=True)


def test_six_fields_need_the_scheduler_tests_flag() -> None:
    with pytest.raises(ScheduleError) as info:
        cron_trigger("*/2 * * * * *", "UTC")
    assert str(info.value) == "cron '*/2 * * * * *' has 6 fields: give 5 (minute hour day month weekday)"


def test_job_defaults() -> None:
    scheduler = make_scheduler(ScheduleConfig(timezone="Asia/Shanghai", misfire_grace_seconds=600))
    scheduler.add_job(print, CronTrigger(hour=3), id="nightly")
    scheduler.start(paused=True)  # defaults apply when the scheduler starts
    try:
        job = scheduler.get_job("nightly")
        assert (job.max_instances, job.coalesce, job.misfire_grace_time) == (1, True, 600)
        assert str(scheduler.timezone) == "Asia/Shanghai"
    finally:
        scheduler.shutdown()


@pytest.mark.parametrize(("grace_hours", "runs"), [(3, 1), (1, 0)])
def test_missed_fires_run_once_within_grace(grace_hours: int, runs: int) -> None:
    """A machine asleep for three days wakes 2 h after the nightly time: four missed fires become one run,
    or none when the last one is beyond the grace period."""
    due = (datetime.now(UTC) - timedelta(hours=2)).replace(microsecond=0)
    trigger = CronTrigger(hour=due.hour, minute=due.minute, second=due.second, timezone=UTC)
    scheduler = make_scheduler(ScheduleConfig(timezone="UTC", misfire_grace_seconds=grace_hours * 3600))
    calls: list[float] = []
    done = threading.Event()
    scheduler.add_listener(lambda event: done.set(), EVENT_JOB_EXECUTED | EVENT_JOB_MISSED)
    job = scheduler.add_job(lambda: calls.append(time.monotonic()), trigger, next_run_time=due - timedelta(days=3))
    scheduler.start()
    try:
        assert done.wait(60)
    finally:
        scheduler.shutdown(wait=True)  # joins the scheduler thread and waits for the run it submitted
    assert len(calls) == runs  # every missed fire was handled in the pass that set `done`: nothing else can run
    upcoming = job.next_run_time  # the scheduler updates its job in place
    assert upcoming == trigger.get_next_fire_time(None, datetime.now(UTC))  # tomorrow's: none left to catch up


def wait_for(check: Callable[[], Any], timeout: float = 60) -> Any:
    """Poll `check` until it is truthy; the timeout only bounds a failure (the state is what is asserted)."""
    deadline = time.monotonic() + timeout
    while not (value := check()):
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)
    return value


def make_config(tmp_path: Path, cron: str = "0 3 * * *") -> Config:
    return Config(path=tmp_path / "missing.toml", warehouse_path=tmp_path / "ow.duckdb",
                  github=GitHubConfig(), huggingface=HuggingFaceConfig(), schedule=ScheduleConfig(cron=cron),
                  entities=())


def summary(tmp_path: Path, run_id: int, status: str = "ok") -> RunSummary:
    started = datetime(2026, 1, 5, 3, 0, tzinfo=UTC)
    return RunSummary(run_id=run_id, db_path=tmp_path / "ow.duckdb", started_at=started,
                      finished_at=started + timedelta(seconds=2), status=status,
                      outcomes=[SourceOutcome("github", stored=3)])


class FakeClock:
    """A monotonic clock that moves only when told: waits cost no real time."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(("lock_wait", "stop_after", "waits"), [(1.5, 9, [1.0, 0.5]), (900, 2, [1.0, 1.0])])
def test_lock_busy_is_retried_until_the_deadline_or_a_stop(tmp_path: Path, lock_wait: float, stop_after: int,
                                                            waits: list[float]) -> None:
    seen: list[float] = []
    clock = FakeClock()

    def busy(config: Config, db: Path, stop: threading.Event, wait: float) -> RunSummary:
        seen.append(wait)
        clock.now += wait  # the lock wait, spent on the injected clock
        if len(seen) == stop_after:
            stop.set()
        raise LockBusy("busy: pid 1")

    job = Nightly(make_config(tmp_path), tmp_path / "ow.duckdb", lock_wait=lock_wait, collect=busy, clock=clock)
    with pytest.raises(LockBusy):
        job.run_once()
    assert seen == waits


def test_serve_runs_now_writes_state_and_logs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """--run-now with a far cron: one run, a state file while serving (removed on exit), the log file."""
    monkeypatch.setattr(logging.getLogger(), "handlers", [])
    db = tmp_path / "ow.duckdb"
    seen: list[dict[str, object] | None] = []

    def fake(config: Config, path: Path, stop: threading.Event, wait: float) -> RunSummary:
        seen.append(scheduler_state.read_state(path))
        return summary(tmp_path, 41, "partial")

    stop = threading.Event()
    result: list[int] = []
    config = make_config(tmp_path, "0 0 1 1 *")
    thread = threading.Thread(target=lambda: result.append(
        serve(config, db, run_now=True, stop=stop, wake_seconds=0.05, collect=fake)))
    thread.start()
    state = wait_for(lambda: (got := scheduler_state.read_state(db)) is not None
                     and got.get("last_run_id") is not None and got)
    assert state["last_status"] == "partial"
    assert state["cron"] == "0 0 1 1 *"
    upcoming = datetime.fromisoformat(state["next_run_at"]).astimezone(UTC)
    assert upcoming.strftime("%m-%d %H:%M") == "01-01 00:00"
    assert scheduler_state.next_run(db) == datetime.fromisoformat(state["next_run_at"])
    stop.set()
    thread.join(60)
    assert result == [0]
    assert seen[0] is not None and seen[0]["pid"] == os.getpid() and seen[0]["running_since"]
    assert not scheduler_state.state_path(db).exists()
    text = (tmp_path / "openwave.log").read_text()
    assert "WARNING openwave collect run 41: partial in 2.0 s" in text
    assert "scheduler stopped" in text
    logs.close_run_logging()


class Flag(logging.Handler):
    """Sets `seen` when a record containing `text` is logged."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text, self.seen = text, threading.Event()

    def emit(self, record: logging.LogRecord) -> None:
        if self.text in record.getMessage():
            self.seen.set()


def test_overlapping_fires_are_skipped_and_logged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first run lasts until a fire due during it has been skipped; the second run stops the scheduler."""
    monkeypatch.setattr(logging.getLogger(), "handlers", [])
    skipped = Flag("skipped: the previous run is still going (one run at a time; coalesced)")
    logging.getLogger("openwave.schedule").addHandler(skipped)
    spans: list[tuple[int, int]] = []
    events = iter(range(100))
    stop = threading.Event()

    def slow(config: Config, path: Path, stop: threading.Event, wait: float) -> RunSummary:
        start = next(events)
        if spans or not skipped.seen.wait(60):
            stop.set()  # after the second run (or a first run that saw no skip) fires return at once
        spans.append((start, next(events)))
        return summary(tmp_path, len(spans))

    config = make_config(tmp_path, "* * * * * *")
    try:
        assert serve(config, tmp_path / "ow.duckdb", stop=stop, wake_seconds=0.05, collect=slow) == 0
    finally:
        logging.getLogger("openwave.schedule").removeHandler(skipped)
    assert skipped.seen.is_set(), "no fire was skipped during the first run"
    assert spans == [(0, 1), (2, 3)]  # one at a time: the second began after the first ended
    text = (tmp_path / "openwave.log").read_text()
    assert "skipped: the previous run is still going (one run at a time; coalesced)" in text
    assert "run 1: ok in" in text and "run 2: ok in" in text
    logs.close_run_logging()


def test_state_file_round_trip(tmp_path: Path) -> None:
    db = tmp_path / "ow.duckdb"
    when = datetime(2026, 1, 6, 3, 0, tzinfo=UTC)
    fd = scheduler_state.acquire_lock(db)  # a scheduler is alive while its lock is held
    assert fd is not None
    scheduler_state.write_state(db, cron="0 3 * * *", next_run_at=when, last_run_id=None)
    scheduler_state.write_state(db, last_run_id=7, last_status="ok")
    state = scheduler_state.read_state(db)
    assert state is not None
    assert (state["pid"], state["cron"], state["last_run_id"], state["last_status"]) == \
        (os.getpid(), "0 3 * * *", 7, "ok")
    assert scheduler_state.next_run(db) == when
    scheduler_state.release_lock(fd)
    assert scheduler_state.read_state(db) is None  # no scheduler holds the lock: the file is not trusted
    assert scheduler_state.next_run(db) is None
    scheduler_state.remove_state(db)
    assert not scheduler_state.state_path(db).exists()


def test_state_is_trusted_only_while_the_lock_is_held(tmp_path: Path) -> None:
    db = tmp_path / "ow.duckdb"
    code = "import os; print(os.getpid())"
    dead = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    scheduler_state.state_path(db).write_text(
        f'{{"pid": {dead.stdout.strip()}, "next_run_at": "2026-01-06T03:00:00+00:00"}}')
    assert scheduler_state.read_state(db) is None
    assert scheduler_state.next_run(db) is None
    scheduler_state.remove_state(db)  # not ours: left alone
    assert scheduler_state.state_path(db).exists()
    # a SIGKILLed scheduler whose pid now belongs to a live, unrelated process: still stale
    reused = f'{{"pid": {os.getppid()}, "next_run_at": "2026-01-06T04:00:00+01:00"}}'
    scheduler_state.state_path(db).write_text(reused)
    assert scheduler_state.read_state(db) is None
    assert scheduler_state.next_run(db) is None
    # another process holds the lock: the file is trusted
    holder = subprocess.Popen(
        [sys.executable, "-c", "import fcntl, sys; f = open(sys.argv[1], 'a'); fcntl.flock(f, fcntl.LOCK_EX); "
         "print('held', flush=True); sys.stdin.read()", str(scheduler_state.lock_path(db))],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        assert scheduler_state.next_run(db) == datetime(2026, 1, 6, 3, 0, tzinfo=UTC)
        assert scheduler_state.acquire_lock(db) is None
    finally:
        holder.communicate("", timeout=10)
    assert scheduler_state.next_run(db) is None  # released when the holder exits
    fd = scheduler_state.acquire_lock(db)
    assert fd is not None
    scheduler_state.release_lock(fd)


def test_a_stale_state_file_with_a_reused_pid_does_not_block_the_start(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(logging.getLogger(), "handlers", [])
    db = tmp_path / "ow.duckdb"
    stale = {"pid": os.getppid(), "host": socket.gethostname(), "started_at": "2026-01-01T00:00:00+00:00",
             "next_run_at": "2026-01-02T03:00:00+00:00"}
    scheduler_state.state_path(db).write_text(json.dumps(stale))
    assert scheduler_state.next_run(db) is None  # `status` shows no next run in the past
    ran = threading.Event()

    def fake(config: Config, path: Path, stop: threading.Event, wait: float) -> RunSummary:
        ran.set()
        return summary(tmp_path, 1)

    stop = threading.Event()
    result: list[int] = []
    thread = threading.Thread(target=lambda: result.append(
        serve(make_config(tmp_path, "0 0 1 1 *"), db, run_now=True, stop=stop, wake_seconds=0.05, collect=fake)))
    thread.start()
    try:
        assert ran.wait(60)
        state = scheduler_state.read_state(db)
        assert state is not None and state["pid"] == os.getpid()
    finally:
        stop.set()
        thread.join(60)
    assert result == [0]
    assert not scheduler_state.state_path(db).exists()
    logs.close_run_logging()


def test_a_second_scheduler_on_the_same_warehouse_exits_1_naming_the_first(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(logging.getLogger(), "handlers", [])
    db = tmp_path / "ow.duckdb"
    config = make_config(tmp_path, "0 0 1 1 *")
    stop = threading.Event()
    thread = threading.Thread(target=lambda: serve(config, db, stop=stop, wake_seconds=0.05))
    thread.start()
    try:
        wait_for(lambda: scheduler_state.read_state(db))
        with pytest.raises(SchedulerRunning, match=rf"is already running for it \(pid {os.getpid()}, started "):
            serve(config, db, stop=threading.Event(), wake_seconds=0.05)
        monkeypatch.setattr(cli_schedule, "load", lambda path: config)
        result = CliRunner().invoke(cli_schedule.schedule, ["--db", str(db)])
        assert result.exit_code == 1
        assert f"is already running for it (pid {os.getpid()}, started " in result.output
    finally:
        stop.set()
        thread.join(60)
    assert not thread.is_alive()
    logs.close_run_logging()


def test_freshness_warnings() -> None:
    now = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    newest = {
        "github": datetime(2026, 3, 9, 3, 0, tzinfo=UTC),  # 33 h: fine
        "huggingface": datetime(2026, 3, 8, 23, 0, tzinfo=UTC),  # 37 h
        "today": date(2026, 3, 8),  # counts from the end of its day: exactly 36 h, fine
        "daily": date(2026, 3, 7),  # 60 h
        "naive": datetime(2026, 3, 1, 0, 0),  # UTC: 9 days 12 h
        "empty": None,
    }
    assert scheduler_state.freshness(newest, now) == [
        "huggingface: newest snapshot is 37 hours old (2026-03-08 23:00 UTC), older than 36 hours: "
        "is the nightly collection running?",
        "daily: newest snapshot is 60 hours old (2026-03-07), older than 36 hours: "
        "is the nightly collection running?",
        "naive: newest snapshot is 9 days old (2026-03-01 00:00 UTC), older than 36 hours: "
        "is the nightly collection running?",
        "empty: no snapshots yet (run `openwave collect`)",
    ]
    assert scheduler_state.freshness({"github": now - timedelta(hours=36)}, now) == []


def test_tokens_are_redacted_from_the_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(logging.getLogger(), "handlers", [])
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_TopSecretValue123")
    monkeypatch.setenv("MY_HUB_TOKEN", "hf_AnotherSecret456")
    monkeypatch.setenv("SHORT", "ab")
    config = replace(make_config(tmp_path), huggingface=HuggingFaceConfig(token_env="MY_HUB_TOKEN"))
    log = logs.setup_run_logging(tmp_path / "ow.duckdb", config, secret_envs=("SHORT",), stderr=False)
    log.info("header was Authorization: bearer ghp_TopSecretValue123")
    log.warning("token %s and %s", "hf_AnotherSecret456", "about")
    try:
        raise RuntimeError("failed with ghp_TopSecretValue123")
    except RuntimeError:
        logging.getLogger("httpx").exception("request failed")
    logs.close_run_logging()
    text = (tmp_path / "openwave.log").read_text()
    assert "TopSecret" not in text and "AnotherSecret" not in text
    lines = text.splitlines()
    assert lines[0].endswith(f"[{os.getpid()}] INFO header was Authorization: bearer ***")
    assert lines[1].endswith(f"[{os.getpid()}] WARNING token *** and about")
    assert lines[2].endswith("ERROR request failed")
    assert lines[-1] == "RuntimeError: failed with ***"


def test_log_file_rotates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(logging.getLogger(), "handlers", [])
    log = logs.setup_run_logging(tmp_path / "ow.duckdb", stderr=False, max_bytes=500, backups=2)
    for i in range(100):
        log.info("line %03d of the run summary", i)
    logs.close_run_logging()
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["openwave.log", "openwave.log.1", "openwave.log.2"]
    last = (tmp_path / "openwave.log").read_text().splitlines()[-1]
    assert last.endswith("INFO line 099 of the run summary")


def test_setup_twice_keeps_one_set_of_handlers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(logging.getLogger(), "handlers", [])
    logs.setup_run_logging(tmp_path / "ow.duckdb")
    logs.setup_run_logging(tmp_path / "ow.duckdb")
    assert len(logging.getLogger().handlers) == 2  # the file and stderr
    logs.close_run_logging()
    assert logging.getLogger().handlers == []
