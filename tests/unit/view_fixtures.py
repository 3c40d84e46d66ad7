"""Tiny warehouses for the view tests: an in-memory DuckDB with every migration and view, and row helpers.

Dates are ISO strings ("2026-03-01"). The session time zone is deliberately not UTC: the views must read
`created_at` as a UTC day whatever the session says.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import duckdb

import dashboards
from warehouse.db import VIEWS_DIR, apply_views
from warehouse.migrate import migrate

DASHBOARD_VIEWS_DIR = Path(dashboards.__file__).resolve().parent / "views"
FETCHED_AT = "2026-01-01 00:00:00+00"

Con = duckdb.DuckDBPyConnection


def d(text: str) -> date:
    """An ISO date."""
    return date.fromisoformat(text)


def warehouse() -> Con:
    """A migrated in-memory warehouse with the base and comparison views applied."""
    con = duckdb.connect()
    con.execute("set TimeZone = 'Asia/Shanghai'")
    migrate(con)
    apply_views(con, VIEWS_DIR, DASHBOARD_VIEWS_DIR)
    return con


def rows(con: Con, sql: str) -> list[tuple[Any, ...]]:
    """All rows of a query."""
    return con.execute(sql).fetchall()


def entity(con: Con, key: str, region: str, kind: str = "ai-lab") -> None:
    """One entity; its name is its key in capitals."""
    con.execute(
        "insert into entities (entity_key, name, region, kind, updated_at) values (?, ?, ?, ?, ?)",
        [key, key.upper(), region, kind, FETCHED_AT],
    )


def repo(
    con: Con,
    repo_id: int,
    name: str,
    *,
    created: str | None = None,
    entities: Iterable[str] = (),
    old_names: Mapping[str, str] = {},
) -> None:
    """A repo under its current name, its older names (name -> last seen day) and its entities."""
    con.execute(
        "insert into github_repos (repo_id, repo, created_at, first_seen, last_seen) values (?, ?, ?, ?, ?)",
        [repo_id, name, created, d("2026-01-01"), d("2026-12-31")],
    )
    con.execute(
        "insert into github_repo_names values (?, ?, ?, ?)", [repo_id, name, d("2026-01-01"), d("2026-12-31")]
    )
    for old, last_seen in old_names.items():
        con.execute(
            "insert into github_repo_names values (?, ?, ?, ?)", [repo_id, old, d("2025-01-01"), d(last_seen)]
        )
    for key in entities:
        con.execute(
            "insert into entity_repos values (?, ?, 'org', ?, ?)",
            [key, repo_id, d("2026-01-01"), d("2026-12-31")],
        )


def snapshots(con: Con, repo_id: int, stars: Mapping[str, int], name: str = "x/y") -> None:
    """Nightly snapshots of a repo: day -> stargazers count."""
    for day, count in stars.items():
        con.execute(
            "insert into github_repo_snapshots (snapshot_date, repo_id, repo, stars, via, fetched_at)"
            " values (?, ?, ?, ?, 'graphql', ?)",
            [d(day), repo_id, name, count, FETCHED_AT],
        )


def history(con: Con, repo_id: int, added: Mapping[str, int], name: str = "x/y") -> None:
    """Star history of a repo: day -> stars added that day."""
    for day, count in added.items():
        con.execute(
            "insert into github_star_history values (?, ?, ?, ?, ?)",
            [repo_id, name, d(day), count, FETCHED_AT],
        )


def author(con: Con, entity_key: str, name: str) -> None:
    """A Hub author of an entity."""
    con.execute("insert into entity_hf_authors values (?, ?)", [entity_key, name])


def model(
    con: Con,
    model_id: str,
    days: Mapping[str, tuple[int, int]],
    *,
    likes: int = 0,
    license: str | None = None,
    license_name: str | None = None,
    children: int = 0,
    created: str | None = None,
) -> None:
    """Hub snapshots of a model: day -> (downloads_30d, downloads_all_time); the other fields every day."""
    for day, (downloads_30d, all_time) in days.items():
        con.execute(
            "insert into hf_model_snapshots (snapshot_date, model_id, author, downloads_30d,"
            " downloads_all_time, likes, license, license_name, children_count, created_at, fetched_at)"
            " values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                d(day), model_id, model_id.split("/")[0], downloads_30d, all_time, likes, license,
                license_name, children, created, FETCHED_AT,
            ],
        )


def event(
    con: Con,
    event_id: int,
    day: str,
    entity_key: str,
    label: str,
    *,
    repo_name: str | None = None,
    model_id: str | None = None,
) -> None:
    """One [[event]]."""
    con.execute(
        "insert into events (event_id, day, entity_key, label, repo, model) values (?, ?, ?, ?, ?, ?)",
        [event_id, d(day), entity_key, label, repo_name, model_id],
    )


def assert_unique(con: Con, view: str, columns: Sequence[str]) -> None:
    """No two rows of the view share these columns."""
    cols = ", ".join(columns)
    dupes = rows(con, f"select {cols}, count(*) from {view} group by all having count(*) > 1")
    assert dupes == []


def assert_accepted(con: Con, view: str, column: str, accepted: set[str | None]) -> None:
    """Every value of the column is one of the accepted ones."""
    found = {value for (value,) in rows(con, f"select distinct {column} from {view}")}
    assert found <= accepted, found - accepted


def series_scenario(con: Con) -> None:
    """Four repos, GitHub as-of 2026-03-12 (the newest snapshot).

    1 new/name (was old/name), created 2026-02-25 20:00 UTC (2026-02-26 in Shanghai):
      history 02-25 +0, 02-26 +2, 02-27 +0, 02-28 +3, 03-01 +1, 03-02 +4, 03-03 +5;
      snapshots 03-02 12, 03-03 15, 03-06 20 (a 2-day gap before it), 03-12 30 (a 5-day gap before it).
    2 solo/tool: snapshots 03-10 5, 03-12 7; no history.
    3 floor/case: history 03-08 +1, 03-09 +5; snapshots 03-10 3, 03-12 4 (history outruns the total).
    4 gone/repo: one snapshot 03-07 50, none since.
    """
    repo(con, 1, "new/name", created="2026-02-25 20:00:00+00", old_names={"old/name": "2026-02-01"})
    history(
        con, 1,
        {"2026-02-25": 0, "2026-02-26": 2, "2026-02-27": 0, "2026-02-28": 3, "2026-03-01": 1, "2026-03-02": 4,
         "2026-03-03": 5},
        name="old/name",
    )
    snapshots(con, 1, {"2026-03-02": 12, "2026-03-03": 15, "2026-03-06": 20, "2026-03-12": 30})
    repo(con, 2, "solo/tool")
    snapshots(con, 2, {"2026-03-10": 5, "2026-03-12": 7})
    repo(con, 3, "floor/case")
    history(con, 3, {"2026-03-08": 1, "2026-03-09": 5})
    snapshots(con, 3, {"2026-03-10": 3, "2026-03-12": 4})
    repo(con, 4, "gone/repo")
    snapshots(con, 4, {"2026-03-07": 50})


def growth_scenario(con: Con) -> None:
    """Six tracked repos, GitHub as-of 2026-04-30: checkpoints 04-30, 04-23 (7d), 03-31 (30d), 01-30 (90d).

    entities: cn-lab (CN) 1, 2, 3; cn-two (CN) 1; us-lab (US) 2, 4, 5, 6; eu-lab (EU) none.
    1 cn/alpha   01-30 100, 03-31 400, 04-21 600 (04-23 bridged), 04-30 700
    2 shared/beta  01-30 1000, 03-31 1500, 04-23 1800, 04-30 2000
    3 cn/gamma   01-30 50, 03-26 80 (03-31 is 5 days later: missing), 04-23 90, 04-30 95
    4 us/delta   created 2026-04-10 23:30 UTC (0 stars before); 04-23 30, 04-30 40
    5 us/epsilon created 2025-06-01; history 2025-06-01 +0, 01-15 +100, 02-01 +50, 03-31 +20, 04-10 +30,
                 04-20 +10; snapshots 04-20 500, 04-23 520, 04-30 560
                 (reconstructed: 03-31 = 500 - 30 - 10 = 460, 01-30 = 500 - 50 - 20 - 30 - 10 = 390)
    6 us/zeta    no snapshot
    """
    for key, region in (("cn-lab", "CN"), ("cn-two", "CN"), ("us-lab", "US"), ("eu-lab", "EU")):
        entity(con, key, region)
    repo(con, 1, "cn/alpha", created="2020-01-01 00:00:00+00", entities=("cn-lab", "cn-two"))
    snapshots(con, 1, {"2026-01-30": 100, "2026-03-31": 400, "2026-04-21": 600, "2026-04-30": 700})
    repo(con, 2, "shared/beta", created="2020-01-01 00:00:00+00", entities=("cn-lab", "us-lab"))
    snapshots(con, 2, {"2026-01-30": 1000, "2026-03-31": 1500, "2026-04-23": 1800, "2026-04-30": 2000})
    repo(con, 3, "cn/gamma", created="2020-01-01 00:00:00+00", entities=("cn-lab",))
    snapshots(con, 3, {"2026-01-30": 50, "2026-03-26": 80, "2026-04-23": 90, "2026-04-30": 95})
    repo(con, 4, "us/delta", created="2026-04-10 23:30:00+00", entities=("us-lab",))
    snapshots(con, 4, {"2026-04-23": 30, "2026-04-30": 40})
    repo(con, 5, "us/epsilon", created="2025-06-01 00:00:00+00", entities=("us-lab",))
    history(
        con, 5,
        {"2025-06-01": 0, "2026-01-15": 100, "2026-02-01": 50, "2026-03-31": 20, "2026-04-10": 30,
         "2026-04-20": 10},
    )
    snapshots(con, 5, {"2026-04-20": 500, "2026-04-23": 520, "2026-04-30": 560})
    repo(con, 6, "us/zeta", created="2020-01-01 00:00:00+00", entities=("us-lab",))


def hub_scenario(con: Con) -> None:
    """Hub models, Hub as-of 2026-03-10 (the newest snapshot).

    entities: deepseek (CN) deepseek-ai; alibaba (CN) qwen; qwen (CN) Qwen; qwen-us-mirror (US) QWEN;
    meta (US) meta-llama, facebook; mistral (EU) mistralai (no models); github-only (US) no authors.
    model (day: downloads_30d, all time)      likes licence                      children
    deepseek-ai/DeepSeek-R1 03-10: 1000, 5000  50   mit                          7
    deepseek-ai/DeepSeek-V3 03-08: 400, 900    20   other, name "DeepSeek "      3   (2 days old: bridged)
    deepseek-ai/old-model   03-05: 50, 60      1    mit                          0   (5 days old: left out)
    Qwen/Qwen3-8B           03-10: 3000, 7000  70   apache-2.0                   20
    Qwen/Qwen-special       03-10: 500, 600    1    other, no name               0
    meta-llama/Llama-3.1-8B 03-10: 2000, 9000  100  llama3.1                     10
    meta-llama/weird        03-10: 0, 10       0    some-new-license (no row)    0
    facebook/opt-125m       03-10: 100, 300    5    none                         0
    """
    for key, region in (
        ("deepseek", "CN"), ("alibaba", "CN"), ("qwen", "CN"), ("qwen-us-mirror", "US"), ("meta", "US"),
        ("mistral", "EU"), ("github-only", "US"),
    ):
        entity(con, key, region)
    for key, name in (
        ("deepseek", "deepseek-ai"), ("alibaba", "qwen"), ("qwen", "Qwen"), ("qwen-us-mirror", "QWEN"),
        ("meta", "meta-llama"), ("meta", "facebook"), ("mistral", "mistralai"),
    ):
        author(con, key, name)
    model(con, "deepseek-ai/DeepSeek-R1", {"2026-03-10": (1000, 5000)}, likes=50, license="mit", children=7)
    model(
        con, "deepseek-ai/DeepSeek-V3", {"2026-03-08": (400, 900)}, likes=20, license="other",
        license_name="DeepSeek ", children=3,
    )
    model(con, "deepseek-ai/old-model", {"2026-03-05": (50, 60)}, likes=1, license="mit")
    model(con, "Qwen/Qwen3-8B", {"2026-03-10": (3000, 7000)}, likes=70, license="apache-2.0", children=20)
    model(con, "Qwen/Qwen-special", {"2026-03-10": (500, 600)}, likes=1, license="other")
    model(
        con, "meta-llama/Llama-3.1-8B", {"2026-03-10": (2000, 9000)},
        likes=100, license="llama3.1", children=10,
    )
    model(con, "meta-llama/weird", {"2026-03-10": (0, 10)}, license="some-new-license")
    model(con, "facebook/opt-125m", {"2026-03-10": (100, 300)}, likes=5)
