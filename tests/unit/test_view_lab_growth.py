"""lab_growth: per entity, gains adding up only the repos with both ends, and how many could not count."""

from tests.unit.view_fixtures import assert_unique, d, growth_scenario, rows, warehouse

AS_OF = d("2026-04-30")
OBS = "observed"
REC = "includes reconstructed"


def test_entity_gains_counted_and_uncounted_repos() -> None:
    con = warehouse()
    growth_scenario(con)

    got = rows(con, "select * from lab_growth")

    assert got == [
        # cn-lab: 1, 2, 3. 30d: cn/gamma has no value on 03-31 (a 5-day gap): uncounted.
        # growth_30d_pct = (300 + 500) / (400 + 1500) = 42.1 %
        ("cn-lab", "CN-LAB", "CN", "ai-lab", 3, 2795, 305, 800, 1645, 42.1, 2, 3, 2, 3, 0, 1, 0, 1, 0, 0,
         OBS, OBS, OBS, OBS, AS_OF),
        # cn-two: only cn/alpha, whose 7-day start is bridged
        ("cn-two", "CN-TWO", "CN", "ai-lab", 1, 700, 100, 300, 600, 75.0, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0,
         OBS, OBS, OBS, OBS, AS_OF),
        ("eu-lab", "EU-LAB", "EU", "ai-lab", 0, None, None, None, None, None, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
         None, None, None, None, AS_OF),
        # us-lab: 2, 4 (created 04-10: 0 before), 5 (reconstructed before its first snapshot), 6 (no data).
        # growth_30d_pct = (500 + 40 + 100) / (1500 + 0 + 460) = 32.7 %
        ("us-lab", "US-LAB", "US", "ai-lab", 4, 2600, 250, 640, 1210, 32.7, 3, 3, 3, 3, 1, 1, 1, 0, 0, 0,
         OBS, REC, REC, REC, AS_OF),
    ]
    assert_unique(con, "lab_growth", ["entity_key"])
