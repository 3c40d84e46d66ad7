"""Replace the `events` and `crossover_pairs` tables from config.toml ([[event]], [[crossover]]) in bulk."""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from datetime import date
from typing import Protocol

import duckdb
import pyarrow as pa

from warehouse.db import transaction


class EventLike(Protocol):
    """What load_events reads from an event (collector.config.Event fits)."""

    @property
    def date(self) -> str: ...  # YYYY-MM-DD or YYYY-MM
    @property
    def entity(self) -> str: ...
    @property
    def label(self) -> str: ...
    @property
    def repo(self) -> str | None: ...
    @property
    def model(self) -> str | None: ...
    @property
    def end_date(self) -> str | None: ...
    @property
    def confidence(self) -> str | None: ...
    @property
    def source(self) -> str | None: ...


class CrossoverLike(Protocol):
    """A repo pair (collector.config.Crossover fits)."""

    @property
    def a(self) -> str: ...
    @property
    def b(self) -> str: ...


EVENTS_SCHEMA = pa.schema([
    ("event_id", pa.int32()), ("day", pa.date32()), ("end_day", pa.date32()), ("entity_key", pa.string()),
    ("label", pa.string()), ("repo", pa.string()), ("model", pa.string()), ("confidence", pa.string()),
    ("source", pa.string()),
])
PAIRS_SCHEMA = pa.schema([("repo_a", pa.string()), ("repo_b", pa.string())])


def parse_day(text: str, *, end: bool = False) -> date:
    """YYYY-MM-DD as is; YYYY-MM is the month's first day, or its last day for an end date."""
    if len(text) == 10:
        return date.fromisoformat(text)
    first = date.fromisoformat(text + "-01")
    if not end:
        return first
    return first.replace(day=calendar.monthrange(first.year, first.month)[1])


def load_events(con: duckdb.DuckDBPyConnection, events: Sequence[EventLike],
                crossovers: Sequence[CrossoverLike]) -> tuple[int, int]:
    """Replace both tables in one transaction; event_id is the 1-based position in `events`.

    Crossover pairs repeated (compared case-insensitively) are kept once, first spelling wins.
    Returns (events loaded, pairs loaded).
    """
    event_rows = pa.Table.from_pylist([
        {"event_id": i, "day": parse_day(e.date),
         "end_day": parse_day(e.end_date, end=True) if e.end_date else None,
         "entity_key": e.entity, "label": e.label, "repo": e.repo, "model": e.model,
         "confidence": e.confidence, "source": e.source}
        for i, e in enumerate(events, start=1)
    ], schema=EVENTS_SCHEMA)
    seen: set[tuple[str, str]] = set()
    pairs: list[dict[str, str]] = []
    for pair in crossovers:
        key = (pair.a.lower(), pair.b.lower())
        if key not in seen:
            seen.add(key)
            pairs.append({"repo_a": pair.a, "repo_b": pair.b})
    pair_rows = pa.Table.from_pylist(pairs, schema=PAIRS_SCHEMA)

    with transaction(con):
        con.register("_openwave_events", event_rows)
        con.register("_openwave_pairs", pair_rows)
        try:
            con.execute("delete from events")
            con.execute("insert into events by name select * from _openwave_events")
            con.execute("delete from crossover_pairs")
            con.execute("insert into crossover_pairs by name select * from _openwave_pairs")
        finally:
            con.unregister("_openwave_events")
            con.unregister("_openwave_pairs")
    return event_rows.num_rows, pair_rows.num_rows
