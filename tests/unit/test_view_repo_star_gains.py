"""repo_star_gains: stars added per day, week (from Monday) and month, from star history."""

from tests.unit.view_fixtures import (
    assert_accepted,
    assert_unique,
    d,
    history,
    repo,
    rows,
    snapshots,
    warehouse,
)

AS_OF = d("2026-04-01")


def test_history_is_summed_per_day_week_and_month_under_the_current_name() -> None:
    con = warehouse()
    repo(con, 7, "zai-org/GLM-4", old_names={"THUDM/GLM-4": "2026-02-01"})
    # 2026-03-01 is a Sunday: it belongs to the week starting Monday 2026-02-23
    history(con, 7, {"2026-03-01": 2, "2026-03-02": 3, "2026-03-03": 1, "2026-03-31": 4, "2026-04-01": 5},
            name="THUDM/GLM-4")
    snapshots(con, 7, {"2026-04-01": 100})

    got = rows(con, "select * from repo_star_gains order by period, period_start")

    assert got == [
        (7, "zai-org/GLM-4", "day", d("2026-03-01"), 2, "history", AS_OF),
        (7, "zai-org/GLM-4", "day", d("2026-03-02"), 3, "history", AS_OF),
        (7, "zai-org/GLM-4", "day", d("2026-03-03"), 1, "history", AS_OF),
        (7, "zai-org/GLM-4", "day", d("2026-03-31"), 4, "history", AS_OF),
        (7, "zai-org/GLM-4", "day", d("2026-04-01"), 5, "history", AS_OF),
        (7, "zai-org/GLM-4", "month", d("2026-03-01"), 10, "history", AS_OF),
        (7, "zai-org/GLM-4", "month", d("2026-04-01"), 5, "history", AS_OF),
        (7, "zai-org/GLM-4", "week", d("2026-02-23"), 2, "history", AS_OF),
        (7, "zai-org/GLM-4", "week", d("2026-03-02"), 4, "history", AS_OF),
        (7, "zai-org/GLM-4", "week", d("2026-03-30"), 9, "history", AS_OF),
    ]
    assert_unique(con, "repo_star_gains", ["repo_id", "period", "period_start"])
    assert_accepted(con, "repo_star_gains", "period", {"day", "week", "month"})
