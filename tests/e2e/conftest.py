"""End-to-end fixtures: the stand-in upstream on 127.0.0.1 and the real `openwave` console script."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from sources.standin import StandinServer, Universe

OPENWAVE = str(Path(sys.executable).with_name("openwave"))
TOKEN = "ghp_e2eSECRETtoken0123456789abcdefABCDEF"
HF_TOKEN = "hf_e2eSECRETtokenZYXWVUTSRQ9876543210"
TODAY = datetime.now(UTC).date()

ENTITIES = """
[[entity]]
key = "deepseek"
name = "DeepSeek"
region = "CN"
kind = "ai-lab"
github_orgs = ["deepseek-ai"]
github_repos = ["deepseek-ai/DeepSeek-V3", "deepseek-ai/Gone"]
hf_authors = ["deepseek-ai"]

[[entity]]
key = "zhipu"
name = "Zhipu AI"
region = "CN"
kind = "ai-lab"
github_repos = ["THUDM/GLM-4"]
hf_authors = ["zai-org"]

[[entity]]
key = "meta"
name = "Meta"
region = "US"
kind = "big-tech"
github_repos = ["meta-llama/llama3", "META-LLAMA/LLAMA3"]
hf_authors = ["meta-llama"]
"""


def small_universe(today: date = TODAY) -> Universe:
    """Five live repos (one renamed THUDM -> zai-org), one deleted, three Hub authors with 7 models."""
    u = Universe(today=today)
    u.add_repo("deepseek-ai/DeepSeek-V3", id=101, stars=100_000, forks=16_000, license="MIT", language="Python",
               description="=HYPERLINK(\"http://evil\") <b>strong model</b>",
               created_at=datetime(2024, 12, 26, tzinfo=UTC))
    u.add_repo("deepseek-ai/DeepSeek-R1", id=102, stars=90_000, forks=11_000, license="MIT",
               created_at=datetime(2025, 1, 20, tzinfo=UTC))
    u.add_repo("deepseek-ai/FlashMLA", id=103, stars=12_000, forks=900, license="MIT",
               created_at=datetime(2025, 2, 21, tzinfo=UTC))
    u.add_repo("THUDM/GLM-4", id=201, stars=7_000, forks=700, license="Apache-2.0",
               created_at=datetime(2024, 6, 4, tzinfo=UTC))
    u.rename_repo("THUDM/GLM-4", "zai-org/GLM-4")
    u.add_repo("meta-llama/llama3", id=301, stars=29_000, forks=3_400, license=None,
               created_at=datetime(2024, 3, 15, tzinfo=UTC))
    u.add_repo("deepseek-ai/Gone", id=104, stars=5, created_at=datetime(2025, 3, 1, tzinfo=UTC))
    u.delete_repo("deepseek-ai/Gone")
    models = [
        ("deepseek-ai/DeepSeek-R1", 1_500_000, 9_000_000, 12_000, ["license:mit"], {"license": "mit"}, 1_200),
        ("deepseek-ai/DeepSeek-V3", 800_000, 5_000_000, 4_000, ["license:other"],
         {"license": "other", "license_name": "deepseek-v3-licence"}, 300),
        ("deepseek-ai/DeepSeek-R1-Distill-Qwen-7B", 2_000_000, 10_000_000, 700, [], {"license": "apache-2.0"}, 90),
        ("zai-org/GLM-4.5", 300_000, 600_000, 1_300, ["license:mit"], {"license": "mit"}, 40),
        ("meta-llama/Llama-3.1-8B", 5_000_000, 60_000_000, 9_000, ["license:llama3.1"], {"license": "llama3.1"}, 5_000),
        ("meta-llama/Llama-4-Scout-17B-16E-Instruct", 400_000, 1_000_000, 1_100, ["license:other"],
         {"license": "other", "license_name": "llama4"}, 200),
        ("meta-llama/Llama-Guard", 1_000, 2_000, 10, [], {}, 0),
    ]
    for model_id, d30, total, likes, tags, card, children in models:
        u.add_model(model_id, downloads=d30, downloads_all_time=total, likes=likes, tags=tags, card_data=card,
                    children_count=children, pipeline_tag="text-generation", library_name="transformers",
                    gated="manual" if model_id.startswith("meta") else False,
                    created_at="2025-01-01T00:00:00.000Z", last_modified="2025-06-01T00:00:00.000Z")
    return u


@pytest.fixture
def universe() -> Universe:
    return small_universe()


@pytest.fixture
def standin(universe: Universe) -> Iterator[StandinServer]:
    with StandinServer(universe) as server:
        yield server


def write_config(tmp_path: Path, server: StandinServer, entities: str = ENTITIES, extra: str = "",
                 timeout: float = 5) -> Path:
    """A config.toml pointing both upstreams at the stand-in, with instant retries.

    A test that holds a request open (fault kind "hold") gives a `timeout` longer than it may hold it."""
    path = tmp_path / "config.toml"
    retry = (f"backoff_initial_seconds = 0.01\nbackoff_max_seconds = 0.05\ntimeout_seconds = {timeout}\n"
             f"max_attempts = 4\n")
    path.write_text(
        f'[warehouse]\npath = "wh/openwave.duckdb"\n\n'
        f'[github]\napi_url = "{server.github_url}"\ntoken_env = "E2E_GITHUB_TOKEN"\n{retry}\n'
        f'[huggingface]\nendpoint = "{server.hub_url}"\ntoken_env = "E2E_HF_TOKEN"\n{retry}\n'
        f"{extra}\n{entities}")
    return path


def run_openwave(*args: str, token: bool = True, cwd: Path | None = None, timeout: float = 120,
                 env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The real console script in a subprocess, with a clean environment (no proxies, no real tokens)."""
    clean = {k: v for k, v in os.environ.items()
             if not k.upper().endswith(("_PROXY", "TOKEN")) and k.upper() not in ("HF_ENDPOINT", "OPENWAVE_CONFIG")}
    clean["HF_HUB_DISABLE_TELEMETRY"] = "1"
    if token:
        clean["E2E_GITHUB_TOKEN"] = TOKEN
        clean["E2E_HF_TOKEN"] = HF_TOKEN
    clean.update(env or {})
    return subprocess.run([OPENWAVE, *args], capture_output=True, text=True, cwd=cwd, env=clean, timeout=timeout,
                          check=False)
