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
        # day 90 (05-01) bridged from 04-28: 900. No model named: the entity's models; model-1 counts 0
        # before its creation (04-01) and 20000 on day 90 (from 04-30); model-2 has no value on day 0.
        (3, d("2026-02-01"), "lab", "Early preview", "lab/model-repo", None, 0, 30, 890, 0, 0, 20000, 0,
         99, 99, 1, 1, 1, 1, 2, 1, 1, 1, "includes reconstructed", *common),
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
