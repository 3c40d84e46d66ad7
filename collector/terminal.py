"""Upstream text made safe to show on a terminal: control characters become visible escapes.

Repo descriptions, model card fields and upstream error messages are untrusted. Printed raw, `ESC[2J` clears
the screen, `ESC]52;c;...BEL` writes the clipboard and U+202E reverses what follows. `printable` turns every C0
and C1 control (tab and newline included: a printed value stays on its line), DEL, the bidi controls and lone
surrogates into `\\xNN` / `\\uNNNN`, and leaves all other text (accents, CJK, emoji) alone. Files written by
export keep the raw value: they are data, not display.
"""

from __future__ import annotations

import re
import sys

import click

UNSAFE = re.compile(
    "[\x00-\x1f\x7f-\x9f"  # C0 (ESC, BEL, BS, CR, LF, TAB ...), DEL, C1 (CSI 0x9b, OSC 0x9d ...)
    "\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069"  # bidi marks, embeddings, overrides and isolates
    "\u2028\u2029"  # line and paragraph separators
    "\ud800-\udfff]"  # lone surrogates (undecodable bytes)
)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def printable(text: str) -> str:
    """`text` with every terminal-active or invisible-reordering character shown as an escape."""
    return UNSAFE.sub(_escape, text)


def printable_lines(text: str) -> str:
    """A multi-line text (CSV, JSON, Markdown) for a terminal: each line made printable, line breaks kept."""
    return "\n".join(printable(line) for line in text.split("\n"))


def echo_data(text: str) -> None:
    """Print a rendered export (CSV, JSON, Markdown) to stdout: escaped on a terminal, byte for byte otherwise.

    color=True keeps click from stripping CSI sequences out of piped output, which would change the data.
    """
    click.echo(printable_lines(text) if sys.stdout.isatty() else text, nl=False, color=True)
