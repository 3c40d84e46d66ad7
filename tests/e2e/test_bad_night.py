"""A bad night end to end: signals, readers holding the file, renamed repos, shrunken listings, no network.

Every wait here is on an event (a request reaching the stand-in, a line in a log, a process ending), never a
fixed sleep; the stand-in answers on 127.0.0.1 and unreachable hosts are names under `.invalid`.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from collector.config import load_config
from collector.progress import Stage
from collector.run import run_collection
from sources.records import RepoRecord
from sources.standin import StandinServer, Universe
from sources.standin.controls import Fault
from tests.e2e.conftest import HF_TOKEN, OPENWAVE, TODAY, TOKEN, run_openwave, write_config
from warehouse import db, load, spool

ROOT = Path(__file__).resolve().parents[2]
WAIT = 120.0  # generous upper bound for an event that normally takes well under a second


def rows(path: Path, sql: str) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


def db_of(config: Path) -> Path:
    return config.parent / "wh" / "openwave.duckdb"


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.upper().endswith(("_PROXY", "TOKEN")) and k.upper() not in ("HF_ENDPOINT", "OPENWAVE_CONFIG")}
    env.update({"HF_HUB_DISABLE_TELEMETRY": "1", "E2E_GITHUB_TOKEN": TOKEN, "E2E_HF_TOKEN": HF_TOKEN}, **extra)
    return env


def finish(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=WAIT)
    return process.returncode, out, err


# -- signals ----------------------------------------------------------------------------------------------


def test_sigterm_during_collect_loads_what_was_complete_and_exits_1(tmp_path: Path, standin: StandinServer) -> None:
    config = write_config(tmp_path, standin)
    held = standin.faults.add(r"author=zai-org", "hold")
    process = subprocess.Popen([OPENWAVE, "collect", "--config", str(config)], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=clean_env())
    try:
        assert held.reached.wait(WAIT), "the Hub request for zai-org never reached the stand-in"
        # GitHub is done and loaded, deepseek-ai's models are listed; zai-org is in flight
        assert standin.count(r"^/api/models\?.*author=deepseek-ai") == 1
        process.send_signal(signal.SIGTERM)
        log = db_of(config).parent / "openwave.log"
        deadline = time.monotonic() + WAIT
        while "SIGTERM: stopping" not in (log.read_text() if log.exists() else ""):  # the stop was heard
            assert time.monotonic() < deadline and process.poll() is None, "the stop was not logged"
            time.sleep(0.05)
        held.release.set()  # the request in flight is answered; nothing is sent after it
        code, out, err = finish(process)
    finally:
        if process.poll() is None:
            process.kill()
    assert code == 1, err
    assert err.count("SIGTERM: stopping after finishing the current request") == 1
    path = db_of(config)
    assert rows(path, "select status, repos_stored, models_stored from runs") == [("interrupted", 5, 4)]
    assert rows(path, "select count(*) from github_repo_snapshots") == [(5,)]
    assert rows(path, "select model_id from hf_model_snapshots order by model_id") == [
        ("deepseek-ai/DeepSeek-R1",), ("deepseek-ai/DeepSeek-R1-Distill-Qwen-7B",), ("deepseek-ai/DeepSeek-V3",),
        ("zai-org/GLM-4.5",)]
    assert rows(path, "select source, item, kind from run_errors where kind = 'skipped'") == [
        ("huggingface", "meta-llama", "skipped")]
    assert "openwave collect run 1: interrupted" in out
    assert standin.count(r"author=meta-llama") == 0  # nothing sent after the stop


def seed_repos(path: Path, universe: Universe, names: list[str]) -> None:
    """What a nightly collect stores for these repos (github_repos + today's snapshot)."""
    now = datetime.now(UTC)
    repos = [universe.repo(name) for name in names]
    records = [RepoRecord(r.id, r.full_name, r.full_name, r.stars, 0, None, None, None, r.created_at,
                          r.created_at, False, False, "rest", now) for r in repos]
    with db.writing(path) as con:
        load.load_repo_snapshots(con, records, TODAY, None)


def test_sigterm_during_backfill_loads_the_finished_repos_and_exits_1(tmp_path: Path) -> None:
    universe = Universe()
    for name in ("lab/a", "lab/b", "lab/c"):  # young repos: one history page each
        universe.add_repo(name, stars=40, created_at=datetime.now(UTC) - timedelta(days=20))
    with StandinServer(universe) as server:
        path = tmp_path / "w.duckdb"
        config = tmp_path / "config.toml"
        config.write_text(f'[warehouse]\npath = "w.duckdb"\n[github]\napi_url = "{server.github_url}"\n'
                          'token_env = "E2E_GITHUB_TOKEN"\n[[entity]]\nkey = "lab"\nname = "Lab"\nregion = "US"\n'
                          'kind = "ai-lab"\ngithub_orgs = ["lab"]\n')
        seed_repos(path, universe, ["lab/a", "lab/b", "lab/c"])
        held = server.faults.add(r"lab/c/stargazers/history", "hold")
        process = subprocess.Popen([OPENWAVE, "backfill", "--config", str(config)], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True, env=clean_env())
        try:
            assert held.reached.wait(WAIT), "the history request of lab/c never reached the stand-in"
            assert server.count(r"stargazers/history") == 2  # a and b answered (c is still waiting)
            process.send_signal(signal.SIGTERM)
            code, out, err = finish(process)
        finally:
            if process.poll() is None:
                process.kill()
    assert code == 1, err
    assert out.splitlines()[-1].startswith("backfill interrupted (SIGTERM): the pages fetched before the stop")
    assert rows(path, "select repo, complete from github_star_history_state order by repo") == [
        ("lab/a", True), ("lab/b", True)]
    assert rows(path, "select status from runs") == [("interrupted",)]


# -- readers during the load ------------------------------------------------------------------------------

READER = """
import pathlib, sys, time
import duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
con.execute("select count(*) from runs").fetchall()
pathlib.Path(sys.argv[2]).write_text("open")
while pathlib.Path(sys.argv[3]).exists():  # the test deletes this file to let go of the warehouse
    time.sleep(0.02)
con.close()
"""


class Reader:
    """Another process holding the warehouse open read-only until `release()`."""

    def __init__(self, path: Path, folder: Path) -> None:
        self.path, self.ready, self.hold = path, folder / "reader.ready", folder / "reader.hold"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start the reader and return once it has the file open."""
        self.hold.write_text("hold")
        self.process = subprocess.Popen([sys.executable, "-c", READER, str(self.path), str(self.ready),
                                         str(self.hold)])
        deadline = time.monotonic() + WAIT
        while not self.ready.exists():
            assert self.process.poll() is None and time.monotonic() < deadline, "the reader did not start"
            time.sleep(0.02)

    def release(self) -> None:
        self.hold.unlink(missing_ok=True)
        if self.process is not None:
            assert self.process.wait(timeout=WAIT) == 0


@pytest.fixture
def reader(tmp_path: Path) -> Iterator[Reader]:
    holder = Reader(tmp_path / "wh" / "openwave.duckdb", tmp_path)
    yield holder
    holder.release()


def reader_on_first_request(server: StandinServer, reader: Reader) -> None:
    """Open the reader while the run fetches (after it started its run row): on the first request."""
    real = server.faults.take
    started = threading.Lock()

    def take(method: str, target: str) -> Fault | None:
        with started:
            if reader.process is None:
                reader.start()
        return real(method, target)

    server.faults.take = take  # type: ignore[method-assign]


class Lines(logging.Handler):
    """Collects log lines; `seen` is set when one contains `needle`."""

    def __init__(self, needle: str) -> None:
        super().__init__()
        self.needle, self.seen, self.lines = needle, threading.Event(), []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())
        if self.needle in self.lines[-1]:
            self.seen.set()


@pytest.fixture
def waits() -> Iterator[Lines]:
    lines = Lines("open in another process")
    logger = logging.getLogger("warehouse")
    logger.addHandler(lines)
    yield lines
    logger.removeHandler(lines)


def in_process_config(tmp_path: Path, server: StandinServer, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("E2E_GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("E2E_HF_TOKEN", HF_TOKEN)
    return write_config(tmp_path, server)


def test_a_reader_during_the_load_only_delays_it(tmp_path: Path, standin: StandinServer, reader: Reader,
                                                 waits: Lines, monkeypatch: pytest.MonkeyPatch) -> None:
    config = load_config(in_process_config(tmp_path, standin, monkeypatch))
    path = db_of(config.path)
    reader_on_first_request(standin, reader)
    done: list[Any] = []
    run = threading.Thread(target=lambda: done.append(run_collection(config, path, stage=Stage(enabled=False),
                                                                     load_wait=WAIT)))
    run.start()
    assert waits.seen.wait(WAIT), "the load never waited for the reader"
    reader.release()
    run.join(WAIT)
    assert not run.is_alive()
    summary = done[0]
    assert (summary.status, summary.exit_code) == ("partial", 1)  # the deleted repo, nothing else
    assert spool.pending(path) == []
    assert rows(path, "select status, repos_stored, models_stored from runs") == [("partial", 5, 7)]
    assert rows(path, "select count(*) from github_repo_snapshots") == [(5,)]
    assert rows(path, "select count(*) from hf_model_snapshots") == [(7,)]
    assert f"(PID {reader.process.pid})" in next(line for line in waits.lines if waits.needle in line)


def test_a_reader_holding_the_file_too_long_spools_the_load_and_the_next_run_loads_it(
        tmp_path: Path, standin: StandinServer, reader: Reader, waits: Lines,
        monkeypatch: pytest.MonkeyPatch) -> None:
    config = load_config(in_process_config(tmp_path, standin, monkeypatch))
    path = db_of(config.path)
    reader_on_first_request(standin, reader)
    summary = run_collection(config, path, stage=Stage(enabled=False), load_wait=0.3)
    assert (summary.status, summary.exit_code) == ("partial", 1)
    assert [(o.name, o.stored, o.spooled) for o in summary.outcomes] == [("github", 0, 5), ("huggingface", 0, 7)]
    assert "the github and huggingface load waits in" in summary.message
    assert [p.name.split("-", 1)[1] for p in spool.pending(path)] == ["run1-github", "run1-huggingface", "run1-run"]
    assert rows(path, "select count(*) from hf_model_snapshots") == [(0,)]  # nothing yet, nothing lost
    reader.release()
    second = run_collection(config, path, sources=("github",), stage=Stage(enabled=False), load_wait=WAIT)
    assert spool.pending(path) == []
    assert rows(path, "select run_id, status, repos_stored, models_stored, items_failed from runs order by 1") == [
        (1, "partial", 5, 7, 1), (second.run_id, "partial", 5, 0, 1)]
    assert rows(path, "select run_id, count(*) from hf_model_snapshots group by 1") == [(1, 7)]
    assert rows(path, "select count(*) from spool_loads") == [(3,)]
    assert rows(path, "select run_id, item, kind from run_errors order by 1") == [
        (1, "deepseek-ai/Gone", "not_found"), (2, "deepseek-ai/Gone", "not_found")]


# -- renamed repos ----------------------------------------------------------------------------------------

RENAMED = """
[[entity]]
key = "openclaw"
name = "OpenClaw"
region = "other"
kind = "community"
github_repos = ["moltbot/moltbot"]
"""


def test_a_renamed_repo_costs_its_301_once(tmp_path: Path) -> None:
    universe = Universe()
    universe.add_repo("moltbot/moltbot", id=515, stars=150_000, created_at=datetime(2025, 11, 1, tzinfo=UTC))
    universe.rename_repo("moltbot/moltbot", "openclaw/openclaw")
    with StandinServer(universe) as server:
        config = write_config(tmp_path, server, entities=RENAMED)
        first = run_openwave("collect", "--config", str(config), "--source", "github", token=False)
        assert first.returncode == 0, first.stderr
        assert server.count(r"^/repos/moltbot/moltbot") == 1  # the 301
        assert rows(db_of(config), "select repo from github_repo_names order by repo") == [
            ("moltbot/moltbot",), ("openclaw/openclaw",)]
        server.reset()
        second = run_openwave("collect", "--config", str(config), "--source", "github", token=False)
        assert second.returncode == 0, second.stderr
        assert server.count(r"^/repos/moltbot/moltbot") == 0
        assert server.count(r"^/repos/openclaw/openclaw") == 1
        assert server.count() == 1
    assert rows(db_of(config), "select snapshot_date, repo_id, repo, stars from github_repo_snapshots") == [
        (TODAY, 515, "openclaw/openclaw", 150_000)]


# -- no network ---------------------------------------------------------------------------------------------


def offline_config(tmp_path: Path) -> Path:
    """The shipped config.toml (every entity) with both upstreams under `.invalid`: names that never resolve."""
    text = (ROOT / "config.toml").read_text(encoding="utf-8")
    for real, unreachable in (('api_url = "https://api.github.com"', 'api_url = "https://api.github.invalid"'),
                              ('endpoint = "https://huggingface.co"', 'endpoint = "https://huggingface.invalid"')):
        assert text.count(real) == 1
        text = text.replace(real, unreachable)
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_offline_the_shipped_catalog_fails_fast_naming_each_host(tmp_path: Path) -> None:
    from collector.run import unique

    config = offline_config(tmp_path)
    entities = load_config(config).entities
    github_items = len(unique(o for e in entities for o in e.github_orgs)) + len(
        unique(r for e in entities for r in e.github_repos))
    hub_items = len(unique(a for e in entities for a in e.hf_authors))
    warehouse = tmp_path / "wh" / "o.duckdb"
    result = run_openwave("collect", "--config", str(config), "--db", str(warehouse), token=False)
    assert result.returncode == 1, result.stderr
    waits = result.stderr.splitlines()
    github = [line for line in waits if " WARNING github: " in line]
    hub = [line for line in waits if " WARNING huggingface: " in line]
    assert github and all("api.github.invalid: name resolution failed; retrying in" in line for line in github)
    assert hub and all("name resolution failed; retrying in" in line for line in hub)
    assert len(github) <= 5 and len(hub) <= 5 and len(waits) == len(github) + len(hub)  # a few lines, nothing else
    assert "Retrying in" not in result.stderr  # no third-party chatter
    out = result.stdout
    assert "openwave collect run 1: failed in" in out
    assert "GitHub stopped early: api.github.invalid: name resolution failed" in out
    assert "Hugging Face stopped early: huggingface.invalid: name resolution failed" in out
    assert f"{github_items:,} github items skipped" in out and f"{hub_items:,} huggingface items skipped" in out
    assert rows(warehouse, "select status, repos_stored, models_stored, items_failed from runs") == [
        ("failed", 0, 0, github_items + hub_items)]
    assert rows(warehouse, "select source, kind, message, count(*) from run_errors group by all order by 1") == [
        ("github", "skipped", "not fetched: api.github.invalid: name resolution failed", github_items),
        ("huggingface", "skipped", "not fetched: huggingface.invalid: name resolution failed", hub_items)]
    log = (warehouse.parent / "openwave.log").read_text()
    assert all(line in log for line in waits)  # the same wait lines in openwave.log
    status = run_openwave("status", "--config", str(config), "--db", str(warehouse), token=False)
    assert status.returncode == 0, status.stderr
    assert "│ failed │" in status.stdout
    assert (f"github: {github_items:,} items skipped: not fetched: api.github.invalid: name resolution failed "
            "(deepseek-ai, ") in status.stdout
    assert (f"huggingface: {hub_items:,} items skipped: not fetched: huggingface.invalid: name resolution failed "
            "(deepseek-ai, ") in status.stdout


# -- visible waits, failed runs, shrunken listings -----------------------------------------------------------


def test_every_wait_is_one_line_on_stderr_and_in_the_log(tmp_path: Path, standin: StandinServer) -> None:
    config = write_config(tmp_path, standin)
    standin.faults.add(r"author=zai-org", "status", status=502)
    standin.faults.add(r"^/graphql", "status", status=503)
    result = run_openwave("collect", "--config", str(config))
    assert result.returncode == 1, result.stderr  # the deleted repo
    waits = [line for line in result.stderr.splitlines() if "retrying in" in line]
    assert len(waits) == 2, result.stderr
    assert " WARNING github: " in waits[0] and "503" in waits[0]
    assert " WARNING huggingface: zai-org: " in waits[1] and "502" in waits[1]
    log = (db_of(config).parent / "openwave.log").read_text()
    assert all(line in log for line in waits)
    assert "Retrying in" not in result.stderr + log
    assert "openwave collect run 1: partial" not in result.stderr  # the summary is on stdout and in the log only
    assert "openwave collect run 1: partial" in result.stdout and "openwave collect run 1: partial" in log


def test_a_run_that_stores_nothing_is_failed(tmp_path: Path, standin: StandinServer) -> None:
    config = write_config(tmp_path, standin)
    standin.faults.add(r".", "status", status=500, times=1000)  # every request, every retry
    result = run_openwave("collect", "--config", str(config))
    assert result.returncode == 1, result.stderr
    assert "openwave collect run 1: failed in" in result.stdout
    assert rows(db_of(config), "select status, repos_stored, models_stored from runs") == [("failed", 0, 0)]


def test_an_emptied_listing_is_a_warning_and_keeps_what_it_had(tmp_path: Path, standin: StandinServer) -> None:
    config = write_config(tmp_path, standin)
    assert run_openwave("collect", "--config", str(config)).returncode == 1  # the deleted repo
    standin.reset()
    standin.faults.add(r"author=deepseek-ai", "empty", times=2)  # the listing and its one re-fetch
    result = run_openwave("collect", "--config", str(config))
    assert result.returncode == 1, result.stderr
    message = "listed 0, 3 last time: recorded as a warning, not taken as the truth"
    assert f"huggingface deepseek-ai: suspect_listing: {message}" in result.stdout
    assert "1 huggingface item suspect_listing" in result.stdout
    assert standin.count(r"author=deepseek-ai") == 2
    path = db_of(config)
    assert rows(path, "select run_id, status, models_stored from runs order by 1") == [
        (1, "partial", 7), (2, "partial", 4)]
    status = run_openwave("status", "--config", str(config))
    assert f"huggingface deepseek-ai: suspect_listing: {message}" in status.stdout
