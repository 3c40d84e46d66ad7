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
    assert load_config(write(tmp_path, GOOD + '\n[schedule]\ncron = "17 3 * * 1-5"\n')).schedule.cron == "17 3 * * 1-5"
    assert ("[schedule]: key 'cron': cron '*/2 * * * * *' has 6 fields: give 5 (minute hour day month weekday)"
            in error_of(tmp_path, GOOD + '\n[schedule]\ncron = "*/2 * * * * *"\n'))  # seconds: tests only
    assert "[schedule]: key 'cron'" in error_of(tmp_path, GOOD + '\n[schedule]\ncron = "nightly"\n')
    assert "[schedule]: key 'cron': cron 'a b c d e': bad day of week 'e'" in error_of(
        tmp_path, GOOD + '\n[schedule]\ncron = "a b c d e"\n')
    assert "[schedule]: key 'timezone': unknown timezone 'Mars/Base'" in error_of(
        tmp_path, GOOD + '\n[schedule]\ntimezone = "Mars/Base"\n')


@pytest.mark.parametrize("repo", ["x/..", "x/.", "x/", "/x", "x/y/z", "-x/y"])
def test_repo_names_github_would_refuse(tmp_path: Path, repo: str) -> None:
    text = GOOD.replace('github_repos = ["deepseek-ai/DeepSeek-V3"]', f'github_repos = ["{repo}"]')
    assert f"key 'github_repos': '{repo}' is not of the form owner/name" in error_of(tmp_path, text)


def section(name: str, body: str) -> str:
    return GOOD.replace("[github]\n", f"[{name}]\n{body}\n", 1) if name == "github" else GOOD + f"\n[{name}]\n{body}\n"


@pytest.mark.parametrize(("name", "body", "expected"), [
    ("github", "timeout_seconds = nan", "[github]: key 'timeout_seconds': must be a finite number, not nan"),
    ("github", "timeout_seconds = inf", "[github]: key 'timeout_seconds': must be a finite number, not inf"),
    ("huggingface", "backoff_max_seconds = nan",
     "[huggingface]: key 'backoff_max_seconds': must be a finite number, not nan"),
    ("huggingface", "backoff_initial_seconds = -inf",
     "[huggingface]: key 'backoff_initial_seconds': must be a finite number, not -inf"),
    ("github", "max_retry_after_seconds = inf",
     "[github]: key 'max_retry_after_seconds': must be a finite number, not inf"),
    ("github", "max_attempts = 1000000000", "[github]: key 'max_attempts': must be at most 20, not 1000000000"),
    ("github", "max_attempts = 0", "[github]: key 'max_attempts': must be at least 1, not 0"),
    ("github", "max_attempts = 2.5", "[github]: key 'max_attempts': must be an integer, not float 2.5"),
    ("github", "deadline_seconds = 0", "[github]: key 'deadline_seconds': must be more than 0, not 0"),
    ("huggingface", "deadline_seconds = inf",
     "[huggingface]: key 'deadline_seconds': must be a finite number, not inf"),
    ("github", "max_body_bytes = 1023", "[github]: key 'max_body_bytes': must be at least 1024, not 1023"),
    ("huggingface", "max_body_bytes = 1e9",
     "[huggingface]: key 'max_body_bytes': must be an integer, not float 1000000000.0"),
    ("github", "unreachable_after = 0", "[github]: key 'unreachable_after': must be at least 1, not 0"),
    ("huggingface", "unreachable_after = 21",
     "[huggingface]: key 'unreachable_after': must be at most 20, not 21"),
    ("github", "min_listing_ratio = 1.5", "[github]: key 'min_listing_ratio': must be at most 1, not 1.5"),
    ("github", "min_listing_ratio = -0.1", "[github]: key 'min_listing_ratio': must be at least 0, not -0.1"),
    ("huggingface", "min_listing_ratio = nan",
     "[huggingface]: key 'min_listing_ratio': must be a finite number, not nan"),
    ("schedule", "misfire_grace_seconds = -1",
     "[schedule]: key 'misfire_grace_seconds': must be at least 0, not -1"),
    ("schedule", 'cron = ""', "[schedule]: key 'cron': must not be empty (leave the key out for the default "
                               "'0 3 * * *')"),
    ("schedule", 'timezone = " "', "[schedule]: key 'timezone': must not be empty"),
])
def test_numbers_and_schedule_values_out_of_range(tmp_path: Path, name: str, body: str, expected: str) -> None:
    message = error_of(tmp_path, section(name, body))
    assert message.startswith(f"{tmp_path / 'config.toml'}: {expected}")


def test_new_retry_keys_reach_the_policy(tmp_path: Path) -> None:
    body = "deadline_seconds = 7.5\nmax_body_bytes = 1024\nunreachable_after = 20\nmin_listing_ratio = 0\n" \
           "max_attempts = 20\nbackoff_max_seconds = 0"
    config = load_config(write(tmp_path, section("huggingface", body)))
    retry = config.huggingface.retry
    assert (retry.deadline_seconds, retry.max_body_bytes, retry.unreachable_after, retry.min_listing_ratio,
            retry.max_attempts, retry.backoff_max_seconds) == (7.5, 1024, 20, 0.0, 20, 0.0)
    github = config.github.retry  # untouched section: the RetryPolicy defaults
    assert (github.deadline_seconds, github.max_body_bytes, github.unreachable_after, github.min_listing_ratio,
            github.max_attempts) == (120.0, 64 * 1024 * 1024, 3, 0.5, 5)
    assert config.schedule.misfire_grace_seconds == 6 * 3600


@pytest.mark.parametrize(("url", "problem"), [
    ("http://exa mple.com", "'http://exa mple.com' contains a space or a control character"),
    ("http://example.com\t", "contains a space or a control character"),
    ("http://", "must be an http(s) URL, not 'http://'"),
    ("https:///api/v3", "must be an http(s) URL, not 'https:///api/v3'"),
    ("http://exa_mple..com", "has an invalid host"),
    ("http://-bad.example", "has an invalid host"),
    ("http://host.example:99999", "has an invalid port"),
    ("http://host.example:port", "has an invalid port"),
    ("http://[::zz]/", "has an invalid host"),
    ("http://host.example/api?x=1", "must not have a query or fragment"),
    ("file:///etc/passwd", "must be an http(s) URL, not 'file:///etc/passwd'"),
])
def test_urls_must_have_a_scheme_and_a_valid_host(tmp_path: Path, url: str, problem: str) -> None:
    message = error_of(tmp_path, GOOD.replace("http://127.0.0.1:9/api/v3", url))
    assert "[github]: key 'api_url': " in message and problem in message
    text = GOOD + f'\n[huggingface]\nendpoint = "{url}"\n'
    assert "[huggingface]: key 'endpoint': " in error_of(tmp_path, text)
    text = GOOD.replace("[github]\n", f'[github]\ngraphql_url = "{url}"\n')
    assert "[github]: key 'graphql_url': " in error_of(tmp_path, text)


def test_credentials_in_a_url_are_refused_and_not_echoed(tmp_path: Path) -> None:
    message = error_of(tmp_path, GOOD.replace("http://127.0.0.1:9", "https://me:s3cr3t@ghe.example"))
    assert message.endswith("[github]: key 'api_url': must not carry a user name or password "
                            "(put the token in the environment)")
    assert "s3cr3t" not in message


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/api/v3", "https://ghe.example.com/api/v3/",
                                 "http://[::1]:8080", "http://standin_gh:80", "HTTPS://API.GITHUB.COM"])
def test_good_urls(tmp_path: Path, url: str) -> None:
    assert load_config(write(tmp_path, GOOD.replace("http://127.0.0.1:9/api/v3", url))).github.api_url == \
        url.rstrip("/")


TOKENS = [
    "ghp_e2eSECRETtoken0123456789abcdefABCDEF",
    "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGH",
    "gho_16C7e42F292c6912E7710c838347Ae178B4a",
    "ghs_16C7e42F292c6912E7710c838347Ae178B4a",
    "hf_AbCdEfGhIjKlMnOpQrStUvWxYzAbCdEfGh",
    "801aecb0d241e8ba125cc69edbc4e11a00c6c1c8",  # a classic 40-hex GitHub token
    "QtYSXPgYDVTx2yCjhx0LFLCC",
    "abcdefghijklmnopqrstuvwxyzABCDEFGH",
]


@pytest.mark.parametrize("token", TOKENS)
@pytest.mark.parametrize("name", ["github", "huggingface"])
def test_a_token_in_token_env_is_named_as_such_and_never_echoed(tmp_path: Path, name: str, token: str) -> None:
    message = error_of(tmp_path, section(name, f'token_env = "{token}"'))
    assert message == (f"{tmp_path / 'config.toml'}: [{name}]: key 'token_env': looks like a token itself: "
                       "put the token in the environment and name the variable here")  # none of it echoed


@pytest.mark.parametrize("env", ["GITHUB_TOKEN", "E2E_GITHUB_TOKEN", "hf_token_for_openwave", "HF_TOKEN",
                                 "OPENWAVE_E2E_GITHUB_TOKEN_SECONDARY_ACCOUNT", "GH_TOKEN_2024"])
def test_ordinary_variable_names_are_accepted(tmp_path: Path, env: str) -> None:
    assert load_config(write(tmp_path, section("github", f'token_env = "{env}"'))).github.token_env == env


def test_a_bad_variable_name_is_not_echoed(tmp_path: Path) -> None:
    message = error_of(tmp_path, section("github", 'token_env = "MY-TOKEN"'))
    assert message.endswith("[github]: key 'token_env': must be the NAME of an environment variable (letters, "
                            "digits and '_'; the token itself never goes in the file)")


def test_warehouse_path_under_a_file_is_refused_on_load(tmp_path: Path) -> None:
    (tmp_path / "plain").write_text("x")
    message = error_of(tmp_path, GOOD + '\n[warehouse]\npath = "plain/data/openwave.duckdb"\n')
    assert message == (f"{tmp_path / 'config.toml'}: [warehouse]: key 'path': {tmp_path / 'plain'} is a file, "
                       f"so {tmp_path / 'plain/data/openwave.duckdb'} cannot be created under it")
    (tmp_path / "folder").mkdir()
    message = error_of(tmp_path, GOOD + '\n[warehouse]\npath = "folder"\n')
    assert message.endswith(f"[warehouse]: key 'path': {tmp_path / 'folder'} is a folder, not a file")


def test_prepare_warehouse_dir_creates_and_probes(tmp_path: Path) -> None:
    from collector.config import prepare_warehouse_dir, warehouse_origin

    config = load_config(write(tmp_path, GOOD + '\n[warehouse]\npath = "a/b/openwave.duckdb"\n'))
    prepare_warehouse_dir(config.warehouse_path, warehouse_origin(config, None))
    assert sorted(p.name for p in (tmp_path / "a" / "b").iterdir()) == []  # created, probe file gone
    with pytest.raises(ConfigError) as info:
        prepare_warehouse_dir(Path("/proc/openwave-x/openwave.duckdb"), warehouse_origin(config, None))
    assert str(info.value) == (f"{tmp_path / 'config.toml'}: [warehouse]: key 'path': cannot create or write "
                               "the folder /proc/openwave-x: No such file or directory")
    (tmp_path / "plain").write_text("x")
    with pytest.raises(ConfigError) as info:
        prepare_warehouse_dir(tmp_path / "plain" / "w.duckdb", warehouse_origin(config, "plain/w.duckdb"))
    assert str(info.value) == (f"--db plain/w.duckdb: {tmp_path / 'plain'} is a file, so "
                               f"{tmp_path / 'plain/w.duckdb'} cannot be created under it")


def test_warehouse_target_prefers_db_option(tmp_path: Path) -> None:
    from collector.config import warehouse_target

    config = load_config(write(tmp_path, GOOD))
    assert warehouse_target(config, None) == tmp_path / "data" / "openwave.duckdb"
    assert (tmp_path / "data").is_dir()
    assert warehouse_target(config, str(tmp_path / "x" / "y.duckdb")) == tmp_path / "x" / "y.duckdb"
    with pytest.raises(ConfigError, match=r"^--db /proc/openwave-x/w.duckdb: cannot create or write the folder "):
        warehouse_target(config, "/proc/openwave-x/w.duckdb")


@pytest.mark.parametrize("body", ["[github]\ntimeout_seconds = nan",
                                  '[github]\ntoken_env = "ghp_e2eSECRETtoken0123456789abcdefABCDEF"'])
def test_collect_with_a_bad_config_exits_2_with_one_line(tmp_path: Path, body: str) -> None:
    import subprocess
    import sys

    path = write(tmp_path, GOOD.replace("[github]\n", body + "\n", 1))
    script = str(Path(sys.executable).with_name("openwave"))
    result = subprocess.run([script, "collect", "--config", str(path)], capture_output=True, text=True,
                            timeout=60, check=False, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"Error: {path}: [github]: key ")
    assert "SECRET" not in result.stderr
    assert not (tmp_path / "data").exists()  # nothing created


def test_shipped_catalog_uses_current_names() -> None:
    """Renamed upstream names cost a redirect (GitHub) or match nothing (the Hub): the catalog uses the new ones."""
    config = load_config(ROOT / "config.toml")
    zhipu = config.entity("zhipu")
    assert zhipu.hf_authors == ("zai-org",)
    assert not [r for r in zhipu.github_repos if r.startswith(("THUDM/ChatGLM", "THUDM/CogVLM", "THUDM/CogVideo"))]
    assert "zai-org/ChatGLM3" in zhipu.github_repos and "zai-org/CogVLM" in zhipu.github_repos
    repos = {r for e in config.entities for r in e.github_repos}
    assert {"llamastack/llama-stack", "NVIDIA-NeMo/NeMo"} <= repos
    assert not {"meta-llama/llama-stack", "NVIDIA/NeMo"} & repos
    assert [e.model for e in config.events if e.model and "glm-4-9b" in e.model] == ["zai-org/glm-4-9b-chat"]
