"""Hostile upstream text (terminal escapes, bidi overrides, formulas) reaches no terminal raw, and files keep it."""

from __future__ import annotations

import os
import pty
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from sources.standin import StandinServer, Universe
from tests.e2e.conftest import OPENWAVE, run_openwave, small_universe, write_config

OSC52 = "\x1b]52;c;ZXZpbA==\x07"  # "write 'evil' to the clipboard"
CLEAR = "\x1b[2J"
DESCRIPTION = f"fast {OSC52}model{CLEAR} \u202eexe.txt"
SQL = "select repo, description from github_repos where repo_id = 103"


def hostile_universe() -> Universe:
    u = small_universe()
    u.repo("deepseek-ai/FlashMLA").description = DESCRIPTION
    return u


@pytest.fixture(scope="module")
def collected(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One collection for the module's read tests: FlashMLA's description carries the hostile text."""
    with StandinServer(hostile_universe()) as server:
        config = write_config(tmp_path_factory.mktemp("hostile"), server)
        result = run_openwave("collect", "--config", str(config))
        assert result.returncode == 1, result.stdout + result.stderr  # the deleted repo
        yield config


def on_a_terminal(*args: str) -> tuple[int, bytes]:
    """Run openwave with stdout on a pseudo-terminal: what a person's terminal would receive."""
    main, child = pty.openpty()
    env = {k: v for k, v in os.environ.items() if not k.upper().endswith(("_PROXY", "TOKEN"))}
    env.update(COLUMNS="200", TERM="xterm-256color")
    proc = subprocess.Popen([OPENWAVE, *args], stdout=child, stderr=subprocess.PIPE, env=env)
    os.close(child)
    chunks = []
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(main)
    return proc.wait(timeout=60), b"".join(chunks)


def test_query_table_shows_escapes_not_sequences(collected: Path) -> None:
    result = run_openwave("query", SQL, "--config", str(collected))
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout and "\u202e" not in result.stdout
    assert "fast \\x1b]52;c;ZXZpbA==\\x07model\\x1b[2J \\u202eexe.txt" in result.stdout


@pytest.mark.parametrize("fmt", ["table", "csv", "json", "markdown"])
def test_query_on_a_terminal_sends_no_control_sequence_from_the_data(collected: Path, fmt: str) -> None:
    code, out = on_a_terminal("query", SQL, "--config", str(collected), "--format", fmt)
    assert code == 0
    text = out.decode()
    assert "]52;" in text and "\x07" not in text and "\x1b]" not in text and "\x1b[2J" not in text
    assert "\u202e" not in text and "\\u202eexe.txt" in text


def test_query_csv_and_json_piped_keep_the_raw_value(collected: Path) -> None:
    csv = run_openwave("query", SQL, "--config", str(collected), "--format", "csv")
    assert csv.stdout == f"repo,description\ndeepseek-ai/FlashMLA,{DESCRIPTION}\n"
    json_text = run_openwave("query", SQL, "--config", str(collected), "--format", "json").stdout
    assert "\\u001b]52;c;ZXZpbA==\\u0007" in json_text  # JSON escapes C0 itself; the value is intact


def test_run_summary_with_an_upstream_error_message_sends_no_escape(tmp_path: Path,
                                                                     standin: StandinServer) -> None:
    """A GraphQL error message is upstream text: shown escaped in the summary on stdout and in the log."""
    config = write_config(tmp_path, standin)
    standin.faults.add(r"/graphql", "status", status=200, times=20,
                       body={"data": None, "errors": [{"type": "FORBIDDEN", "message": f"no {OSC52}way{CLEAR}"}]})
    result = run_openwave("collect", "--config", str(config))
    assert result.returncode == 1
    assert "FORBIDDEN: no \\x1b]52;c;ZXZpbA==\\x07way\\x1b[2J" in result.stdout
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    log = (tmp_path / "wh" / "openwave.log").read_text()
    assert "FORBIDDEN: no \\x1b]52;c;ZXZpbA==\\x07way\\x1b[2J" in log and "\x1b" not in log
