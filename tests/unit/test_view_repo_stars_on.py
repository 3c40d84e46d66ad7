"""repo_stars_on: stars on the asked-for days, by the repo_star_values rules plus 'not created'."""

from datetime import timedelta

from tests.unit.view_fixtures import (
    assert_accepted,
    assert_unique,
    d,
    entity,
    event,
    growth_scenario,
    history,
    repo,
    rows,
    series_scenario,
    snapshots,
    warehouse,
)

AS_OF = d("2026-04-30")


def test_checkpoints_of_the_growth_scenario() -> None:
    con = warehouse()
    growth_scenario(con)
    # day 0 of this event is 04-10, us/delta's creation day in UTC (04-11 in the session's time zone)
    event(con, 1, "2026-04-11", "us-lab", "delta", repo_name="us/delta")

    got = rows(con, "select * from repo_stars_on order by repo_id, day")

    assert got == [
        (1, d("2026-01-30"), 100, "observed", AS_OF),
        (1, d("2026-03-31"), 400, "observed", AS_OF),
        (1, d("2026-04-23"), 600, "bridged", AS_OF),  # the 04-21 snapshot, 2 days earlier
        (1, d("2026-04-30"), 700, "observed", AS_OF),
        (2, d("2026-01-30"), 1000, "observed", AS_OF),
        (2, d("2026-03-31"), 1500, "observed", AS_OF),
        (2, d("2026-04-23"), 1800, "observed", AS_OF),
        (2, d("2026-04-30"), 2000, "observed", AS_OF),
        (3, d("2026-01-30"), 50, "observed", AS_OF),
        (3, d("2026-03-31"), None, "missing", AS_OF),  # the 03-26 snapshot is 5 days earlier
        (3, d("2026-04-23"), 90, "observed", AS_OF),
        (3, d("2026-04-30"), 95, "observed", AS_OF),
        (4, d("2026-01-30"), 0, "not created", AS_OF),
        (4, d("2026-03-31"), 0, "not created", AS_OF),
        (4, d("2026-04-10"), None, "missing", AS_OF),  # created that day: no longer 0, not yet observed
        (4, d("2026-04-17"), None, "missing", AS_OF),
        (4, d("2026-04-23"), 30, "observed", AS_OF),
        (4, d("2026-04-30"), 40, "observed", AS_OF),
        (5, d("2026-01-30"), 390, "reconstructed", AS_OF),  # 500 - (50 + 20 + 30 + 10)
        (5, d("2026-03-31"), 460, "reconstructed", AS_OF),  # 500 - (30 + 10)
        (5, d("2026-04-23"), 520, "observed", AS_OF),
        (5, d("2026-04-30"), 560, "observed", AS_OF),
        (6, d("2026-01-30"), None, "missing", AS_OF),
        (6, d("2026-03-31"), None, "missing", AS_OF),
        (6, d("2026-04-23"), None, "missing", AS_OF),
        (6, d("2026-04-30"), None, "missing", AS_OF),
    ]
    assert_unique(con, "repo_stars_on", ["repo_id", "day"])
    assert_accepted(
        con, "repo_stars_on", "basis", {"observed", "bridged", "reconstructed", "missing", "not created"}
    )


def test_lookups_agree_with_the_daily_series() -> None:
    con = warehouse()
    series_scenario(con)
    entity(con, "lab", "CN")
    con.execute("insert into entity_repos select 'lab', repo_id, 'org', today(), today() from github_repos")
    for offset in range(15):  # one event a day: their days 0 cover every day from 02-26 to 03-12
        event(con, offset + 1, (d("2026-02-27") + timedelta(days=offset)).isoformat(), "lab", "x")

    disagreements = rows(
        con,
        "select v.repo_id, v.day, v.stars, v.basis, o.stars, o.basis from repo_star_values v"
        " join repo_stars_on o on o.repo_id = v.repo_id and o.day = v.day"
        " where o.stars is distinct from v.stars or o.basis <> v.basis",
    )
    compared = rows(con, "select count(*) from repo_star_values v join repo_stars_on o using (repo_id, day)")

    assert disagreements == []
    assert compared == [(29,)]  # every row of the series


def test_reconstruction_only_where_the_history_is_complete() -> None:
    con = warehouse()
    entity(con, "lab", "CN")
    for repo_id, name, complete in ((7, "lab/done", True), (8, "lab/partial", False)):
        repo(con, repo_id, name, created="2026-01-01 00:00:00+00")
        history(con, repo_id, {"2026-02-10": 5, "2026-03-01": 10})  # only the days with stars are stored
        snapshots(con, repo_id, {"2026-03-20": 20})
        con.execute(
            "insert into github_star_history_state (repo_id, repo, complete, oldest_day) values (?, ?, ?, ?)",
            [repo_id, name, complete, d("2026-02-09")],
        )
    event(con, 1, "2026-02-02", "lab", "done", repo_name="lab/done")
    event(con, 2, "2026-02-02", "lab", "partial", repo_name="lab/partial")
    event(con, 3, "2026-02-10", "lab", "partial, later", repo_name="lab/partial")

    got = rows(con, "select repo_id, day, stars, basis from repo_stars_on order by repo_id, day")

    assert got == [
        (7, d("2026-02-01"), 5, "reconstructed"),  # complete back to the creation: 20 - (5 + 10)
        (7, d("2026-02-08"), 5, "reconstructed"),
        (7, d("2026-03-03"), 20, "reconstructed"),
        (8, d("2026-02-01"), None, "missing"),  # before the oldest day the backfill reached
        (8, d("2026-02-08"), None, "missing"),
        (8, d("2026-02-09"), 5, "reconstructed"),
        (8, d("2026-02-16"), 10, "reconstructed"),  # 20 - 10
        (8, d("2026-03-03"), 20, "reconstructed"),
        (8, d("2026-03-11"), 20, "reconstructed"),
    ]
