"""The Hugging Face source: the real huggingface_hub client over httpx2.MockTransport; exact values."""

import json
import logging
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from urllib.parse import parse_qs

import httpx2
import pytest
from huggingface_hub import constants
from huggingface_hub.errors import HfHubHTTPError
from huggingface_hub.hf_api import ModelInfo
from huggingface_hub.utils import _detect_agent
from huggingface_hub.utils import _http as hf_http

from sources.huggingface import (
    EXPAND,
    HuggingFaceSource,
    RateLimitStop,
    RetriesExhausted,
    base_model_ids,
    error_kind,
    model_record,
)
from sources.policy import RetryPolicy
from sources.records import ItemError, ModelRecord

NOW = datetime(2026, 5, 1, 3, 0, tzinfo=UTC)
BASE = "https://hub.test"
TOKEN = "hf_unit_secret_token"
REQUEST = httpx2.Request("GET", BASE + "/api/models")


@pytest.fixture(autouse=True)
def hermetic_hub(monkeypatch, tmp_path):
    """No real sleeps, no local agent registry, a decoy $HF_TOKEN that must never be sent."""
    sleeps: list[float] = []
    monkeypatch.setattr(hf_http, "time", SimpleNamespace(sleep=sleeps.append))
    monkeypatch.setattr(constants, "AGENT_HARNESSES_PATH", str(tmp_path / "agents.json"))
    monkeypatch.setattr(_detect_agent, "_registry", None)
    monkeypatch.setenv("HF_TOKEN", "hf_decoy_from_env")
    return SimpleNamespace(sleeps=sleeps, registry=tmp_path / "agents.json")


class Hub:
    """A scripted Hub: `pages[author]` is a list of pages; `script` holds answers to hand out first."""

    def __init__(self, pages: dict[str, list[list[dict]]], script: list | None = None) -> None:
        self.pages, self.script, self.requests = pages, list(script or []), []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        if self.script:
            answer = self.script.pop(0)
            if isinstance(answer, Exception):
                raise answer
            if answer is not None:
                return answer
        query = parse_qs(request.url.query.decode())
        pages = self.pages.get(query["author"][0], [[]])
        index = int(query.get("cursor", ["0"])[0])
        headers = {}
        if index + 1 < len(pages):
            headers["Link"] = f'<{request.url.copy_merge_params({"cursor": str(index + 1)})}>; rel="next"'
        return httpx2.Response(200, json=pages[index], headers=headers)


def source(hub: Hub, token: str | None = TOKEN, **policy) -> tuple[HuggingFaceSource, list[float]]:
    waits: list[float] = []
    retry = RetryPolicy(**{"timeout_seconds": 7.0, "max_attempts": 3, "backoff_initial_seconds": 0.0,
                           "backoff_max_seconds": 0.0, **policy})
    src = HuggingFaceSource(BASE + "/", token, retry, transport_factory=lambda: httpx2.MockTransport(hub),
                            clock=lambda: NOW, sleep=waits.append)
    return src, waits


def rec(model_id: str, author: str = "org", **fields) -> ModelRecord:
    values = dict(hub_id=None, downloads_30d=None, downloads_all_time=None, likes=None, license=None,
                  license_name=None, license_source=None, tags=(), pipeline_tag=None, library_name=None,
                  gated=None, created_at=None, last_modified=None, children_count=None, base_models=())
    return ModelRecord(model_id=model_id, author=author, fetched_at=NOW, **{**values, **fields})


FULL = {"_id": "66f1", "id": "org/full", "downloads": 1200, "downloadsAllTime": 45000, "likes": 31,
        "tags": ["license:apache-2.0", "region:us", "text-generation"], "cardData": {"license": "apache-2.0"},
        "createdAt": "2025-04-28T12:00:00.000Z", "lastModified": "2025-05-02T08:30:15.250Z",
        "pipeline_tag": "text-generation", "library_name": "transformers", "gated": False,
        "childrenModelCount": 7, "baseModels": {"relation": "finetune", "models": [{"id": "org/base"}]}}
OTHER = {"_id": "66f2", "id": "org/other", "tags": ["license:other"], "gated": "manual",
         "cardData": {"license": "other", "license_name": "Modified MIT"}, "baseModels": ["org/a", "org/b"]}
CARD_ONLY = {"_id": "66f3", "id": "org/card", "tags": ["region:us"], "gated": "auto",
             "cardData": {"license": ["MIT", "apache-2.0"]}}


def test_a_page_of_three_models_maps_to_exact_records():
    hub = Hub({"org": [[FULL, OTHER, CARD_ONLY]]})
    src, _ = source(hub)
    records, errors = src.fetch(["org"])
    assert records == [
        rec("org/full", hub_id="66f1", downloads_30d=1200, downloads_all_time=45000, likes=31,
            license="apache-2.0", license_source="tag",
            tags=("license:apache-2.0", "region:us", "text-generation"),
            pipeline_tag="text-generation", library_name="transformers", gated="false",
            created_at=datetime(2025, 4, 28, 12, 0, tzinfo=UTC),
            last_modified=datetime(2025, 5, 2, 8, 30, 15, 250000, tzinfo=UTC), children_count=7,
            base_models=("org/base",)),
        rec("org/other", hub_id="66f2", license="other", license_name="modified-mit", license_source="tag",
            tags=("license:other",), gated="manual", base_models=("org/a", "org/b")),
        rec("org/card", hub_id="66f3", license="mit", license_source="card", tags=("region:us",),
            gated="auto"),
    ]
    assert errors == []
    assert src.stats.notes == ["org/card: card names licences mit, apache-2.0; kept mit"]
    (request,) = hub.requests
    query = parse_qs(request.url.query.decode())
    assert (request.url.host, request.url.path, query["author"], query["expand"]) == (
        "hub.test", "/api/models", ["org"], list(EXPAND))
    assert request.headers["authorization"] == f"Bearer {TOKEN}"
    assert request.extensions["timeout"] == {"connect": 7.0, "read": 7.0, "write": 7.0, "pool": 7.0}
    assert (src.stats.requests, src.stats.retries) == (1, 0)


def test_model_record_of_a_bare_model_is_all_none():
    assert model_record(ModelInfo(id="org/bare"), "org", NOW) == rec("org/bare")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ()),
        (["a/b", "c/d"], ("a/b", "c/d")),
        ([{"id": "a/b"}, {"id": "c/d"}], ("a/b", "c/d")),
        ({"relation": "merge", "models": [{"id": "a/b"}, {"id": "c/d"}]}, ("a/b", "c/d")),
        ([{"relation": "adapter", "models": [{"id": "a/b"}]}, "c/d"], ("a/b", "c/d")),
        (["a/b", {"id": "a/b"}], ("a/b",)),
        ([1, {"x": 1}, "", {"id": 5}], ()),
    ],
)
def test_base_model_shapes(value, expected):
    assert base_model_ids(value) == expected


def test_two_pages_are_followed_through_link():
    hub = Hub({"org": [[{"id": "org/a"}, {"id": "org/b"}], [{"id": "org/c"}]]})
    src, _ = source(hub)
    records, errors = src.fetch(["org"])
    assert [r.model_id for r in records] == ["org/a", "org/b", "org/c"]
    assert errors == []
    assert (src.stats.requests, src.stats.retries) == (2, 0)
    assert parse_qs(hub.requests[1].url.query.decode())["cursor"] == ["1"]


def test_a_500_is_retried_by_our_transport_not_the_client(hermetic_hub):
    hub = Hub({"org": [[{"id": "org/a"}]]}, script=[httpx2.Response(500, json={"error": "boom"})])
    src, waits = source(hub, backoff_initial_seconds=0.25, backoff_max_seconds=1.0)
    records, errors = src.fetch(["org"])
    assert ([r.model_id for r in records], errors) == (["org/a"], [])
    assert (src.stats.requests, src.stats.retries) == (2, 1)
    assert (waits, hermetic_hub.sleeps) == ([0.25], [])  # our backoff, never huggingface_hub's own sleep


def test_a_429_with_retry_after_zero_is_waited_out(hermetic_hub):
    limited = httpx2.Response(429, json={"error": "rate limited"}, headers={
        "Retry-After": "0", "RateLimit": '"api";r=0;t=0',
        "RateLimit-Policy": '"fixed window";"api";q=500;w=300'})
    hub = Hub({"org": [[{"id": "org/a"}]]}, script=[limited])
    src, waits = source(hub, backoff_initial_seconds=5.0, backoff_max_seconds=5.0)
    records, errors = src.fetch(["org"])
    assert ([r.model_id for r in records], errors) == (["org/a"], [])
    assert (src.stats.requests, src.stats.retries) == (2, 1)
    assert (waits, hermetic_hub.sleeps) == ([0], [])  # t=0: what the Hub asked, not the backoff
    assert (src.stats.rate_limit_limit, src.stats.rate_limit_remaining, src.stats.rate_limit_reset) == (
        500, 0, NOW)


def test_an_author_that_keeps_failing_is_one_error_and_the_others_go_on():
    def handler(request: httpx2.Request) -> httpx2.Response:
        if b"author=broken" in request.url.query:
            return httpx2.Response(500, json={"error": "down"})
        return hub(request)

    hub = Hub({"ok": [[{"id": "ok/a"}]]})
    src = HuggingFaceSource(BASE, TOKEN, RetryPolicy(max_attempts=3, backoff_initial_seconds=0),
                            transport_factory=lambda: httpx2.MockTransport(handler), clock=lambda: NOW)
    records, errors = src.fetch(["broken", "ok"])
    assert errors == [ItemError(source="huggingface", item="broken", kind="error",
                                message="RetriesExhausted: HTTP 500 after 3 attempts", at=NOW)]
    assert records == [rec("ok/a", author="ok")]
    assert (src.stats.requests, src.stats.retries, src.stats.stopped_reason) == (4, 2, None)


def test_a_retry_after_beyond_the_limit_stops_the_source(hermetic_hub):
    hub = Hub({}, script=[httpx2.Response(429, headers={"Retry-After": "3600"})])
    src, _ = source(hub, max_retry_after_seconds=900)
    records, errors = src.fetch(["org", "later"])
    reason = "HTTP 429: asked to wait 3600s, more than max_retry_after_seconds=900"
    assert records == []
    assert [(e.item, e.kind, e.message) for e in errors] == [
        ("org", "rate_limited", f"RateLimitStop: {reason}"),
        ("later", "skipped", f"not fetched: rate limited: {reason}"),
    ]
    assert src.stats.stopped_reason == f"rate limited: {reason}"
    assert (src.stats.requests, hermetic_hub.sleeps) == (1, [])


def dropping(hub: "Hub", drops: int):
    """A handler that resets the connection on the first `drops` requests for page 2."""
    left = iter([True] * drops)

    def handler(request: httpx2.Request) -> httpx2.Response:
        if b"cursor=1" in request.url.query and next(left, False):
            raise httpx2.ReadError("connection reset by peer")
        return hub(request)

    return handler


def test_a_connection_dropped_mid_pagination_retries_that_page(hermetic_hub):
    hub = Hub({"org": [[{"id": "org/a"}], [{"id": "org/b"}]]})
    src = HuggingFaceSource(BASE, None, RetryPolicy(max_attempts=3, backoff_initial_seconds=0),
                            transport_factory=lambda: httpx2.MockTransport(dropping(hub, 2)), clock=lambda: NOW,
                            sleep=hermetic_hub.sleeps.append)
    records, errors = src.fetch(["org"])
    assert ([r.model_id for r in records], errors) == (["org/a", "org/b"], [])
    # page 1, page 2 dropped twice, page 2: 4 requests, never more than max_attempts for one page
    assert (src.stats.requests, src.stats.retries, hermetic_hub.sleeps) == (4, 2, [0.0, 0.0])


def test_a_page_dropped_max_attempts_times_fails_the_author_without_a_restart(hermetic_hub):
    hub = Hub({"org": [[{"id": "org/a"}], [{"id": "org/b"}]]})
    src = HuggingFaceSource(BASE, None, RetryPolicy(max_attempts=2, backoff_initial_seconds=0),
                            transport_factory=lambda: httpx2.MockTransport(dropping(hub, 2)), clock=lambda: NOW,
                            sleep=hermetic_hub.sleeps.append)
    records, errors = src.fetch(["org"])
    assert records == []
    assert errors == [ItemError(source="huggingface", item="org", kind="error", at=NOW,
                                message="RetriesExhausted: ReadError: connection reset by peer after 2 attempts")]
    assert (src.stats.requests, src.stats.retries, hermetic_hub.sleeps) == (3, 1, [0.0])


def test_a_truncated_body_retries_the_page():
    hub = Hub({"org": [[{"id": "org/a"}]]}, script=[httpx2.Response(200, content=b'[{"id": "org/a"')])
    src, waits = source(hub)
    records, errors = src.fetch(["org"])
    assert ([r.model_id for r in records], errors) == (["org/a"], [])
    assert (src.stats.requests, src.stats.retries, waits) == (2, 1, [0.0])


def test_a_streamed_body_without_content_length_is_capped_and_not_retried():
    def endless():
        yield b"["
        while True:
            yield b'{"id": "org/a"},' * 64

    hub = Hub({}, script=[httpx2.Response(200, content=endless())])
    src, waits = source(hub, max_body_bytes=10_000)
    assert src.fetch(["org"]) == ([], [ItemError(source="huggingface", item="org", kind="bad_response", at=NOW,
                                                 message="BadListing: response body larger than 10,000 bytes "
                                                         "(max_body_bytes)")])
    assert (len(hub.requests), src.stats.requests, waits) == (1, 1, [])


def test_models_listed_twice_are_kept_once():
    hub = Hub({"org": [[{"id": "org/a"}, {"id": "org/b"}], [{"id": "org/b"}]], "mirror": [[{"id": "org/a"}]]})
    src, _ = source(hub)
    records, _errors = src.fetch(["org", "mirror", "org"])
    assert [(r.model_id, r.author) for r in records] == [("org/a", "org"), ("org/b", "org")]
    assert src.stats.requests == 3  # org twice (two pages), mirror once; the repeated author is not refetched


def test_a_card_naming_several_licences_is_logged_once_per_run(caplog):
    caplog.set_level(logging.INFO, logger="sources.huggingface")
    src, _ = source(Hub({"org": [[CARD_ONLY]], "mirror": [[CARD_ONLY]]}))
    src.fetch(["org"])
    src.fetch(["org", "mirror"])  # listed again (a shrunken-listing retry, a second author): still one line
    assert [(r.levelname, r.getMessage()) for r in caplog.records if "card names" in r.getMessage()] == [
        ("INFO", "huggingface: org/card: card names licences mit, apache-2.0; kept mit")]
    assert src.stats.notes == ["org/card: card names licences mit, apache-2.0; kept mit"]


def test_an_unknown_author_yields_no_models():
    src, _ = source(Hub({}))
    assert src.fetch(["nobody"]) == ([], [])


def test_an_author_that_keeps_failing_is_an_error_and_the_client_factory_is_restored():
    before = hf_http._GLOBAL_CLIENT_FACTORY
    src, _ = source(Hub({}, script=[httpx2.Response(503)] * 3))
    records, (error,) = src.fetch(["org"])
    assert (records, error.item, "HTTP 503 after 3 attempts" in error.message) == ([], "org", True)
    assert hf_http._GLOBAL_CLIENT_FACTORY is before


def test_the_token_stays_out_of_errors_and_logs(caplog):
    caplog.set_level(logging.DEBUG)
    echo = httpx2.Response(404, json={"error": f"no such author for token {TOKEN}"})
    src, _ = source(Hub({}, script=[echo]))
    _records, (error,) = src.fetch(["org"])
    assert (error.kind, "***" in error.message) == ("not_found", True)
    assert TOKEN not in error.message + caplog.text + repr(src.stats)


def test_without_a_token_nothing_is_sent_and_only_the_endpoint_is_called(hermetic_hub):
    hub = Hub({"org": [[{"id": "org/a"}]]})
    src, _ = source(hub, token=None)
    src.fetch(["org"])
    assert [("authorization" in r.headers, r.url.host) for r in hub.requests] == [(False, "hub.test")]
    assert src.stats.requests == 1
    assert not hermetic_hub.registry.exists()  # the client's agent-registry probe was not sent nor cached


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (RateLimitStop("x"), "rate_limited"),
        (RetriesExhausted("HTTP 429", 3, status=429, kind="rate_limited"), "rate_limited"),
        (RetriesExhausted("HTTP 502", 3, status=502), "error"),
        (RetriesExhausted("malformed JSON body", 3, kind="bad_response"), "bad_response"),
        (json.JSONDecodeError("x", "[", 1), "bad_response"),
        (HfHubHTTPError("x", response=httpx2.Response(404, request=REQUEST)), "not_found"),
        (HfHubHTTPError("x", response=httpx2.Response(451, request=REQUEST)), "blocked"),
        (httpx2.ConnectError("refused"), "error"),
    ],
)
def test_error_kinds(exc, kind):
    assert error_kind(exc) == kind


def test_rate_limit_headers_on_success_are_kept():
    ok = httpx2.Response(200, json=[], headers={"RateLimit": '"api";r=480;t=120',
                                                "RateLimit-Policy": '"fixed window";"api";q=500;w=300'})
    src, _ = source(Hub({}, script=[ok]))
    src.fetch(["org"])
    assert (src.stats.rate_limit_limit, src.stats.rate_limit_remaining, src.stats.rate_limit_reset) == (
        500, 480, NOW + timedelta(seconds=120))
