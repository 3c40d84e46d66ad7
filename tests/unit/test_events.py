"""warehouse/events.py: [[event]] and [[crossover]] replace their tables on every collect."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from collector.config import Crossover, Event
from warehouse import db
from warehouse.events import load_events

EVENTS = (
    Event(date="2025-01-20", entity="deepseek", label="DeepSeek-R1", repo="deepseek-ai/DeepSeek-R1",
          model="deepseek-ai/DeepSeek-R1", confidence="high", source="https://example.org/r1"),
    Event(date="2025-07", entity="moonshot", label="Kimi K2"),
    Event(date="2024-02", entity="openclaw", label="launch week", end_date="2024-02"),
)
PAIRS = (Crossover("openclaw/openclaw", "torvalds/linux"), Crossover("OpenClaw/OpenClaw", "torvalds/Linux"),
         Crossover("torvalds/linux", "openclaw/openclaw"))


@pytest.fixture
def con(tmp_path: Path):
    connection = db.open_write(tmp_path / "w.duckdb")
    yield connection
    connection.close()


def rows(con: duckdb.DuckDBPyConnection) -> tuple[list[tuple], list[tuple]]:
    events = con.execute("select event_id, day::varchar, end_day::varchar, entity_key, label, repo, model, "
                         "confidence, source from events order by event_id").fetchall()
    pairs = con.execute("select repo_a, repo_b from crossover_pairs order by all").fetchall()
    return events, pairs


def test_events_and_pairs_are_loaded_in_config_order(con: duckdb.DuckDBPyConnection) -> None:
    assert load_events(con, EVENTS, PAIRS) == (3, 2)
    assert rows(con) == (
        [(1, "2025-01-20", None, "deepseek", "DeepSeek-R1", "deepseek-ai/DeepSeek-R1",
          "deepseek-ai/DeepSeek-R1", "high", "https://example.org/r1"),
         (2, "2025-07-01", None, "moonshot", "Kimi K2", None, None, None, None),
         (3, "2024-02-01", "2024-02-29", "openclaw", "launch week", None, None, None, None)],
        [("openclaw/openclaw", "torvalds/linux"), ("torvalds/linux", "openclaw/openclaw")],
    )


def test_a_second_load_replaces_everything(con: duckdb.DuckDBPyConnection) -> None:
    load_events(con, EVENTS, PAIRS)
    assert load_events(con, EVENTS[1:2], ()) == (1, 0)
    assert rows(con) == ([(1, "2025-07-01", None, "moonshot", "Kimi K2", None, None, None, None)], [])


def test_inside_a_callers_transaction_a_failure_rolls_back_both(con: duckdb.DuckDBPyConnection) -> None:
    load_events(con, EVENTS, PAIRS)
    with pytest.raises(RuntimeError), db.transaction(con):
        load_events(con, (), ())
        raise RuntimeError("the rest of the collect step failed")
    assert [r[0] for r in rows(con)[0]] == [1, 2, 3]
    assert len(rows(con)[1]) == 2
