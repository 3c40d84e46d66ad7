"""The Hugging Face source on a bad night, against the stand-in Hub: every fault kind, counted exactly.

Waits go to an injected sleep (never a real one); huggingface_hub's own sleep is replaced by a recorder that
must stay empty. Nothing here asserts what happens within an amount of time.
"""

from __future__ import annotations

import logging
import socket
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from huggingface_hub import constants
from huggingface_hub.utils import _detect_agent
from huggingface_hub.utils import _http as hf_http

from sources.huggingface import HuggingFaceSource
from sources.policy import RetryPolicy
from sources.standin.server import StandinServer
from sources.standin.universe import Universe

TOKEN = "hf_hostile_unit_token"
MODELS = "^/api/models"
PAGE_2 = r"^/api/models\?.*cursor="


@pytest.fixture(autouse=True)
def hub_sleeps(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> list[float]:
    """huggingface_hub's own sleeps (must stay empty), no agent registry, no $HF_TOKEN."""
    sleeps: list[float] = []
    monkeypatch.setattr(hf_http, "time", SimpleNamespace(sleep=sleeps.append))
    monkeypatch.setattr(constants, "AGENT_HARNESSES_PATH", str(tmp_path / "agents.json"))
    monkeypatch.setattr(_detect_agent, "_registry", None)
    monkeypatch.delenv("HF_TOKEN", raising=False)
    return sleeps


def universe() -> Universe:
    world = Universe()
    for i in range(1, 4):
        world.add_model(f"org/m{i}", downloads=100 * i, downloads_all_time=1000 * i, likes=i)
    world.add_model("other/x", downloads=5)
    return world


@pytest.fixture
def server() -> Iterator[StandinServer]:
    with StandinServer(universe(), hub_page_size=2) as running:  # org: 2 pages (m1, m2 | m3)
        yield running


class Run:
    """A source on `endpoint` with instant retries; `waits` receives every wait it asks for."""

    def __init__(self, endpoint: str, **policy: Any) -> None:
        self.waits: list[float] = []
        retry = RetryPolicy(**{"timeout_seconds": 5.0, "max_attempts": 3, "backoff_initial_seconds": 0.01,
                               "backoff_max_seconds": 0.01, **policy})
        self.source = HuggingFaceSource(endpoint, TOKEN, retry, sleep=self.waits.append)

    def fetch(self, authors: list[str], **kwargs: Any) -> tuple[list[str], list[tuple[str, str, str]]]:
        records, errors = self.source.fetch(authors, **kwargs)
        assert TOKEN not in repr(errors) + repr(self.source.stats)
        return [r.model_id for r in records], [(e.item, e.kind, e.message) for e in errors]


ALL = ["org/m1", "org/m2", "org/m3"]


# -- 1. attempts: max_attempts in all -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "error_kind", "message"),
    [
        ("status", "error", "RetriesExhausted: HTTP 502 after 1 attempt"),
        ("drop", "error",
         "RetriesExhausted: RemoteProtocolError: Server disconnected without sending a response. after 1 attempt"),
        ("malformed", "bad_response",
         "RetriesExhausted: malformed JSON body: Unterminated string starting at: line 1 column 19 (char 18) "
         "after 1 attempt"),
    ],
)
def test_max_attempts_one_is_one_request(server, hub_sleeps, kind, error_kind, message):
    server.faults.add(MODELS, kind, times=10)
    run = Run(server.hub_url, max_attempts=1)
    assert run.fetch(["org"]) == ([], [("org", error_kind, message)])
    assert (server.count(MODELS), run.source.stats.requests, run.source.stats.retries) == (1, 1, 0)
    assert (run.waits, hub_sleeps) == ([], [])


def test_max_attempts_one_with_a_truncated_body_is_one_request(server, hub_sleeps):
    server.faults.add(MODELS, "truncate", times=10)
    run = Run(server.hub_url, max_attempts=1)
    ids, [(item, kind, message)] = run.fetch(["org"])
    assert (ids, item, kind) == ([], "org", "bad_response")
    assert message.startswith("RetriesExhausted: truncated body: ") and message.endswith(" after 1 attempt")
    assert (server.count(MODELS), run.source.stats.requests, run.waits, hub_sleeps) == (1, 1, [], [])


def test_a_failing_second_page_costs_max_attempts_requests_and_no_restart(server, hub_sleeps):
    server.faults.add(PAGE_2, "status", status=503, times=10)
    run = Run(server.hub_url, max_attempts=3)
    assert run.fetch(["org", "other"]) == (["other/x"], [
        ("org", "error", "RetriesExhausted: HTTP 503 after 3 attempts")])
    assert (server.count(PAGE_2), server.count(MODELS), run.waits, hub_sleeps) == (3, 5, [0.01, 0.01], [])


# -- 2. secondary limits are waited out -----------------------------------------------------------------------


@pytest.mark.parametrize("status", [403, 429])
def test_a_secondary_limit_is_waited_out_and_retried(server, hub_sleeps, status):
    server.faults.add(MODELS, "secondary", status=status, retry_after=7)
    run = Run(server.hub_url, max_retry_after_seconds=60)
    assert run.fetch(["org"]) == (ALL, [])
    assert (run.waits, hub_sleeps) == ([7], [])
    assert (server.count(MODELS), server.count(MODELS, status=status), run.source.stats.retries) == (3, 1, 1)


def test_a_secondary_limit_longer_than_allowed_stops_the_source(server):
    server.faults.add(MODELS, "secondary", status=403, retry_after=3600)
    run = Run(server.hub_url, max_retry_after_seconds=900)
    reason = "HTTP 403: asked to wait 3600s, more than max_retry_after_seconds=900"
    assert run.fetch(["org", "other"]) == ([], [("org", "rate_limited", f"RateLimitStop: {reason}"),
                                                ("other", "skipped", f"not fetched: rate limited: {reason}")])
    assert (server.count(MODELS), run.waits) == (1, [])


# -- 3. malformed and truncated 200s are retried ------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["malformed", "truncate"])
def test_a_broken_200_page_is_retried(server, hub_sleeps, kind):
    server.faults.add(PAGE_2, kind)
    run = Run(server.hub_url)
    assert run.fetch(["org"]) == (ALL, [])
    assert (server.count(PAGE_2), server.count(MODELS), run.waits, hub_sleeps) == (2, 3, [0.01], [])


def test_a_200_of_the_wrong_shape_is_refused_at_once(server):
    server.faults.add(PAGE_2, "status", status=200, body={"items": []})  # valid JSON, not a listing
    run = Run(server.hub_url)
    assert run.fetch(["org"]) == ([], [
        ("org", "bad_response", "BadListing: the model listing is not a JSON array but dict")])
    assert (server.count(MODELS), run.waits) == (2, [])


def test_a_body_malformed_every_time_is_a_bad_response_after_max_attempts(server, hub_sleeps):
    server.faults.add(MODELS, "malformed", times=10)
    run = Run(server.hub_url, max_attempts=3)
    _ids, [(item, kind, message)] = run.fetch(["org"])
    assert (item, kind, message.startswith("RetriesExhausted: malformed JSON body: ")) == ("org", "bad_response", True)
    assert (server.count(MODELS), run.waits, hub_sleeps) == (3, [0.01, 0.01], [])


# -- 4. deadline and body cap -----------------------------------------------------------------------------------


def test_a_trickling_body_is_cut_by_the_deadline_and_retried(server, hub_sleeps):
    server.faults.add(MODELS, "trickle", seconds=0.05, times=10)  # ~400 bytes at 20 bytes/s: ~20 s a page
    run = Run(server.hub_url, max_attempts=2, deadline_seconds=0.2)
    ids, [(item, kind, message)] = run.fetch(["org"])
    assert (ids, item, kind) == ([], "org", "error")
    assert message == "RetriesExhausted: no complete answer within deadline_seconds=0.2 after 2 attempts"
    assert (server.count(MODELS), run.source.stats.requests, run.waits, hub_sleeps) == (2, 2, [0.01], [])


def test_a_body_over_the_cap_fails_the_author_and_is_not_retried(server, hub_sleeps):
    server.faults.add("author=org", "huge", size=200_000, times=10)
    run = Run(server.hub_url, max_body_bytes=50_000)
    assert run.fetch(["org", "other"]) == (["other/x"], [
        ("org", "bad_response", "BadListing: response body larger than 50,000 bytes (max_body_bytes)")])
    assert (server.count(MODELS), run.waits, hub_sleeps) == (2, [], [])


def test_a_huge_array_of_zeros_under_the_cap_is_a_bad_response_never_ok(server):
    server.faults.add(MODELS, "huge", size=20_001)  # an odd size: the stand-in's array is valid JSON then
    run = Run(server.hub_url)
    assert run.fetch(["org"]) == ([], [("org", "bad_response", "BadListing: items are not model objects (item 0: 0)")])
    assert (server.count(MODELS), run.waits) == (1, [])


# -- 5. counts ---------------------------------------------------------------------------------------------------


def test_an_out_of_range_count_is_an_error_of_that_model_only(server):
    server.universe.add_model("org/m2", downloads=2**64)
    server.universe.add_model("org/m4", likes=-5)
    server.universe.add_model("org/m5", downloads_all_time=2**63)
    run = Run(server.hub_url)
    ids, errors = run.fetch(["org"])
    assert ids == ["org/m1", "org/m3"]
    assert errors == [
        ("org/m2", "bad_response", "downloads 18446744073709551616 is outside 0..2^63-1"),
        ("org/m4", "bad_response", "likes -5 is outside 0..2^63-1"),
        ("org/m5", "bad_response", "downloadsAllTime 9223372036854775808 is outside 0..2^63-1"),
    ]
    assert server.count(MODELS) == 3


# -- 6. fail fast on an unreachable host ---------------------------------------------------------------------------


def test_an_unresolvable_endpoint_stops_the_source_after_unreachable_after_attempts(caplog):
    caplog.set_level(logging.WARNING, logger="openwave.net")
    run = Run("http://huggingface.invalid", max_attempts=5, unreachable_after=3)
    reason = "huggingface.invalid: name resolution failed"
    assert run.fetch(["a", "b", "c"]) == ([], [(a, "skipped", f"not fetched: {reason}") for a in "abc"])
    assert (run.source.stats.stopped_reason, run.source.stats.requests, run.waits) == (reason, 3, [0.01, 0.01])
    assert [r.getMessage() for r in caplog.records] == [
        "huggingface: a: huggingface.invalid: name resolution failed; retrying in 0.0 s (attempt 2 of 5)",
        "huggingface: a: huggingface.invalid: name resolution failed; retrying in 0.0 s (attempt 3 of 5)",
    ]


def test_a_closed_port_stops_the_source_and_an_author_that_failed_before_keeps_its_error():
    with socket.socket() as bound:  # bound, never listening: every connect is refused
        bound.bind(("127.0.0.1", 0))
        endpoint = f"http://127.0.0.1:{bound.getsockname()[1]}"
        run = Run(endpoint, max_attempts=2, unreachable_after=3)
        ids, errors = run.fetch(["a", "b", "c", "d"])
    reason = "127.0.0.1: connection refused"
    assert (ids, errors) == ([], [
        ("a", "error", "RetriesExhausted: 127.0.0.1: connection refused after 2 attempts"),
        ("b", "skipped", f"not fetched: {reason}"), ("c", "skipped", f"not fetched: {reason}"),
        ("d", "skipped", f"not fetched: {reason}")])
    assert (run.source.stats.stopped_reason, run.source.stats.requests, run.waits) == (reason, 3, [0.01])


@pytest.fixture
def proxy_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY",
                 "NO_PROXY", "REQUEST_METHOD"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_the_proxy_named_in_the_environment_is_used(server, proxy_env):
    proxy_env.setenv("HTTP_PROXY", server.hub_url)  # the stand-in answers absolute-form requests like a proxy
    run = Run("http://hub.invalid")
    assert run.fetch(["other"]) == (["other/x"], [])  # one page: the stand-in's next links name its own host
    assert (server.count("^http://hub.invalid/api/models"), run.source.stats.requests) == (1, 1)  # absolute form


def test_no_proxy_is_honoured(server, proxy_env):
    proxy_env.setenv("HTTP_PROXY", server.hub_url)
    proxy_env.setenv("NO_PROXY", "hub.invalid")
    run = Run("http://hub.invalid", max_attempts=1, unreachable_after=1)
    assert run.fetch(["org"]) == ([], [("org", "skipped", "not fetched: hub.invalid: name resolution failed")])
    assert server.count() == 0


# -- 7. shrunken listings ----------------------------------------------------------------------------------------


def test_an_empty_listing_is_listed_again_and_the_second_listing_kept(server):
    server.faults.add(MODELS, "empty")
    run = Run(server.hub_url)
    assert run.fetch(["org"], expected={"org": 3}) == (ALL, [])
    assert (server.count(MODELS), run.waits) == (3, [0.01])


def test_a_listing_still_empty_is_a_warning(server):
    server.faults.add(MODELS, "empty", times=2)
    run = Run(server.hub_url)
    assert run.fetch(["org"], expected={"org": 2345}) == ([], [
        ("org", "suspect_listing", "listed 0, 2345 last time: recorded as a warning, not taken as the truth")])
    assert (server.count(MODELS), run.waits) == (2, [0.01])


def test_a_shrunken_listing_keeps_what_it_listed_with_a_warning(server):
    run = Run(server.hub_url)
    assert run.fetch(["org", "other"], expected={"org": 7, "other": 2}) == ([*ALL, "other/x"], [
        ("org", "suspect_listing", "listed 3, 7 last time: recorded as a warning, not taken as the truth")])
    assert (server.count(MODELS), run.waits) == (5, [0.01])  # org twice (2 pages each), other once


def test_without_an_expectation_an_empty_author_is_fine(server):
    run = Run(server.hub_url)
    assert run.fetch(["nobody", "org"], expected={"org": 3}) == (ALL, [])
    assert run.fetch(["nobody"]) == ([], [])
    assert (server.count(MODELS), run.waits) == (4, [])


# -- 8. one line per wait, no huggingface_hub chatter -----------------------------------------------------------------


def test_each_retry_is_one_line_in_our_format_and_huggingface_hub_says_nothing(server, caplog):
    hub_logger = logging.getLogger("huggingface_hub")
    hub_logger.addHandler(caplog.handler)  # the library logger does not propagate: listen to it directly
    try:
        caplog.set_level(logging.DEBUG)
        server.faults.add(MODELS, "status", status=502)
        server.faults.add(PAGE_2, "drop")
        run = Run(server.hub_url)
        assert run.fetch(["org"]) == (ALL, [])
    finally:
        hub_logger.removeHandler(caplog.handler)
    warnings = [(r.name, r.getMessage()) for r in caplog.records if r.levelno >= logging.WARNING]
    assert warnings == [
        ("openwave.net", "huggingface: org: HTTP 502; retrying in 0.0 s (attempt 2 of 3)"),
        ("openwave.net", "huggingface: org: RemoteProtocolError: Server disconnected without sending a response.; "
                         "retrying in 0.0 s (attempt 2 of 3)"),
    ]
    assert not [r for r in caplog.records if "Retry" in r.getMessage() and r.name.startswith("huggingface_hub")]


def test_huggingface_hub_retry_chatter_is_silenced_only_inside_a_fetch():
    seen: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: seen.append(record.getMessage())  # type: ignore[method-assign]
    hf_http.logger.addHandler(handler)
    try:
        run = Run("http://127.0.0.1:9")
        with run.source._hub_session():
            hf_http.logger.warning("Retrying in 1s [Retry 1/5].")
            hf_http.logger.warning("HTTP Error 502 thrown while requesting GET http://x")
            hf_http.logger.warning("Error closing client: boom")  # a real warning still shows
        hf_http.logger.warning("Retrying in 2s [Retry 2/5].")  # outside a fetch: untouched
    finally:
        hf_http.logger.removeHandler(handler)
    assert seen == ["Error closing client: boom", "Retrying in 2s [Retry 2/5]."]


# -- 9. the token stays on the endpoint's origin -----------------------------------------------------------------


@pytest.fixture
def elsewhere() -> Iterator[StandinServer]:
    with StandinServer(universe()) as running:
        yield running


def test_an_off_origin_next_link_is_refused(server, elsewhere):
    server.faults.add(MODELS, "link", target=f"{elsewhere.hub_url}/api/models?author=org&cursor=x")
    run = Run(server.hub_url)
    where = server.hub_url.removeprefix("http://")
    assert run.fetch(["org", "other"]) == (["other/x"], [
        ("org", "error", f"OffOrigin: next page link points outside {where}: not followed")])
    assert (elsewhere.count(), elsewhere.log.tokens_seen) == (0, False)
    assert (server.count(MODELS), server.count(MODELS, authenticated=True), run.waits) == (2, 2, [])


def test_an_off_origin_redirect_is_refused(server, elsewhere):
    server.faults.add(MODELS, "redirect", target=elsewhere.hub_url)
    run = Run(server.hub_url)
    where, target = server.hub_url.removeprefix("http://"), elsewhere.hub_url.removeprefix("http://")
    assert run.fetch(["org"]) == ([], [
        ("org", "error", f"OffOrigin: redirect to {target} points outside {where}: not followed")])
    assert (elsewhere.count(), elsewhere.log.tokens_seen, server.count(MODELS, status=302)) == (0, False, 1)


def test_a_same_origin_redirect_is_followed_with_the_token(server):
    server.faults.add(MODELS, "redirect", target=server.hub_url)
    run = Run(server.hub_url)
    assert run.fetch(["org"]) == (ALL, [])
    assert (server.count(MODELS), server.count(MODELS, authenticated=True), run.source.stats.requests) == (3, 3, 3)
