"""license_mix: per entity and licence; 'other' shows its license_name; unknown licences and categories."""

from tests.unit.view_fixtures import assert_accepted, assert_unique, d, hub_scenario, rows, warehouse

AS_OF = d("2026-03-10")


def test_licences_categories_and_shares_within_each_entity() -> None:
    con = warehouse()
    hub_scenario(con)

    got = rows(con, "select * from license_mix")

    assert got == [
        ("alibaba", "apache-2.0", "permissive", 1, 3000, 0.8571, AS_OF),
        ("alibaba", "other", "other", 1, 500, 0.1429, AS_OF),  # 'other' without a name
        ("deepseek", "mit", "permissive", 1, 1000, 0.7143, AS_OF),
        # 'other' with the card name "DeepSeek "
        ("deepseek", "deepseek", "open-weights-restricted", 1, 400, 0.2857, AS_OF),
        ("meta", "llama3.1", "open-weights-restricted", 1, 2000, 0.9524, AS_OF),
        ("meta", "unknown", "unknown", 1, 100, 0.0476, AS_OF),  # no licence declared
        ("meta", "some-new-license", "other", 1, 0, 0.0, AS_OF),  # declared, no license_categories row
        ("qwen", "apache-2.0", "permissive", 1, 3000, 0.8571, AS_OF),
        ("qwen", "other", "other", 1, 500, 0.1429, AS_OF),
        ("qwen-us-mirror", "apache-2.0", "permissive", 1, 3000, 0.8571, AS_OF),
        ("qwen-us-mirror", "other", "other", 1, 500, 0.1429, AS_OF),
    ]
    assert_unique(con, "license_mix", ["entity_key", "license"])
    assert_accepted(
        con, "license_mix", "license_category", {"permissive", "open-weights-restricted", "other", "unknown"}
    )
