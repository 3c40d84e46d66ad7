"""collector/terminal.py and its users: upstream text never drives the terminal."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from rich.console import Console

from collector.cli_query import print_table
from collector.report import print_summary, summary_lines
from collector.run import RunSummary, SourceOutcome
from collector.terminal import printable, printable_lines
from sources.records import ItemError, SourceStats

OSC52 = "\x1b]52;c;ZXZpbA==\x07"
CLEAR = "\x1b[2J"
T0 = datetime(2026, 3, 1, 3, 0, tzinfo=UTC)


@pytest.mark.parametrize(("text", "shown"), [
    (f"nice {OSC52} repo {CLEAR}", "nice \\x1b]52;c;ZXZpbA==\\x07 repo \\x1b[2J"),
    ("a\x9b31mred", "a\\x9b31mred"),  # C1 CSI
    ("\x00\x08\x7f", "\\x00\\x08\\x7f"),
    ("line\nnext\r\tx", "line\\x0anext\\x0d\\x09x"),
    ("abc\u202edcba\u202c", "abc\\u202edcba\\u202c"),  # right-to-left override
    ("\u2066x\u2069 \u200e \u061c", "\\u2066x\\u2069 \\u200e \\u061c"),
    ("a\u2028b", "a\\u2028b"),
    ("bad \udcff byte", "bad \\udcff byte"),
    ("DeepSeek 深度求索 café 👩‍💻 ＝", "DeepSeek 深度求索 café 👩‍💻 ＝"),  # ordinary text, ZWJ emoji kept
])
def test_printable(text: str, shown: str) -> None:
    assert printable(text) == shown


def test_printable_lines_keeps_line_breaks_only() -> None:
    assert printable_lines(f"a,b\n1,{CLEAR}\n") == "a,b\n1,\\x1b[2J\n"


def hostile_summary() -> RunSummary:
    error = ItemError(source="github", item=f"evil/{CLEAR}repo", kind="bad_response",
                      message=f"HTTP 500: {OSC52}\u202egnp.exe\nforged line", at=T0)
    outcome = SourceOutcome(name="github", stored=3, stats=SourceStats(requests=4, stopped_reason=f"x{CLEAR}"),
                            errors=[error])
    return RunSummary(run_id=7, db_path=Path("/data/w.duckdb"), started_at=T0, finished_at=T0, status="partial",
                      outcomes=[outcome], message=f"note {OSC52}")


def test_summary_lines_carry_no_control_characters() -> None:
    lines = summary_lines(hostile_summary())
    assert lines == [
        "openwave collect run 7: partial in 0.0 s -> /data/w.duckdb",
        "  GitHub  3 repos stored · 4 requests · rate limit: not reported · 1 failed",
        "  GitHub stopped early: x\\x1b[2J",
        "  1 github item bad_response",
        "    github evil/\\x1b[2Jrepo: bad_response: HTTP 500: \\x1b]52;c;ZXZpbA==\\x07\\u202egnp.exe\\x0aforged line",
        "  note \\x1b]52;c;ZXZpbA==\\x07",
    ]


@pytest.mark.parametrize("terminal", [True, False])
def test_print_summary_and_table_write_no_escape_byte(terminal: bool) -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=terminal, width=300, color_system="truecolor" if terminal else None)
    print_summary(hostile_summary(), console)
    print_table(pl.DataFrame({f"d{CLEAR}": [f"x{OSC52}\u202e[b]y[/b]"], "stars": [1]}), console)
    text = out.getvalue()
    own_colours = re.sub(r"\x1b\[[0-9;]*m", "", text)  # Rich's SGR colour codes, present on a terminal only
    assert ("\x1b" in text) is terminal
    assert "\x1b" not in own_colours and "\x07" not in text and "\u202e" not in text
    assert "\\x1b]52;c;ZXZpbA==\\x07\\u202e[b]y[/b]" in own_colours  # shown as text, markup not applied
    assert "github evil/\\x1b[2Jrepo: bad_response: HTTP 500: \\x1b]52;c;ZXZpbA==\\x07" in own_colours
