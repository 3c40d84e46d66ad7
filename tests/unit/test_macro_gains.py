"""Table macros repo_gains_between, lab_gains_between, region_gains_between, hf_lab_downloads_between: exact rows
on hand-made data (bridging, NULL ends, repos and models not created yet, renames, star history)."""

from datetime import date

import pytest

from dashboards import MACROS_DIR
from tests.unit.view_fixtures import Con, author, d, entity, history, model, repo, rows, snapshots, warehouse
from warehouse.db import apply_views

FROM, TO = d("2026-04-20"), d("2026-04-27")
OBS = "observed"
REC = "includes reconstructed"


def with_macros() -> Con:
    con = warehouse()
    apply_views(con, MACROS_DIR)
    return con


def gains_scenario(con: Con) -> None:
    """Window 2026-04-20 -> 2026-04-27 (the GitHub as-of date).

    entities: cn-lab (CN) 1, 2, 3; cn-two (CN) 1; us-lab (US) 2, 4, 5, 6, 7; eu-lab (EU) none.
    1 new/name (was old/name): 04-18 100, 04-20 110 (as old/name), 04-24 150, 04-26 170 (04-27 bridged)
    2 shared/beta: 04-16 1000 (04-20 is its 4th day without a snapshot: missing), 04-27 1200
    3 cn/gamma: created 04-22 (0 on 04-20); 04-23 5, 04-27 40
    4 us/delta: created 04-21 23:30 UTC (0 on 04-20); 04-22 10, 04-23 12 (04-27: 4 days later, missing)
    5 us/epsilon: 04-17 300 (04-20 bridged, 3 days), 04-27 330
    6 us/zeta: history 04-19 +5, 04-22 +10, 04-25 +20; 04-25 500, 04-27 510 (04-20 = 500 - 30 = 470)
    7 us/eta: no snapshot
    """
    for key, region in (("cn-lab", "CN"), ("cn-two", "CN"), ("us-lab", "US"), ("eu-lab", "EU")):
        entity(con, key, region)
    old = "2020-01-01 00:00:00+00"
    repo(con, 1, "new/name", created=old, entities=("cn-lab", "cn-two"), old_names={"old/name": "2026-04-21"})
    snapshots(con, 1, {"2026-04-18": 100, "2026-04-20": 110}, name="old/name")
    snapshots(con, 1, {"2026-04-24": 150, "2026-04-26": 170}, name="new/name")
    repo(con, 2, "shared/beta", created=old, entities=("cn-lab", "us-lab"))
    snapshots(con, 2, {"2026-04-16": 1000, "2026-04-27": 1200})
    repo(con, 3, "cn/gamma", created="2026-04-22 10:00:00+00", entities=("cn-lab",))
    snapshots(con, 3, {"2026-04-23": 5, "2026-04-27": 40})
    repo(con, 4, "us/delta", created="2026-04-21 23:30:00+00", entities=("us-lab",))
    snapshots(con, 4, {"2026-04-22": 10, "2026-04-23": 12})
    repo(con, 5, "us/epsilon", created=old, entities=("us-lab",))
    snapshots(con, 5, {"2026-04-17": 300, "2026-04-27": 330})
    repo(con, 6, "us/zeta", created="2025-01-01 00:00:00+00", entities=("us-lab",))
    history(con, 6, {"2026-04-19": 5, "2026-04-22": 10, "2026-04-25": 20})
    snapshots(con, 6, {"2026-04-25": 500, "2026-04-27": 510})
    repo(con, 7, "us/eta", created=old, entities=("us-lab",))


def test_repo_gains_between_ends_bridging_nulls_creation_renames() -> None:
    con = with_macros()
    gains_scenario(con)

    got = rows(con, "select * from repo_gains_between('2026-04-20', '2026-04-27')")

    assert got == [
        (1, "new/name", 110, 170, 60, OBS, True, "observed", "bridged", FROM, TO),
        (2, "shared/beta", None, 1200, None, None, False, "missing", "observed", FROM, TO),
        (3, "cn/gamma", 0, 40, 40, OBS, False, "not created", "observed", FROM, TO),
        (4, "us/delta", 0, None, None, None, False, "not created", "missing", FROM, TO),
        (5, "us/epsilon", 300, 330, 30, OBS, True, "bridged", "observed", FROM, TO),
        (6, "us/zeta", 470, 510, 40, REC, False, "reconstructed", "observed", FROM, TO),
        (7, "us/eta", None, None, None, None, False, "missing", "missing", FROM, TO),
    ]


def test_repo_gains_between_takes_dates_and_days_after_the_data_are_null() -> None:
    con = with_macros()
    gains_scenario(con)

    by_date = rows(con, "select * from repo_gains_between(date '2026-04-20', date '2026-04-27')")
    by_param = con.execute("select * from repo_gains_between($1, $2)", [FROM, TO]).fetchall()
    later = rows(con, "select repo_id, stars_from, stars_to, stars_gained, basis_to "
                      "from repo_gains_between('2026-04-27', '2026-05-01') where repo_id in (1, 3)")

    assert by_date == by_param == rows(con, "select * from repo_gains_between('2026-04-20', '2026-04-27')")
    # 05-01 is after the as-of date: no value, NULL (never 0)
    assert later == [(1, 170, None, None, "missing"), (3, 40, None, None, "missing")]


def test_lab_gains_between_counts_only_repos_with_both_ends() -> None:
    con = with_macros()
    gains_scenario(con)

    got = rows(con, "select * from lab_gains_between('2026-04-20', '2026-04-27')")

    assert got == [
        # 1 (+60, bridged) + 3 (+40, not created on 04-20); 2 has no value on 04-20. 100 / (110 + 0) = 90.9 %
        ("cn-lab", "CN-LAB", "CN", "ai-lab", 3, 1410, 100, 90.9, 2, 1, 1, OBS, FROM, TO),
        ("cn-two", "CN-TWO", "CN", "ai-lab", 1, 170, 60, 54.5, 1, 0, 1, OBS, FROM, TO),
        ("eu-lab", "EU-LAB", "EU", "ai-lab", 0, None, None, None, 0, 0, 0, None, FROM, TO),
        # 5 (+30, bridged) + 6 (+40, reconstructed start); 2, 4, 7 uncounted. 70 / (300 + 470) = 9.1 %
        ("us-lab", "US-LAB", "US", "ai-lab", 5, 2040, 70, 9.1, 2, 3, 1, REC, FROM, TO),
    ]


def test_lab_gains_between_over_7_days_equals_lab_growth() -> None:
    con = with_macros()
    gains_scenario(con)

    growth = rows(con, "select entity_key, stars_gained_7d, repos_counted_7d, repos_uncounted_7d, basis_7d "
                       "from lab_growth order by entity_key")
    between = rows(con, "select entity_key, stars_gained, repos_counted, repos_uncounted, basis "
                        "from lab_gains_between(date '2026-04-27' - 7, '2026-04-27')")

    assert between == growth


def test_region_gains_between_counts_a_repo_once_per_region() -> None:
    con = with_macros()
    gains_scenario(con)

    got = rows(con, "select * from region_gains_between('2026-04-20', '2026-04-27')")

    assert got == [
        ("CN", 3, 1410, 100, 90.9, 2, 1, 1, OBS, FROM, TO),
        ("US", 5, 2040, 70, 9.1, 2, 3, 1, REC, FROM, TO),
    ]


def hub_window_scenario(con: Con) -> None:
    """Window 2026-03-01 -> 2026-03-08. deepseek: deepseek-ai; meta: meta-llama; mistral: mistralai (no models).

    deepseek-ai/R1   03-01 all-time 1000, 03-08 1500
    deepseek-ai/V3   02-27 400 (03-01 bridged), 03-08 700
    deepseek-ai/New  created 03-04 (0 on 03-01); 03-05 20, 03-08 90
    deepseek-ai/Gone 03-01 50, nothing later (03-08 missing)
    DeepSeek-AI/Case 03-01 10, 03-08 15 (author matched case-insensitively)
    meta-llama/Llama 02-25 2000 (03-01 is 4 days later: missing), 03-08 2600
    meta-llama/NoAll 03-01, 03-08 without all-time downloads (NULL, not 0)
    meta-llama/Old   02-20 only: not seen in the window, not listed
    """
    for key, region in (("deepseek", "CN"), ("meta", "US"), ("mistral", "EU"), ("github-only", "US")):
        entity(con, key, region)
    for key, name in (("deepseek", "deepseek-ai"), ("meta", "meta-llama"), ("mistral", "mistralai")):
        author(con, key, name)
    model(con, "deepseek-ai/R1", {"2026-03-01": (100, 1000), "2026-03-08": (300, 1500)})
    model(con, "deepseek-ai/V3", {"2026-02-27": (50, 400), "2026-03-08": (60, 700)})
    model(con, "deepseek-ai/New", {"2026-03-05": (10, 20), "2026-03-08": (30, 90)},
          created="2026-03-04 08:00:00+00")
    model(con, "deepseek-ai/Gone", {"2026-03-01": (5, 50)})
    model(con, "DeepSeek-AI/Case", {"2026-03-01": (1, 10), "2026-03-08": (1, 15)})
    model(con, "meta-llama/Llama", {"2026-02-25": (500, 2000), "2026-03-08": (600, 2600)})
    model(con, "meta-llama/NoAll", {"2026-03-01": (10, None), "2026-03-08": (20, None)})  # type: ignore[dict-item]
    model(con, "meta-llama/Old", {"2026-02-20": (1, 1)})


def test_hf_lab_downloads_between_all_time_gains() -> None:
    con = with_macros()
    hub_window_scenario(con)
    start, end = date(2026, 3, 1), date(2026, 3, 8)

    got = rows(con, "select * from hf_lab_downloads_between('2026-03-01', '2026-03-08')")

    assert got == [
        # R1 +500, V3 +300 (bridged start), New +90 (0 before creation), Case +5; Gone has no 03-08 value.
        # 895 / (1000 + 400 + 0 + 10) = 63.5 %
        ("deepseek", "DEEPSEEK", "CN", "ai-lab", 5, 2305, 895, 63.5, 4, 1, 1, OBS, start, end),
        # Llama's start is missing (4 days), NoAll has no all-time downloads: nothing counted
        ("meta", "META", "US", "ai-lab", 2, 2600, None, None, 0, 2, 0, None, start, end),
        ("mistral", "MISTRAL", "EU", "ai-lab", 0, None, None, None, 0, 0, 0, None, start, end),
    ]


def test_hf_model_downloads_between_per_model() -> None:
    con = with_macros()
    hub_window_scenario(con)
    s, e = date(2026, 3, 1), date(2026, 3, 8)
    new = date(2026, 3, 4)

    got = rows(con, "select * from hf_model_downloads_between('2026-03-01', '2026-03-08')")

    assert got == [
        ("DeepSeek-AI/Case", "DeepSeek-AI", None, 10, 15, 5, OBS, False, "observed", "observed", s, e),
        ("deepseek-ai/Gone", "deepseek-ai", None, 50, None, None, None, False, "observed", "missing", s, e),
        ("deepseek-ai/New", "deepseek-ai", new, 0, 90, 90, OBS, False, "not created", "observed", s, e),
        ("deepseek-ai/R1", "deepseek-ai", None, 1000, 1500, 500, OBS, False, "observed", "observed", s, e),
        ("deepseek-ai/V3", "deepseek-ai", None, 400, 700, 300, OBS, True, "bridged", "observed", s, e),
        ("meta-llama/Llama", "meta-llama", None, None, 2600, None, None, False, "missing", "observed", s, e),
        ("meta-llama/NoAll", "meta-llama", None, None, None, None, None, False, "no all-time count",
         "no all-time count", s, e),
    ]


@pytest.mark.parametrize("name", ["repo_gains_between", "lab_gains_between", "region_gains_between",
                                  "hf_model_downloads_between", "hf_lab_downloads_between",
                                  "star_bursts_between"])
def test_every_macro_has_a_description(name: str) -> None:
    con = with_macros()
    comment = rows(con, f"select comment from duckdb_functions() where function_name = '{name}'")
    assert comment[0][0].startswith(f"Table macro {name}(from_day, to_day): ")


def test_openwave_views_lists_the_macros_beside_the_views() -> None:
    from dashboards.export import view_descriptions

    listed = dict(view_descriptions(with_macros()).rows())
    assert listed["lab_gains_between"].startswith("Table macro lab_gains_between(from_day, to_day): per entity")
    assert "lab_growth" in listed and "star_bursts_between" in listed
