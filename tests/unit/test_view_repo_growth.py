"""repo_growth: stars(as_of) - stars(as_of - N) per tracked repo, NULL when an end is NULL."""

from tests.unit.view_fixtures import assert_accepted, assert_unique, d, growth_scenario, rows, warehouse

AS_OF = d("2026-04-30")
OBS = "observed"
REC = "includes reconstructed"


def test_gains_ends_and_basis_per_repo() -> None:
    con = warehouse()
    growth_scenario(con)

    got = rows(con, "select * from repo_growth order by repo_id")

    assert got == [
        (1, "cn/alpha", 700, 600, 400, 100, 100, 300, 600, OBS, OBS, OBS, True, False, False,
         "observed", "bridged", "observed", "observed", AS_OF),
        (2, "shared/beta", 2000, 1800, 1500, 1000, 200, 500, 1000, OBS, OBS, OBS, False, False, False,
         "observed", "observed", "observed", "observed", AS_OF),
        (3, "cn/gamma", 95, 90, None, 50, 5, None, 45, OBS, None, OBS, False, False, False,
         "observed", "observed", "missing", "observed", AS_OF),
        (4, "us/delta", 40, 30, 0, 0, 10, 40, 40, OBS, OBS, OBS, False, False, False,
         "observed", "observed", "not created", "not created", AS_OF),
        (5, "us/epsilon", 560, 520, 460, 390, 40, 100, 170, OBS, REC, REC, False, False, False,
         "observed", "observed", "reconstructed", "reconstructed", AS_OF),
        (6, "us/zeta", None, None, None, None, None, None, None, None, None, None, False, False, False,
         "missing", "missing", "missing", "missing", AS_OF),
    ]
    assert_unique(con, "repo_growth", ["repo_id"])
    assert_accepted(con, "repo_growth", "basis_30d", {OBS, REC, None})
