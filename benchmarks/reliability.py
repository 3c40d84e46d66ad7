"""Reliability suite: a bad night, many times over, against the stand-in upstream; run on demand, not in CI.

    python benchmarks/reliability.py [--runs 40] [--kills 10] [--fault-rate 0.2] [--seed 1] [--keep DIR]

After one clean baseline run (yesterday's counts), `--runs` collections with the real `run_collection` (every
other one without a token: GitHub over REST) meet random faults on `--fault-rate` of all requests: 5xx,
secondary 403/429 with Retry-After 1, dropped connections, truncated, trickled (past a 1.5 s request deadline)
and huge bodies (past a 1 MiB cap), malformed JSON, emptied listings, off-host `Link: rel=next` and redirects
to a second stand-in (another host). Repo descriptions carry hostile text (terminal escapes, formulas, HTML);
counts change between runs. Then `--kills` `openwave collect` subprocesses are killed with SIGKILL, half at a
random moment, half as soon as a load writes the file; the file must open and hold only correct rows, and the
next run must succeed.

Checked after each run, against the universe: items lost (no row from this run and no error naming the item,
its org or author), duplicated (two rows for one repo or model on one day), wrong (a stored count differing from
the universe's), token bytes seen off-origin (requests carrying Authorization at the second host x token
length). Prints a table; exits 1 on any loss, duplicate, wrong row, leak or unreadable file.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from collector.config import load_config
from collector.progress import Stage
from collector.run import run_collection
from sources.standin import Fault, Faults, StandinServer, Universe

TOKEN_ENV = "OPENWAVE_RELIABILITY_TOKEN"  # GitHub's: set on every other run (the rest go over REST)
HUB_TOKEN_ENV = "OPENWAVE_RELIABILITY_HUB_TOKEN"  # the Hub's: always set
TOKEN = "ghp_reliabilitySECRET0123456789abcdefABCD"
HUB_TOKEN = "hf_reliabilitySECRETzyxwvutsrqponm987654"
ERROR_BODY = {"message": "\x1b]52;c;cHduZWQ=\x07\x1b[2J upstream trouble <b>=1+1</b>"}  # 5xx bodies, hostile too
OPENWAVE = str(Path(sys.executable).with_name("openwave"))
KINDS = ("status", "secondary", "drop", "truncate", "trickle", "huge", "malformed", "empty", "link", "redirect")
HOSTILE = ("\x1b]52;c;ZWNobyBwd25lZA==\x07 clipboard", "\x1b[2J\x1b[31mred\x1b[0m", '=HYPERLINK("http://x.invalid")',
           " =1+1", "\uff1dcmd|' /c calc'!A1", "<script>alert(1)</script><b>bold</b>", "+SUM(A1:A9)", "@cmd")
ORGS = {"lab-a": 130, "lab-b": 20}  # lab-a needs two listing pages (100 a page)
NAMED = ("solo/tool", "solo/kit", "other/engine", "lab-b/repo-03")
AUTHORS = {"hub-a": 12, "hub-b": 7, "Hub-C": 3}  # 5 models a page
RETRY = ("timeout_seconds = 2\nmax_attempts = 4\nbackoff_initial_seconds = 0.01\nbackoff_max_seconds = 0.05\n"
         "max_retry_after_seconds = 5\ndeadline_seconds = 1.5\nmax_body_bytes = 1048576\n")


class RandomFaults(Faults):
    """Each request meets a random fault of a random kind with probability `rate`; what was injected is kept."""

    def __init__(self, rate: float, rng: random.Random, other: StandinServer) -> None:
        super().__init__()
        self.rate, self.rng, self.other = rate, rng, other
        self.enabled = False
        self.injected: list[tuple[str, str]] = []  # (kind, path+query)

    def take(self, method: str, target: str) -> Fault | None:
        with self._lock:
            if not self.enabled or self.rng.random() >= self.rate:
                return None
            kind = self.rng.choice(KINDS)
            self.injected.append((kind, target))
            status = self.rng.choice((500, 502, 503, 504))
        elsewhere = f"{self.other.github_url}{target}" if kind == "link" else self.other.github_url
        return Fault(re.compile(""), kind, status=status, retry_after=1, seconds=0.0002,  # type: ignore[arg-type]
                     size=3 * 1024 * 1024, body=ERROR_BODY, target=elsewhere)

    def drain(self) -> list[tuple[str, str]]:
        with self._lock:
            taken, self.injected = self.injected, []
        return taken


def build_universe(rng: random.Random) -> Universe:
    universe = Universe()
    for org, count in ORGS.items():
        for i in range(count):
            universe.add_repo(f"{org}/repo-{i:02d}", stars=rng.randrange(0, 200_000), forks=rng.randrange(0, 9_000),
                              description=f"{rng.choice(HOSTILE)} #{i}", license="MIT",
                              created_at=datetime(2024, 1, 1 + i % 28, tzinfo=UTC))
    for name in NAMED:
        if name.lower() not in {r.full_name.lower() for r in universe.repos.values()}:
            universe.add_owner(name.split("/")[0], kind="User")
            universe.add_repo(name, stars=rng.randrange(0, 50_000), forks=rng.randrange(0, 900),
                              description=rng.choice(HOSTILE), created_at=datetime(2024, 5, 1, tzinfo=UTC))
    for author, count in AUTHORS.items():
        for i in range(count):
            universe.add_model(f"{author}/model-{i:02d}", downloads=rng.randrange(0, 10**7),
                               downloads_all_time=rng.randrange(10**7, 10**9), likes=rng.randrange(0, 10**4),
                               tags=["license:mit"], pipeline_tag="text-generation")
    return universe


def change_counts(universe: Universe, rng: random.Random) -> None:
    """Counts move between runs, so a stale value is caught as wrong."""
    for repo in list(universe.repos.values()):
        if rng.random() < 0.3:
            universe.set_stars(repo.id, repo.stars + rng.randrange(1, 500))
    for model in list(universe.models.values()):
        if rng.random() < 0.3:
            universe.set_downloads(model.id, model.downloads + rng.randrange(1, 5_000))


def write_config(folder: Path, server: StandinServer) -> Path:
    orgs = ", ".join(f'"{o}"' for o in ORGS)
    named = ", ".join(f'"{n}"' for n in NAMED)
    authors = ", ".join(f'"{a}"' for a in AUTHORS)
    path = folder / "config.toml"
    path.write_text(
        f'[warehouse]\npath = "openwave.duckdb"\n\n'
        f'[github]\napi_url = "{server.github_url}"\ntoken_env = "{TOKEN_ENV}"\n{RETRY}\n'
        f'[huggingface]\nendpoint = "{server.hub_url}"\ntoken_env = "{HUB_TOKEN_ENV}"\n{RETRY}\n'
        f'[[entity]]\nkey = "labs"\nname = "Labs"\nregion = "US"\nkind = "ai-lab"\n'
        f"github_orgs = [{orgs}]\ngithub_repos = [{named}]\nhf_authors = [{authors}]\n")
    return path


@dataclass
class Check:
    lost: list[str] = field(default_factory=list)
    duplicated: int = 0
    wrong: list[str] = field(default_factory=list)
    crashes: int = 0


def in_scope(universe: Universe) -> tuple[list, list]:
    repos = {r.id: r for org in ORGS for r in universe.repos_of(org)}
    repos |= {universe.repo(name).id: universe.repo(name) for name in NAMED}
    models = [m for author in AUTHORS for m in universe.models_of(author)]
    return list(repos.values()), models


def check_run(con: duckdb.DuckDBPyConnection, universe: Universe, run_id: int, complete: bool) -> Check:
    """Rows of `run_id` against the universe; with `complete`, every item must have a row or an error."""
    check = Check()
    check.duplicated = con.execute(
        "select (select count(*) - count(distinct (snapshot_date, repo_id)) from github_repo_snapshots)"
        " + (select count(*) - count(distinct (snapshot_date, lower(model_id))) from hf_model_snapshots)"
    ).fetchone()[0]
    repos = {r[0]: r[1:] for r in con.execute(
        "select repo_id, stars, forks from github_repo_snapshots where run_id = ?", [run_id]).fetchall()}
    models = {r[0]: r[1:] for r in con.execute(
        "select model_id, downloads_30d, downloads_all_time, likes from hf_model_snapshots where run_id = ?",
        [run_id]).fetchall()}
    errors = con.execute("select source, lower(item) from run_errors where run_id = ?", [run_id]).fetchall()
    covered = {item for _, item in errors}
    crashed = {source for source, item in errors if item == "*"}
    check.crashes = len(crashed)
    want_repos, want_models = in_scope(universe)
    for repo in want_repos:
        row = repos.pop(repo.id, None)
        if row is not None:
            if row != (repo.stars, repo.forks):
                check.wrong.append(f"{repo.full_name}: stored {row}, upstream {(repo.stars, repo.forks)}")
        elif complete and not ({repo.full_name.lower(), repo.owner.lower()} & covered or "github" in crashed):
            check.lost.append(repo.full_name)
    for model in want_models:
        row = models.pop(model.id, None)
        if row is not None:
            if row != (model.downloads, model.downloads_all_time, model.likes):
                check.wrong.append(f"{model.id}: stored {row}, upstream "
                                   f"{(model.downloads, model.downloads_all_time, model.likes)}")
        elif complete and not ({model.id.lower(), model.author.lower()} & covered or "huggingface" in crashed):
            check.lost.append(model.id)
    check.wrong += [f"repo id {k}: not in the universe" for k in repos]
    check.wrong += [f"model {k}: not in the universe" for k in models]
    return check


@dataclass
class Totals:
    runs: int = 0
    faults: Counter = field(default_factory=Counter)
    lost: int = 0
    duplicated: int = 0
    wrong: int = 0
    crashes: int = 0
    kills: int = 0
    kills_in_load: int = 0
    unreadable: int = 0
    escapes_printed: int = 0
    statuses: Counter = field(default_factory=Counter)
    killed_as: Counter = field(default_factory=Counter)
    loss_faults: Counter = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)

    def add(self, label: str, check: Check, injected: list[tuple[str, str]]) -> None:
        print(f"{label}: {len(injected)} faults, {len(check.lost)} lost, {check.duplicated} duplicated, "
              f"{len(check.wrong)} wrong", flush=True)
        self.lost += len(check.lost)
        self.duplicated = max(self.duplicated, check.duplicated)  # counted over the whole file each time
        self.wrong += len(check.wrong)
        self.crashes += check.crashes
        owners = {item.split("/")[0].lower() for item in check.lost}
        near = sorted({f"{kind} on {re.sub(r'&expand=[^&]*', '', target)[:90]}" for kind, target in injected
                       if any(owner in target.lower() for owner in owners) or target.startswith("/graphql")})
        if check.lost:
            self.loss_faults.update({kind for kind, target in injected
                                     if any(owner in target.lower() for owner in owners)} or {"graphql/unknown"})
        for text in (check.lost[:3] and [f"{label}: lost {len(check.lost)}: {', '.join(check.lost[:3])} "
                                         f"(faults on their owner's requests: {'; '.join(near) or 'none'})"]) \
                + [f"{label}: wrong {w}" for w in check.wrong[:2]]:
            if len(self.examples) < 12:
                self.examples.append(text)


def set_token(on: bool) -> None:
    os.environ[HUB_TOKEN_ENV] = HUB_TOKEN
    if on:
        os.environ[TOKEN_ENV] = TOKEN
    else:
        os.environ.pop(TOKEN_ENV, None)


def in_process_run(config_path: Path, db_path: Path, token: bool) -> tuple[int, str]:
    set_token(token)
    config = replace(load_config(config_path), warehouse_path=db_path)
    summary = run_collection(config, db_path, stage=Stage(enabled=False), lock_wait=10)
    return summary.run_id, summary.status


def kill_run(config_path: Path, db_path: Path, rng: random.Random, in_load: bool,
             span: float) -> tuple[bool, bool, str]:
    """Start `openwave collect` and SIGKILL it: at a random moment within `span` seconds, or (`in_load`) as
    soon as the file is written for the 2nd or 3rd time (the first is the run's start, then one load per
    source). Returns (killed before it finished, the kill left a write-ahead log: it died mid-write, output)."""
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith(("_PROXY", "TOKEN"))}
    env[TOKEN_ENV], env[HUB_TOKEN_ENV] = TOKEN, HUB_TOKEN
    wal = db_path.with_name(db_path.name + ".wal")
    proc = subprocess.Popen([OPENWAVE, "collect", "--config", str(config_path)], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, env=env)
    output: list[bytes] = []
    reader = threading.Thread(target=lambda: output.append(proc.stdout.read() if proc.stdout else b""))
    reader.start()
    deadline = time.monotonic() + (600 if in_load else rng.uniform(0.2, span))
    writes, target, writing = 0, rng.choice((2, 3)), False
    while proc.poll() is None and time.monotonic() < deadline:
        if in_load:
            now_writing = wal.exists()
            writes += now_writing and not writing
            writing = now_writing
            if writes >= target:
                break
        time.sleep(0.0005)
    killed = proc.poll() is None
    if killed:
        proc.send_signal(signal.SIGKILL)
    proc.wait()
    reader.join()
    return killed, killed and wal.exists(), b"".join(output).decode(errors="replace")


def last_run(db_path: Path) -> int | None:
    with duckdb.connect(str(db_path), read_only=True) as con:
        return con.execute("select max(run_id) from runs").fetchone()[0]


def leaked(other: StandinServer) -> int:
    """Token bytes that reached the other host (its log keeps whether Authorization came, never the value)."""
    return other.count(authenticated=True, resource="hub") * len(HUB_TOKEN) + \
        (other.count(authenticated=True) - other.count(authenticated=True, resource="hub")) * len(TOKEN)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--kills", type=int, default=10)
    parser.add_argument("--fault-rate", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a temporary one)")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    universe = build_universe(rng)
    folder = args.keep or Path(tempfile.mkdtemp(prefix="openwave-reliability-"))
    folder.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(filename=folder / "reliability.log", level=logging.INFO, force=True,
                        format="%(asctime)s %(name)s %(levelname)s %(message)s")
    db_path = folder / "openwave.duckdb"
    totals = Totals()
    began = time.monotonic()
    with StandinServer(universe, hub_page_size=5) as server, StandinServer(universe, hub_page_size=5) as other:
        server.limits.configure(core_anonymous=1_000_000)
        faults = RandomFaults(args.fault_rate, rng, other)
        server.faults = faults
        config_path = write_config(folder, server)
        run_id, status = in_process_run(config_path, db_path, token=True)  # yesterday: a clean baseline
        print(f"baseline run {run_id}: {status}; {len(in_scope(universe)[0])} repos, "
              f"{len(in_scope(universe)[1])} models in scope; work folder {folder}")
        faults.enabled = True
        for n in range(args.runs):
            change_counts(universe, rng)
            run_id, status = in_process_run(config_path, db_path, token=n % 2 == 0)
            injected = faults.drain()
            totals.runs += 1
            totals.faults.update(kind for kind, _ in injected)
            totals.statuses[status] += 1
            with duckdb.connect(str(db_path), read_only=True) as con:
                totals.add(f"run {run_id}", check_run(con, universe, run_id, complete=True), injected)
        faults.enabled = False
        set_token(True)
        started = time.monotonic()
        _, _, printed = kill_run(config_path, db_path, rng, in_load=False, span=3600)  # how long a run takes
        span = max(0.5, time.monotonic() - started)
        totals.escapes_printed += printed.count("\x1b")
        faults.enabled = True
        for k in range(args.kills):
            change_counts(universe, rng)
            before = last_run(db_path)
            killed, mid_write, printed = kill_run(config_path, db_path, rng, in_load=k % 2 == 1, span=span * 1.2)
            injected = faults.drain()
            totals.faults.update(kind for kind, _ in injected)
            totals.kills += killed
            totals.kills_in_load += mid_write
            totals.escapes_printed += printed.count("\x1b")
            try:
                with duckdb.connect(str(db_path), read_only=True) as con:
                    last = con.execute("select max(run_id) from runs").fetchone()[0]
                    if last != before:  # the killed process had started its run: its rows must be right
                        totals.add(f"killed run {last}", check_run(con, universe, last, complete=False), injected)
            except duckdb.Error as exc:
                totals.unreadable += 1
                totals.examples.append(f"kill {k + 1}: the file does not open: {exc}")
                break
            run_id, status = in_process_run(config_path, db_path, token=True)  # the next night picks up
            if killed and last != before:
                with duckdb.connect(str(db_path), read_only=True) as con:
                    totals.killed_as[con.execute("select status from runs where run_id = ?", [last]).fetchone()[0]] += 1
            injected = faults.drain()
            totals.runs += 1
            totals.faults.update(kind for kind, _ in injected)
            totals.statuses[status] += 1
            with duckdb.connect(str(db_path), read_only=True) as con:
                totals.add(f"run {run_id} after a kill", check_run(con, universe, run_id, complete=True), injected)
        leak, followed = leaked(other), other.count()
    report(totals, leak, followed, time.monotonic() - began)
    bad = totals.lost or totals.duplicated or totals.wrong or leak or totals.unreadable or totals.crashes
    return 1 if bad else 0


def report(totals: Totals, leak: int, followed: int, seconds: float) -> None:
    faults = sum(totals.faults.values())
    print()
    print("| runs | faults injected | items lost | duplicated | wrong | token bytes off-origin | kill -9 (in a load) "
          "| file unreadable | source crashes |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    print(f"| {totals.runs} | {faults} | {totals.lost} | {totals.duplicated} | {totals.wrong} | {leak} "
          f"| {totals.kills} ({totals.kills_in_load}) | {totals.unreadable} | {totals.crashes} |")
    print()
    print("faults by kind: " + ", ".join(f"{kind} {totals.faults[kind]}" for kind in KINDS))
    print(f"requests that reached the other host (off-host links and redirects followed): {followed}")
    print("run statuses: " + ", ".join(f"{s} {n}" for s, n in sorted(totals.statuses.items())))
    print("killed runs recorded by the next run as: "
          + (", ".join(f"{s} {n}" for s, n in sorted(totals.killed_as.items())) or "-"))
    print(f"terminal escapes printed by the `openwave collect` subprocesses: {totals.escapes_printed}")
    if totals.loss_faults:
        print("fault kinds on the lost items' owners' requests: "
              + ", ".join(f"{k} ({n} runs)" for k, n in totals.loss_faults.most_common()))
    for line in totals.examples:
        print(f"  {line.encode('unicode_escape').decode()}")
    print(f"{seconds:.0f} s")


if __name__ == "__main__":
    sys.exit(main())
