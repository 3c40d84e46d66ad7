"""GitHubSource orchestration: clean stops on rate limits and budgets, retries, per-item failures."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx

from sources.github import GitHubSource
from sources.github.http import TOKEN_HINT
from sources.policy import RetryPolicy
from sources.records import ItemError

API = "https://api.test"
FIXED = datetime(2026, 9, 1, 3, 0, tzinfo=UTC)
RESET = "2030-03-17 17:46 UTC"
TOKEN = "ghp_SeCrEt0123456789"
RETRY = RetryPolicy(timeout_seconds=5, max_attempts=3, backoff_initial_seconds=0, backoff_max_seconds=0,
                    max_retry_after_seconds=120)
EXCEEDED = {"message": "API rate limit exceeded for 127.0.0.1. (But here's the good news: Authenticated "
                       "requests get a higher rate limit. Check out the documentation for more details.)",
            "documentation_url": "https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting"}


def repo(db_id: int, full_name: str) -> dict[str, Any]:
    return {"id": db_id, "full_name": full_name, "stargazers_count": db_id * 10, "forks_count": 1,
            "license": None, "description": None, "language": None, "created_at": None, "pushed_at": None,
            "archived": False, "fork": False}


class Rest:
    """A REST upstream with a 60-request style limit; `script` overrides the answer to the n-th request."""

    def __init__(self, limit: int = 60, script: dict[int, httpx.Response] | None = None,
                 pages: int = 1, reset: int = 1_900_000_000) -> None:
        self.remaining, self.script, self.pages, self.reset = limit, script or {}, pages, reset
        self.seen: list[str] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(str(request.url).removeprefix(API))
        if (reply := self.script.get(len(self.seen))) is not None:
            return reply
        headers = {"X-RateLimit-Limit": "60", "X-RateLimit-Reset": str(self.reset),
                   "X-RateLimit-Resource": "core"}
        if self.remaining == 0:
            return httpx.Response(403, json=EXCEEDED, headers={**headers, "X-RateLimit-Remaining": "0"})
        self.remaining -= 1
        headers["X-RateLimit-Remaining"] = str(self.remaining)
        parts = request.url.path.strip("/").split("/")
        if parts[0] == "orgs":
            page = int(request.url.params.get("page", "1"))
            if page < self.pages:
                url = f"{API}/orgs/{parts[1]}/repos?type=public&sort=full_name&per_page=100&page={page + 1}"
                headers["Link"] = f'<{url}>; rel="next"'
            body: Any = [repo(page * 100 + i, f"{parts[1]}/p{page}-{i}") for i in range(2)]
            headers["ETag"] = f'"{parts[1]}-{page}"'
        else:
            body = repo(sum(map(ord, parts[2])), f"{parts[1]}/{parts[2]}")
        return httpx.Response(200, json=body, headers=headers)


def run(handler, orgs: list[str], repos: list[str], *, token: str | None = None,
        max_requests: int | None = None, sleeps: list[float] | None = None):
    sink = sleeps if sleeps is not None else []
    source = GitHubSource(API, f"{API}/graphql", token, RETRY, transport=httpx.MockTransport(handler),
                          sleep=sink.append, max_requests=max_requests, clock=lambda: FIXED)
    return source.fetch(orgs, repos, {})


def kinds(result) -> list[tuple[str, str]]:
    return [(e.item, e.kind) for e in result.errors]


def test_stops_before_a_request_when_nothing_is_left() -> None:
    upstream = Rest(limit=3)
    result = run(upstream, ["lab"], ["lab/p1-0", "x/r1", "x/r2", "x/r3", "x/r4"])
    assert upstream.seen == ["/orgs/lab/repos?type=public&sort=full_name&per_page=100", "/repos/x/r1",
                             "/repos/x/r2"]
    assert [r.repo for r in result.records] == ["lab/p1-0", "lab/p1-1", "x/r1", "x/r2"]
    assert kinds(result) == [("x/r3", "skipped"), ("x/r4", "skipped")]
    message = result.errors[0].message
    assert message.startswith("not fetched: GitHub core rate limit exhausted (0 remaining); "
                              f"it resets at {RESET}")
    assert message.endswith(TOKEN_HINT)
    assert result.stopped_reason == result.stats.stopped_reason == message.removeprefix("not fetched: ")
    stats = result.stats
    assert (stats.requests, stats.rate_limit_limit, stats.rate_limit_remaining) == (3, 60, 0)
    assert result.stats.rate_limit_reset == datetime(2030, 3, 17, 17, 46, 40, tzinfo=UTC)


def test_a_limit_whose_reset_has_passed_does_not_stop() -> None:
    upstream = Rest(limit=1, reset=1_000_000_000)  # 2001: the window is over, the next request may go
    result = run(upstream, [], ["x/r1", "x/r2"])
    assert kinds(result) == [("x/r2", "skipped")]  # sent, and answered 403 with remaining 0
    assert upstream.seen == ["/repos/x/r1", "/repos/x/r2"]


def test_403_exhausted_keeps_what_was_read_and_skips_the_rest() -> None:
    upstream = Rest(pages=2, script={2: httpx.Response(403, json=EXCEEDED, headers={
        "X-RateLimit-Limit": "60", "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1900000000"})})
    result = run(upstream, ["lab", "lab2"], ["lab/p1-0", "x/r1", "x/r2"])
    assert len(upstream.seen) == 2
    assert [r.repo for r in result.records] == ["lab/p1-0", "lab/p1-1"]  # page 1 of lab, kept
    assert result.listings == []  # lab's listing is incomplete
    assert kinds(result) == [("lab", "skipped"), ("lab2", "skipped"), ("x/r1", "skipped"),
                             ("x/r2", "skipped")]
    assert f"GitHub core rate limit exhausted; it resets at {RESET}" in result.errors[0].message
    assert TOKEN_HINT in result.errors[0].message
    assert result.resolved == {"lab/p1-0": 100, "lab/p1-1": 101}
    assert [(e.url, e.etag) for e in result.cache_updates] == [
        ("orgs/lab/repos?per_page=100&sort=full_name&type=public", '"lab-1"')]


def graphql_handler(replies: dict[int, dict[str, Any]], queries: list[str]):
    """Answers every alias with a repo; `replies` replaces the body of the n-th query."""
    def handler(request: httpx.Request) -> httpx.Response:
        query = json.loads(request.content)["query"]
        queries.append(query)
        headers = {"X-RateLimit-Limit": "5000", "X-RateLimit-Remaining": "4000",
                   "X-RateLimit-Reset": "1900000000", "X-RateLimit-Resource": "graphql"}
        if (body := replies.get(len(queries))) is not None:
            return httpx.Response(200, json=body, headers=headers)
        data: dict[str, Any] = {"rateLimit": {"limit": 5000, "cost": 1, "remaining": 4000,
                                              "resetAt": "2030-03-17T17:46:40Z"}}
        for i in range(query.count("...R }")):
            n = len(queries)
            data[f"r{i}"] = {"databaseId": n * 1000 + i, "nameWithOwner": f"lab/m{n}-{i}",
                             "stargazerCount": 1, "forkCount": 0, "isArchived": False, "isFork": False}
        return httpx.Response(200, json={"data": data}, headers=headers)
    return handler


def test_graphql_rate_limited_stops_with_reset_time_and_no_token_hint() -> None:
    queries: list[str] = []
    limited = {"data": None, "errors": [{"type": "RATE_LIMITED", "message": "API rate limit exceeded"}]}
    names = [f"lab/n{i}" for i in range(150)]
    result = run(graphql_handler({2: limited}, queries), [], names, token=TOKEN)
    assert len(queries) == 2 and len(result.records) == 100
    assert [e.item for e in result.errors] == names[100:] and {e.kind for e in result.errors} == {"skipped"}
    assert result.errors[0].message.startswith(
        f"not fetched: GitHub graphql rate limit exhausted; it resets at {RESET}")
    assert "GITHUB_TOKEN" not in result.errors[0].message


def test_graphql_remaining_zero_in_the_body_stops_before_the_next_query() -> None:
    queries: list[str] = []
    rate = {"limit": 5000, "cost": 1, "remaining": 0, "resetAt": "2030-03-17T17:46:40Z"}
    spent = {"data": {"rateLimit": rate,
                      "r0": {"databaseId": 1, "nameWithOwner": "lab/a", "stargazerCount": 3, "forkCount": 0}}}
    result = run(graphql_handler({1: spent}, queries), [], [f"lab/n{i}" for i in range(101)], token=TOKEN)
    assert len(queries) == 1
    assert [r.repo for r in result.records] == ["lab/a"]
    assert kinds(result)[:2] == [("lab/n1", "bad_response"), ("lab/n2", "bad_response")]
    assert kinds(result)[-1] == ("lab/n100", "skipped")
    assert (result.stats.rate_limit_limit, result.stats.rate_limit_remaining) == (5000, 0)


def test_502_then_200_is_retried_once() -> None:
    upstream = Rest(script={1: httpx.Response(502, json={"message": "Server Error"})})
    result = run(upstream, [], ["x/r1"])
    assert [r.repo for r in result.records] == ["x/r1"]
    assert (result.stats.requests, result.stats.retries, result.errors) == (2, 1, [])


def test_secondary_limit_retry_after_is_honoured() -> None:
    secondary = httpx.Response(403, headers={"Retry-After": "7"},
                               json={"message": "You have exceeded a secondary rate limit. Please wait."})
    sleeps: list[float] = []
    result = run(Rest(script={2: secondary}), [], ["x/r1", "x/r2"], sleeps=sleeps)
    assert sleeps == [7.0]
    assert [r.repo for r in result.records] == ["x/r1", "x/r2"] and result.stats.retries == 1


def test_secondary_limit_asking_too_long_stops_the_source() -> None:
    secondary = httpx.Response(429, headers={"Retry-After": "3600"},
                               json={"message": "You have exceeded a secondary rate limit."})
    result = run(Rest(script={1: secondary}), [], ["x/r1", "x/r2"])
    assert kinds(result) == [("x/r1", "skipped"), ("x/r2", "skipped")]
    assert result.stopped_reason is not None
    assert result.stopped_reason.startswith("secondary rate limit asks to wait 3600 s")


def test_request_budget_stops_cleanly() -> None:
    upstream = Rest()
    result = run(upstream, [], ["x/r1", "x/r2", "x/r3", "x/r4"], max_requests=2)
    assert len(upstream.seen) == 2 and result.stats.requests == 2
    assert [r.repo for r in result.records] == ["x/r1", "x/r2"]
    assert result.stopped_reason == "request budget spent (2 requests)"
    assert result.errors[1] == ItemError("github", "x/r4", "skipped",
                                         "not fetched: request budget spent (2 requests)", FIXED)


def test_one_failing_repo_is_an_error_and_the_run_goes_on() -> None:
    boom = httpx.Response(500, json={"message": "boom"})
    result = run(Rest(script={2: boom, 3: boom, 4: boom}), [], ["x/r1", "x/flaky", "x/r3"])
    assert [r.repo for r in result.records] == ["x/r1", "x/r3"]
    message = "GET /repos/x/flaky: HTTP 500: boom (gave up after 3 attempts)"
    assert result.errors == [ItemError("github", "x/flaky", "error", message, FIXED)]
    assert (result.stats.requests, result.stats.retries) == (5, 2)


def test_token_echoed_by_upstream_never_reaches_item_errors() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        echoed = request.headers["authorization"]
        errors = [{"type": "INTERNAL", "message": f"bad {echoed}"}]
        return httpx.Response(200, json={"data": None, "errors": errors})

    result = run(handler, ["some-org"], ["a/b"], token=TOKEN)
    assert kinds(result) == [("some-org", "error"), ("a/b", "error")]
    assert all(TOKEN not in e.message and "***" in e.message for e in result.errors)
