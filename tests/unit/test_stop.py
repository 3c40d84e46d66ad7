"""A stop event (the scheduler shutting down) ends a source fetch before its next request, waits included."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import httpx2
import pytest
from huggingface_hub import constants
from huggingface_hub.utils import _detect_agent
from huggingface_hub.utils import _http as hf_http

from collector.run import RunSummary, SourceOutcome, run_status
from sources.github import GitHubSource
from sources.github.http import GitHubHttp, StopRequested
from sources.huggingface import HuggingFaceSource
from sources.policy import RetryPolicy
from sources.records import ItemError

API = "https://api.test"
HUB = "https://hub.test"
STOPPED = "not fetched: stopped: asked to stop (signal or scheduler shutdown)"
RETRY = RetryPolicy(timeout_seconds=5, max_attempts=3, backoff_initial_seconds=0, backoff_max_seconds=0,
                    max_retry_after_seconds=900)


def repo(db_id: int, full_name: str) -> dict[str, Any]:
    return {"id": db_id, "full_name": full_name, "stargazers_count": 10, "forks_count": 1, "license": None,
            "description": None, "language": None, "created_at": None, "pushed_at": None, "archived": False,
            "fork": False}


class Upstream:
    """Answers GitHub REST requests; sets `stop` while answering the `stop_at`-th request."""

    def __init__(self, stop: threading.Event, stop_at: int) -> None:
        self.stop, self.stop_at, self.seen = stop, stop_at, []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request.url.path)
        if len(self.seen) == self.stop_at:
            self.stop.set()
        parts = request.url.path.strip("/").split("/")
        headers = {"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "50", "X-RateLimit-Reset": "1900000000"}
        if parts[0] == "orgs":
            body: Any = [repo(100 + i, f"{parts[1]}/r{i}") for i in range(2)]
        else:
            body = repo(sum(map(ord, parts[2])), f"{parts[1]}/{parts[2]}")
        return httpx.Response(200, json=body, headers=headers)


def test_http_sends_nothing_once_stop_is_set() -> None:
    stop = threading.Event()
    stop.set()
    seen: list[httpx.Request] = []
    transport = httpx.MockTransport(lambda request: seen.append(request) or httpx.Response(200, json={}))
    with GitHubHttp(API, None, RETRY, transport=transport, stop=stop) as http, \
            pytest.raises(StopRequested, match=r"^stopped: asked to stop \(signal or scheduler shutdown\)$"):
        http.get("repos/a/b")
    assert seen == []
    assert http.stats.requests == 0


def test_source_keeps_what_it_read_and_skips_the_rest_with_the_reason() -> None:
    stop = threading.Event()
    upstream = Upstream(stop, stop_at=1)  # set while the first org listing is answered
    source = GitHubSource(API, f"{API}/graphql", None, RETRY, transport=httpx.MockTransport(upstream), stop=stop)
    result = source.fetch(["lab", "lab2"], ["x/r1", "x/r2"], {})
    assert upstream.seen == ["/orgs/lab/repos"]  # nothing sent after the stop
    assert [r.repo for r in result.records] == ["lab/r0", "lab/r1"]  # what was read is kept
    assert [(e.item, e.kind, e.message) for e in result.errors] == [
        ("lab2", "skipped", STOPPED), ("x/r1", "skipped", STOPPED), ("x/r2", "skipped", STOPPED)]
    assert result.stopped_reason == "stopped: asked to stop (signal or scheduler shutdown)"
    assert result.stats.requests == 1


def test_a_retry_after_wait_ends_as_soon_as_stop_is_set() -> None:
    stop = threading.Event()
    seen: list[str] = []

    def secondary(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        return httpx.Response(403, headers={"Retry-After": "600"},
                              json={"message": "You have exceeded a secondary rate limit."})

    threading.Timer(0.3, stop.set).start()
    began = time.monotonic()
    with GitHubHttp(API, None, RETRY, transport=httpx.MockTransport(secondary), stop=stop) as http, \
            pytest.raises(StopRequested):
        http.get("repos/a/b")  # waits out Retry-After: 600 s (under max_retry_after_seconds) until the stop
    assert time.monotonic() - began < 5
    assert seen == ["/repos/a/b"]  # the retry after the wait is never sent
    assert (http.stats.requests, http.stats.retries) == (1, 1)


def test_a_stop_already_set_ends_the_wait_at_once() -> None:
    stop = threading.Event()

    def secondary(request: httpx.Request) -> httpx.Response:
        stop.set()
        return httpx.Response(429, headers={"Retry-After": "600"}, json={"message": "slow down"})

    began = time.monotonic()
    source = GitHubSource(API, f"{API}/graphql", None, RETRY, transport=httpx.MockTransport(secondary), stop=stop)
    result = source.fetch([], ["x/r1", "x/r2"], {})
    assert time.monotonic() - began < 2
    assert result.records == []
    assert [(e.item, e.kind, e.message) for e in result.errors] == [
        ("x/r1", "skipped", STOPPED), ("x/r2", "skipped", STOPPED)]
    assert result.stats.requests == 1


# -- Hugging Face ------------------------------------------------------------------------------------------


@pytest.fixture
def hermetic_hub(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    monkeypatch.setattr(hf_http, "time", SimpleNamespace(sleep=lambda seconds: None))
    monkeypatch.setattr(constants, "AGENT_HARNESSES_PATH", str(tmp_path / "agents.json"))
    monkeypatch.setattr(_detect_agent, "_registry", None)
    monkeypatch.delenv("HF_TOKEN", raising=False)


class Hub:
    """`pages[author]`: its pages of models (Link rel=next between them); sets `stop` on request `stop_at`."""

    def __init__(self, pages: dict[str, list[list[dict[str, Any]]]], stop: threading.Event, stop_at: int) -> None:
        self.pages, self.stop, self.stop_at, self.seen = pages, stop, stop_at, []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        if request.url.path != "/api/models":
            return httpx2.Response(404, json={})
        author, cursor = request.url.params["author"], int(request.url.params.get("cursor", "0"))
        self.seen.append((author, cursor))
        if len(self.seen) == self.stop_at:
            self.stop.set()
        pages = self.pages.get(author, [[]])
        headers = {}
        if cursor + 1 < len(pages):
            headers["Link"] = f'<{request.url.copy_merge_params({"cursor": str(cursor + 1)})}>; rel="next"'
        return httpx2.Response(200, json=pages[cursor], headers=headers)


def hub_source(hub: Hub, stop: threading.Event) -> HuggingFaceSource:
    return HuggingFaceSource(HUB, None, RETRY, transport_factory=lambda: httpx2.MockTransport(hub), stop=stop)


@pytest.mark.usefixtures("hermetic_hub")
def test_hub_stop_between_authors_skips_the_rest() -> None:
    stop = threading.Event()
    hub = Hub({"a": [[{"id": "a/one"}, {"id": "a/two"}]], "b": [[{"id": "b/one"}]]}, stop, stop_at=1)
    source = hub_source(hub, stop)
    records, errors = source.fetch(["a", "b", "c"])
    assert hub.seen == [("a", 0)]
    assert [r.model_id for r in records] == ["a/one", "a/two"]  # the author read before the stop is kept
    assert [(e.item, e.kind, e.message) for e in errors] == [("b", "skipped", STOPPED), ("c", "skipped", STOPPED)]
    assert source.stats.stopped_reason == "stopped: asked to stop (signal or scheduler shutdown)"


@pytest.mark.usefixtures("hermetic_hub")
def test_hub_stop_mid_listing_sends_no_further_page() -> None:
    stop = threading.Event()
    hub = Hub({"a": [[{"id": "a/one"}], [{"id": "a/two"}]], "b": [[{"id": "b/one"}]]}, stop, stop_at=1)
    source = hub_source(hub, stop)
    records, errors = source.fetch(["a", "b"])
    assert hub.seen == [("a", 0)]  # page 2 of a is never asked for
    assert records == []  # an author's listing is all or nothing
    assert [(e.item, e.kind, e.message) for e in errors] == [("a", "skipped", STOPPED), ("b", "skipped", STOPPED)]
    assert source.stats.requests == 1


@pytest.mark.usefixtures("hermetic_hub")
def test_hub_stop_set_before_the_fetch_sends_nothing() -> None:
    stop = threading.Event()
    stop.set()
    hub = Hub({"a": [[{"id": "a/one"}]]}, stop, stop_at=0)
    records, errors = hub_source(hub, stop).fetch(["a"])
    assert (hub.seen, records) == ([], [])
    assert [(e.item, e.kind, e.message) for e in errors] == [("a", "skipped", STOPPED)]


def test_run_status_failed_when_nothing_was_stored_partial_when_some_was() -> None:
    error = ItemError("github", "a/b", "skipped", "not fetched: api.github.com: name resolution failed",
                      datetime.now(UTC))

    def status(*outcomes: SourceOutcome, interrupted: bool = False) -> str:
        summary = RunSummary(1, Path("w.duckdb"), datetime.now(UTC), outcomes=list(outcomes))
        return run_status(summary, interrupted)

    assert status(SourceOutcome("github", stored=3), SourceOutcome("huggingface", stored=2)) == "ok"
    assert status(SourceOutcome("github"), SourceOutcome("huggingface")) == "ok"  # nothing to collect
    assert status(SourceOutcome("github", errors=[error]), SourceOutcome("huggingface", errors=[error])) == "failed"
    assert status(SourceOutcome("github", errors=[error]), SourceOutcome("huggingface", stored=1)) == "partial"
    assert status(SourceOutcome("github", spooled=4)) == "partial"  # kept, but waiting in pending/
    assert status(SourceOutcome("github", spooled=4, errors=[error])) == "partial"
    assert status(SourceOutcome("github", errors=[error]), interrupted=True) == "interrupted"
