"""repo_stars_daily: one row per repo per day, labelled observed | bridged | reconstructed | missing."""

from tests.unit.view_fixtures import assert_accepted, assert_unique, d, rows, series_scenario, warehouse

AS_OF = d("2026-03-12")


def test_daily_series_bridges_short_gaps_reconstructs_history_and_marks_missing_days() -> None:
    con = warehouse()
    series_scenario(con)

    got = rows(con, "select * from repo_stars_daily order by repo_id, day")

    assert got == [
        # first star 02-26 (first history day with stars added); 12 - (0 + 3 + 1 + 4) = 4 ...
        (1, "new/name", d("2026-02-26"), 4, "reconstructed", AS_OF),
        (1, "new/name", d("2026-02-27"), 4, "reconstructed", AS_OF),
        (1, "new/name", d("2026-02-28"), 7, "reconstructed", AS_OF),
        (1, "new/name", d("2026-03-01"), 8, "reconstructed", AS_OF),
        (1, "new/name", d("2026-03-02"), 12, "observed", AS_OF),  # ... meeting the first snapshot exactly
        (1, "new/name", d("2026-03-03"), 15, "observed", AS_OF),
        (1, "new/name", d("2026-03-04"), 15, "bridged", AS_OF),  # 2-day gap: bridged
        (1, "new/name", d("2026-03-05"), 15, "bridged", AS_OF),
        (1, "new/name", d("2026-03-06"), 20, "observed", AS_OF),
        (1, "new/name", d("2026-03-07"), 20, "bridged", AS_OF),  # 5-day gap: 3 days bridged ...
        (1, "new/name", d("2026-03-08"), 20, "bridged", AS_OF),
        (1, "new/name", d("2026-03-09"), 20, "bridged", AS_OF),
        (1, "new/name", d("2026-03-10"), None, "missing", AS_OF),  # ... then missing, never 0
        (1, "new/name", d("2026-03-11"), None, "missing", AS_OF),
        (1, "new/name", d("2026-03-12"), 30, "observed", AS_OF),
        (2, "solo/tool", d("2026-03-10"), 5, "observed", AS_OF),
        (2, "solo/tool", d("2026-03-11"), 5, "bridged", AS_OF),
        (2, "solo/tool", d("2026-03-12"), 7, "observed", AS_OF),
        (3, "floor/case", d("2026-03-08"), 0, "reconstructed", AS_OF),  # 3 - 5 floored at 0
        (3, "floor/case", d("2026-03-09"), 3, "reconstructed", AS_OF),
        (3, "floor/case", d("2026-03-10"), 3, "observed", AS_OF),
        (3, "floor/case", d("2026-03-11"), 3, "bridged", AS_OF),
        (3, "floor/case", d("2026-03-12"), 4, "observed", AS_OF),
        (4, "gone/repo", d("2026-03-07"), 50, "observed", AS_OF),
        (4, "gone/repo", d("2026-03-08"), 50, "bridged", AS_OF),
        (4, "gone/repo", d("2026-03-09"), 50, "bridged", AS_OF),
        (4, "gone/repo", d("2026-03-10"), 50, "bridged", AS_OF),
        (4, "gone/repo", d("2026-03-11"), None, "missing", AS_OF),
        (4, "gone/repo", d("2026-03-12"), None, "missing", AS_OF),
    ]
    assert_unique(con, "repo_stars_daily", ["repo_id", "day"])
    assert_accepted(con, "repo_stars_daily", "basis", {"observed", "bridged", "reconstructed", "missing"})
    null_not_missing = "select count(*) from repo_stars_daily where (stars is null) <> (basis = 'missing')"
    assert rows(con, null_not_missing) == [(0,)]
