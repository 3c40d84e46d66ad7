"""hf_lab_downloads: per entity with Hub authors, its models' downloads on the Hub as-of date."""

from tests.unit.view_fixtures import assert_unique, d, hub_scenario, rows, warehouse

AS_OF = d("2026-03-10")


def test_models_match_authors_case_insensitively_and_count_in_each_entity() -> None:
    con = warehouse()
    hub_scenario(con)

    got = rows(con, "select * from hf_lab_downloads")

    assert got == [
        ("alibaba", "ALIBABA", "CN", "ai-lab", 2, 3500, 7600, 71, 20, 0, 0, AS_OF),
        # V3 bridged; old-model (last seen 5 days ago) is left out of the totals and counted as missing
        ("deepseek", "DEEPSEEK", "CN", "ai-lab", 2, 1400, 5900, 70, 10, 1, 1, AS_OF),
        ("meta", "META", "US", "ai-lab", 3, 2100, 9310, 105, 10, 0, 0, AS_OF),  # two authors
        ("mistral", "MISTRAL", "EU", "ai-lab", 0, None, None, None, None, 0, 0, AS_OF),  # no model yet
        ("qwen", "QWEN", "CN", "ai-lab", 2, 3500, 7600, 71, 20, 0, 0, AS_OF),
        ("qwen-us-mirror", "QWEN-US-MIRROR", "US", "ai-lab", 2, 3500, 7600, 71, 20, 0, 0, AS_OF),
    ]  # github-only has no Hub author: no row
    assert_unique(con, "hf_lab_downloads", ["entity_key"])
