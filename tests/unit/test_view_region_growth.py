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

    # columns: region, day, stars, repos_counted, repos_uncounted, repos_bridged, share, basis, as_of
    assert got == [
        ("CN", d("2026-02-24"), None, 0, 0, 0, None, None, AS_OF),
        ("CN", d("2026-02-25"), None, 0, 0, 0, None, None, AS_OF),
        ("CN", d("2026-02-26"), None, 0, 0, 0, None, None, AS_OF),
        ("CN", d("2026-02-27"), 28, 1, 0, 0, 0.4118, REC, AS_OF),  # r4 30 - (0 + 2); total 28 + 40
        ("CN", d("2026-02-28"), 28, 1, 0, 0, 1.0, REC, AS_OF),  # r3 missing: the total is 28
        ("CN", d("2026-03-01"), 40, 2, 0, 0, 1.0, OBS, AS_OF),
        ("CN", d("2026-03-02"), 142, 3, 0, 1, 1.0, OBS, AS_OF),
        ("CN", d("2026-03-03"), 152, 3, 0, 2, 1.0, OBS, AS_OF),
        ("CN", d("2026-03-04"), 152, 3, 0, 3, 1.0, OBS, AS_OF),
        ("CN", d("2026-03-05"), 163, 3, 0, 1, 0.7309, OBS, AS_OF),  # 163 / (20 + 110 + 60 + 33)
        ("US", d("2026-02-24"), 40, 1, 0, 0, 1.0, OBS, AS_OF),
        ("US", d("2026-02-25"), 40, 1, 0, 1, 1.0, OBS, AS_OF),
        ("US", d("2026-02-26"), 40, 1, 0, 1, 1.0, OBS, AS_OF),
        ("US", d("2026-02-27"), 40, 1, 0, 1, 0.5882, OBS, AS_OF),
        ("US", d("2026-02-28"), None, 0, 1, 0, None, None, AS_OF),  # r3's gap is over 3 days: not 0
        ("US", d("2026-03-01"), None, 0, 1, 0, None, None, AS_OF),
        ("US", d("2026-03-02"), 100, 1, 1, 0, 0.7042, OBS, AS_OF),
        ("US", d("2026-03-03"), 110, 1, 1, 0, 0.7237, OBS, AS_OF),
        ("US", d("2026-03-04"), 110, 1, 1, 1, 0.7237, OBS, AS_OF),
        ("US", d("2026-03-05"), 170, 2, 0, 1, 0.7623, OBS, AS_OF),  # shares add up to more than 1
    ]
    assert_unique(con, "region_growth", ["region", "day"])
    assert_accepted(con, "region_growth", "basis", {OBS, REC, None})


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
