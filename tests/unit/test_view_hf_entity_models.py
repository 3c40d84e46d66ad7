"""hf_entity_models: the entity of each Hub model on the as-of date, authors matched case-insensitively."""

from tests.unit.view_fixtures import hub_scenario, rows, warehouse


def test_models_under_every_entity_whose_author_matches() -> None:
    con = warehouse()
    hub_scenario(con)

    got = rows(con, "select entity_key, model_id from hf_entity_models order by entity_key, model_id")

    assert got == [
        ("alibaba", "Qwen/Qwen-special"),  # author 'qwen' matches 'Qwen' case-insensitively
        ("alibaba", "Qwen/Qwen3-8B"),
        ("deepseek", "deepseek-ai/DeepSeek-R1"),
        ("deepseek", "deepseek-ai/DeepSeek-V3"),  # bridged (2 days old) still belongs
        ("meta", "facebook/opt-125m"),
        ("meta", "meta-llama/Llama-3.1-8B"),
        ("meta", "meta-llama/weird"),
        ("qwen", "Qwen/Qwen-special"),
        ("qwen", "Qwen/Qwen3-8B"),
        ("qwen-us-mirror", "Qwen/Qwen-special"),
        ("qwen-us-mirror", "Qwen/Qwen3-8B"),
    ]  # deepseek-ai/old-model (5 days old) is not on the as-of date; mistral and github-only have no models
