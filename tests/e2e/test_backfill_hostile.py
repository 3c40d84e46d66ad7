"""`openwave backfill` (the real console script) against a hostile or unreachable GitHub: the token never
leaves the configured origin, and an unreachable host stops the run in a few requests, naming host and cause."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from collector.backfill import run_backfill, upkeep_history
from collector.config import load_config
from sources.github.history import pages_needed
from sources.records import RepoRecord
from sources.standin import StandinServer, Universe
from sources.standin.universe import Repo
from tests.e2e.conftest import run_openwave
from warehouse import db, load, runs

TODAY = datetime.now(UTC).date()


@dataclass
class Hostile:
    universe: Universe
    server: StandinServer
    other: StandinServer  # another host: nothing may reach it, least of all the token
    tmp: Path

    @property
    def db(self) -> Path:
        return self.tmp / "w.duckdb"

    def config(self, api_url: str | None = None) -> Path:
        path = self.tmp / "config.toml"
        path.write_text(f'[warehouse]\npath = "w.duckdb"\n[github]\napi_url = "{api_url or self.server.github_url}"\n'
                        'token_env = "E2E_GITHUB_TOKEN"\nmax_attempts = 5\nbackoff_initial_seconds = 0.01\n'
                        'backoff_max_seconds = 0.01\ntimeout_seconds = 5\nunreachable_after = 3\n'
                        '[[entity]]\nkey = "lab"\nname = "Lab"\nregion = "US"\nkind = "ai-lab"\n'
                        'github_orgs = ["lab"]\n')
        return path

    def seed(self, *repos: Repo) -> None:
        now = datetime.now(UTC)
        records = [RepoRecord(r.id, r.full_name, r.full_name, r.stars, 0, None, None, None, r.created_at,
                              r.created_at, False, False, "rest", now) for r in repos]
        with db.writing(self.db) as con:
            load.load_repo_snapshots(con, records, TODAY, None)

    def run(self, api_url: str | None = None) -> tuple[int, list[str], str]:
        done = run_openwave("backfill", "--config", str(self.config(api_url)), cwd=self.tmp, timeout=120)
        return done.returncode, done.stdout.splitlines(), done.stderr

    def sql(self, query: str) -> list[tuple[Any, ...]]:
        with db.open_read(self.db) as con:
            return con.execute(query).fetchall()


@pytest.fixture
def hostile(tmp_path: Path) -> Iterator[Hostile]:
    with StandinServer(Universe(), core_limit_token=10_000) as server, StandinServer(Universe()) as other:
        yield Hostile(server.universe, server, other, tmp_path)


def two_repos(h: Hostile) -> tuple[Repo, Repo]:
    """lab/old needs several history pages, lab/new one."""
    old = h.universe.add_repo("lab/old", stars=5_000, created_at=datetime(2015, 1, 1, tzinfo=UTC))
    new = h.universe.add_repo("lab/new", stars=40, created_at=datetime.now(UTC) - timedelta(days=40))
    h.seed(old, new)
    return old, new


def test_an_off_host_next_link_is_refused_and_the_token_stays_home(hostile: Hostile) -> None:
    two_repos(hostile)
    other = hostile.other
    hostile.server.faults.add(r"^/repos/lab/old/stargazers/history",
                              "link", target=f"{other.github_url}/repos/lab/old/stargazers/history?page=2")
    code, lines, _ = hostile.run()
    here, there = f"127.0.0.1:{hostile.server.port}", f"127.0.0.1:{other.port}"
    assert code == 1
    assert lines[0] == "star history: 1 repo complete, 1 partial, 0 not started; 2 requests, 1 error"
    assert f"  error: lab/old: star history page 2: next page link points outside {here}: not followed " \
           f"(it points to {there})" in lines
    assert (other.count(), other.count(authenticated=True)) == (0, 0)
    assert hostile.server.count(authenticated=True) == 2 and hostile.server.count(authenticated=False) == 0
    assert hostile.sql("select repo, next_page, complete from github_star_history_state order by repo") == [
        ("lab/new", 2, True), ("lab/old", 2, False)]


def test_an_off_host_redirect_is_refused_and_a_renamed_repo_followed_with_the_token(hostile: Hostile) -> None:
    old, _ = two_repos(hostile)
    other = hostile.other
    hostile.server.faults.add(r"^/repos/lab/new/stargazers/history", "redirect", target=other.github_url)
    hostile.universe.rename_repo("lab/old", "zai-org/old")
    code, lines, _ = hostile.run()
    here, there = f"127.0.0.1:{hostile.server.port}", f"127.0.0.1:{other.port}"
    assert code == 1
    assert lines[0].startswith("star history: 1 repo complete, 0 partial, 1 not started;")
    assert ("  error: lab/new: star history page 1: GET /repos/lab/new/stargazers/history: redirected to "
            f"{there}, outside {here}: not followed") in lines
    assert other.count() == 0
    assert hostile.server.count(r"^/repos/lab/old/stargazers/history", status=301, authenticated=True) == 1
    pages = pages_needed(old.created_at, TODAY)
    assert pages is not None and pages > 1
    assert hostile.server.count(rf"^/repositories/{old.id}/stargazers/history", authenticated=True) == pages
    assert hostile.sql("select distinct repo from github_star_history") == [("lab/old",)]


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize(("api", "reason"), [
    ("http://api.github.invalid", "api.github.invalid: name resolution failed"),
    (None, "127.0.0.1: connection refused")], ids=["dns", "refused"])
def test_an_unreachable_github_stops_the_backfill_in_three_requests(hostile: Hostile, api: str | None,
                                                                    reason: str) -> None:
    two_repos(hostile)
    code, lines, stderr = hostile.run(api or f"http://127.0.0.1:{closed_port()}")
    assert (code, lines) == (1, ["star history: 0 repos complete, 0 partial, 2 not started; 3 requests",
                                 "  not started: lab/new, lab/old",
                                 f"  stopped: {reason}",
                                 "  run `openwave backfill` again to resume where this run stopped"])
    assert hostile.sql("select command, status, github_requests from runs") == [("backfill", "failed", 3)]
    assert reason in stderr  # the wait lines name the host and the cause
    assert hostile.server.count() == 0


def test_an_unreachable_github_stops_the_nightly_upkeep_with_one_skipped_error(
        hostile: Hostile, monkeypatch: pytest.MonkeyPatch) -> None:
    old, new = two_repos(hostile)
    monkeypatch.setenv("E2E_GITHUB_TOKEN", "ghp_e2eSECRETtoken0123456789abcdefABCDEF")
    assert run_backfill(load_config(hostile.config()), hostile.db).exit_code == 0
    for repo in (old, new):
        hostile.universe.set_stars(repo.id, repo.stars + 1)
    hostile.seed(old, new)
    with db.writing(hostile.db) as con:
        run_id = runs.start_run(con, "collect", "github", None, "test")
    result = upkeep_history(load_config(hostile.config(f"http://127.0.0.1:{closed_port()}")), hostile.db,
                            run_id=run_id)
    assert (result.refreshed, result.not_started, result.requests) == ([], ["lab/new", "lab/old"], 3)
    assert result.stopped_reason == "127.0.0.1: connection refused"
    assert hostile.sql("select item, kind, message from run_errors") == [
        ("*", "skipped", "star history upkeep stopped: 127.0.0.1: connection refused; 2 repos not refreshed")]
