"""repo_star_reconstructed: stars before the first snapshot, from star history, meeting it exactly."""

from tests.unit.view_fixtures import assert_unique, d, history, repo, rows, series_scenario, snapshots, warehouse

RECONSTRUCTED = "select repo_id, day, stars, basis from repo_star_reconstructed order by repo_id, day"


def test_reconstruction_of_the_series_scenario() -> None:
    con = warehouse()
    series_scenario(con)

    assert rows(con, RECONSTRUCTED) == [
        (1, d("2026-02-26"), 4, "reconstructed"),  # 12 - (0 + 3 + 1 + 4)
        (1, d("2026-02-27"), 4, "reconstructed"),
        (1, d("2026-02-28"), 7, "reconstructed"),  # 12 - (1 + 4)
        (1, d("2026-03-01"), 8, "reconstructed"),  # 12 - 4: the next day is the first snapshot, 12
        (3, d("2026-03-08"), 0, "reconstructed"),  # 3 - 5, floored at 0
        (3, d("2026-03-09"), 3, "reconstructed"),
    ]
    assert_unique(con, "repo_star_reconstructed", ["repo_id", "day"])


def test_sparse_history_holds_each_value_until_the_next_history_day() -> None:
    con = warehouse()
    repo(con, 1, "a/b", created="2026-02-27 08:00:00+00")
    # the first star is dated before the creation day: the series starts on the creation day
    history(con, 1, {"2026-02-26": 1, "2026-03-01": 4, "2026-03-04": 2})
    snapshots(con, 1, {"2026-03-05": 20})

    assert rows(con, RECONSTRUCTED) == [
        (1, d("2026-02-27"), 14, "reconstructed"),  # 20 - (4 + 2)
        (1, d("2026-02-28"), 14, "reconstructed"),
        (1, d("2026-03-01"), 18, "reconstructed"),  # 20 - 2
        (1, d("2026-03-02"), 18, "reconstructed"),
        (1, d("2026-03-03"), 18, "reconstructed"),
        (1, d("2026-03-04"), 20, "reconstructed"),
    ]


def test_no_reconstruction_without_stars_before_the_first_snapshot() -> None:
    con = warehouse()
    repo(con, 1, "a/b")
    history(con, 1, {"2026-03-01": 0, "2026-03-02": 0, "2026-03-03": 3})  # first star after the snapshot
    snapshots(con, 1, {"2026-03-02": 5, "2026-03-03": 8})
    repo(con, 2, "c/d")
    history(con, 2, {"2026-02-20": 4})  # history but no snapshot: nothing to reconstruct from
    repo(con, 3, "e/f", created="2026-01-01 00:00:00+00")
    history(con, 3, {"2026-02-20": 0, "2026-02-21": 0})  # history without a star
    snapshots(con, 3, {"2026-02-22": 6})

    assert rows(con, RECONSTRUCTED) == []
