"""The end-of-run summary a person reads: what was stored, what it cost, what failed and why."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime

from rich.console import Console
from rich.markup import escape

from collector.progress import stdout_console
from collector.run import RunSummary, SourceOutcome
from collector.terminal import printable
from sources.records import WARNING_KINDS, SourceStats

LABELS = {"github": ("GitHub", "repos"), "huggingface": ("Hugging Face", "models")}
MAX_ERRORS_SHOWN = 20
ITEMS_NAMED = 5  # items named on a line shared by many errors


def plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def rate_limit_text(stats: SourceStats) -> str:
    if stats.rate_limit_remaining is None:
        return "rate limit: not reported"
    text = f"rate limit {stats.rate_limit_remaining:,}"
    if stats.rate_limit_limit is not None:
        text += f"/{stats.rate_limit_limit:,}"
    text += " left"
    if stats.rate_limit_reset is not None:
        text += f", resets {stats.rate_limit_reset.astimezone(UTC):%H:%M} UTC"
    return text


def source_line(outcome: SourceOutcome) -> list[str]:
    label, unit = LABELS[outcome.name]
    stats = outcome.stats
    requests = plural(stats.requests, "request")
    if stats.not_modified:
        requests += f" ({stats.not_modified:,} not modified)"
    if stats.retries:
        requests += f", {stats.retries:,} retried"
    if outcome.history_requests:
        requests += f", {outcome.history_requests:,} star-history"
    cells = [label, f"{plural(outcome.stored, unit[:-1])} stored", requests, rate_limit_text(stats),
             f"{sum(e.kind not in WARNING_KINDS for e in outcome.errors):,} failed"]
    warned = sum(e.kind in WARNING_KINDS for e in outcome.errors)
    return cells + ([f"{warned:,} not listed today"] if warned else [])


def error_lines(errors: Sequence[tuple[object, object, object, object]]) -> list[str]:
    """One line per (source, item, kind, message); errors of one source with the same kind and message (188
    repos skipped because the host is unreachable) share one line naming a few items and counting the rest."""
    groups: dict[tuple[object, object, object], list[object]] = {}
    for source, item, kind, message in errors:
        groups.setdefault((source, kind, message), []).append(item)
    lines = []
    for (source, kind, message), items in groups.items():
        if len(items) == 1:
            lines.append(f"  {source} {items[0]}: {kind}: {message}")
            continue
        named = ", ".join(str(i) for i in items[:ITEMS_NAMED])
        more = f" and {len(items) - ITEMS_NAMED:,} more" if len(items) > ITEMS_NAMED else ""
        lines.append(f"  {source}: {len(items):,} items {kind}: {message} ({named}{more})")
    return lines


def summary_lines(summary: RunSummary) -> list[str]:
    """Plain lines of the summary, for the terminal and the log file. Error messages carry upstream text, so
    every line goes through `printable`: no control sequence reaches a terminal, no line break splits a line."""
    seconds = ((summary.finished_at or datetime.now(UTC)) - summary.started_at).total_seconds()
    lines = [f"openwave {summary.command} run {summary.run_id}: {summary.status} in {seconds:.1f} s -> "
             f"{summary.db_path}"]
    width = max((len(LABELS[o.name][0]) for o in summary.outcomes), default=0)
    lines += [f"  {cells[0]:<{width}}  " + " · ".join(cells[1:])
              for cells in (source_line(o) for o in summary.outcomes)]
    for outcome in summary.outcomes:
        if outcome.stats.stopped_reason:
            lines.append(f"  {LABELS[outcome.name][0]} stopped early: {outcome.stats.stopped_reason}")
    kinds = Counter((e.source, e.kind) for e in summary.errors)
    for (source, kind), count in sorted(kinds.items()):
        lines.append(f"  {plural(count, source + ' item')} {kind}")
    grouped = error_lines([(e.source, e.item, e.kind, e.message) for e in summary.errors])
    lines += [f"  {line}" for line in grouped[:MAX_ERRORS_SHOWN]]
    if len(grouped) > MAX_ERRORS_SHOWN:
        lines.append(f"    … and {len(grouped) - MAX_ERRORS_SHOWN:,} more (openwave status)")
    if summary.message:
        lines.append(f"  {summary.message}")
    return [printable(line) for line in lines]


def print_summary(summary: RunSummary, console: Console | None = None) -> None:
    """The summary on stdout: the same lines as the log, with the status coloured."""
    console = console or stdout_console()
    colour = {"ok": "green", "partial": "yellow"}.get(summary.status, "red")
    first, *rest = summary_lines(summary)
    console.print(escape(first).replace(f": {summary.status} ", f": [{colour}]{summary.status}[/] ", 1),
                  highlight=False)
    for line in rest:
        console.print(escape(line), highlight=False)
