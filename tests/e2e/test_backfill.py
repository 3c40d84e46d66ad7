"""`openwave backfill` and the nightly upkeep against the stand-in over real HTTP, into a real DuckDB file."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from click.testing import CliRunner

import collector.backfill as backfill_module
from collector.backfill import run_backfill, upkeep_history
from collector.cli_backfill import backfill
from collector.config import load_config
from sources.records import RepoRecord
from sources.standin.server import StandinServer
from sources.standin.universe import Repo, Universe
from sources.standin.universe import week_start as sunday
from warehouse import db, load, runs

TODAY = datetime.now(UTC).date()


@dataclass
class World:
    universe: Universe
    server: StandinServer
    config: Path
    db: Path

    def seed(self, *repos: Repo) -> None:
        """What a nightly collect stores: github_repos + today's snapshot, under the repo's name of now."""
        now = datetime.now(UTC)
        records = [RepoRecord(r.id, r.full_name, r.full_name, r.stars, 0, None, None, None, r.created_at,
                              r.created_at, False, False, "rest", now) for r in repos]
        with db.writing(self.db) as con:
            load.load_repo_snapshots(con, records, TODAY, None)

    def run(self, *args: str) -> tuple[int, list[str]]:
        result = CliRunner().invoke(backfill, ["--config", str(self.config), *args], catch_exceptions=False)
        return result.exit_code, result.output.splitlines()

    def stored(self, repo: Repo) -> dict[date, int]:
        return dict(self.sql("select day, stars_added from github_star_history where repo_id = ?", [repo.id]))

    def sql(self, query: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        with db.open_read(self.db) as con:
            return con.execute(query, params or []).fetchall()

    def history_requests(self, repo: Repo | None = None) -> int:
        where = rf"/(repos/{repo.full_name}|repositories/{repo.id})/" if repo else "/"
        return self.server.count(where + r"stargazers/history")


def served(universe: Universe, repo: Repo) -> dict[date, int]:
    """The stand-in's daily series from the repo's creation week to today, days with stars only."""
    day, out = sunday(repo.created_at.date()), {}
    while day <= TODAY:
        if (stars := universe.stars_on(repo, day)) > 0:
            out[day] = stars
        day += timedelta(days=1)
    return out


def minimum(*repos: Repo) -> int:
    """The sum of ceil(weeks since creation / 30), counting the creation week and the current week."""
    return sum(math.ceil(((sunday(TODAY) - sunday(r.created_at.date())).days // 7 + 1) / 30) for r in repos)


@pytest.fixture
def world(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    universe = Universe()
    with StandinServer(universe, core_limit_anonymous=10_000) as server:
        config = tmp_path / "config.toml"
        config.write_text(f'[warehouse]\npath = "w.duckdb"\n[github]\napi_url = "{server.github_url}"\n'
                          'max_attempts = 1\n[[entity]]\nkey = "lab"\nname = "Lab"\nregion = "US"\n'
                          'kind = "ai-lab"\ngithub_orgs = ["lab"]\n')
        yield World(universe, server, config, tmp_path / "w.duckdb")


def ago(days: int) -> datetime:
    return datetime.combine(TODAY - timedelta(days=days), datetime.min.time(), UTC) + timedelta(hours=9)


def four_repos(world: World) -> list[Repo]:
    u = world.universe
    mid_created = datetime(2019, 2, 28, 13, tzinfo=UTC)
    series = {mid_created.date(): 5, date(2019, 6, 1): 3, date(2023, 1, 1): 11, TODAY - timedelta(days=3): 7}
    repos = [u.add_repo("lab/old", stars=20_000, created_at=datetime(2011, 5, 17, 10, tzinfo=UTC)),
             u.add_repo("lab/mid", created_at=mid_created, stars_by_day=series),
             u.add_repo("lab/young", stars=50, created_at=ago(40)),
             u.add_repo("lab/zero", created_at=datetime(2015, 1, 1, tzinfo=UTC), stars_by_day={})]
    world.seed(*repos)
    return repos


def probe_db_closed(world: World) -> list[bool]:
    """Record, on every request the stand-in answers, whether the DuckDB file could be opened read-only."""
    seen: list[bool] = []

    def wrap(lookup: Callable[..., Any]) -> Callable[..., Any]:
        def probed(*args: Any) -> Any:
            try:
                duckdb.connect(str(world.db), read_only=True).close()
                seen.append(True)
            except duckdb.Error:
                seen.append(False)
            return lookup(*args)
        return probed

    world.universe.resolve = wrap(world.universe.resolve)  # type: ignore[method-assign]
    world.universe.by_id = wrap(world.universe.by_id)  # type: ignore[method-assign]
    return seen


def test_the_stored_series_is_the_served_one_at_minimum_cost_and_a_second_run_is_free(world: World) -> None:
    old, mid, young, zero = four_repos(world)
    probes = probe_db_closed(world)
    code, lines = world.run()
    assert code == 0
    cost = minimum(old, mid, young)
    assert lines == [f"star history: 4 repos complete, 0 partial, 0 not started; {cost} requests",
                     "  complete: lab/mid, lab/old, lab/young, lab/zero"]
    for repo in (old, mid, young):
        assert world.stored(repo) == served(world.universe, repo)
    assert world.stored(mid) == {date(2019, 2, 28): 5, date(2019, 6, 1): 3, date(2023, 1, 1): 11,
                                 TODAY - timedelta(days=3): 7}
    assert world.history_requests() == minimum(old, mid, young)
    assert world.history_requests(young) == 1 and world.history_requests(zero) == 0
    assert probes and all(probes)  # the file is never open while a request is answered
    assert world.sql("select repo, complete, oldest_day, stars_at_fetch from github_star_history_state "
                     "order by repo") == [
        ("lab/mid", True, date(2019, 2, 24), 26), ("lab/old", True, date(2011, 5, 15), 20_000),
        ("lab/young", True, sunday(TODAY - timedelta(days=40)), 50), ("lab/zero", True, None, 0)]
    world.server.log.reset()
    assert world.run()[1][0] == "star history: 4 repos complete, 0 partial, 0 not started; 0 requests"
    assert world.history_requests() == 0
    assert world.sql("select command, status, github_requests, repos_stored from runs order by run_id") == [
        ("backfill", "ok", cost, 4), ("backfill", "ok", 0, 0)]


def test_a_budget_stopped_run_resumes_to_the_same_rows_at_minimum_total_cost(world: World) -> None:
    old, mid, young, _ = four_repos(world)
    mid_pages, total = minimum(mid), minimum(old, mid, young)
    code, lines = world.run("--max-requests", "7")
    assert code == 1
    assert lines == ["star history: 1 repo complete, 1 partial, 2 not started; 7 requests",
                     "  complete: lab/zero",
                     f"  partial: lab/mid ({mid_pages - 7} pages left)",
                     "  not started: lab/old, lab/young",
                     "  stopped: request budget of 7 spent",
                     "  run `openwave backfill` again to resume where this run stopped"]
    assert world.sql("select repo, next_page, complete from github_star_history_state order by repo") == [
        ("lab/mid", 8, False), ("lab/zero", 1, True)]
    assert world.run("--max-requests", str(mid_pages - 7 + 2))[0] == 1  # finishes mid, starts old
    assert world.run() == (0, [f"star history: 4 repos complete, 0 partial, 0 not started; "
                               f"{total - mid_pages - 2} requests",
                               "  complete: lab/mid, lab/old, lab/young, lab/zero"])
    for repo in (old, mid, young):
        assert world.stored(repo) == served(world.universe, repo)
    assert world.history_requests() == total
    assert world.sql("select status from runs order by run_id") == [("partial",), ("partial",), ("ok",)]


def test_the_rate_limit_stops_the_run_and_the_next_run_resumes(world: World) -> None:
    old, mid, young, _ = four_repos(world)
    world.server.limits.configure(core_anonymous=5)
    code, lines = world.run()
    assert code == 1
    assert lines[:4] == ["star history: 1 repo complete, 1 partial, 2 not started; 6 requests",
                         "  complete: lab/zero",
                         f"  partial: lab/mid ({minimum(mid) - 5} pages left)",
                         "  not started: lab/old, lab/young"]
    assert lines[4].startswith("  stopped: GitHub core rate limit exhausted; it resets at ")
    world.server.limits.configure(core_anonymous=10_000)
    assert world.run()[0] == 0
    assert world.server.count("stargazers/history", status=200) == minimum(old, mid, young)
    assert world.server.count("stargazers/history", status=403) == 1
    for repo in (old, mid, young):
        assert world.stored(repo) == served(world.universe, repo)


def test_an_interrupted_run_keeps_finished_pages_and_resumes(world: World,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    old, mid, young, _ = four_repos(world)
    real = backfill_module.fetch_history

    def interrupted(*args: Any, **kwargs: Any) -> Iterator[Any]:
        for count, page in enumerate(real(*args, **kwargs)):
            if count == 3:
                raise KeyboardInterrupt
            yield page

    monkeypatch.setattr(backfill_module, "fetch_history", interrupted)
    with pytest.raises(KeyboardInterrupt):
        run_backfill(load_config(world.config), world.db)
    assert world.sql("select repo, next_page, complete from github_star_history_state "
                     "where repo = 'lab/mid'") == [("lab/mid", 4, False)]
    assert world.sql("select status from runs") == [("interrupted",)]
    monkeypatch.setattr(backfill_module, "fetch_history", real)
    assert world.run()[0] == 0
    assert world.stored(mid) == served(world.universe, mid)
    assert world.history_requests() == minimum(old, mid, young) + 1  # the 4th page was fetched, then dropped


def test_a_renamed_repo_follows_the_301_and_keeps_its_id(world: World) -> None:
    repo = world.universe.add_repo("thudm/glm", stars=900, created_at=datetime(2023, 3, 1, tzinfo=UTC))
    world.seed(repo)
    world.universe.rename_repo("thudm/glm", "zai-org/glm")
    assert world.run("--repo", "THUDM/GLM")[0] == 0
    assert world.stored(repo) == served(world.universe, repo)
    assert world.sql("select distinct repo_id, repo from github_star_history") == [(repo.id, "thudm/glm")]
    assert world.server.count(r"^/repos/thudm/glm/stargazers/history", status=301) == 1
    assert world.history_requests() == minimum(repo) + 1  # the 301 is a request of its own


def test_a_very_old_repo_stops_at_page_100_instead_of_asking_for_page_101(world: World) -> None:
    ancient = world.universe.add_repo("lab/ancient", stars=3000, created_at=datetime(1950, 1, 1, tzinfo=UTC))
    world.seed(ancient)
    code, lines = world.run()
    assert (code, lines) == (0, ["star history: 1 repo complete, 0 partial, 0 not started; 100 requests",
                                 "  complete: lab/ancient",
                                 "  complete back to page 100 only (the endpoint's limit): lab/ancient"])
    assert world.server.count("stargazers/history", status=422) == 0
    oldest = sunday(TODAY) - timedelta(weeks=2999)
    assert world.stored(ancient) == {d: n for d, n in served(world.universe, ancient).items() if d >= oldest}


def test_upkeep_refreshes_one_page_of_changed_repos_only(world: World) -> None:
    old, mid, young, zero = four_repos(world)
    assert world.run()[0] == 0
    config = load_config(world.config)
    world.universe.set_stars(mid.id, mid.stars + 6)  # 6 new stars today
    world.universe.set_stars(zero.id, 2)
    world.seed(old, mid, young, zero)
    world.server.log.reset()
    result = upkeep_history(config, world.db)
    assert (result.refreshed, result.requests, result.errors) == (["lab/mid", "lab/zero"], 2, [])
    assert (world.history_requests(mid), world.history_requests(zero), world.history_requests()) == (1, 1, 2)
    assert world.stored(mid)[TODAY] == 6
    assert world.stored(mid) == served(world.universe, mid)
    assert world.stored(zero) == served(world.universe, zero) == {TODAY: 2}
    world.server.log.reset()
    assert upkeep_history(config, world.db).requests == 0  # nothing changed since
    assert world.history_requests() == 0


def test_an_upkeep_stopped_by_its_budget_records_it_and_catches_up_next_night(world: World) -> None:
    _, mid, _, zero = four_repos(world)
    assert world.run()[0] == 0
    world.universe.set_stars(mid.id, mid.stars + 1)
    world.universe.set_stars(zero.id, 1)
    world.seed(mid, zero)
    with db.writing(world.db) as con:
        run_id = runs.start_run(con, "collect", "github", None, "test")
    result = upkeep_history(load_config(world.config), world.db, run_id=run_id, max_requests=1)
    assert (result.refreshed, result.not_started, result.requests) == (["lab/mid"], ["lab/zero"], 1)
    message = "star history upkeep stopped: request budget of 1 spent; 1 repo not refreshed"
    assert world.sql("select item, kind, message from run_errors") == [("*", "skipped", message)]
    world.server.log.reset()
    assert upkeep_history(load_config(world.config), world.db).refreshed == ["lab/zero"]
    assert world.history_requests() == world.history_requests(zero) == 1
    assert world.stored(zero) == {TODAY: 1}


def test_unstars_lower_old_buckets_and_days_at_zero_are_deleted(world: World) -> None:
    u = world.universe
    two_years, recent = TODAY - timedelta(days=730), TODAY - timedelta(days=10)
    other = TODAY - timedelta(days=20)
    repo = u.add_repo("lab/unstar", created_at=ago(1000), stars_by_day={two_years: 4, recent: 3, other: 2})
    world.seed(repo)
    assert world.run()[0] == 0
    u.set_star_series(repo.id, {two_years: 4, recent: 1})  # 4 unstars: recent buckets go down, `other` to 0
    world.seed(repo)
    result = upkeep_history(load_config(world.config), world.db)
    assert (result.refreshed, result.requests) == (["lab/unstar"], 1)
    assert world.stored(repo) == {two_years: 4, recent: 1}
    u.set_star_series(repo.id, {two_years: 1, recent: 1})  # older than the newest page: upkeep cannot see it
    world.seed(repo)
    upkeep_history(load_config(world.config), world.db)
    assert world.stored(repo) == {two_years: 4, recent: 1}
    assert world.run("--repo", "lab/unstar", "--refresh")[0] == 0
    assert world.stored(repo) == {two_years: 1, recent: 1}
    u.set_star_series(repo.id, {})  # every star withdrawn: every bucket is 0, no request needed
    world.seed(repo)
    world.server.log.reset()
    result = upkeep_history(load_config(world.config), world.db)
    assert (result.refreshed, result.requests, world.stored(repo)) == (["lab/unstar"], 0, {})


def test_bad_answers_are_errors_of_their_repo_and_lose_nothing(world: World) -> None:
    u, faults = world.universe, world.server.faults
    names = ("good", "bad", "empty", "forbidden", "unprocessable", "gone", "blocked")
    repos = {n: u.add_repo(f"lab/{n}", stars=100, created_at=datetime(2020, 1, 1, tzinfo=UTC)) for n in names}
    world.seed(*repos.values())
    u.delete_repo("lab/gone")
    u.block_repo("lab/blocked")
    bad_week = sunday(TODAY) - timedelta(weeks=30)
    six_days = [{"week": int(datetime.combine(bad_week, datetime.min.time(), UTC).timestamp()), "total": 1,
                 "days": [1, 0, 0, 0, 0, 0]}]
    faults.add(rf"^/repositories/{repos['bad'].id}/stargazers/history\?.*page=2", status=200, body=six_days)
    faults.add(r"^/repos/lab/empty/stargazers/history", status=200, body=[])
    faults.add(r"^/repos/lab/forbidden/stargazers/history", status=403,
               body={"message": "Resource not accessible"})
    faults.add(r"^/repos/lab/unprocessable/", status=422, body={"message": "Validation Failed"})
    code, lines = world.run()
    assert code == 1
    assert lines[0] == (f"star history: 1 repo complete, 1 partial, 5 not started; "
                        f"{7 + minimum(repos['good'])} requests, 6 errors")
    errors = [
        ("lab/bad", "bad_response", f"star history page 2: week[0] ({bad_week}) has 6 days, expected 7"),
        ("lab/blocked", "blocked", "star history page 1: HTTP 451: Repository access blocked"),
        ("lab/empty", "bad_response", "star history page 1: an empty array where weeks were expected"),
        ("lab/forbidden", "bad_response", "star history page 1: "
         "GET /repos/lab/forbidden/stargazers/history: HTTP 403: Resource not accessible"),
        ("lab/gone", "not_found", "star history page 1: HTTP 404: Not Found"),
        ("lab/unprocessable", "bad_response",
         "star history page 1: GET /repos/lab/unprocessable/stargazers/history: HTTP 422: Validation Failed")]
    assert world.sql("select item, kind, message from run_errors order by item") == errors
    assert world.sql("select repo, last_error from github_star_history_state where last_error is not null "
                     "order by repo") == [(item, message) for item, _, message in errors]
    page_1_start = sunday(TODAY) - timedelta(weeks=29)
    first_page = {d: n for d, n in served(u, repos["bad"]).items() if d >= page_1_start}
    assert world.stored(repos["bad"]) == first_page  # page 1 kept, nothing of the bad page 2
    assert world.stored(repos["good"]) == served(u, repos["good"])
    faults.add(r"^/repos/lab/good/stargazers/history", status=200, body=[{"week": "x"}])
    world.server.log.reset()
    code, lines = world.run("--refresh", "--repo", "lab/good", "--repo", "lab/bad")
    assert (code, lines[0]) == (1, f"star history: 2 repos complete, 0 partial, 0 not started; "
                                   f"{minimum(repos['bad']) + 1} requests, 1 error")
    assert world.stored(repos["good"]) == served(u, repos["good"])  # a bad refresh loses nothing
    assert world.stored(repos["bad"]) == served(u, repos["bad"])
    assert world.run("--repo", "lab/good")[0] == 0  # still complete after the failed refresh: nothing to do


def test_usage_errors_exit_2(world: World) -> None:
    four_repos(world)
    code, lines = world.run("--repo", "lab/nope")
    assert (code, lines[-1]) == (
        2, "Error: not tracked (no github_repos row; run `openwave collect` first): lab/nope")
    assert world.run("--repo", "not-a-name")[0] == 2
    assert world.run("--db", str(world.db.with_name("missing.duckdb")))[0] == 2
    assert world.history_requests() == 0
