"""A repo or model listed on the last collected day and absent from today's complete listing is a `not_listed`
warning: counted and shown, never silently gone, and it alone does not make the run partial."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from collector.config import load_config
from collector.progress import Stage
from collector.report import summary_lines
from collector.run import run_collection
from sources.standin import StandinServer, Universe
from tests.e2e.conftest import HF_TOKEN, TOKEN, small_universe, write_config


def errors(path: Path, run_id: int) -> list[tuple[str, str, str]]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("select source, item, kind from run_errors where run_id = ? order by source, item",
                           [run_id]).fetchall()


@pytest.fixture
def tokens(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("E2E_GITHUB_TOKEN", TOKEN)
    monkeypatch.setenv("E2E_HF_TOKEN", HF_TOKEN)


def test_a_repo_gone_from_its_org_and_a_model_dropped_from_a_page_are_warned_about(tmp_path: Path,
                                                                                 tokens: None) -> None:
    universe: Universe = small_universe()
    with StandinServer(universe, hub_page_size=2) as server:
        config = load_config(write_config(tmp_path, server))
        path = config.warehouse_path
        first = run_collection(config, path, stage=Stage(enabled=False))
        assert (first.status, errors(path, first.run_id)) == ("partial", [
            ("github", "deepseek-ai/Gone", "not_found")])
        universe.delete_repo("deepseek-ai/FlashMLA")
        # deepseek-ai's three models come two to a page: the second page answers [] (2 of 3 is above the ratio)
        server.faults.add(r"^/api/models\?.*author=deepseek-ai", "empty", after=1)
        second = run_collection(config, path, stage=Stage(enabled=False))
    assert errors(path, second.run_id) == [
        ("github", "deepseek-ai/FlashMLA", "not_listed"),
        ("github", "deepseek-ai/Gone", "not_found"),
        ("huggingface", "deepseek-ai/DeepSeek-R1-Distill-Qwen-7B", "not_listed")]
    assert second.status == "partial"  # because of Gone (not_found); the two warnings alone would leave it ok
    github = next(line for line in summary_lines(second) if line.strip().startswith("GitHub"))
    assert github.endswith("1 failed · 1 not listed today")


def test_warnings_alone_leave_the_run_ok(tmp_path: Path, tokens: None) -> None:
    universe: Universe = small_universe()
    universe.add_repo("deepseek-ai/Janus", id=105, stars=3_000, created_at=universe.repos[101].created_at)
    with StandinServer(universe) as server:
        config = load_config(write_config(tmp_path, server, extra="", entities=ENTITIES))
        path = config.warehouse_path
        first = run_collection(config, path, stage=Stage(enabled=False))
        universe.delete_repo("deepseek-ai/Janus")
        second = run_collection(config, path, stage=Stage(enabled=False))
    assert first.status == "ok"
    assert (second.status, second.exit_code) == ("ok", 0)
    assert errors(path, second.run_id) == [("github", "deepseek-ai/Janus", "not_listed")]


ENTITIES = """
[[entity]]
key = "deepseek"
name = "DeepSeek"
region = "CN"
kind = "ai-lab"
github_orgs = ["deepseek-ai"]
"""


@pytest.mark.parametrize(("command", "message"), [
    ("collect", "Error: {config}: [warehouse]: key 'path': cannot create or write the folder /proc/openwave-x"),
    ("backfill", "Error: no warehouse at /proc/openwave-x/w.duckdb: run `openwave collect` first")])
def test_an_unwritable_warehouse_folder_is_one_line_and_exit_2(tmp_path: Path, command: str, message: str) -> None:
    from tests.e2e.conftest import run_openwave

    config = tmp_path / "config.toml"
    config.write_text('[warehouse]\npath = "/proc/openwave-x/w.duckdb"\n' + ENTITIES)
    result = run_openwave(command, "--config", str(config))
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith(message.format(config=config))
