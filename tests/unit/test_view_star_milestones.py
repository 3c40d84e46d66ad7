"""star_milestones: the first day a repo's series reaches each threshold, and the days it took."""

from tests.unit.view_fixtures import assert_accepted, assert_unique, d, history, repo, rows, snapshots, warehouse

AS_OF = d("2026-03-02")
BEFORE = "reached before data"


def test_milestones_from_reconstructed_and_observed_days() -> None:
    con = warehouse()
    repo(con, 1, "big/one", created="2026-01-01 00:00:00+00")
    history(con, 1, {"2026-01-01": 600, "2026-01-05": 500, "2026-01-10": 100})
    snapshots(con, 1, {"2026-01-20": 1250, "2026-02-01": 10500, "2026-03-02": 10600})
    repo(con, 2, "small/two")  # no creation date: counted from the first day of its series
    snapshots(con, 2, {"2026-03-01": 999, "2026-03-02": 1000})
    repo(con, 3, "flat/three", created="2026-02-20 00:00:00+00")  # past 1000 on its first snapshot
    snapshots(con, 3, {"2026-03-02": 1500})

    got = rows(con, "select * from star_milestones")

    # repo_id, repo, threshold, first_day, days_taken, basis, status, as_of
    assert got == [
        (1, "big/one", 1000, d("2026-01-05"), 4, "reconstructed", "reached", AS_OF),  # 1150 from 01-05
        # 01-20 1250, then nothing until 02-01 10500: 01-31 is missing, so the day 10000 was passed is
        # unknown (somewhere in the gap), not 02-01
        (1, "big/one", 10000, None, None, "observed", BEFORE, AS_OF),
        (2, "small/two", 1000, d("2026-03-02"), 1, "observed", "reached", AS_OF),
        # created 10 days before its first snapshot, no star history: when it passed 1000 is unknown
        (3, "flat/three", 1000, None, None, "observed", BEFORE, AS_OF),
    ]
    assert_unique(con, "star_milestones", ["repo_id", "threshold"])
    assert_accepted(con, "star_milestones", "status", {"reached", BEFORE})


def test_first_data_day_is_a_crossing_only_when_the_day_before_is_known() -> None:
    con = warehouse()
    # no history, first snapshot far above three thresholds: none is dated to the first data day
    repo(con, 1, "old/giant", created="2015-01-01 00:00:00+00")
    snapshots(con, 1, {"2026-03-01": 60000, "2026-03-02": 60100})
    # created the day of its first snapshot: the day before counts 0, so the first day is a crossing
    repo(con, 2, "new/launch", created="2026-03-01 08:00:00+00")
    snapshots(con, 2, {"2026-03-01": 6343, "2026-03-02": 7000})
    # a missing gap (02-20 .. 03-01 without a snapshot, missing from 02-24): 1000 passed inside it
    repo(con, 3, "gap/repo", created="2026-01-01 00:00:00+00")
    history(con, 3, {"2026-01-01": 10})
    snapshots(con, 3, {"2026-01-10": 900, "2026-02-20": 950, "2026-03-02": 1200})
    # complete star history from a day after creation: the series start is dated
    repo(con, 4, "hist/full", created="2025-06-01 00:00:00+00")
    con.execute(
        "insert into github_star_history_state (repo_id, repo, next_page, complete) values (4, 'hist/full', 2, true)"
    )
    history(con, 4, {"2026-02-10": 1500, "2026-02-20": 10})
    snapshots(con, 4, {"2026-03-01": 1510, "2026-03-02": 1520})
    # incomplete star history (only its newest page, oldest day 02-10): the series start is not dated
    repo(con, 5, "hist/partial", created="2020-01-01 00:00:00+00")
    con.execute(
        "insert into github_star_history_state (repo_id, repo, next_page, complete, oldest_day)"
        " values (5, 'hist/partial', 2, false, '2026-02-10')"
    )
    history(con, 5, {"2026-02-10": 1500, "2026-02-20": 10})
    snapshots(con, 5, {"2026-03-01": 20000, "2026-03-02": 20000})

    got = rows(con, "select repo_id, threshold, first_day, days_taken, basis, status from star_milestones")

    assert got == [
        (1, 1000, None, None, "observed", BEFORE),
        (1, 10000, None, None, "observed", BEFORE),
        (1, 50000, None, None, "observed", BEFORE),
        (2, 1000, d("2026-03-01"), 0, "observed", "reached"),
        (3, 1000, None, None, "observed", BEFORE),
        (4, 1000, d("2026-02-10"), 254, "reconstructed", "reached"),  # 1510 - 10 from 02-10
        (5, 1000, None, None, "reconstructed", BEFORE),  # 20000 - 10 on 02-10, the first history day
        (5, 10000, None, None, "reconstructed", BEFORE),
    ]
