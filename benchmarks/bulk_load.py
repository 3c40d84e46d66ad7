"""Bulk load vs row-by-row: 1,000,000 synthetic snapshot rows into a fresh DuckDB file.

    python benchmarks/bulk_load.py [--repos 1000] [--days 1000] [--sample 10000] [--repeat 3]

Times `warehouse.load.upsert_frame` (the path every loader uses: Polars -> Arrow -> one INSERT ... SELECT)
on repos x days rows (median of --repeat loads, each into a fresh file), then single-row INSERTs of a sample
in the same run (a loop of `execute` in one transaction, and `executemany`), extrapolates the faster one to
the full row count and prints the ratio. Targets: 1M rows under 2 s, at least 20x faster than row by row.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import polars as pl

from sources.records import RepoRecord
from warehouse.db import open_write
from warehouse.load import REPO_SNAPSHOT_KEYS, load_repo_snapshots, upsert_frame

COLUMNS = ("snapshot_date", "repo_id", "repo", "stars", "forks", "license_spdx", "is_archived", "via",
           "origin", "run_id", "fetched_at")
INSERT_ONE = (
    f"insert into github_repo_snapshots ({', '.join(COLUMNS)}) values ({', '.join('?' * len(COLUMNS))})"
)


def snapshot_frame(repos: int, days: int) -> pl.DataFrame:
    """repos x days snapshot rows with plausible values, built column-wise."""
    start = date(2023, 1, 1)
    day = pl.DataFrame({"snapshot_date": pl.date_range(start, start + timedelta(days=days - 1), eager=True)})
    repo = pl.DataFrame({"repo_id": pl.int_range(1, repos + 1, eager=True, dtype=pl.Int64)})
    return repo.join(day, how="cross").select(
        "snapshot_date",
        "repo_id",
        pl.format("org{}/repo-{}", pl.col("repo_id") % 97, "repo_id").alias("repo"),
        (pl.col("repo_id") * 13 + (pl.col("snapshot_date") - start).dt.total_days() * 3).alias("stars"),
        (pl.col("repo_id") % 500).cast(pl.Int64).alias("forks"),
        pl.lit("MIT").alias("license_spdx"),
        pl.lit(False).alias("is_archived"),
        pl.lit("graphql").alias("via"),
        pl.lit("collected").alias("origin"),
        pl.lit(1, pl.Int64).alias("run_id"),
        pl.col("snapshot_date").cast(pl.Datetime("us", "UTC")).dt.offset_by("3h").alias("fetched_at"),
    )


def timed(action: object) -> float:
    started = time.perf_counter()
    action()  # type: ignore[operator]
    return time.perf_counter() - started


def bench_bulk(folder: Path, frame: pl.DataFrame, attempt: int) -> float:
    con = open_write(folder / f"bulk{attempt}.duckdb")
    seconds = timed(lambda: upsert_frame(con, "github_repo_snapshots", frame, REPO_SNAPSHOT_KEYS))
    stored = con.execute("select count(*) from github_repo_snapshots").fetchone()
    assert stored == (frame.height,), stored
    con.close()
    return seconds


def bench_row_by_row(folder: Path, sample: pl.DataFrame, name: str, many: bool) -> float:
    con = open_write(folder / f"{name}.duckdb")
    rows = sample.rows()

    def insert() -> None:
        con.execute("begin transaction")
        if many:
            con.executemany(INSERT_ONE, rows)
        else:
            for row in rows:
                con.execute(INSERT_ONE, row)
        con.execute("commit")

    seconds = timed(insert)
    assert con.execute("select count(*) from github_repo_snapshots").fetchone() == (sample.height,)
    con.close()
    return seconds


def bench_records(folder: Path, count: int) -> float:
    """One nightly batch of RepoRecord objects through load_repo_snapshots (frame building included)."""
    now = datetime(2025, 1, 20, 3, tzinfo=UTC)
    records = [
        RepoRecord(i, name, name, i * 3, i % 500, "MIT", "", "Go", now, now, False, False, "graphql", now)
        for i, name in ((i, f"org{i % 97}/repo-{i}") for i in range(1, count + 1))
    ]
    con = open_write(folder / "records.duckdb")
    seconds = timed(lambda: load_repo_snapshots(con, records, now.date(), 1))
    con.close()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repos", type=int, default=1000)
    parser.add_argument("--days", type=int, default=1000)
    parser.add_argument("--sample", type=int, default=10_000, help="rows inserted one by one")
    parser.add_argument("--repeat", type=int, default=3, help="bulk loads, each into a fresh file")
    parser.add_argument("--records", type=int, default=10_000, help="RepoRecords in one nightly batch")
    args = parser.parse_args()

    build = time.perf_counter()
    frame = snapshot_frame(args.repos, args.days)
    build = time.perf_counter() - build
    sample = frame.sample(n=min(args.sample, frame.height), seed=7)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        bulks = sorted(bench_bulk(folder, frame, i) for i in range(args.repeat))
        loop = bench_row_by_row(folder, sample, "loop", many=False)
        many = bench_row_by_row(folder, sample, "many", many=True)
        records = bench_records(folder, args.records)

    n, m = frame.height, sample.height
    bulk = bulks[len(bulks) // 2]  # the median
    print(f"synthetic frame: {n:,} rows ({args.repos} repos x {args.days} days) built in {build:.2f} s")
    print(f"{'path':<44}{'rows':>11}{'seconds':>10}{'rows/s':>13}")
    lines = [
        (f"bulk: upsert_frame, median of {len(bulks)}", n, bulk),
        ("row by row: execute() loop, one transaction", m, loop),
        ("row by row: executemany()", m, many),
        ("records: load_repo_snapshots (nightly batch)", args.records, records),
    ]
    for label, rows, seconds in lines:
        print(f"{label:<44}{rows:>11,}{seconds:>10.3f}{rows / seconds:>13,.0f}")
    print(f"bulk runs: {', '.join(f'{b:.2f}' for b in bulks)} s")
    row_seconds = min(loop, many) / m * n
    print(f"row by row extrapolated to {n:,} rows: {row_seconds:,.1f} s (the faster of the two)")
    print(f"bulk (median) is {row_seconds / bulk:,.0f}x faster; 1M rows in {bulk * 1_000_000 / n:.2f} s")


if __name__ == "__main__":
    main()
