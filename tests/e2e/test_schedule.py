"""`openwave schedule` as a real process against the stand-in upstream, with a test-only 6-field cron (env)."""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from collector.cron import TEST_CRON_ENV
from sources.standin import Fault, StandinServer
from tests.e2e.conftest import HF_TOKEN, OPENWAVE, TOKEN, run_openwave, write_config
from warehouse import db

pytestmark = pytest.mark.slow

ENTITIES = """
[[entity]]
key = "deepseek"
name = "DeepSeek"
region = "CN"
kind = "ai-lab"
github_orgs = ["deepseek-ai"]
hf_authors = ["deepseek-ai"]

[[entity]]
key = "meta"
name = "Meta"
region = "US"
kind = "big-tech"
github_repos = ["meta-llama/llama3"]
hf_authors = ["meta-llama"]
"""
REPOS, MODELS = 4, 6  # what one run of these entities stores from the small universe
EVERY_2S = "*/2 * * * * *"
FAR = "0 0 1 1 *"  # next New Year: never fires during a test


class Scheduler:
    """A running `openwave schedule` subprocess and the files next to its warehouse."""

    def __init__(self, tmp_path: Path, server: StandinServer, cron: str, *args: str) -> None:
        seconds = len(cron.split()) == 6  # config.toml takes 5 fields: a 6-field test cron goes through the env
        schedule = f'[schedule]\ncron = "{FAR if seconds else cron}"\ntimezone = "UTC"\n'
        self.config = write_config(tmp_path, server, ENTITIES, schedule, timeout=300)  # held requests wait
        self.db = tmp_path / "wh" / "openwave.duckdb"
        self.err_path = tmp_path / "schedule.err"
        env = {k: v for k, v in os.environ.items() if not k.upper().endswith(("_PROXY", "TOKEN"))}
        env.update(E2E_GITHUB_TOKEN=TOKEN, E2E_HF_TOKEN=HF_TOKEN, HF_HUB_DISABLE_TELEMETRY="1")
        env.update({TEST_CRON_ENV: cron} if seconds else {})
        with open(self.err_path, "w") as err:
            self.proc = subprocess.Popen([OPENWAVE, "schedule", "--config", str(self.config), *args],
                                         stdout=subprocess.DEVNULL, stderr=err, env=env, cwd=tmp_path)

    @property
    def log(self) -> str:
        path = self.db.parent / "openwave.log"
        return path.read_text() if path.exists() else ""

    def state(self) -> dict[str, Any]:
        try:
            return json.loads((self.db.parent / "openwave.duckdb.scheduler.json").read_text())
        except (OSError, ValueError):
            return {}

    def sql(self, query: str) -> list[tuple[Any, ...]]:
        with db.open_read(self.db, wait_seconds=20) as con:
            return con.execute(query).fetchall()

    def open_files(self) -> list[str]:
        folder = Path(f"/proc/{self.proc.pid}/fd")
        names = []
        for fd in folder.iterdir():
            try:
                names.append(os.readlink(fd))
            except OSError:  # closed meanwhile
                continue
        return names

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 120) -> int:
        self.proc.send_signal(sig)
        return self.proc.wait(timeout)

    def stop_during(self, held: Fault) -> int:
        """SIGTERM while `held` (a hold fault) keeps a run's request open; answer it once the stop is seen."""
        assert held.reached.wait(120), "the run never reached the held request"
        assert self.proc.poll() is None, self.err_path.read_text()
        self.proc.send_signal(signal.SIGTERM)
        wait_for(lambda: "stopping: waiting for the run in progress" in self.log, 120, "the stop to be seen")
        held.release.set()
        return self.proc.wait(120)


def wait_for(check: Callable[[], Any], timeout: float, what: str) -> Any:
    """Poll until `check` is truthy; the timeout only bounds a failure, the state reached is what counts."""
    deadline = time.monotonic() + timeout
    while not (value := check()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)
    return value


@pytest.fixture
def start(tmp_path: Path, standin: StandinServer) -> Iterator[Callable[..., Scheduler]]:
    started: list[Scheduler] = []

    def starter(cron: str, *args: str) -> Scheduler:
        started.append(Scheduler(tmp_path, standin, cron, *args))
        return started[-1]

    yield starter
    for scheduler in started:
        if scheduler.proc.poll() is None:
            scheduler.proc.kill()
            scheduler.proc.wait(10)


def test_runs_happen_are_recorded_and_the_file_stays_readable(start: Callable[..., Scheduler],
                                                              standin: StandinServer) -> None:
    # two GraphQL requests a run (the org listing, the named repo): the third run's listing is held open and
    # the stop lands there, so the runs are exactly two ok and one interrupted, however loaded the machine
    held = standin.faults.add(r"^/graphql", "hold", after=4)
    scheduler = start(EVERY_2S)
    assert held.reached.wait(120), "no third run"
    # the third run is under way (its row written, its fetch held): the file is closed and readable
    result = run_openwave("query", "select run_id, status from runs order by run_id", "--db", str(scheduler.db),
                          "--format", "csv")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["run_id,status", "1,ok", "2,ok", "3,running"]
    assert scheduler.stop_during(held) == 0
    assert scheduler.state() == {}  # removed on a clean exit
    rows = scheduler.sql("select run_id, command, status, repos_stored, models_stored from runs order by run_id")
    assert rows == [(1, "schedule", "ok", REPOS, MODELS), (2, "schedule", "ok", REPOS, MODELS),
                    (3, "schedule", "interrupted", REPOS - 1, 0)]
    log = scheduler.log
    assert "run 1: ok in" in log and "run 2: ok in" in log and "run 3: interrupted in" in log
    assert "scheduler stopped" in log
    assert TOKEN not in log and HF_TOKEN not in log
    assert TOKEN not in scheduler.err_path.read_text()


def test_run_now_runs_at_once_then_waits_holding_nothing(start: Callable[..., Scheduler]) -> None:
    scheduler = start(FAR, "--run-now")
    state = wait_for(lambda: scheduler.state().get("last_status") and scheduler.state(), 120, "the first run")
    assert state["last_status"] == "ok" and state["pid"] == scheduler.proc.pid
    new_year = datetime(datetime.now(UTC).year + 1, 1, 1, tzinfo=UTC)
    assert datetime.fromisoformat(state["next_run_at"]) == new_year
    held = [name for name in scheduler.open_files() if "openwave.duckdb" in name]
    # no handle on the warehouse, its WAL or its lock file between runs: only the scheduler's own lock
    assert held == [str(scheduler.db.parent / "openwave.duckdb.scheduler.lock")]
    status = run_openwave("status", "--db", str(scheduler.db))
    assert status.returncode == 0, status.stderr
    assert f"next run {new_year:%Y-%m-%d %H:%M:%S}" in status.stdout
    second = run_openwave("schedule", "--config", str(scheduler.config), "--run-now")
    assert second.returncode == 1
    assert f"is already running for it (pid {scheduler.proc.pid}, started " in second.stderr
    assert scheduler.stop(signal.SIGINT) == 0
    assert scheduler.sql("select run_id, status from runs") == [(1, "ok")]
    assert not (scheduler.db.parent / "openwave.duckdb.scheduler.json").exists()
    assert "stopping: no run in progress" in scheduler.log


def test_a_slow_run_is_not_doubled(start: Callable[..., Scheduler], standin: StandinServer) -> None:
    # the first run's first Hub listing is held until a fire due during the run has been skipped; two Hub
    # listings a run, so the third run's first one is held too, and the stop lands there
    first = standin.faults.add(r"^/api/models", "hold")
    third = standin.faults.add(r"^/api/models", "hold", after=3)
    scheduler = start(EVERY_2S)
    assert first.reached.wait(120), "the first run never reached the Hub"
    wait_for(lambda: "skipped: the previous run is still going (one run at a time; coalesced)" in scheduler.log,
             120, "a fire to be skipped during the held run")
    first.release.set()
    assert scheduler.stop_during(third) == 0
    spans = scheduler.sql("select run_id, started_at, finished_at, status from runs order by started_at")
    assert [(run_id, status) for run_id, _, _, status in spans] == [(1, "ok"), (2, "ok"), (3, "interrupted")]
    for (_, _, finished, _), (_, started, _, _) in itertools.pairwise(spans):
        assert finished <= started  # one run at a time


def test_a_concurrent_collect_is_refused_and_sigterm_stops_a_slow_fetch_at_once(
        start: Callable[..., Scheduler], standin: StandinServer) -> None:
    # a slow GitHub fetch: after the org listing, the batch of named repos is told to wait 600 s (a secondary
    # limit under max_retry_after_seconds): unstopped, > 10 minutes
    standin.faults.add(r"^/graphql", "secondary", retry_after=600, times=5, after=1)
    scheduler = start(FAR, "--run-now")
    wait_for(lambda: standin.count(r"^/graphql", status=403), 120, "the fetch to start its 600 s wait")
    refused = run_openwave("collect", "--config", str(scheduler.config), "--lock-wait", "1")
    assert refused.returncode == 1
    holder = f"a collection is already writing it: pid {scheduler.proc.pid} (`openwave schedule`"
    assert holder in refused.stderr
    assert standin.count(r"^/api/models") == 0  # the signal comes during the GitHub fetch
    # the wait ends on the signal: the process exits long before the 600 s it was told to wait
    assert scheduler.stop(signal.SIGTERM, timeout=120) == 0
    assert standin.count(r"^/graphql") == 2  # the listing, the batch told to wait; no retry after the stop
    runs = scheduler.sql("select run_id, status, message from runs")
    assert runs == [(1, "interrupted",
                     "stopped during github (what it read before the stop is loaded); not started: huggingface")]
    # what GitHub read before the stop loaded in one transaction (the org's repos); the rest is skipped
    assert scheduler.sql("select count(*) from github_repo_snapshots where run_id = 1") == [(REPOS - 1,)]
    assert scheduler.sql("select item, kind, message from run_errors where run_id = 1") == [
        ("meta-llama/llama3", "skipped", "not fetched: stopped: asked to stop (signal or scheduler shutdown)")]
    assert scheduler.sql("select count(*) from hf_model_snapshots") == [(0,)]
    log = scheduler.log
    assert "stopping: waiting for the run in progress to stop its current source and load it" in log
    assert "run 1: interrupted in" in log and "scheduler stopped" in log

    standin.faults.clear()
    again = run_openwave("collect", "--config", str(scheduler.config))
    assert again.returncode == 0, again.stderr
    assert scheduler.sql("select run_id, status from runs order by run_id") == [(1, "interrupted"), (2, "ok")]
    assert scheduler.sql("select count(*) from hf_model_snapshots where run_id = 2") == [(MODELS,)]
