"""A hostile or broken GitHub, over real HTTP against the stand-in: the token stays on its origin, bad counts
are errors of their repo, every request has a deadline and a body cap, broken 200s are retried, an unreachable
host stops the source in a few requests, shrunken listings are warnings, and every wait is one log line."""

from __future__ import annotations

import dataclasses
import logging
import socket
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from sources.github import GitHubSource, graphql, rest
from sources.github.http import GitHubHttp, OffOrigin, UpstreamError
from sources.policy import RetryPolicy
from sources.records import ItemError, OrgListing
from sources.standin import StandinServer, Universe

FIXED = datetime(2026, 9, 1, 3, 0, tzinfo=UTC)
TOKEN = "ghp_hostileSECRET0123456789abcdef"
RETRY = RetryPolicy(timeout_seconds=5, max_attempts=3, backoff_initial_seconds=0.01, backoff_max_seconds=0.01,
                    max_retry_after_seconds=5)
OUT_OF_RANGE = "is outside 0..2^63-1"


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def universe() -> Universe:
    u = Universe()
    for i, name in enumerate(("lab/b-repo", "lab/a-repo", "lab/c-repo")):
        u.add_repo(name, id=11 + i, stars=100 * (i + 1), forks=i)
    u.add_repo("solo/tool", id=21, stars=7)
    return u


@pytest.fixture
def server(universe: Universe) -> Iterator[StandinServer]:
    with StandinServer(universe) as s:
        yield s


@pytest.fixture
def other() -> Iterator[StandinServer]:
    """Another host: whatever reaches it (with or without the token) is a leak."""
    with StandinServer(Universe()) as s:
        yield s


def source(server: StandinServer | str, token: str | None = None, retry: RetryPolicy = RETRY,
           sleeps: list[float] | None = None) -> GitHubSource:
    api = server if isinstance(server, str) else server.github_url
    sink = sleeps if sleeps is not None else []
    return GitHubSource(api, f"{api}/graphql", token, retry, sleep=sink.append, clock=lambda: FIXED)


def client(server: StandinServer, token: str | None = TOKEN, retry: RetryPolicy = RETRY) -> GitHubHttp:
    return GitHubHttp(server.github_url, token, retry, sleep=lambda s: None)


def errors(result) -> list[tuple[str, str, str]]:
    return [(e.item, e.kind, e.message) for e in result.errors]


def netloc(server: StandinServer) -> str:
    return f"127.0.0.1:{server.port}"


# -- the token goes to the configured origin only ---------------------------------------------------------


def test_a_listing_next_link_to_another_host_is_an_error_of_the_org(server: StandinServer,
                                                                    other: StandinServer) -> None:
    server.faults.add(r"^/orgs/lab/repos", "link", target=f"{other.github_url}/orgs/lab/repos?page=2")
    result = source(server).fetch(["lab", "solo"], [], {})
    assert errors(result) == [("lab", "error", f"org listing failed: next page link points outside "
                                               f"{netloc(server)}: not followed (it points to {netloc(other)})")]
    assert [r.repo for r in result.records] == ["lab/a-repo", "lab/b-repo", "lab/c-repo", "solo/tool"]
    assert [listing.org for listing in result.listings] == ["solo"]
    assert other.count() == 0


def test_with_a_token_an_off_host_next_link_is_never_followed(server: StandinServer,
                                                             other: StandinServer) -> None:
    server.faults.add(r"^/orgs/lab/repos", "link", target=f"{other.github_url}/orgs/lab/repos?page=2")
    with client(server) as http, pytest.raises(OffOrigin, match="next page link points outside"):
        rest.list_owner(http, "lab", {}, FIXED, lambda: None, lambda page, update: None)
    with client(server) as http:
        server.faults.add(r"^/orgs/lab/repos", "link", target=f"{other.github_url}/orgs/lab/repos?page=2")
        pages = http.pages("orgs/lab/repos")
        assert next(pages).status_code == 200
        with pytest.raises(OffOrigin):
            next(pages)
    assert (server.count(authenticated=True), other.count(authenticated=True), other.count()) == (2, 0, 0)


def test_a_redirect_to_another_host_is_refused_and_a_same_origin_one_followed(
        server: StandinServer, other: StandinServer, universe: Universe) -> None:
    server.faults.add(r"^/repos/lab/a-repo$", "redirect", target=other.github_url)
    universe.rename_repo("lab/b-repo", "lab/b-new")
    with client(server) as http:
        with pytest.raises(OffOrigin) as info:
            rest.fetch_repo(http, "lab/a-repo", {}, FIXED)
        record, _ = rest.fetch_repo(http, "lab/b-repo", {}, FIXED)
    assert str(info.value) == (f"GET /repos/lab/a-repo: redirected to {netloc(other)}, outside {netloc(server)}: "
                               "not followed")
    assert (record.repo_id, record.repo, record.requested_as) == (11, "lab/b-new", "lab/b-repo")
    assert server.count(r"^/repositories/11$", authenticated=True) == 1  # the 301 is followed, token and all
    assert other.count() == 0


def test_a_graphql_redirect_to_another_host_fails_the_batch_and_sends_nothing_there(
        server: StandinServer, other: StandinServer) -> None:
    server.faults.add(r"^/graphql", "redirect", method="POST", target=other.github_url)
    result = source(server, TOKEN).fetch([], ["lab/a-repo", "solo/tool"], {})
    message = (f"GraphQL batch failed: POST /graphql: redirected to {netloc(other)}, outside {netloc(server)}: "
               "not followed")
    assert errors(result) == [("lab/a-repo", "error", message), ("solo/tool", "error", message)]
    assert other.count() == 0 and server.count("/graphql") == 1


# -- counts -----------------------------------------------------------------------------------------------


def rest_repo(stars: object, forks: object = 0) -> dict[str, object]:
    return {"id": 5, "full_name": "a/b", "stargazers_count": stars, "forks_count": forks}


@pytest.mark.parametrize(("stars", "forks", "message"), [
    (2**63, 0, f"stargazers_count {2**63} {OUT_OF_RANGE}"),
    (-1, 0, f"stargazers_count -1 {OUT_OF_RANGE}"),
    (5, 2**64, f"forks_count {2**64} {OUT_OF_RANGE}"),
    ("5", 0, "stargazers_count is not an integer: '5'"),
])
def test_counts_outside_bigint_are_bad_responses(stars: object, forks: object, message: str) -> None:
    with pytest.raises(rest.BadResponse) as info:
        rest.repo_from_rest(rest_repo(stars, forks), "a/b", "rest", FIXED)
    assert str(info.value) == message
    node = {"databaseId": 5, "nameWithOwner": "a/b", "stargazerCount": stars, "forkCount": forks}
    with pytest.raises(rest.BadResponse) as info:
        graphql.repo_from_node(node, "a/b", FIXED)
    assert str(info.value) == message.replace("stargazers_count", "stargazerCount").replace("forks_count",
                                                                                          "forkCount")


def test_the_largest_bigint_is_a_count() -> None:
    assert rest.repo_from_rest(rest_repo(2**63 - 1), "a/b", "rest", FIXED).stars == 2**63 - 1


@pytest.mark.parametrize("token", [None, TOKEN], ids=["rest", "graphql"])
def test_a_repo_with_2_63_stars_is_an_error_of_that_repo_and_the_rest_is_kept(
        server: StandinServer, universe: Universe, token: str | None) -> None:
    universe.add_repo("lab/huge", id=31, stars=2**63)
    universe.add_repo("lab/negative", id=32, stars=-4)
    universe.add_repo("named/huge", id=33, stars=2**64)
    result = source(server, token).fetch(["lab"], ["named/huge", "solo/tool"], {})
    field = "stargazerCount" if token else "stargazers_count"
    prefix = "GraphQL: " if token else "listing item: "
    named = "GraphQL: " if token else ""
    assert sorted(errors(result)) == [
        ("lab/huge", "bad_response", f"{prefix}{field} {2**63} {OUT_OF_RANGE}"),
        ("lab/negative", "bad_response", f"{prefix}{field} -4 {OUT_OF_RANGE}"),
        ("named/huge", "bad_response", f"{named}{field} {2**64} {OUT_OF_RANGE}")]
    assert sorted((r.repo, r.stars) for r in result.records) == [
        ("lab/a-repo", 200), ("lab/b-repo", 100), ("lab/c-repo", 300), ("solo/tool", 7)]
    assert [(listing.org, listing.repos) for listing in result.listings] == [
        ("lab", ("lab/a-repo", "lab/b-repo", "lab/c-repo"))]


# -- deadline, body cap, broken 200s ---------------------------------------------------------------------


def test_a_trickling_body_hits_the_total_deadline_is_retried_then_an_error(server: StandinServer) -> None:
    retry = dataclasses.replace(RETRY, max_attempts=2, deadline_seconds=0.5, timeout_seconds=30)
    server.faults.add(r"^/repos/lab/a-repo$", "trickle", seconds=0.2, times=2)
    result = source(server, retry=retry).fetch([], ["lab/a-repo", "solo/tool"], {})
    assert errors(result) == [("lab/a-repo", "error", "GET /repos/lab/a-repo: timed out: no complete answer "
                                                      "within deadline_seconds (0.5 s) (gave up after 2 attempts)")]
    assert [r.repo for r in result.records] == ["solo/tool"]
    assert server.count(r"^/repos/lab/a-repo$") == 2 and result.stats.retries == 1


def test_a_huge_body_is_an_error_of_that_item_and_not_retried(server: StandinServer) -> None:
    retry = dataclasses.replace(RETRY, max_body_bytes=10_000)
    server.faults.add(r"^/repos/lab/a-repo$", "huge", size=5_000_000, times=3)
    result = source(server, retry=retry).fetch([], ["lab/a-repo", "solo/tool"], {})
    assert errors(result) == [("lab/a-repo", "error",
                               "GET /repos/lab/a-repo: response body larger than 10,000 bytes (max_body_bytes)")]
    assert [r.repo for r in result.records] == ["solo/tool"]
    assert server.count(r"^/repos/lab/a-repo$") == 1 and result.stats.retries == 0


def test_a_body_without_a_length_is_cut_at_the_cap() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=iter([b"[" + b"0," * 4000] * 10))  # streamed, no Content-Length

    retry = dataclasses.replace(RETRY, max_body_bytes=20_000)
    with GitHubHttp("https://api.test", None, retry, transport=httpx.MockTransport(handler)) as http:
        with pytest.raises(UpstreamError, match=r"^GET /x: response body larger than 20,000 bytes"):
            http.get("x")
        assert http.stats.requests == 1


@pytest.mark.parametrize("kind", ["malformed", "truncate"])
def test_a_broken_200_is_retried_like_a_5xx(server: StandinServer, kind: str) -> None:
    server.faults.add(r"^/repos/lab/a-repo$", kind, times=2)
    server.faults.add(r"^/repos/solo/tool$", kind, times=3)
    result = source(server).fetch([], ["lab/a-repo", "solo/tool"], {})
    assert [(r.repo, r.stars) for r in result.records] == [("lab/a-repo", 200)]
    cause = ("HTTP 200 with a body that is not JSON" if kind == "malformed"
             else "connection failed (RemoteProtocolError)")
    assert errors(result) == [("solo/tool", "error", f"GET /repos/solo/tool: {cause} (gave up after 3 attempts)")]
    assert (result.stats.requests, result.stats.retries) == (6, 4)


def test_a_malformed_graphql_answer_is_retried(server: StandinServer) -> None:
    server.faults.add(r"^/graphql", "malformed", method="POST", times=2)
    result = source(server, TOKEN).fetch(["lab"], [], {})
    assert len(result.records) == 3 and result.errors == []
    assert (result.stats.requests, result.stats.retries) == (3, 2)


# -- an unreachable host ---------------------------------------------------------------------------------


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize("token", [None, TOKEN], ids=["rest", "graphql"])
@pytest.mark.parametrize(("api", "reason"), [
    ("http://api.github.invalid", "api.github.invalid: name resolution failed"),
    (None, "127.0.0.1: connection refused")], ids=["dns", "refused"])
def test_an_unreachable_host_stops_the_source_after_unreachable_after_requests(
        api: str | None, reason: str, token: str | None, caplog: pytest.LogCaptureFixture) -> None:
    retry = dataclasses.replace(RETRY, max_attempts=5, unreachable_after=3)
    sleeps: list[float] = []
    caplog.set_level(logging.WARNING, logger="openwave.net")
    result = source(api or f"http://127.0.0.1:{closed_port()}", token, retry, sleeps).fetch(
        ["org-a", "org-b"], ["x/one", "x/two"], {})
    assert result.stopped_reason == result.stats.stopped_reason == reason
    assert errors(result) == [(item, "skipped", f"not fetched: {reason}")
                              for item in ("org-a", "org-b", "x/one", "x/two")]
    assert (result.stats.requests, len(sleeps), result.records) == (3, 2, [])
    where = "POST /graphql" if token else "GET /orgs/org-a/repos"
    assert [r.getMessage() for r in caplog.records] == [
        f"github: {where}: {reason}; retrying in {wait:.1f} s (attempt {n} of 5)"
        for n, wait in zip((2, 3), sleeps, strict=True)]


def test_one_answer_closes_the_breaker_again(server: StandinServer) -> None:
    retry = dataclasses.replace(RETRY, max_attempts=3, unreachable_after=3)
    server.faults.add(r"^/repos/lab/a-repo$", "drop", times=2)  # drops are not connection failures
    server.faults.add(r"^/repos/solo/tool$", "drop", times=2)
    result = source(server, retry=retry).fetch([], ["lab/a-repo", "solo/tool"], {})
    assert result.errors == [] and result.stopped_reason is None and len(result.records) == 2


# -- one line per wait -----------------------------------------------------------------------------------


def test_every_retry_is_one_warning_line_naming_the_request_and_the_cause(
        server: StandinServer, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    server.faults.add(r"^/repos/lab/a-repo$", "status", status=502, times=1)
    server.faults.add(r"^/repos/solo/tool$", "secondary", retry_after=2, times=1)
    sleeps: list[float] = []
    result = source(server, sleeps=sleeps).fetch([], ["lab/a-repo", "solo/tool"], {})
    assert len(result.records) == 2
    lines = [(r.name, r.levelname, r.getMessage()) for r in caplog.records
             if r.levelno >= logging.INFO and r.name.startswith(("openwave", "sources"))]
    assert lines == [
        ("openwave.net", "WARNING",
         f"github: GET /repos/lab/a-repo: HTTP 502: Server Error; retrying in {sleeps[0]:.1f} s (attempt 2 of 3)"),
        ("openwave.net", "WARNING",
         "github: GET /repos/solo/tool: secondary rate limit (Retry-After 2 s); retrying in 2.0 s (attempt 2 of 3)")]


# -- conformance -----------------------------------------------------------------------------------------


def test_a_null_repository_owner_without_errors_is_not_found(server: StandinServer) -> None:
    server.faults.add(r"^/graphql", "status", method="POST", status=200, body={"data": {"repositoryOwner": None}})
    result = source(server, TOKEN).fetch(["ghost"], [], {})
    assert errors(result) == [("ghost", "not_found", "no org or user of this name (GraphQL repositoryOwner is null)")]


def test_the_rest_org_listing_asks_for_a_stable_order(server: StandinServer, universe: Universe) -> None:
    for i in range(120):
        universe.add_repo(f"big/r{(i * 37) % 120:03d}", stars=i)
    result = source(server).fetch(["big"], [], {})
    assert result.listings == [OrgListing("big", tuple(f"big/r{i:03d}" for i in range(120)), FIXED)]
    assert [e.target for e in server.log.entries] == [
        "/orgs/big/repos?type=public&sort=full_name&per_page=100",
        f"/organizations/{universe.owner('big').id}/repos?type=public&sort=full_name&per_page=100&page=2"]
    assert [e.url for e in result.cache_updates] == ["orgs/big/repos?per_page=100&sort=full_name&type=public",
                                                     "orgs/big/repos?page=2&per_page=100&sort=full_name&type=public"]


def test_anonymous_304s_cost_rate_limit_and_the_guard_counts_them(server: StandinServer) -> None:
    server.limits.configure(core_anonymous=4)
    names = ["lab/a-repo", "lab/b-repo", "lab/c-repo"]
    first = source(server).fetch([], names, {})
    assert (first.stats.requests, first.stats.rate_limit_remaining) == (3, 1)
    cache = {e.url: e for e in first.cache_updates}
    second = source(server).fetch([], names, cache)
    assert [(r.repo, r.via) for r in second.records] == [("lab/a-repo", "rest-304")]
    assert (second.stats.requests, second.stats.not_modified, second.stats.rate_limit_remaining) == (1, 1, 0)
    assert second.stopped_reason is not None
    assert second.stopped_reason.startswith("GitHub core rate limit exhausted (0 remaining)")
    assert [(e.item, e.kind) for e in second.errors] == [("lab/b-repo", "skipped"), ("lab/c-repo", "skipped")]
    assert server.count(status=304) == 1 and server.count(status=403) == 0


# -- shrunken listings -----------------------------------------------------------------------------------


@pytest.mark.parametrize("token", [None, TOKEN], ids=["rest", "graphql"])
def test_an_empty_listing_is_fetched_again_then_kept_as_a_warning(server: StandinServer,
                                                                   token: str | None) -> None:
    path = r"^/graphql" if token else r"^/orgs/lab/repos"
    server.faults.add(path, "empty", times=1)
    again = source(server, token).fetch(["lab"], [], {}, expected={"LAB": 3})
    assert again.errors == [] and len(again.records) == 3 and again.stats.requests == 2
    server.faults.add(path, "empty", times=2)
    short = source(server, token).fetch(["lab"], ["solo/tool"], {}, expected={"lab": 3})
    assert short.errors == [ItemError("github", "lab", "suspect_listing",
                                      "listed 0, 3 last time: recorded as a warning, not taken as the truth", FIXED)]
    assert short.listings == [OrgListing("lab", (), FIXED)]
    assert [r.repo for r in short.records] == ["solo/tool"]
    assert [e.url for e in short.cache_updates] == ([] if token else ["repos/solo/tool"])  # no listing entry
    server.faults.add(path, "empty", times=1)
    unknown = source(server, token).fetch(["lab"], [], {})  # nothing known of yesterday: taken as it comes
    assert unknown.errors == [] and unknown.listings == [OrgListing("lab", (), FIXED)]


def test_a_listing_above_the_ratio_is_not_fetched_again(server: StandinServer) -> None:
    result = source(server).fetch(["lab"], [], {}, expected={"lab": 6})  # 3 of 6 is min_listing_ratio 0.5
    assert result.errors == [] and result.stats.requests == 1
    result = source(server).fetch(["lab"], [], {}, expected={"lab": 7})
    assert [(e.item, e.kind) for e in result.errors] == [("lab", "suspect_listing")]
    assert result.stats.requests == 2 and len(result.records) == 3
