"""`openwave collect` end to end: real CLI, real HTTP on 127.0.0.1, real DuckDB file."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import duckdb

from sources.standin import StandinServer, Universe
from tests.e2e.conftest import HF_TOKEN, OPENWAVE, TODAY, TOKEN, run_openwave, write_config

REPOS_SQL = """select snapshot_date, repo_id, repo, stars, forks, license_spdx, via, origin
               from github_repo_snapshots order by snapshot_date, repo_id"""
MODELS_SQL = """select model_id, author, downloads_30d, downloads_all_time, likes, license, license_name,
                       children_count from hf_model_snapshots order by model_id"""


def rows(db: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db), read_only=True) as con:
        return con.execute(sql).fetchall()


def db_of(config: Path) -> Path:
    return config.parent / "wh" / "openwave.duckdb"


EXPECTED_REPOS = [
    (TODAY, 101, "deepseek-ai/DeepSeek-V3", 100_000, 16_000, "MIT", "graphql", "collected"),
    (TODAY, 102, "deepseek-ai/DeepSeek-R1", 90_000, 11_000, "MIT", "graphql", "collected"),
    (TODAY, 103, "deepseek-ai/FlashMLA", 12_000, 900, "MIT", "graphql", "collected"),
    (TODAY, 201, "zai-org/GLM-4", 7_000, 700, "Apache-2.0", "graphql", "collected"),
    (TODAY, 301, "meta-llama/llama3", 29_000, 3_400, None, "graphql", "collected"),
]
EXPECTED_MODELS = [
    ("deepseek-ai/DeepSeek-R1", "deepseek-ai", 1_500_000, 9_000_000, 12_000, "mit", None, 1_200),
    ("deepseek-ai/DeepSeek-R1-Distill-Qwen-7B", "deepseek-ai", 2_000_000, 10_000_000, 700, "apache-2.0", None, 90),
    ("deepseek-ai/DeepSeek-V3", "deepseek-ai", 800_000, 5_000_000, 4_000, "other", "deepseek-v3-licence", 300),
    ("meta-llama/Llama-3.1-8B", "meta-llama", 5_000_000, 60_000_000, 9_000, "llama3.1", None, 5_000),
    ("meta-llama/Llama-4-Scout-17B-16E-Instruct", "meta-llama", 400_000, 1_000_000, 1_100, "other", "llama4", 200),
    ("meta-llama/Llama-Guard", "meta-llama", 1_000, 2_000, 10, None, None, 0),
    ("zai-org/GLM-4.5", "zai-org", 300_000, 600_000, 1_300, "mit", None, 40),
]


def test_collect_with_token_stores_exact_rows(tmp_path: Path, standin: StandinServer) -> None:
    config = write_config(tmp_path, standin)
    result = run_openwave("collect", "--config", str(config))
    assert result.returncode == 1, result.stderr  # the deleted repo is an error of that item, not of the run
    db = db_of(config)
    assert rows(db, REPOS_SQL) == EXPECTED_REPOS
    assert rows(db, MODELS_SQL) == EXPECTED_MODELS
    # one GraphQL page for the org listing, one batch for the named repos not in it; one Hub page per author
    assert standin.count(resource="graphql") == 2
    assert standin.count(resource="core") == 0
    assert standin.count(path_regex=r"^/api/models") == 3
    assert standin.log.legacy_stargazer_calls == 0
    assert rows(db, "select run_id, command, status, repos_stored, models_stored, github_requests, hf_requests, "
                    "items_failed from runs") == [(1, "collect", "partial", 5, 7, 2, 3, 1)]
    assert rows(db, "select source, item, kind from run_errors") == [("github", "deepseek-ai/Gone", "not_found")]
    assert rows(db, "select entity_key, repo_id, via from entity_repos order by all") == [
        ("deepseek", 101, "repo"), ("deepseek", 102, "org"), ("deepseek", 103, "org"), ("meta", 301, "repo"),
        ("zhipu", 201, "repo")]
    # the renamed repo is stored under its id and new name; its old name is kept so imports can follow it
    assert rows(db, "select repo_id, repo from github_repo_names where repo_id = 201 order by repo") == [
        (201, "THUDM/GLM-4"), (201, "zai-org/GLM-4")]
    assert "5 repos stored" in result.stdout and "7 models stored" in result.stdout
    assert "deepseek-ai/Gone" in result.stdout


def test_second_run_same_day_updates_rows(tmp_path: Path, standin: StandinServer, universe: Universe) -> None:
    config = write_config(tmp_path, standin)
    run_openwave("collect", "--config", str(config))
    universe.set_stars("deepseek-ai/DeepSeek-V3", 100_500)
    universe.set_downloads("zai-org/GLM-4.5", 350_000, 650_000)
    result = run_openwave("collect", "--config", str(config))
    assert result.returncode == 1
    db = db_of(config)
    assert rows(db, "select count(*), count(distinct (snapshot_date, repo_id)) from github_repo_snapshots") == [
        (5, 5)]
    assert rows(db, "select stars, run_id from github_repo_snapshots where repo_id = 101") == [(100_500, 2)]
    assert rows(db, "select downloads_30d, downloads_all_time from hf_model_snapshots "
                    "where model_id = 'zai-org/GLM-4.5'") == [(350_000, 650_000)]
    assert rows(db, "select count(*) from hf_model_snapshots") == [(7,)]
    assert rows(db, "select run_id, status from runs order by run_id") == [(1, "partial"), (2, "partial")]


def test_without_token_rest_then_304s(tmp_path: Path, standin: StandinServer) -> None:
    config = write_config(tmp_path, standin)
    first = run_openwave("collect", "--config", str(config), "--source", "github", token=False)
    assert first.returncode == 1, first.stderr
    db = db_of(config)
    assert [r[1:6] for r in rows(db, REPOS_SQL)] == [r[1:6] for r in EXPECTED_REPOS]
    assert {r[6] for r in rows(db, REPOS_SQL)} == {"rest"}
    used_after_first = 60 - standin.limits.remaining("core", False)
    second = run_openwave("collect", "--config", str(config), "--source", "github", token=False)
    assert second.returncode == 1, second.stderr
    # the listing page and both repos answered 304 (anonymous: each costs a request, as GitHub documents); the
    # stored values are reused. The renamed repo is asked for under its new name (no 301 again); plus the 404.
    assert 60 - standin.limits.remaining("core", False) == used_after_first + 4
    assert standin.count(status=304) == 3
    assert standin.count(path_regex=r"^/repos/zai-org/GLM-4$", status=304) == 1
    assert standin.count(status=301) == 1  # the first run's only
    assert [r[1:6] for r in rows(db, REPOS_SQL)] == [r[1:6] for r in EXPECTED_REPOS]
    assert rows(db, "select count(*) from github_repo_snapshots where via = 'rest-304'") == [(5,)]
    assert "not modified" in second.stdout
    assert standin.count(resource="graphql") == 0


def test_rate_limit_exhaustion_keeps_partial_results(tmp_path: Path, standin: StandinServer) -> None:
    standin.limits.configure(core_anonymous=2)
    config = write_config(tmp_path, standin)
    result = run_openwave("collect", "--config", str(config), "--source", "github", token=False)
    assert result.returncode == 1
    db = db_of(config)
    stored = rows(db, "select repo from github_repo_snapshots order by repo")
    # the org listing (1 request) and the deleted repo (404) spend the limit of 2; the rest is skipped, not lost
    assert stored == [("deepseek-ai/DeepSeek-R1",), ("deepseek-ai/DeepSeek-V3",), ("deepseek-ai/FlashMLA",)]
    skipped = rows(db, "select item, kind from run_errors where kind = 'skipped' order by item")
    assert skipped == [("THUDM/GLM-4", "skipped"), ("meta-llama/llama3", "skipped")]
    message = rows(db, "select message from run_errors where kind = 'skipped'")[0][0]
    assert "rate limit exhausted" in message and "resets at" in message and "GITHUB_TOKEN" in message
    assert "rate limit" in result.stdout and "GITHUB_TOKEN" in result.stdout
    assert rows(db, "select status, items_failed, rate_limit_remaining from runs") == [("partial", 3, 0)]


def test_retried_faults_succeed(tmp_path: Path, standin: StandinServer) -> None:
    standin.faults.add(r"^/graphql", "status", status=502, times=2)
    standin.faults.add(r"^/api/models\?author=deepseek-ai", "drop", times=1)
    standin.faults.add(r"^/api/models\?author=meta-llama", "status", status=503, times=1)
    standin.faults.add(r"^/graphql", "secondary", status=403, retry_after=1, times=1)
    config = write_config(tmp_path, standin)
    result = run_openwave("collect", "--config", str(config))
    assert result.returncode == 1, result.stderr  # only the deleted repo fails
    db = db_of(config)
    assert rows(db, REPOS_SQL) == EXPECTED_REPOS
    assert rows(db, MODELS_SQL) == EXPECTED_MODELS
    assert rows(db, "select item from run_errors") == [("deepseek-ai/Gone",)]
    assert standin.faults.pending == []
    assert "retried" in result.stdout


def test_more_than_one_page_of_models(tmp_path: Path, standin: StandinServer, universe: Universe) -> None:
    for i in range(5):
        universe.add_model(f"Qwen/Qwen3-{i}B", downloads=1_000 * (i + 1), downloads_all_time=10_000,
                           tags=["license:apache-2.0"])
    standin.hub_page_size = 2
    entities = ('[[entity]]\nkey = "qwen"\nname = "Qwen"\nregion = "CN"\nkind = "ai-lab"\n'
                'hf_authors = ["Qwen"]\n')
    config = write_config(tmp_path, standin, entities=entities)
    result = run_openwave("collect", "--config", str(config))
    assert result.returncode == 0, result.stdout + result.stderr
    assert rows(db_of(config), "select model_id, downloads_30d, license from hf_model_snapshots order by 1") == [
        (f"Qwen/Qwen3-{i}B", 1_000 * (i + 1), "apache-2.0") for i in range(5)]
    assert standin.count(path_regex=r"^/api/models") == 3


def test_no_token_in_warehouse_logs_or_output(tmp_path: Path, standin: StandinServer) -> None:
    config = write_config(tmp_path, standin)
    outputs = [run_openwave("collect", "--config", str(config)),
               run_openwave("status", "--config", str(config)),
               run_openwave("query", "select * from runs", "--config", str(config), "--format", "csv")]
    assert standin.log.tokens_seen  # the tokens were used...
    db = db_of(config)
    files = [p for p in db.parent.iterdir() if p.is_file()]
    assert any(p.suffix == ".log" for p in files)
    for secret in (TOKEN, HF_TOKEN, TOKEN[4:20], HF_TOKEN[3:20]):  # ...but written nowhere
        for path in files:
            assert secret.encode() not in path.read_bytes(), path
        for out in outputs:
            assert secret not in out.stdout and secret not in out.stderr


def test_bad_config_exits_2_before_any_request(tmp_path: Path, standin: StandinServer) -> None:
    config = write_config(tmp_path, standin, extra="").read_text().replace('github_orgs', 'github_org')
    (tmp_path / "config.toml").write_text(config)
    result = run_openwave("collect", "--config", str(tmp_path / "config.toml"))
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1] == (
        f"Error: {tmp_path / 'config.toml'}: entity 'deepseek': unknown key 'github_org' (allowed: github_orgs, "
        "github_repos, hf_authors, key, kind, mirror, name, notes, parent, region)")
    assert standin.log.entries == []
    assert not db_of(tmp_path / "config.toml").exists()


def test_hub_429_with_ratelimit_headers_is_waited_out(tmp_path: Path, standin: StandinServer) -> None:
    # the third author's listing meets a 429 (t=1), however slowly the first two came: the window ends 1 s later
    standin.hub_quota.configure(quota=2, window_seconds=3600, ends_after_refusal=1)
    config = write_config(tmp_path, standin)
    result = run_openwave("collect", "--config", str(config), "--source", "huggingface")
    assert result.returncode == 0, result.stdout + result.stderr
    assert rows(db_of(config), MODELS_SQL) == EXPECTED_MODELS
    assert standin.count(resource="hub", status=429) == 1
    assert standin.count(resource="hub", status=200) == 3


def test_the_file_can_be_read_while_a_collection_fetches(tmp_path: Path, standin: StandinServer) -> None:
    config = write_config(tmp_path, standin, timeout=300)  # longer than the hold below may last
    assert run_openwave("collect", "--config", str(config)).returncode == 1
    standin.reset()
    held = standin.faults.add(r"^/graphql", "hold")  # the second run's first request waits for our read
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith("TOKEN")}
    env |= {"E2E_GITHUB_TOKEN": TOKEN, "E2E_HF_TOKEN": HF_TOKEN}
    collecting = subprocess.Popen([OPENWAVE, "collect", "--config", str(config)], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL, env=env)
    try:
        assert held.reached.wait(120), "the collection never reached the upstream"
        reading = run_openwave("query", "select count(*) from github_repo_snapshots", "--config", str(config),
                               "--format", "csv")
        assert collecting.poll() is None  # still fetching (its request is held) while we read
        assert reading.returncode == 0, reading.stderr
        assert reading.stdout.splitlines() == ["count_star()", "5"]
    finally:
        held.release.set()
        assert collecting.wait(timeout=120) == 1
    assert standin.count(r"^/graphql") == 2 and standin.count(r"^/api/models") == 3  # nothing was retried
