"""hf_region_downloads: per region, each model once; share of all tracked models' 30-day downloads."""

from tests.unit.view_fixtures import assert_unique, d, hub_scenario, rows, warehouse

AS_OF = d("2026-03-10")


def test_each_model_once_per_region_and_once_in_the_total() -> None:
    con = warehouse()
    hub_scenario(con)

    got = rows(con, "select * from hf_region_downloads")

    # CN: R1, V3, Qwen3-8B, Qwen-special (Qwen models once, though three CN entities list the author);
    # US: Llama, weird, opt and the Qwen models again (qwen-us-mirror). The total counts each model once:
    # 4900 + 2100 = 7000, so the shares add up to more than 1.
    assert got == [
        ("CN", 4, 4900, 13500, 141, 30, 0.7, AS_OF),
        ("US", 5, 5600, 16910, 176, 30, 0.8, AS_OF),
    ]
    assert_unique(con, "hf_region_downloads", ["region"])
