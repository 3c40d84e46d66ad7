"""star_milestones: the first day a repo's series reaches each threshold, and the days it took."""

from tests.unit.view_fixtures import assert_unique, d, history, repo, rows, snapshots, warehouse

AS_OF = d("2026-03-02")


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

    assert got == [
        (1, "big/one", 1000, d("2026-01-05"), 4, "reconstructed", AS_OF),  # 1250 - 100 = 1150 from 01-05
        (1, "big/one", 10000, d("2026-02-01"), 31, "observed", AS_OF),
        (2, "small/two", 1000, d("2026-03-02"), 1, "observed", AS_OF),
        (3, "flat/three", 1000, d("2026-03-02"), 10, "observed", AS_OF),
    ]
    assert_unique(con, "star_milestones", ["repo_id", "threshold"])
