"""The nightly scheduler behind `openwave schedule`: APScheduler 3, one job, one run at a time.

- The cron of `[schedule]` (5 fields; tests set 6, seconds first, in OPENWAVE_TEST_CRON) fires `run_collection` in
  its timezone.
- A fire due while a run is still going is skipped and logged (max_instances=1); missed fires (machine asleep)
  are coalesced into one run, started on wake if within `misfire_grace_seconds`.
- Between runs the process holds no lock and no handle on the DuckDB file; for its whole life it holds an
  exclusive flock on `<db>.scheduler.lock`, so a second scheduler on the same warehouse exits 1.
- SIGINT/SIGTERM: the sources stop before their next request (a Retry-After wait ends at once), what they
  read so far is loaded and the run is recorded as interrupted, then the process exits 0. A second signal
  aborts at once (nothing half-loaded is committed).
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from types import FrameType
from typing import Any

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED, JobEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.cron import CronTrigger

from collector import scheduler_state
from collector.config import Config, ConfigError, ScheduleConfig, load_config
from collector.cron import TEST_CRON_ENV, ScheduleError, cron_trigger, cron_weekdays, zone  # noqa: F401
from collector.lock import LockBusy
from collector.logs import log_summary, setup_run_logging
from warehouse import WarehouseError

JOB_ID = "collect"
COMMAND = "schedule"  # the `runs.command` and lock holder of scheduled runs
DEFAULT_LOCK_WAIT = 900.0  # a scheduled run waits this long for a manual `collect` to finish
WAKE_SECONDS = 30.0  # re-check the clock this often: timers do not count time a machine spends asleep
LOCK_RETRY_SECONDS = 1.0

log = logging.getLogger("openwave.schedule")


class SchedulerRunning(Exception):
    """Another `openwave schedule` already serves this warehouse."""


def make_scheduler(schedule: ScheduleConfig) -> BackgroundScheduler:
    """A scheduler running one job at a time; missed fires coalesce and run within the grace period."""
    return BackgroundScheduler(
        timezone=zone(schedule.timezone),
        executors={"default": ThreadPoolExecutor(max_workers=1)},
        job_defaults={"max_instances": 1, "coalesce": True,
                      "misfire_grace_time": schedule.misfire_grace_seconds},
    )


def secret_envs(config: Config) -> tuple[str, ...]:
    return (config.github.token_env, config.huggingface.token_env)


def _collect(config: Config, db_path: Path, stop: threading.Event, lock_wait: float) -> Any:
    from collector.progress import Stage  # imported late: `openwave --help` stays fast
    from collector.run import run_collection

    return run_collection(config, db_path, stage=Stage(enabled=False), stop=stop, command=COMMAND,
                          lock_wait=lock_wait)


@dataclass
class Nightly:
    """The scheduled job and what it tells the state file; `collect` and `clock` are replaceable in unit tests."""

    config: Config
    db_path: Path
    lock_wait: float = DEFAULT_LOCK_WAIT
    stop: threading.Event = field(default_factory=threading.Event)
    collect: Callable[[Config, Path, threading.Event, float], Any] = _collect
    trigger: CronTrigger | None = None
    clock: Callable[[], float] = time.monotonic  # the lock-wait deadline's clock (tests inject one)
    _state_lock: threading.Lock = field(default_factory=threading.Lock)

    def next_run_at(self) -> datetime | None:
        """The next cron fire from now (computed from the trigger: the scheduler's locks are not ours)."""
        if self.trigger is None:
            return None
        return self.trigger.get_next_fire_time(None, datetime.now(self.trigger.timezone))

    def save(self, **fields: Any) -> None:
        upcoming = self.next_run_at()
        with self._state_lock:
            scheduler_state.write_state(self.db_path, next_run_at=upcoming, **fields)

    def reload(self) -> None:
        """Re-read config.toml so edits to entities and endpoints apply from the next run on."""
        try:
            config = load_config(self.config.path)
        except ConfigError as exc:
            log.error("config not reloaded, keeping the previous one: %s", exc)
            return
        if config.schedule != self.config.schedule:
            log.warning("[schedule] changed in %s: restart `openwave schedule` to apply it", config.path)
        if secret_envs(config) != secret_envs(self.config):
            setup_run_logging(self.db_path, config, secret_envs=secret_envs(self.config))
        self.config = config

    def run_once(self) -> Any:
        """Collect, retrying the lock in short waits so a stop request is noticed while another run writes."""
        deadline = self.clock() + self.lock_wait
        while True:
            wait = max(0.0, min(LOCK_RETRY_SECONDS, deadline - self.clock()))
            try:
                return self.collect(self.config, self.db_path, self.stop, wait)
            except LockBusy:
                if self.stop.is_set() or self.clock() >= deadline:
                    raise

    def __call__(self) -> None:
        if self.stop.is_set():
            return
        self.reload()
        self.save(running_since=datetime.now().astimezone())
        log.info("scheduled run starting")
        run_id, status = None, "failed"
        try:
            summary = self.run_once()
        except LockBusy as exc:
            status = "skipped"
            log.warning("scheduled run skipped: %s", exc)
        except WarehouseError as exc:  # one line, phrased for the user (e.g. a reader held the file too long)
            log.error("scheduled run failed: %s", exc)
        except Exception:
            log.exception("scheduled run failed")
        else:
            run_id, status = summary.run_id, summary.status
            log_summary(summary)
        self.save(running_since=None, last_run_id=run_id, last_status=status,
                  last_finished_at=datetime.now().astimezone())
        if not self.stop.is_set():
            log.info("next run at %s", _when(self.next_run_at()))

    def on_event(self, event: JobEvent) -> None:
        """Log fires that did not start a run; keep the state file's next run current."""
        if event.code == EVENT_JOB_MAX_INSTANCES:
            times = ", ".join(_when(t) for t in event.scheduled_run_times)
            log.warning("scheduled run due at %s skipped: the previous run is still going "
                        "(one run at a time; coalesced)", times)
        elif event.code == EVENT_JOB_MISSED:
            log.warning("scheduled run due at %s missed by more than %d s (misfire_grace_seconds); "
                        "next run at %s",
                        _when(event.scheduled_run_time), self.config.schedule.misfire_grace_seconds,
                        _when(self.next_run_at()))
        elif event.code == EVENT_JOB_ERROR:
            log.error("scheduled run crashed: %s", getattr(event, "exception", None))
        self.save()


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S %Z") if value else "never"


def _install_signals(stop: threading.Event) -> dict[int, Any]:
    def handler(signum: int, frame: FrameType | None) -> None:
        if stop.is_set():
            log.error("second %s: aborting now; nothing half-loaded is committed",
                      signal.Signals(signum).name)
            logging.shutdown()
            os._exit(128 + signum)
        stop.set()

    return {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}


def serve(config: Config, db_path: Path, *, run_now: bool = False, lock_wait: float = DEFAULT_LOCK_WAIT,
          stop: threading.Event | None = None, wake_seconds: float = WAKE_SECONDS,
          collect: Callable[[Config, Path, threading.Event, float], Any] = _collect) -> int:
    """Run the nightly job on the cron until SIGINT/SIGTERM (or `stop`); returns the exit code (0)."""
    if os.environ.get(TEST_CRON_ENV):  # the scheduler's tests fire every few seconds; config.toml takes 5 fields
        config = replace(config, schedule=replace(config.schedule, cron=os.environ[TEST_CRON_ENV]))
    trigger = cron_trigger(config.schedule.cron, config.schedule.timezone, seconds=True)
    lock_fd = scheduler_state.acquire_lock(db_path)  # held for the life of the process, released by exit
    if lock_fd is None:
        raise SchedulerRunning(_already_running(db_path))
    try:
        return _serve(config, db_path, trigger, run_now=run_now, lock_wait=lock_wait, stop=stop,
                      wake_seconds=wake_seconds, collect=collect)
    finally:
        scheduler_state.release_lock(lock_fd)


def _already_running(db_path: Path) -> str:
    """The refusal, naming the scheduler holding the lock (its state file may lag its lock for a moment)."""
    deadline = time.monotonic() + 2.0
    while not isinstance((other := scheduler_state.load_state(db_path)).get("pid"), int) \
            and time.monotonic() < deadline:
        time.sleep(0.05)
    pid = other.get("pid", "unknown")
    return (f"{db_path}: `openwave schedule` is already running for it "
            f"(pid {pid}, started {other.get('started_at')}); stop it first")


def _serve(config: Config, db_path: Path, trigger: CronTrigger, *, run_now: bool, lock_wait: float,
           stop: threading.Event | None, wake_seconds: float,
           collect: Callable[[Config, Path, threading.Event, float], Any]) -> int:
    setup_run_logging(db_path, config)
    logging.getLogger("apscheduler").setLevel(logging.ERROR)  # skips and misfires are logged by Nightly
    stop = stop or threading.Event()
    job = Nightly(config, db_path, lock_wait, stop, collect, trigger)
    scheduler = make_scheduler(config.schedule)
    first = datetime.now(zone(config.schedule.timezone))
    options = {"next_run_time": first} if run_now else {}
    scheduler.add_job(job, trigger, id=JOB_ID, name="openwave collect", **options)
    scheduler.add_listener(job.on_event, EVENT_JOB_MAX_INSTANCES | EVENT_JOB_MISSED | EVENT_JOB_ERROR)
    first = first if run_now else trigger.get_next_fire_time(None, first)
    with job._state_lock:
        scheduler_state.write_state(db_path, started_at=datetime.now().astimezone(),
                                    cron=config.schedule.cron, timezone=config.schedule.timezone,
                                    next_run_at=first, last_run_id=None, last_status=None, running_since=None)
    previous = _install_signals(stop) if threading.current_thread() is threading.main_thread() else {}
    log.info("scheduler started (pid %d): cron %r, timezone %s, warehouse %s; next run at %s",
             os.getpid(), config.schedule.cron, config.schedule.timezone, db_path, _when(first))
    scheduler.start()
    try:
        while not stop.wait(wake_seconds):
            scheduler.wakeup()
    finally:
        stop.set()
        state = scheduler_state.read_state(db_path) or {}
        log.info("stopping: %s", "waiting for the run in progress to stop its current source and load it"
                 if state.get("running_since") else "no run in progress")
        scheduler.shutdown(wait=True)
        scheduler_state.remove_state(db_path)
        for sig, old in previous.items():
            signal.signal(sig, old)
        log.info("scheduler stopped")
    return 0
