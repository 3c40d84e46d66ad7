"""hf_model_latest: each model's snapshot on the Hub as-of date, or one at most 3 days old."""

from tests.unit.view_fixtures import assert_unique, d, hub_scenario, model, rows, warehouse

AS_OF = d("2026-03-10")
COLUMNS = "model_id, author, downloads_30d, downloads_all_time, likes, license, license_name, children_count"


def test_models_on_the_as_of_date_bridging_three_days() -> None:
    con = warehouse()
    hub_scenario(con)
    model(con, "Qwen/Qwen3-8B", {"2026-03-09": (2900, 6800)}, likes=69, license="apache-2.0", children=19)

    got = rows(con, f"select {COLUMNS}, snapshot_date, basis, as_of from hf_model_latest order by model_id")

    assert got == [
        ("Qwen/Qwen-special", "Qwen", 500, 600, 1, "other", None, 0, AS_OF, "observed", AS_OF),
        ("Qwen/Qwen3-8B", "Qwen", 3000, 7000, 70, "apache-2.0", None, 20, AS_OF, "observed", AS_OF),
        ("deepseek-ai/DeepSeek-R1", "deepseek-ai", 1000, 5000, 50, "mit", None, 7, AS_OF, "observed", AS_OF),
        ("deepseek-ai/DeepSeek-V3", "deepseek-ai", 400, 900, 20, "other", "DeepSeek ", 3, d("2026-03-08"),
         "bridged", AS_OF),
        ("facebook/opt-125m", "facebook", 100, 300, 5, None, None, 0, AS_OF, "observed", AS_OF),
        ("meta-llama/Llama-3.1-8B", "meta-llama", 2000, 9000, 100, "llama3.1", None, 10, AS_OF, "observed",
         AS_OF),
        ("meta-llama/weird", "meta-llama", 0, 10, 0, "some-new-license", None, 0, AS_OF, "observed", AS_OF),
    ]  # deepseek-ai/old-model's newest snapshot is 5 days old: left out
    assert_unique(con, "hf_model_latest", ["model_id"])
