"""Time every SQL view on a generated warehouse: by default 10 years x 5,000 repos of daily snapshots.

    python benchmarks/views_benchmark.py [--repos 5000] [--days 3650] [--models 10000] [--hf-days 365]

The data is generated in SQL (range(), hash()) into a DuckDB file in a temporary directory, which is deleted
at the end (--keep keeps it). Each view is read completely (as Arrow) 3 times; the row count and the seconds
of each run are printed with their median and max; the script exits 1 when the median of a view with a
budget (lab_growth, region_growth, lab_comparison: 2 s) is over it. The generated data has what the views
must cope with: repos created inside the window, single missing days (1 % of repo-days), whole-day
outages, 10-day gaps, repos that stopped being collected, star history for one repo in five
(reconstructed before its first snapshot when it predates the window), repos in two entities, renamed
repos, events and crossover pairs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import duckdb

import dashboards
from warehouse.db import VIEWS_DIR, apply_views, view_name
from warehouse.migrate import migrate

DASHBOARD_VIEWS_DIR = Path(dashboards.__file__).resolve().parent / "views"
AS_OF = "2026-11-28"
RUNS = 3
BUDGETS = {"lab_growth": 2.0, "region_growth": 2.0, "lab_comparison": 2.0}   # seconds, median of RUNS

GENERATE = """
create temp table params as
select date '{as_of}' as as_of, date '{as_of}' - {days} + 1 as t0, {repos} as repos, {models} as models,
       {hf_days} as hf_days;

insert into entities
select 'e' || i, 'Entity ' || i, ['CN', 'US', 'EU', 'other'][i % 4 + 1], 'ai-lab', false, null, now()
from range(60) t(i);

-- sparse, large ids like GitHub's; one repo in ten created inside the window
create temp table gen_repos as
select
    i,
    100000000 + i * 7919 as repo_id,
    'org' || (i % 100) || '/repo' || i as repo,
    case when i % 10 = 0 then p.t0 + (hash(i, 'c') % ({days} - 30))::integer
         else p.t0 - (hash(i, 'c') % 2000)::integer end as created,
    1 + hash(i, 'rate') % 40 as rate
from params p, range({repos}) t(i);

insert into github_repos
select repo_id, repo, null, null, null, created::timestamptz, null, false, false, created, p.as_of
from gen_repos, params p;
insert into github_repo_names select repo_id, repo, created, p.as_of from gen_repos, params p;
insert into github_repo_names select repo_id, 'old' || repo, created, created + 100 from gen_repos, params p
where i % 25 = 0;
insert into entity_repos select 'e' || (i % 60), repo_id, 'org', created, p.as_of from gen_repos, params p;
insert into entity_repos
select 'e' || ((i + 7) % 60), repo_id, 'repo', created, p.as_of from gen_repos, params p
where i % 10 = 3;

-- nightly snapshots in date order, as the collector writes them
insert into github_repo_snapshots (snapshot_date, repo_id, repo, stars, via, fetched_at)
select s.d::date, r.repo_id, r.repo,
       10 + r.rate * (s.d::date - r.created) + hash(r.repo_id, s.d) % 5, 'graphql', now()
from params p
cross join range(p.t0, p.as_of + 1, interval 1 day) s(d)
join gen_repos r on r.created <= s.d::date
where hash(r.i, s.d::date) % 100 <> 0                                  -- 1 % single missing days
  and hash(s.d::date) % 500 <> 0                                         -- whole-day outages
  and not (r.i % 50 = 1 and s.d::date between p.as_of - 40 and p.as_of - 31)   -- 10-day gaps
  and not (r.i % 100 = 7 and s.d::date > p.as_of - 100)                 -- no longer collected
order by s.d, r.repo_id;

-- star history (dense, from the creation day) for one repo in five
insert into github_star_history
select r.repo_id, r.repo, s.d::date, r.rate + hash(r.repo_id, s.d) % 3, now()
from gen_repos r, params p, range(r.created, p.as_of + 1, interval 1 day) s(d)
where r.i % 5 = 0;

insert into hf_model_snapshots (snapshot_date, model_id, author, downloads_30d, downloads_all_time, likes,
    license, license_name, children_count, created_at, fetched_at)
select s.d::date, 'author' || (m % 40) || '/model' || m, 'author' || (m % 40),
       hash(m, s.d) % 100000, m * 10 + (s.d::date - p.t0) * 1000, m % 300,
       ['apache-2.0', 'mit', 'other', 'llama3.1', null][m % 5 + 1], case when m % 10 = 2 then 'deepseek' end,
       m % 17, p.as_of - 2000, now()
from params p, range(p.as_of - p.hf_days + 1, p.as_of + 1, interval 1 day) s(d), range(p.models) t(m)
where hash(m, s.d::date) % 200 <> 0
order by s.d, m;
insert into entity_hf_authors select 'e' || (i % 60), 'Author' || i from range(40) t(i);

insert into events
select i + 1, p.as_of - (i * 37)::integer, null, 'e' || (i % 60), 'release ' || i,
       case when i % 2 = 0 then 'org' || ((i * 13) % 100) || '/repo' || (i * 13) end,
       case when i % 3 = 0 then 'author' || (i % 40) || '/model' || i end, null, null
from params p, range(30) t(i);
insert into crossover_pairs
select 'org' || (i % 100) || '/repo' || i, 'ORG' || ((i + 1) % 100) || '/REPO' || (i + 1)
from range(10, 20) t(i);
"""


def generate(con: duckdb.DuckDBPyConnection, repos: int, days: int, models: int, hf_days: int) -> None:
    """Fill a migrated warehouse with generated rows."""
    con.execute(GENERATE.format(as_of=AS_OF, repos=repos, days=days, models=models, hf_days=hf_days))
    con.execute("checkpoint")


def view_names() -> list[str]:
    """Every view, base views first, in the order they are applied."""
    files = [f for folder in (VIEWS_DIR, DASHBOARD_VIEWS_DIR) for f in sorted(folder.glob("*.sql"))]
    return [name for name in (view_name(f.read_text(encoding="utf-8")) for f in files) if name]


def time_view(con: duckdb.DuckDBPyConnection, name: str) -> tuple[int, list[float]]:
    """Read the whole view RUNS times; its row count and the seconds of each run."""
    seconds = []
    count = 0
    for _ in range(RUNS):
        start = time.perf_counter()
        count = con.sql(f"select * from {name}").to_arrow_table().num_rows
        seconds.append(time.perf_counter() - start)
    return count, seconds


def main() -> None:
    """Generate, apply the views, time them; exit 1 when a budgeted view's median is over budget."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repos", type=int, default=5000)
    parser.add_argument("--days", type=int, default=3650)
    parser.add_argument("--models", type=int, default=10000)
    parser.add_argument("--hf-days", type=int, default=365)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory and its file")
    parser.add_argument("--db", type=Path, help="time the views of this generated file (kept) instead")
    args = parser.parse_args()

    folder = args.db.parent if args.db else Path(tempfile.mkdtemp(prefix="openwave-views-"))
    try:
        con = duckdb.connect(str(args.db or folder / "bench.duckdb"))
        start = time.perf_counter()
        if not args.db:
            migrate(con)
            generate(con, args.repos, args.days, args.models, args.hf_days)
        counts = {
            table: con.execute(f"select count(*) from {table}").fetchall()[0][0]
            for table in ("github_repo_snapshots", "github_star_history", "hf_model_snapshots")
        }
        print(f"generated in {time.perf_counter() - start:.1f}s: {counts}")
        apply_views(con, VIEWS_DIR, DASHBOARD_VIEWS_DIR)
        threads = con.execute("select current_setting('threads')").fetchall()[0][0]
        print(f"duckdb {duckdb.__version__}, threads {threads}, cpus {os.cpu_count()},"
              f" load average {os.getloadavg()[0]:.2f}")
        print(f"{'view':<22}{'rows':>12}  seconds ({RUNS} runs)")
        over = []
        for name in view_names():
            rows, seconds = time_view(con, name)
            runs = "  ".join(f"{s:6.3f}" for s in seconds)
            median = statistics.median(seconds)
            print(f"{name:<22}{rows:>12}  {runs}   median {median:.3f}  max {max(seconds):.3f}")
            if name in BUDGETS and median > BUDGETS[name]:
                over.append(f"{name} median {median:.3f} s > {BUDGETS[name]:.1f} s")
        con.close()
        missing = sorted(set(BUDGETS) - set(view_names()))
        over += [f"{name}: no such view" for name in missing]
        if over:
            print("over budget: " + "; ".join(over))
            exit_code = 1
        else:
            print("within budget: " + ", ".join(f"{n} <= {b:.1f} s" for n, b in BUDGETS.items()))
            exit_code = 0
    finally:
        if args.keep or args.db:
            print(f"kept {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    sys.exit(exit_code)


if __name__ == "__main__":
    main()
