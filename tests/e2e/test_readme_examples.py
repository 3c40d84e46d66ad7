"""The README's examples run as written (shell quoting included) against a demo warehouse; `query -` reads stdin.

Every line of every ```sh block of README.md is either run with bash in a folder holding `config.toml` and
`data/openwave.duckdb` (made once by `openwave demo`), or listed in SKIPPED with the reason. A new example that is
neither fails the test, so the README cannot show a command nobody ran. The config points GitHub and the Hub at
the local stand-in, so a `collect` or `backfill` example runs as written without the network.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import polars as pl
import pytest

from collector.config import load_config
from sources.standin import StandinServer, build_universe
from tests.e2e.conftest import OPENWAVE, TOKEN, run_openwave

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
BIN = Path(sys.executable).parent
SKIPPED = {  # README line -> why the test does not run it
    "python3 -m venv .venv && .venv/bin/pip install -q -e . && .venv/bin/openwave collect":
        "installs openwave from the network and collects from the real GitHub and Hub",
    "python3 -m venv .venv && .venv/bin/pip install -q -e '.[test]' && .venv/bin/ruff check . && .venv/bin/pytest -q":
        "the test suite itself: .ci/run runs this line (tests/unit/test_docs.py checks they agree)",
    "command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)":
        "installs a system package (root): .ci/run runs this line (tests/unit/test_docs.py checks they agree)",
    "export GITHUB_TOKEN=github_pat_...   # a fine-grained token with no permissions reads public repos: 5,000 "
    "requests/hour": "sets a placeholder token",
    "export HF_TOKEN=hf_...               # optional: the Hub's public listing works without it (higher limits "
    "with it)": "sets a placeholder token",
}
RUNNABLE = re.compile(r"^(openwave (?!schedule\b)|python3 -c )")  # `openwave schedule` never returns: SKIPPED
CONFIG = """
[warehouse]
path = "data/openwave.duckdb"

[github]
api_url = "{github}"
token_env = "README_GITHUB_TOKEN"
max_attempts = 1

[huggingface]
endpoint = "{hub}"
token_env = "README_GITHUB_TOKEN"
max_attempts = 1

[[entity]]
key = "deepseek"
name = "DeepSeek"
region = "CN"
kind = "ai-lab"
github_orgs = ["deepseek-ai"]
hf_authors = ["deepseek-ai"]

[[entity]]
key = "meta"
name = "Meta"
region = "US"
kind = "big-tech"
github_repos = ["meta-llama/llama3"]
hf_authors = ["meta-llama"]
"""


def sh_lines(text: str) -> list[str]:
    """Every command line of the ```sh blocks (a trailing backslash joins the next line)."""
    lines: list[str] = []
    for block in re.findall(r"^```sh\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL):
        for line in block.replace("\\\n", "").splitlines():
            if line.strip() and not line.lstrip().startswith("#"):
                lines.append(line.strip())
    return lines


def python_expressions(text: str) -> list[str]:
    """Inline Python in the prose: code spans that open the warehouse with `duckdb.connect(`."""
    return [span for span in re.findall(r"`([^`\n]+)`", text) if span.startswith("duckdb.connect(")]


def environment(site: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.upper().endswith(("_PROXY", "TOKEN")) and k.upper() not in ("HF_ENDPOINT", "OPENWAVE_CONFIG")}
    env.update(PATH=f"{BIN}{os.pathsep}{env.get('PATH', '')}", README_GITHUB_TOKEN=TOKEN,
               HF_HUB_DISABLE_TELEMETRY="1")
    return env


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A folder with config.toml (the stand-in's URLs), the demo warehouse at data/openwave.duckdb, and the files
    the import examples name (a repo and a model the demo collected, on a past day)."""
    site = tmp_path_factory.mktemp("readme")
    (site / "config.toml").write_text(CONFIG.format(github="http://127.0.0.1:9", hub="http://127.0.0.1:9"))
    universe = build_universe(load_config(site / "config.toml").entities, seed=7)
    with StandinServer(universe) as server:
        (site / "config.toml").write_text(CONFIG.format(github=server.github_url, hub=server.hub_url))
        demo = run_openwave("demo", "--db", "data/openwave.duckdb", cwd=site, timeout=300)
        assert demo.returncode == 0, demo.stderr
        repo, model = subprocess.run(
            [sys.executable, "-c", "import duckdb; c = duckdb.connect('data/openwave.duckdb', read_only=True); "
             "print(c.execute('select min(repo) from github_repos').fetchone()[0]); "
             "print(c.execute('select min(model_id) from hf_model_snapshots').fetchone()[0])"],
            cwd=site, capture_output=True, text=True, check=True).stdout.split()
        (site / "stars.csv").write_text(f"date,repo,stars\n2020-01-01,{repo},5\n")
        pl.DataFrame({"date": ["2020-01-01"], "model_id": [model], "downloads_30d": [7]}).write_parquet(
            site / "downloads.parquet")
        yield site


def run_line(line: str, site: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-c", line], cwd=site, env=environment(site), capture_output=True, text=True,
                          timeout=120, check=False)


def test_every_readme_example_runs_as_written(site: Path) -> None:
    text = README.read_text(encoding="utf-8")
    unclassified = [line for line in sh_lines(text) if line not in SKIPPED and not RUNNABLE.match(line)]
    assert unclassified == [], "README examples that are neither run here nor in SKIPPED (with a reason)"
    ran = 0
    for line in sh_lines(text):
        if line in SKIPPED:
            continue
        result = run_line(line, site)
        assert result.returncode == 0, f"{line}\n{result.stderr}"
        assert "Traceback" not in result.stderr, line
        ran += 1
    for expression in python_expressions(text):
        result = subprocess.run([sys.executable, "-c", f"import duckdb; print({expression})"], cwd=site,
                                capture_output=True, text=True, timeout=60, check=False)
        assert result.returncode == 0, f"{expression}\n{result.stderr}"
        ran += 1
    assert ran >= 7  # the query, export, import and Python examples of the README


def test_sh_blocks_are_read_line_by_line_with_continuations() -> None:
    text = "x\n```sh\nopenwave a \\\n  --b\n# note\n\nopenwave c\n```\n```toml\nopenwave d\n```\n"
    assert sh_lines(text) == ["openwave a   --b", "openwave c"]
    assert python_expressions('From Python: `duckdb.connect("f").sql("select 1")`. `x`') == [
        'duckdb.connect("f").sql("select 1")']


def test_query_dash_reads_the_sql_from_stdin(site: Path) -> None:
    sql = "select entity_key, models from hf_lab_downloads where entity_key = $lab"
    result = subprocess.run([OPENWAVE, "query", "-", "-p", "lab", "meta", "--format", "json"], input=sql,
                            cwd=site, env=environment(site), capture_output=True, text=True, timeout=60, check=False)
    assert (result.returncode, result.stderr) == (0, ""), result.stderr
    assert json.loads(result.stdout) == [{"entity_key": "meta", "models": 12}]  # the demo's seed 7
