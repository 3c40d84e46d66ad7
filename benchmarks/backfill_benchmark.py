"""Backfill benchmark: N repos of mixed ages (up to 15 years) on the stand-in with 50 ms latency per request.

Prints the requests sent, the expected minimum (the sum of ceil(weeks since creation / 30)) and the wall time;
exits 1 if the requests differ from the minimum or the stored series differs from the served one.

    python benchmarks/backfill_benchmark.py [--repos 300] [--latency 0.05] [--max-years 15]
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from collector.backfill import run_backfill
from collector.config import load_config
from sources.records import RepoRecord
from sources.standin.server import StandinServer
from sources.standin.universe import Repo, Universe, week_start
from warehouse import db, load


def make_repos(universe: Universe, count: int, max_years: float, today: date) -> list[Repo]:
    """Ages spread evenly from 1 day to `max_years`; stars from 1 to ~50k (a front-loaded curve per repo)."""
    repos = []
    for i in range(count):
        age = timedelta(days=1 + round((max_years * 365.25 - 1) * i / max(count - 1, 1)))
        created = datetime.combine(today - age, datetime.min.time(), UTC) + timedelta(hours=i % 24)
        repos.append(universe.add_repo(f"org{i % 7}/repo-{i:03d}", stars=1 + (i * 7919) % 50_000,
                                       created_at=created))
    return repos


def expected_requests(repos: list[Repo], today: date) -> int:
    weeks = [(week_start(today) - week_start(r.created_at.date())).days // 7 + 1 for r in repos]
    return sum(math.ceil(w / 30) for w in weeks)


def seed(path: Path, repos: list[Repo], today: date) -> None:
    now = datetime.now(UTC)
    records = [RepoRecord(r.id, r.full_name, r.full_name, r.stars, 0, None, None, None, r.created_at,
                          r.created_at, False, False, "rest", now) for r in repos]
    with db.writing(path) as con:
        load.load_repo_snapshots(con, records, today, None)


def mismatches(universe: Universe, repos: list[Repo], path: Path, today: date) -> int:
    """Repos whose stored series differs from the served one, day by day."""
    with db.open_read(path) as con:
        rows = con.execute("select repo_id, day, stars_added from github_star_history").fetchall()
    stored: dict[int, dict[date, int]] = {}
    for repo_id, day, stars in rows:
        stored.setdefault(repo_id, {})[day] = stars
    bad = 0
    for repo in repos:
        day, served = week_start(repo.created_at.date()), {}
        while day <= today:
            if (stars := universe.stars_on(repo, day)) > 0:
                served[day] = stars
            day += timedelta(days=1)
        bad += stored.get(repo.id, {}) != served
    return bad


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repos", type=int, default=300)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds added to every request")
    parser.add_argument("--max-years", type=float, default=15.0)
    args = parser.parse_args()
    today = datetime.now(UTC).date()
    universe = Universe()
    repos = make_repos(universe, args.repos, args.max_years, today)
    expected = expected_requests(repos, today)
    with tempfile.TemporaryDirectory() as tmp, StandinServer(universe, core_limit_anonymous=1_000_000,
                                                               latency=args.latency) as server:
        path = Path(tmp) / "bench.duckdb"
        config_path = Path(tmp) / "config.toml"
        config_path.write_text(f'[github]\napi_url = "{server.github_url}"\n'
                               'token_env = "OPENWAVE_BENCH_NO_TOKEN"\n[[entity]]\nkey = "bench"\n'
                               'name = "Bench"\nregion = "US"\nkind = "ai-lab"\ngithub_orgs = ["org0"]\n')
        seed(path, repos, today)
        started = time.perf_counter()
        result = run_backfill(load_config(config_path), path)
        wall = time.perf_counter() - started
        served_requests = server.count(r"stargazers/history")
        bad = mismatches(universe, repos, path, today)
        with db.open_read(path) as con:
            row = con.execute("select count(*), sum(stars_added) from github_star_history").fetchone()
    rows, stars = row if row else (0, 0)
    print(f"repos:                 {args.repos} (ages 1 day .. {args.max_years:g} years), "
          f"latency {args.latency:g} s")
    print(f"requests (client):     {result.requests}")
    print(f"requests (stand-in):   {served_requests}")
    print(f"expected sum ceil(weeks/30): {expected}")
    print(f"wall time:             {wall:.1f} s ({wall / max(result.requests, 1) * 1000:.1f} ms per request)")
    print(f"rows stored:           {rows} days, {stars} stars; series differing from the served one: {bad}")
    print(f"summary:               {result.lines()[0]}")
    ok = result.requests == served_requests == expected and bad == 0 and result.exit_code == 0
    print("OK: requests equal the minimum" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
