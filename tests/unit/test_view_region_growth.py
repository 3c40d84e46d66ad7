"""region_growth: stars per region per day, each repo once per region and once in the total."""

from tests.unit.view_fixtures import (
    assert_accepted,
    assert_unique,
    d,
    entity,
    history,
    repo,
    rows,
    snapshots,
    warehouse,
)

AS_OF = d("2026-03-05")
OBS = "observed"
REC = "includes reconstructed"


def scenario(con) -> None:  # type: ignore[no-untyped-def]
    """R1 (CN) and R4 (CN, reconstructed before 03-01), R2 (CN and US), R3 (US, a 9-day gap), R5 untracked."""
    entity(con, "cn-lab", "CN")
    entity(con, "us-lab", "US")
    repo(con, 1, "cn/r1", entities=("cn-lab",))
    snapshots(con, 1, {"2026-03-01": 10, "2026-03-02": 12, "2026-03-05": 20})
    repo(con, 2, "both/r2", entities=("cn-lab", "us-lab"))
    snapshots(con, 2, {"2026-03-02": 100, "2026-03-03": 110})
    repo(con, 3, "us/r3", entities=("us-lab",))
    snapshots(con, 3, {"2026-02-24": 40, "2026-03-05": 60})
    repo(con, 4, "cn/r4", entities=("cn-lab",))
    history(con, 4, {"2026-02-27": 5, "2026-02-28": 0, "2026-03-01": 2})
    snapshots(con, 4, {"2026-03-01": 30, "2026-03-05": 33})
    repo(con, 5, "not/tracked")
    snapshots(con, 5, {"2026-02-20": 1000, "2026-03-05": 1000})


def test_daily_region_totals_and_shares() -> None:
    con = warehouse()
    scenario(con)

    got = rows(con, "select * from region_growth order by region, day")

    # columns: region, day, stars, repos_counted, repos_uncounted, repos_bridged, share, complete, basis,
    # as_of (complete is False while r3 is missing, 02-28 to 03-04, in both regions)
    assert got == [
        ("CN", d("2026-02-24"), None, 0, 0, 0, None, True, None, AS_OF),
        ("CN", d("2026-02-25"), None, 0, 0, 0, None, True, None, AS_OF),
        ("CN", d("2026-02-26"), None, 0, 0, 0, None, True, None, AS_OF),
        ("CN", d("2026-02-27"), 28, 1, 0, 0, 0.4118, True, REC, AS_OF),  # r4 30 - (0 + 2); total 28 + 40
        ("CN", d("2026-02-28"), 28, 1, 0, 0, 1.0, False, REC, AS_OF),  # r3 missing: the total is 28
        ("CN", d("2026-03-01"), 40, 2, 0, 0, 1.0, False, OBS, AS_OF),
        ("CN", d("2026-03-02"), 142, 3, 0, 1, 1.0, False, OBS, AS_OF),
        ("CN", d("2026-03-03"), 152, 3, 0, 2, 1.0, False, OBS, AS_OF),
        ("CN", d("2026-03-04"), 152, 3, 0, 3, 1.0, False, OBS, AS_OF),
        ("CN", d("2026-03-05"), 163, 3, 0, 1, 0.7309, True, OBS, AS_OF),  # 163 / (20 + 110 + 60 + 33)
        ("US", d("2026-02-24"), 40, 1, 0, 0, 1.0, True, OBS, AS_OF),
        ("US", d("2026-02-25"), 40, 1, 0, 1, 1.0, True, OBS, AS_OF),
        ("US", d("2026-02-26"), 40, 1, 0, 1, 1.0, True, OBS, AS_OF),
        ("US", d("2026-02-27"), 40, 1, 0, 1, 0.5882, True, OBS, AS_OF),
        ("US", d("2026-02-28"), None, 0, 1, 0, None, False, None, AS_OF),  # r3's gap is over 3 days: not 0
        ("US", d("2026-03-01"), None, 0, 1, 0, None, False, None, AS_OF),
        ("US", d("2026-03-02"), 100, 1, 1, 0, 0.7042, False, OBS, AS_OF),
        ("US", d("2026-03-03"), 110, 1, 1, 0, 0.7237, False, OBS, AS_OF),
        ("US", d("2026-03-04"), 110, 1, 1, 1, 0.7237, False, OBS, AS_OF),
        ("US", d("2026-03-05"), 170, 2, 0, 1, 0.7623, True, OBS, AS_OF),  # shares add up to more than 1
    ]
    assert_unique(con, "region_growth", ["region", "day"])
    assert_accepted(con, "region_growth", "basis", {OBS, REC, None})


def test_repos_that_exist_without_a_value_are_uncounted() -> None:
    con = warehouse()
    entity(con, "cn-lab", "CN")
    entity(con, "us-lab", "US")
    repo(con, 1, "cn/old", created="2026-02-01 00:00:00+00", entities=("cn-lab",))
    snapshots(con, 1, {"2026-03-01": 10, "2026-03-02": 11, "2026-03-03": 12, "2026-03-04": 13, "2026-03-05": 14})
    # created 03-02 (UTC; 03-03 in the session's time zone), first snapshot 03-04, no history: uncounted
    # on 03-02 and 03-03
    repo(con, 2, "cn/new", created="2026-03-02 20:00:00+00", entities=("cn-lab",))
    snapshots(con, 2, {"2026-03-04": 500, "2026-03-05": 600})
    # created after the as-of date: never uncounted
    repo(con, 3, "cn/future", created="2026-03-09 00:00:00+00", entities=("cn-lab",))
    # no created_at, never snapshotted: nothing says it exists
    repo(con, 4, "us/ghost", entities=("us-lab",))
    # no created_at: exists from its first snapshot (03-03)
    repo(con, 5, "us/nodate", entities=("us-lab",))
    snapshots(con, 5, {"2026-03-03": 100, "2026-03-05": 120})
    # created 02-20, tracked by both regions, no snapshot at all: uncounted every day in both
    repo(con, 6, "both/none", created="2026-02-20 00:00:00+00", entities=("cn-lab", "us-lab"))

    got = rows(
        con,
        "select region, day, stars, repos_counted, repos_uncounted, share, complete from region_growth"
        " order by region, day",
    )

    assert got == [
        ("CN", d("2026-03-01"), 10, 1, 1, 1.0, False),
        ("CN", d("2026-03-02"), 11, 1, 2, 1.0, False),
        ("CN", d("2026-03-03"), 12, 1, 2, 0.1071, False),  # 12 / (12 + 100)
        ("CN", d("2026-03-04"), 513, 2, 1, 0.8369, False),  # 513 / (513 + 100 bridged)
        ("CN", d("2026-03-05"), 614, 2, 1, 0.8365, False),
        ("US", d("2026-03-01"), None, 0, 1, None, False),
        ("US", d("2026-03-02"), None, 0, 1, None, False),
        ("US", d("2026-03-03"), 100, 1, 1, 0.8929, False),
        ("US", d("2026-03-04"), 100, 1, 1, 0.1631, False),
        ("US", d("2026-03-05"), 120, 1, 1, 0.1635, False),
    ]


def test_complete_when_every_existing_repo_has_a_value() -> None:
    con = warehouse()
    entity(con, "cn-lab", "CN")
    entity(con, "us-lab", "US")
    repo(con, 1, "cn/a", created="2026-03-01 00:00:00+00", entities=("cn-lab",))
    snapshots(con, 1, {"2026-03-01": 10, "2026-03-02": 20})
    repo(con, 2, "us/b", created="2026-03-02 00:00:00+00", entities=("us-lab",))  # first snapshot 03-03
    snapshots(con, 2, {"2026-03-03": 5})
    repo(con, 3, "us/c", created="2026-03-01 00:00:00+00", entities=("us-lab",))
    snapshots(con, 3, {"2026-03-01": 7, "2026-03-03": 9})

    got = rows(con, "select region, day, repos_uncounted, share, complete from region_growth order by region, day")

    assert got == [
        ("CN", d("2026-03-01"), 0, 0.5882, True),
        ("CN", d("2026-03-02"), 0, 0.7407, False),  # us/b exists without a value: share of a partial set
        ("CN", d("2026-03-03"), 0, 0.5882, True),  # 20 bridged / (20 + 5 + 9)
        ("US", d("2026-03-01"), 0, 0.4118, True),
        ("US", d("2026-03-02"), 1, 0.2593, False),
        ("US", d("2026-03-03"), 0, 0.4118, True),
    ]


def test_region_totals_add_up_the_daily_series() -> None:
    con = warehouse()
    scenario(con)

    mismatches = rows(
        con,
        """
        with expected as (
            select e.region, v.day, sum(v.stars) as stars, count(v.stars) as counted
            from (
                select distinct er.repo_id, e.region from entity_repos er join entities e using (entity_key)
            ) e
            join repo_stars_daily v on v.repo_id = e.repo_id
            group by all
        )
        select * from expected x
        full join region_growth g on g.region = x.region and g.day = x.day
        where g.stars is distinct from (case when x.counted > 0 then x.stars end)
           or g.repos_counted <> coalesce(x.counted, 0)
        """,
    )

    assert mismatches == []
