"""Upstream text made safe for a chart: what the SVG renderer cannot hold is shown as an escape.

vl-convert aborts the whole process (a Rust panic, no exception) on a character XML forbids: ESC, U+FFFE.
Labels therefore go through `collector.terminal.printable` (controls, bidi, surrogates as `\\xNN`), plus the
two XML non-characters it leaves alone. Markup characters stay as they are: the renderer escapes them.
"""

from __future__ import annotations

import re
from typing import Any

from collector.terminal import printable

NON_XML = re.compile("[\ufffe\uffff]")


def label(value: Any) -> Any:
    """A string as a chart or page may show it; any other value unchanged."""
    if not isinstance(value, str):
        return value
    return NON_XML.sub(lambda m: f"\\u{ord(m.group(0)):04x}", printable(value))


def rows(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Records with every string made a label and every date an ISO string (Vega-Lite's inline data)."""
    out = []
    for record in records:
        clean = {}
        for key, value in record.items():
            clean[key] = value.isoformat() if hasattr(value, "isoformat") else label(value)
        out.append(clean)
    return out
