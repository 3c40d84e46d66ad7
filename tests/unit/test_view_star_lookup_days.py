"""star_lookup_days: tracked repos on the as-of checkpoints, event repos on their window days."""

from tests.unit.view_fixtures import assert_unique, d, entity, event, repo, rows, snapshots, warehouse


def test_checkpoints_and_elapsed_event_days() -> None:
    con = warehouse()
    entity(con, "lab", "CN")
    repo(con, 1, "lab/a", entities=("lab",))
    repo(con, 2, "other/b")  # not tracked: only asked about for its event
    snapshots(con, 1, {"2026-04-30": 1})
    event(con, 1, "2026-04-01", "lab", "b released", repo_name="other/b")

    assert rows(con, "select repo_id, day from star_lookup_days order by repo_id, day") == [
        (1, d("2026-01-30")),
        (1, d("2026-03-31")),
        (1, d("2026-04-23")),
        (1, d("2026-04-30")),
        (2, d("2026-03-31")),  # day 0, the day before the event
        (2, d("2026-04-07")),  # day 7
        (2, d("2026-04-30")),  # day 30; day 90 (06-29) is after the as-of date
    ]
    assert_unique(con, "star_lookup_days", ["repo_id", "day"])
