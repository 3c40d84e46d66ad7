"""GitHubHttp: pagination, retries, rate limits, budget, conditional requests; the token never leaks."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest

from sources.github.http import (
    BudgetExhausted,
    GitHubError,
    GitHubHttp,
    ItemGone,
    RateLimitExhausted,
    UpstreamError,
)
from sources.policy import RetryPolicy

API = "https://api.test"
TOKEN = "ghp_SeCrEt0123456789"
RETRY = RetryPolicy(timeout_seconds=5, max_attempts=3, backoff_initial_seconds=0.01, backoff_max_seconds=0.01,
                    max_retry_after_seconds=120)
RESET = 1_900_000_000  # 2030-03-17 17:46:40 UTC


def limits(remaining: int, resource: str = "core") -> dict[str, str]:
    return {"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": str(RESET), "X-RateLimit-Used": str(60 - remaining),
            "X-RateLimit-Resource": resource}


def client(handler, *, token: str | None = None, max_requests: int | None = None,
           sleeps: list[float] | None = None) -> GitHubHttp:
    sink = sleeps if sleeps is not None else []
    return GitHubHttp(API, token, RETRY, max_requests=max_requests, sleep=sink.append,
                      transport=httpx.MockTransport(handler))


def flaky(failures: list[Exception | httpx.Response]):
    """A handler that fails in the given ways first, then answers 200 {"ok": true}."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if failures:
            failure = failures.pop(0)
            if isinstance(failure, Exception):
                raise failure
            return failure
        return httpx.Response(200, json={"ok": True}, headers=limits(59))

    handler.seen = seen  # type: ignore[attr-defined]
    return handler


def test_pages_follow_link_next_to_the_end() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        page = int(request.url.params.get("page", "1"))
        headers = limits(60 - page)
        if page < 3:
            headers["Link"] = (f'<{API}/orgs/o/repos?per_page=2&page={page + 1}>; rel="next", '
                               f'<{API}/orgs/o/repos?per_page=2&page=3>; rel="last"')
        return httpx.Response(200, json=[page * 10, page * 10 + 1], headers=headers)

    http = client(handler)
    responses = list(http.pages("orgs/o/repos", params={"per_page": 2}))
    assert [r.json() for r in responses] == [[10, 11], [20, 21], [30, 31]]
    assert [str(r.request.url) for r in responses] == [f"{API}/orgs/o/repos?per_page=2",
                                                       f"{API}/orgs/o/repos?per_page=2&page=2",
                                                       f"{API}/orgs/o/repos?per_page=2&page=3"]
    assert http.stats.requests == 3
    assert http.limits["core"].remaining == 57
    assert http.limits["core"].reset_at == datetime(2030, 3, 17, 17, 46, 40, tzinfo=UTC)


@pytest.mark.parametrize("failure", [httpx.ReadTimeout("read timed out"),
                                     httpx.RemoteProtocolError("Server disconnected without a response."),
                                     httpx.ConnectError("connection refused")],
                         ids=["timeout", "dropped-connection", "connect-error"])
def test_transport_failure_then_success_is_retried(failure: Exception) -> None:
    sleeps: list[float] = []
    handler = flaky([failure])
    http = client(handler, sleeps=sleeps)
    assert http.get("repos/a/b").json() == {"ok": True}
    assert http.stats.requests == 2
    assert http.stats.retries == 1
    assert len(sleeps) == 1 and 0 <= sleeps[0] <= 0.01


def test_502_then_200_is_retried() -> None:
    http = client(flaky([httpx.Response(502, json={"error": "Server Error"})]))
    assert http.get("repos/a/b").status_code == 200
    assert (http.stats.requests, http.stats.retries) == (2, 1)


def test_gives_up_after_max_attempts() -> None:
    sleeps: list[float] = []
    http = client(flaky([httpx.Response(502, json={"error": "Server Error"})] * 5), sleeps=sleeps)
    with pytest.raises(UpstreamError) as info:
        http.get("repos/a/b")
    assert str(info.value) == "GET /repos/a/b: HTTP 502: Server Error (gave up after 3 attempts)"
    assert info.value.status == 502
    assert (http.stats.requests, http.stats.retries, len(sleeps)) == (3, 2, 2)


def test_timeouts_until_give_up() -> None:
    http = client(flaky([httpx.ReadTimeout("slow")] * 3))
    with pytest.raises(UpstreamError, match=r"timed out \(ReadTimeout\) \(gave up after 3 attempts\)"):
        http.get("repos/a/b")


def test_secondary_limit_waits_retry_after() -> None:
    sleeps: list[float] = []
    secondary = httpx.Response(403, headers={"Retry-After": "42", **limits(40)},
                               json={"message": "You have exceeded a secondary rate limit. Please wait."})
    http = client(flaky([secondary]), sleeps=sleeps)
    assert http.get("repos/a/b").status_code == 200
    assert sleeps == [42.0]
    assert http.stats.retries == 1


def test_secondary_limit_asking_too_long_stops() -> None:
    long_wait = httpx.Response(429, headers={"Retry-After": "3600"}, json={"message": "secondary rate limit"})
    http = client(flaky([long_wait]))
    with pytest.raises(RateLimitExhausted, match="asks to wait 3600 s") as info:
        http.get("repos/a/b")
    assert info.value.resource == "secondary"
    assert http.stats.requests == 1


def test_primary_limit_exhausted_names_reset_and_token_hint() -> None:
    body = {"message": "API rate limit exceeded for 127.0.0.1.", "documentation_url": "https://docs.github.com"}
    http = client(flaky([httpx.Response(403, json=body, headers=limits(0))]))
    with pytest.raises(RateLimitExhausted) as info:
        http.get("repos/a/b")
    assert info.value.reset_at == datetime(2030, 3, 17, 17, 46, 40, tzinfo=UTC)
    assert "GitHub core rate limit exhausted; it resets at 2030-03-17 17:46 UTC" in str(info.value)
    assert "raise the limit to 5,000 requests/hour" in str(info.value)
    assert http.stats.retries == 0


def test_conditional_get_304_is_counted() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.headers.get("If-None-Match") == '"abc"':
            return httpx.Response(304, headers={"ETag": '"abc"', **limits(59)})
        return httpx.Response(200, json={}, headers={"ETag": '"abc"', **limits(58)})

    http = client(handler)
    assert http.get("repos/a/b").status_code == 200
    assert http.get("repos/a/b", etag='"abc"').status_code == 304
    assert (http.stats.requests, http.stats.not_modified) == (2, 1)


def test_redirect_followed_and_counted() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/repos/old/name":
            return httpx.Response(301, headers={"Location": f"{API}/repositories/7"},
                                  json={"message": "Moved Permanently", "url": f"{API}/repositories/7"})
        return httpx.Response(200, json={"id": 7, "full_name": "new/name"})

    http = client(handler)
    assert http.get("repos/old/name").json()["full_name"] == "new/name"
    assert http.stats.requests == 2


def test_redirect_loop_is_an_upstream_error() -> None:
    http = client(lambda request: httpx.Response(301, headers={"Location": f"{API}/repos/a/b"}))
    with pytest.raises(UpstreamError) as info:
        http.get("repos/a/b")
    assert str(info.value) == "GET /repos/a/b: more than 5 redirects"
    assert http.stats.requests == 6


def test_budget_stops_before_sending() -> None:
    handler = flaky([])
    http = client(handler, max_requests=2)
    http.get("repos/a/b")
    http.get("repos/a/c")
    with pytest.raises(BudgetExhausted, match="request budget of 2 spent"):
        http.get("repos/a/d")
    assert len(handler.seen) == 2 and http.stats.requests == 2


def test_graphql_rate_limited_raises() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        body = {"data": None, "errors": [{"type": "RATE_LIMITED", "message": "API rate limit exceeded"}]}
        return httpx.Response(200, json=body, headers=limits(0, "graphql"))

    http = client(handler, token=TOKEN)
    with pytest.raises(RateLimitExhausted, match="graphql rate limit exhausted; it resets at 2030-03-17"):
        http.graphql(f"{API}/graphql", "query { rateLimit { limit } }")


def echo(status: int):
    """An upstream that echoes the request headers (token included) into its error message."""
    def handler(request: httpx.Request) -> httpx.Response:
        message = "you sent " + json.dumps({"authorization": request.headers.get("authorization")})
        return httpx.Response(status, json={"message": message}, headers=limits(0 if status == 403 else 10))
    return handler


@pytest.mark.parametrize("status", [401, 403, 404, 422, 451, 500])
def test_token_never_in_exception_messages(status: int) -> None:
    http = client(echo(status), token=TOKEN)
    with pytest.raises(GitHubError) as info:
        http.get("repos/a/b")
    assert http.stats.requests >= 1
    raw = echo(status)(httpx.Request("GET", API, headers={"Authorization": f"Bearer {TOKEN}"}))
    assert TOKEN in raw.text  # the upstream really did echo it
    assert TOKEN not in str(info.value)
    assert "***" in str(info.value) or isinstance(info.value, RateLimitExhausted)
    assert isinstance(info.value, ItemGone) == (status in (404, 451))


@pytest.mark.parametrize("failure", [httpx.ReadTimeout(f"timeout with {TOKEN}"),
                                     httpx.RemoteProtocolError(f"dropped {TOKEN}")])
def test_token_never_in_transport_error_messages(failure: Exception) -> None:
    http = client(flaky([failure] * 3), token=TOKEN)
    with pytest.raises(UpstreamError) as info:
        http.get("repos/a/b")
    assert TOKEN not in str(info.value)
    assert "gave up after 3 attempts" in str(info.value)


def test_token_sent_as_bearer_and_not_without_one() -> None:
    handler = flaky([])
    client(handler, token=TOKEN).get("repos/a/b")
    client(handler).get("repos/a/b")
    assert [r.headers.get("Authorization") for r in handler.seen] == [f"Bearer {TOKEN}", None]
