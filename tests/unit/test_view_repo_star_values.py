"""repo_star_values: snapshots, gaps and reconstruction as one labelled daily series per repo id."""

from tests.unit.view_fixtures import assert_accepted, assert_unique, d, rows, series_scenario, warehouse


def test_the_three_parts_make_one_series_from_the_first_star_to_the_as_of_date() -> None:
    con = warehouse()
    series_scenario(con)

    got = rows(
        con,
        "select repo_id, min(day), max(day), count(*), count(distinct day), list(distinct basis order by basis),"
        " any_value(as_of) from repo_star_values group by repo_id order by repo_id",
    )

    assert got == [
        (1, d("2026-02-26"), d("2026-03-12"), 15, 15, ["bridged", "missing", "observed", "reconstructed"],
         d("2026-03-12")),
        (2, d("2026-03-10"), d("2026-03-12"), 3, 3, ["bridged", "observed"], d("2026-03-12")),
        (3, d("2026-03-08"), d("2026-03-12"), 5, 5, ["bridged", "observed", "reconstructed"], d("2026-03-12")),
        (4, d("2026-03-07"), d("2026-03-12"), 6, 6, ["bridged", "missing", "observed"], d("2026-03-12")),
    ]
    assert_unique(con, "repo_star_values", ["repo_id", "day"])
    assert_accepted(con, "repo_star_values", "basis", {"observed", "bridged", "reconstructed", "missing"})
