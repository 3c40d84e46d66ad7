"""release_takeoff: stars and downloads gained from day 0 (the day before an event) to days 7, 30, 90."""

from tests.unit.view_fixtures import (
    assert_unique,
    author,
    d,
    entity,
    event,
    history,
    model,
    repo,
    rows,
    snapshots,
    warehouse,
)

AS_OF = d("2026-05-10")  # both sources


def scenario(con) -> None:  # type: ignore[no-untyped-def]
    entity(con, "lab", "CN")
    author(con, "lab", "lab")
    repo(con, 1, "lab/model-repo", created="2026-01-10 00:00:00+00", entities=("lab",),
         old_names={"lab/Old-Repo": "2026-02-01"})
    history(con, 1, {"2026-01-20": 10, "2026-02-15": 30, "2026-03-31": 60})
    snapshots(con, 1, {"2026-03-31": 100, "2026-04-07": 400, "2026-04-28": 900, "2026-05-10": 1000})
    repo(con, 2, "lab/tools", created="2026-01-10 00:00:00+00", entities=("lab",))
    snapshots(con, 2, {"2026-05-04": 10, "2026-05-10": 20})
    model(con, "lab/model-1", {"2026-04-07": (5000, 5000), "2026-04-30": (18000, 20000),
                               "2026-05-10": (20000, 26000)}, created="2026-04-01 09:00:00+00")
    model(con, "lab/model-2", {"2026-05-03": (100, 1000), "2026-05-10": (300, 1500)},
          created="2026-01-01 00:00:00+00")
    event(con, 1, "2026-04-01", "lab", "Model 1", repo_name="lab/old-repo", model_id="LAB/Model-1")
    event(con, 2, "2026-05-05", "lab", "Lab-wide update")
    event(con, 3, "2026-02-01", "lab", "Early preview", repo_name="lab/model-repo")
    event(con, 4, "2026-04-20", "lab", "Unknown", repo_name="lab/none", model_id="lab/nope")


def test_windows_elapsed_and_not_elapsed() -> None:
    con = warehouse()
    scenario(con)

    got = rows(con, "select * from release_takeoff")

    # event_id, day, entity_key, label, repo, model | stars_gained_7d/30d/90d | downloads_gained_7d/30d/90d,
    # downloads_30d_at_day30 | days_elapsed, hf_days_elapsed | repos, repos_counted_7d/30d/90d |
    # models, models_counted_7d/30d/90d | basis, github_as_of, hf_as_of

    common = (AS_OF, AS_OF)
    assert got == [
        # day 0 = 01-31: repo 1 reconstructed 100 - (30 + 60) = 10; day 7 10; day 30 (03-02) 100 - 60 = 40;
        # day 90 (05-01) bridged from 04-28: 900. No model named: the entity's models; model-1 (created
        # 04-01, after day 7 and day 30) counts only for 90 days: 0 on day 0, 20000 on day 90 (from 04-30);
        # model-2 has no value on day 0. So the 7- and 30-day download gains are NULL, not 0.
        (3, d("2026-02-01"), "lab", "Early preview", "lab/model-repo", None, 0, 30, 890, None, None, 20000,
         None, 99, 99, 1, 1, 1, 1, 2, 0, 0, 1, "includes reconstructed", *common),
        # day 0 = 03-31: 100; day 7: 400; day 30 (04-30): bridged from 04-28, 900; day 90 not reached.
        # model-1: 0 on day 0 (created 04-01), 5000 on day 7, 20000 on day 30 (rolling count 18000)
        (1, d("2026-04-01"), "lab", "Model 1", "lab/old-repo", "LAB/Model-1", 300, 800, None, 5000, 20000,
         None, 18000, 40, 40, 1, 1, 1, 0, 1, 1, 1, 0, "observed", *common),
        (4, d("2026-04-20"), "lab", "Unknown", "lab/none", "lab/nope", *[None] * 7,
         21, 21, 0, 0, 0, 0, 0, 0, 0, 0, None, *common),
        # 6 days elapsed: no window has passed yet
        (2, d("2026-05-05"), "lab", "Lab-wide update", None, None, *[None] * 7,
         6, 6, 2, 0, 0, 0, 2, 0, 0, 0, None, *common),
    ]
    assert_unique(con, "release_takeoff", ["event_id"])


def test_items_created_after_the_window_end_do_not_count() -> None:
    con = warehouse()
    entity(con, "old", "US")
    author(con, "old", "old")
    # created long after the event's 90-day window: no 0 - 0 gain in any window
    for repo_id in range(1, 4):
        repo(con, repo_id, f"old/late-{repo_id}", created="2026-04-01 00:00:00+00", entities=("old",))
        snapshots(con, repo_id, {"2026-04-01": 50, "2026-05-10": 80})
    # created on day 5 (2026-01-05): counts 0 on day 0 and its value on days 7 and 30 and 90
    repo(con, 4, "old/mid", created="2026-01-05 12:00:00+00", entities=("old",))
    history(con, 4, {"2026-01-05": 4, "2026-01-20": 6})
    snapshots(con, 4, {"2026-02-01": 10, "2026-05-10": 30})
    # created on day 7 itself (2026-01-07): counts for every window
    repo(con, 5, "old/edge", created="2026-01-07 00:00:00+00", entities=("old",))
    history(con, 5, {"2026-01-07": 2})
    snapshots(con, 5, {"2026-01-08": 2, "2026-05-10": 2})
    model(con, "old/late-model", {"2026-04-01": (10, 10), "2026-05-10": (20, 90)}, created="2026-04-01")
    event(con, 1, "2026-01-01", "old", "Old release")
    # an event whose entity's repos and models were all created after day 90
    entity(con, "later", "EU")
    author(con, "later", "later")
    repo(con, 6, "later/a", created="2026-04-15 00:00:00+00", entities=("later",))
    snapshots(con, 6, {"2026-04-15": 6343, "2026-05-10": 7000})
    model(con, "later/m", {"2026-04-15": (5, 5), "2026-05-10": (8, 8)}, created="2026-04-15")
    event(con, 2, "2026-01-02", "later", "Before anything existed")

    got = rows(
        con,
        "select event_id, stars_gained_7d, stars_gained_30d, stars_gained_90d, downloads_gained_7d,"
        " downloads_gained_30d, downloads_gained_90d, downloads_30d_at_day30, repos, repos_counted_7d,"
        " repos_counted_30d, repos_counted_90d, models, models_counted_7d, models_counted_30d,"
        " models_counted_90d, basis from release_takeoff",
    )

    assert got == [
        # day 0 = 12-31, 7 = 01-07, 30 = 01-30, 90 = 03-31. old/mid (created 01-05): 0 on day 0 (not
        # created), 10 - 6 = 4 on day 7, 10 on day 30 (reconstructed), missing on day 90; old/edge (created
        # on day 7): 0, 2 (reconstructed), missing, missing. The late repos and the model (created 04-01,
        # after day 90) are not counted: without the rule they added 0 - 0 and made the 90-day gain 0.
        (1, 4 + 2, 10, None, None, None, None, None, 5, 2, 1, 0, 1, 0, 0, 0, "includes reconstructed"),
        # nothing existed by day 90: NULL, not 0 from repos and models counted before their creation
        (2, None, None, None, None, None, None, None, 1, 0, 0, 0, 1, 0, 0, 0, None),
    ]
