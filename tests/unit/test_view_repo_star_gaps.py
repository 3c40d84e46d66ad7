"""repo_star_gaps: days without a snapshot, bridged up to 3 days, found with per-block bitmaps."""

from tests.unit.view_fixtures import (
    assert_accepted,
    assert_unique,
    d,
    repo,
    rows,
    series_scenario,
    snapshots,
    warehouse,
)

GAPS = "select repo_id, day, stars, basis from repo_star_gaps order by repo_id, day"


def test_gaps_of_the_series_scenario() -> None:
    con = warehouse()
    series_scenario(con)

    assert rows(con, GAPS) == [
        (1, d("2026-03-04"), 15, "bridged"),
        (1, d("2026-03-05"), 15, "bridged"),
        (1, d("2026-03-07"), 20, "bridged"),
        (1, d("2026-03-08"), 20, "bridged"),
        (1, d("2026-03-09"), 20, "bridged"),
        (1, d("2026-03-10"), None, "missing"),
        (1, d("2026-03-11"), None, "missing"),
        (2, d("2026-03-11"), 5, "bridged"),
        (3, d("2026-03-11"), 3, "bridged"),
        (4, d("2026-03-08"), 50, "bridged"),
        (4, d("2026-03-09"), 50, "bridged"),
        (4, d("2026-03-10"), 50, "bridged"),
        (4, d("2026-03-11"), None, "missing"),
        (4, d("2026-03-12"), None, "missing"),
    ]
    assert_unique(con, "repo_star_gaps", ["repo_id", "day"])
    assert_accepted(con, "repo_star_gaps", "basis", {"bridged", "missing"})


def test_gaps_across_block_boundaries() -> None:
    con = warehouse()
    repo(con, 1, "a/b")
    # 2026-03-31 is the last day of a 64-day block, 2026-04-01 the first of the next one
    snapshots(con, 1, {"2026-03-30": 10, "2026-04-02": 12})
    repo(con, 2, "c/d")
    snapshots(con, 2, {"2026-04-01": 7})

    assert rows(con, GAPS) == [
        (1, d("2026-03-31"), 10, "bridged"),
        (1, d("2026-04-01"), 10, "bridged"),  # 2 days after a snapshot in the previous block
        (2, d("2026-04-02"), 7, "bridged"),
    ]


def test_a_gap_longer_than_a_block_is_missing_after_three_days() -> None:
    con = warehouse()
    repo(con, 1, "a/b")
    snapshots(con, 1, {"2026-01-01": 10, "2026-04-03": 90})

    got = rows(
        con,
        "select basis, count(*), min(day), max(day), min(stars), max(stars) from repo_star_gaps"
        " group by basis order by min(day)",
    )

    assert got == [
        ("bridged", 3, d("2026-01-02"), d("2026-01-04"), 10, 10),
        ("missing", 88, d("2026-01-05"), d("2026-04-02"), None, None),  # across two empty blocks
    ]
