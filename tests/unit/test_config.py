"""config.toml validation: one line naming the file, the entity and the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from collector.config import ConfigError, derive_graphql_url, load_config

ROOT = Path(__file__).resolve().parents[2]

GOOD = """
[github]
api_url = "http://127.0.0.1:9/api/v3"

[[entity]]
key = "deepseek"
name = "DeepSeek"
region = "CN"
kind = "ai-lab"
github_orgs = ["deepseek-ai"]
github_repos = ["deepseek-ai/DeepSeek-V3"]
hf_authors = ["deepseek-ai"]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def error_of(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text))
    message = str(info.value)
    assert "\n" not in message
    return message


def test_shipped_config_is_valid_and_complete() -> None:
    config = load_config(ROOT / "config.toml")
    keys = [e.key for e in config.entities]
    assert len(keys) == 31
    for key in ("deepseek", "qwen", "moonshot", "minimax", "zhipu", "baidu", "openharmony", "openeuler",
                "bytedance", "996icu", "openclaw", "meta", "google", "mistral", "openai", "microsoft", "allenai",
                "linux", "mysql"):
        assert key in keys
    assert config.entity("openclaw").region == "EU"
    assert config.entity("zhipu").github_orgs == ("zai-org", "THUDM")
    assert config.entity("openharmony").mirror is True
    assert len(config.events) == 33
    assert config.crossovers[0].a == "openclaw/openclaw"
    assert config.graphql_url == "https://api.github.com/graphql"
    assert config.warehouse_path == ROOT / "data" / "openwave.duckdb"


def test_good_config_and_derived_graphql_url(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, GOOD))
    assert config.graphql_url == "http://127.0.0.1:9/api/graphql"
    assert config.entities[0].github_repos == ("deepseek-ai/DeepSeek-V3",)
    assert config.github.token_env == "GITHUB_TOKEN"
    assert config.huggingface.endpoint == "https://huggingface.co"


@pytest.mark.parametrize(("api_url", "graphql"), [
    ("https://api.github.com", "https://api.github.com/graphql"),
    ("https://ghe.example.com/api/v3", "https://ghe.example.com/api/graphql"),
    ("https://ghe.example.com/api/v3/", "https://ghe.example.com/api/graphql"),
    ("http://127.0.0.1:8080/gh", "http://127.0.0.1:8080/gh/graphql"),
])
def test_derive_graphql_url(api_url: str, graphql: str) -> None:
    assert derive_graphql_url(api_url) == graphql


@pytest.mark.parametrize(("change", "expected"), [
    (("github_orgs", 'githb_orgs'), "entity 'deepseek': unknown key 'githb_orgs'"),
    (('github_repos = ["deepseek-ai/DeepSeek-V3"]', 'github_repos = ["DeepSeek-V3"]'),
     "entity 'deepseek': key 'github_repos': 'DeepSeek-V3' is not of the form owner/name"),
    (('region = "CN"', 'region = 5'), "entity 'deepseek': key 'region': must be a string, not int 5"),
    (('hf_authors = ["deepseek-ai"]', 'hf_authors = "deepseek-ai"'),
     "entity 'deepseek': key 'hf_authors': must be a list, not str 'deepseek-ai'"),
    (('region = "CN"', 'region = "Asia"'), "entity 'deepseek': key 'region': must be one of CN, US, EU, other"),
    (('key = "deepseek"', 'key = "Deep Seek"'), "entity 'Deep Seek': key 'key'"),
    (('api_url = "http://127.0.0.1:9/api/v3"', 'api_url = "ftp://x"'),
     "[github]: key 'api_url': must be an http(s) URL, not 'ftp://x'"),
])
def test_bad_values_name_file_entity_and_key(tmp_path: Path, change: tuple[str, str], expected: str) -> None:
    message = error_of(tmp_path, GOOD.replace(*change))
    assert message.startswith(str(tmp_path / "config.toml") + ": ")
    assert expected in message


def test_duplicate_entity_key(tmp_path: Path) -> None:
    entity = GOOD.split("[[entity]]")[1]
    message = error_of(tmp_path, GOOD + "\n[[entity]]" + entity)
    assert message.endswith("entity 'deepseek': key 'key': duplicate entity key 'deepseek'")


def test_empty_entity(tmp_path: Path) -> None:
    text = GOOD.replace('github_orgs = ["deepseek-ai"]\n', "").replace(
        'github_repos = ["deepseek-ai/DeepSeek-V3"]\n', "").replace('hf_authors = ["deepseek-ai"]\n', "")
    assert error_of(tmp_path, text).endswith("entity 'deepseek': tracks nothing: give it github_orgs, "
                                             "github_repos or hf_authors")


def test_token_value_in_token_env_is_refused_without_echoing_it(tmp_path: Path) -> None:
    text = GOOD + '\n[huggingface]\ntoken_env = "hf_abcdefghijklmnopqrstuvwxyz0123456789-secret"\n'
    message = error_of(tmp_path, text)
    assert "[huggingface]: key 'token_env'" in message
    assert "secret" not in message and "abcdefghij" not in message


def test_missing_file_and_bad_toml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such config file"):
        load_config(tmp_path / "nope.toml")
    assert "invalid TOML" in error_of(tmp_path, "[[entity]\nkey=")


def test_event_must_name_an_entity(tmp_path: Path) -> None:
    text = GOOD + '\n[[event]]\ndate = "2025-01-20"\nentity = "nobody"\nlabel = "x"\n'
    assert error_of(tmp_path, text).endswith("event #1: key 'entity': names no configured entity: 'nobody'")
    text = GOOD + '\n[[event]]\ndate = "2025-02-30"\nentity = "deepseek"\nlabel = "x"\n'
    assert "event #1: key 'date': '2025-02-30' is not a real date" in error_of(tmp_path, text)


def test_cron_and_timezone_are_checked_on_load(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, GOOD + '\n[schedule]\ncron = "*/2 * * * * *"\n')).schedule.cron
    assert "[schedule]: key 'cron'" in error_of(tmp_path, GOOD + '\n[schedule]\ncron = "nightly"\n')
    assert "[schedule]: key 'cron': cron 'a b c d e': bad day of week 'e'" in error_of(
        tmp_path, GOOD + '\n[schedule]\ncron = "a b c d e"\n')
    assert "[schedule]: key 'timezone': unknown timezone 'Mars/Base'" in error_of(
        tmp_path, GOOD + '\n[schedule]\ntimezone = "Mars/Base"\n')


@pytest.mark.parametrize("repo", ["x/..", "x/.", "x/", "/x", "x/y/z", "-x/y"])
def test_repo_names_github_would_refuse(tmp_path: Path, repo: str) -> None:
    text = GOOD.replace('github_repos = ["deepseek-ai/DeepSeek-V3"]', f'github_repos = ["{repo}"]')
    assert f"key 'github_repos': '{repo}' is not of the form owner/name" in error_of(tmp_path, text)
