"""region_gains: per region, each tracked repo once, gains over repos with both ends."""

from tests.unit.view_fixtures import assert_unique, d, growth_scenario, rows, warehouse

AS_OF = d("2026-04-30")


def test_each_repo_once_per_region() -> None:
    con = warehouse()
    growth_scenario(con)

    got = rows(con, "select * from region_gains")

    assert got == [
        # CN: cn/alpha (in two CN entities, counted once), shared/beta, cn/gamma
        ("CN", 3, 2795, 305, 800, 1645, 42.1, 2, 3, 2, 3, 0, 1, 0, "observed", AS_OF),
        # US: shared/beta again (it also belongs to a US entity), us/delta, us/epsilon, us/zeta
        ("US", 4, 2600, 250, 640, 1210, 32.7, 3, 3, 3, 3, 1, 1, 1, "includes reconstructed", AS_OF),
    ]
    assert_unique(con, "region_gains", ["region"])
