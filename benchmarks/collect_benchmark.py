"""Collection benchmark: 1,000 repos in 10 orgs and 20 Hub authors with 5,000 models, 50 ms per request.

Runs the real `run_collection` twice against the stand-in (first run, then a second run the same day), with a
token (GraphQL) and without one (REST with conditional requests), and prints requests and wall time:

    python benchmarks/collect_benchmark.py [--latency 0.05] [--repos 1000] [--orgs 10] [--authors 20] [--models 5000]

Exits 1 when a cost target is missed: with a token at most one GraphQL query per 100 repos plus the org
listing pages; on the Hub at most one request per 1,000 models of each author (the list endpoint filters on one
author, so an author is at least one request).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from collector.config import load_config
from collector.run import run_collection
from sources.standin import StandinServer, build_scaled_universe

TOKEN_ENV = "OPENWAVE_BENCH_TOKEN"


def write_config(folder: Path, server: StandinServer, orgs: int, authors: int) -> Path:
    blocks = []
    for i in range(orgs):
        blocks.append(f'[[entity]]\nkey = "org-{i:03d}"\nname = "Org {i}"\nregion = "{"CN" if i % 2 else "US"}"\n'
                      f'kind = "ai-lab"\ngithub_orgs = ["org-{i:03d}"]\n')
    for a in range(authors):
        blocks.append(f'[[entity]]\nkey = "lab-{a:03d}"\nname = "Lab {a}"\nregion = "{"CN" if a % 2 else "US"}"\n'
                      f'kind = "ai-lab"\nhf_authors = ["lab-{a:03d}"]\n')
    path = folder / "config.toml"
    path.write_text(f'[github]\napi_url = "{server.github_url}"\ntoken_env = "{TOKEN_ENV}"\n'
                    f'[huggingface]\nendpoint = "{server.hub_url}"\ntoken_env = "{TOKEN_ENV}"\n\n'
                    + "\n".join(blocks))
    return path


def one_run(server: StandinServer, config_path: Path, db_path: Path, authenticated: bool) -> dict[str, float]:
    server.reset()
    if authenticated:
        os.environ[TOKEN_ENV] = "bench-token-for-the-local-stand-in"
    else:
        os.environ.pop(TOKEN_ENV, None)
    config = load_config(config_path)
    if not authenticated:  # REST costs one request per 100 listed repos; the anonymous limit of 60 is not the point
        server.limits.configure(core_anonymous=100_000)
    config = replace(config, warehouse_path=db_path)
    started = time.perf_counter()
    summary = run_collection(config, db_path)
    seconds = time.perf_counter() - started
    github, hub = summary.outcome("github"), summary.outcome("huggingface")
    return {"seconds": seconds, "status": summary.status, "repos": github.stored if github else 0,
            "models": hub.stored if hub else 0, "graphql": server.count(resource="graphql"),
            "rest": server.count(resource="core"), "rest_304": server.count(resource="core", status=304),
            "hub": server.count(resource="hub")}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--repos", type=int, default=1000)
    parser.add_argument("--orgs", type=int, default=10)
    parser.add_argument("--authors", type=int, default=20)
    parser.add_argument("--models", type=int, default=5000)
    args = parser.parse_args()
    universe = build_scaled_universe(orgs=args.orgs, repos=args.repos, authors=args.authors, models=args.models)
    per_org = [len(universe.repos_of(f"org-{i:03d}")) for i in range(args.orgs)]
    listing_pages = sum(max(1, math.ceil(n / 100)) for n in per_org)
    per_author = [len(universe.models_of(f"lab-{a:03d}")) for a in range(args.authors)]
    hub_minimum = sum(max(1, math.ceil(n / 1000)) for n in per_author)
    failed = False
    print(f"{args.repos:,} repos in {args.orgs} orgs, {args.models:,} models of {args.authors} authors, "
          f"{args.latency * 1000:.0f} ms per request")
    print(f"{'mode':<10} {'run':<7} {'seconds':>8} {'repos':>6} {'models':>7} {'graphql':>8} {'rest':>6} "
          f"{'304':>5} {'hub':>5}")
    with StandinServer(universe) as server, tempfile.TemporaryDirectory() as tmp:
        server.faults.latency = args.latency
        for mode, authenticated in (("token", True), ("no token", False)):
            folder = Path(tmp) / mode.replace(" ", "-")
            folder.mkdir()
            config = write_config(folder, server, args.orgs, args.authors)
            for run in ("first", "second"):
                r = one_run(server, config, folder / "bench.duckdb", authenticated)
                print(f"{mode:<10} {run:<7} {r['seconds']:>8.2f} {r['repos']:>6,} {r['models']:>7,} "
                      f"{r['graphql']:>8,} {r['rest']:>6,} {r['rest_304']:>5,} {r['hub']:>5,}")
                if authenticated and r["graphql"] > math.ceil(args.repos / 100) + listing_pages:
                    failed = True
                if r["hub"] > hub_minimum or r["repos"] != args.repos or r["models"] != args.models:
                    failed = True
    print(f"targets: GraphQL <= {math.ceil(args.repos / 100)} (1 per 100 repos) + {listing_pages} listing pages; "
          f"Hub <= {hub_minimum} (sum over authors of ceil(models / 1000))")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
