"""REST path of the GitHub source (no token), against a fake REST API that answers like GitHub."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import httpx

from sources.github import GitHubSource, cache_key, rest
from sources.github.http import GitHubHttp
from sources.github.rest import parse_time, repo_from_rest
from sources.policy import RetryPolicy
from sources.records import HttpCacheEntry, ItemError, OrgListing, RepoRecord

API = "https://api.test"
FIXED = datetime(2026, 9, 1, 3, 0, tzinfo=UTC)
RETRY = RetryPolicy(timeout_seconds=5, max_attempts=3, backoff_initial_seconds=0, backoff_max_seconds=0,
                    max_retry_after_seconds=120)


def repo(db_id: int, full_name: str, stars: int, forks: int = 0, spdx: str | None = "MIT") -> dict[str, Any]:
    return {"id": db_id, "full_name": full_name, "stargazers_count": stars, "forks_count": forks,
            "license": {"key": "mit", "spdx_id": spdx} if spdx else None, "description": "weights & code",
            "language": "Python", "created_at": "2024-12-26T00:00:00Z", "pushed_at": "2025-06-01T12:30:00Z",
            "archived": False, "fork": False, "html_url": f"https://github.com/{full_name}"}


class FakeRest:
    """GET /repos, /repositories/{id}, /orgs/{org}/repos and /users/{u}/repos with ETags, 301, 404, 451."""

    def __init__(self, repos: list[dict[str, Any]], renamed: dict[str, int] | None = None,
                 users: frozenset[str] = frozenset(), blocked: frozenset[str] = frozenset(),
                 link_on_304: bool = True) -> None:
        self.by_name = {r["full_name"].lower(): r for r in repos}
        self.by_id = {r["id"]: r for r in repos}
        self.renamed = {k.lower(): v for k, v in (renamed or {}).items()}
        self.users, self.blocked, self.link_on_304 = users, blocked, link_on_304
        self.seen: list[httpx.Request] = []
        self.remaining = 60

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request)
        parts = request.url.path.strip("/").split("/")
        if parts[0] == "repos" and len(parts) == 3:
            name = f"{parts[1]}/{parts[2]}".lower()
            if name in self.renamed:
                url = f"{API}/repositories/{self.renamed[name]}"
                return self.reply(request, 301, {"message": "Moved Permanently", "url": url}, Location=url)
            if name in self.blocked:
                body = {"message": "Repository access blocked", "block": {"reason": "dmca"}}
                return self.reply(request, 451, body)
            return self.found(request, self.by_name.get(name))
        if parts[0] == "repositories":
            return self.found(request, self.by_id.get(int(parts[1])))
        if parts[0] in ("orgs", "organizations", "users") and parts[2] == "repos":
            return self.listing(request, "users" if parts[0] == "users" else "orgs", parts[1].lower())
        raise AssertionError(f"unexpected request {request.url}")

    def reply(self, request: httpx.Request, status: int, body: Any, **headers: str) -> httpx.Response:
        text = json.dumps(body)
        etag = '"' + hashlib.sha1(text.encode()).hexdigest() + '"'
        if status == 200 and request.headers.get("if-none-match") == etag:
            status, text = 304, ""
        else:
            self.remaining -= 1
        if status == 304 and not self.link_on_304:
            headers.pop("Link", None)
        headers.update({"X-RateLimit-Limit": "60", "X-RateLimit-Remaining": str(self.remaining),
                        "X-RateLimit-Reset": "1900000000", "X-RateLimit-Resource": "core"})
        if status in (200, 304):
            headers["ETag"] = etag
        return httpx.Response(status, text=text, headers=headers)

    def found(self, request: httpx.Request, body: dict[str, Any] | None) -> httpx.Response:
        if body is None:
            return self.reply(request, 404, {"message": "Not Found", "documentation_url": "https://docs.github.com"})
        return self.reply(request, 200, body)

    def listing(self, request: httpx.Request, kind: str, owner: str) -> httpx.Response:
        owned = sorted((r for k, r in self.by_name.items() if k.split("/")[0] == owner),
                       key=lambda r: r["id"])
        if not owned or (kind == "orgs") == (owner in self.users):
            return self.reply(request, 404, {"message": "Not Found"})
        page, per_page = int(request.url.params.get("page", "1")), int(request.url.params["per_page"])
        last = max(1, -(-len(owned) // per_page))
        headers = {}
        if page < last:
            where = "users" if kind == "users" else "organizations"  # GitHub links to /organizations/{id}
            sort = f"&sort={request.url.params['sort']}" if "sort" in request.url.params else ""
            base = f"{API}/{where}/{owner}/repos?type={request.url.params['type']}{sort}&per_page={per_page}"
            headers["Link"] = f'<{base}&page={page + 1}>; rel="next", <{base}&page={last}>; rel="last"'
        return self.reply(request, 200, owned[(page - 1) * per_page:page * per_page], **headers)


def run(fake: FakeRest, orgs: list[str], repos: list[str], cache: dict[str, HttpCacheEntry] | None = None,
        clock: datetime = FIXED):
    source = GitHubSource(API, f"{API}/graphql", None, RETRY, transport=httpx.MockTransport(fake),
                          sleep=lambda s: None, clock=lambda: clock)
    return source.fetch(orgs, repos, cache or {})


def record(db_id: int, name: str, stars: int, requested_as: str | None = None, via: str = "rest",
           at: datetime = FIXED) -> RepoRecord:
    return RepoRecord(repo_id=db_id, repo=name, requested_as=requested_as or name, stars=stars, forks=0,
                      license_spdx="MIT", description="weights & code", language="Python",
                      created_at=datetime(2024, 12, 26, tzinfo=UTC),
                      pushed_at=datetime(2025, 6, 1, 12, 30, tzinfo=UTC),
                      is_archived=False, is_fork=False, via=via, fetched_at=at)  # type: ignore[arg-type]


def test_cache_keys_are_relative_lower_case_and_sorted() -> None:
    assert cache_key("repos/DeepSeek-AI/DeepSeek-V3", API) == "repos/deepseek-ai/deepseek-v3"
    assert cache_key(f"{API}/orgs/Qwen/repos?type=public&sort=full_name&per_page=100&page=2", API) == (
        "orgs/qwen/repos?page=2&per_page=100&sort=full_name&type=public")
    assert cache_key("https://ghe.example/api/v3/repos/a/B", "https://ghe.example/api/v3") == "repos/a/b"


def test_etag_then_304_gives_the_same_record_for_free() -> None:
    fake = FakeRest([repo(910, "deepseek-ai/DeepSeek-V3", 99_000)])
    first = run(fake, [], ["deepseek-ai/DeepSeek-V3"])
    assert first.records == [record(910, "deepseek-ai/DeepSeek-V3", 99_000)]
    [entry] = first.cache_updates
    assert (entry.url, entry.etag[0], entry.fetched_at) == ("repos/deepseek-ai/deepseek-v3", '"', FIXED)
    assert json.loads(entry.body)["stargazers_count"] == 99_000
    assert "if-none-match" not in fake.seen[0].headers

    later = datetime(2026, 9, 2, 3, 0, tzinfo=UTC)
    second = run(fake, [], ["deepseek-ai/DeepSeek-V3"], {entry.url: entry}, clock=later)
    assert fake.seen[1].headers["if-none-match"] == entry.etag
    assert second.records == [record(910, "deepseek-ai/DeepSeek-V3", 99_000, via="rest-304", at=later)]
    assert dataclasses.replace(second.records[0], via="rest", fetched_at=FIXED) == first.records[0]
    assert (second.stats.requests, second.stats.not_modified, second.stats.rate_limit_remaining) == (1, 1, 59)
    assert second.cache_updates == []


def test_renamed_repo_follows_301_to_the_new_name() -> None:
    fake = FakeRest([repo(515, "new-owner/new-name", 12)], renamed={"old-owner/old-name": 515})
    result = run(fake, [], ["old-owner/old-name"])
    assert result.records == [record(515, "new-owner/new-name", 12, requested_as="old-owner/old-name")]
    assert [r.url.path for r in fake.seen] == ["/repos/old-owner/old-name", "/repositories/515"]
    assert result.resolved == {"old-owner/old-name": 515, "new-owner/new-name": 515}
    assert [e.url for e in result.cache_updates] == ["repos/new-owner/new-name"]  # asked under its new name next
    again = run(fake, [], ["new-owner/new-name"], {e.url: e for e in result.cache_updates})
    assert [r.via for r in again.records] == ["rest-304"] and again.stats.not_modified == 1
    assert [r.url.path for r in fake.seen[2:]] == ["/repos/new-owner/new-name"]


def test_old_then_new_name_is_fetched_once() -> None:
    fake = FakeRest([repo(515, "openclaw/openclaw", 150_000)], renamed={"moltbot/moltbot": 515})
    result = run(fake, [], ["moltbot/moltbot", "OpenClaw/OpenClaw"])
    assert [r.url.path for r in fake.seen] == ["/repos/moltbot/moltbot", "/repositories/515"]
    assert result.records == [record(515, "openclaw/openclaw", 150_000, requested_as="moltbot/moltbot")]
    assert result.resolved == {"moltbot/moltbot": 515, "openclaw/openclaw": 515}


def test_deleted_and_blocked_repos_are_item_errors() -> None:
    fake = FakeRest([repo(1, "ok/repo", 5)], blocked=frozenset({"dmca/repo"}))
    result = run(fake, [], ["gone/repo", "dmca/repo", "ok/repo"])
    assert result.errors == [
        ItemError("github", "gone/repo", "not_found", "not found (HTTP 404)", FIXED),
        ItemError("github", "dmca/repo", "blocked", "repository access blocked (HTTP 451)", FIXED)]
    assert [r.repo for r in result.records] == ["ok/repo"]
    assert result.stopped_reason is None


def test_org_listing_pages_carry_the_records_and_cover_named_repos() -> None:
    repos = [repo(100 + i, f"qwenlm/Qwen-{i:03d}", i) for i in range(130)]
    fake = FakeRest([*repos, repo(7, "solo/tool", 70)], users=frozenset({"solo"}))
    result = run(fake, ["QwenLM", "solo"], ["qwenlm/qwen-005", "solo/tool"])
    assert [str(r.url).removeprefix(API) for r in fake.seen] == [
        "/orgs/QwenLM/repos?type=public&sort=full_name&per_page=100",
        "/organizations/qwenlm/repos?type=public&sort=full_name&per_page=100&page=2",
        "/orgs/solo/repos?type=public&sort=full_name&per_page=100",
        "/users/solo/repos?type=owner&per_page=100"]
    assert result.listings == [OrgListing("QwenLM", tuple(f"qwenlm/Qwen-{i:03d}" for i in range(130)), FIXED),
                               OrgListing("solo", ("solo/tool",), FIXED)]
    assert len(result.records) == 131 and result.records[5] == record(105, "qwenlm/Qwen-005", 5)
    assert result.resolved["qwenlm/qwen-005"] == 105 and result.resolved["solo/tool"] == 7
    assert [e.url for e in result.cache_updates] == ["orgs/qwenlm/repos?per_page=100&sort=full_name&type=public",
                                                     "orgs/qwenlm/repos?page=2&per_page=100&sort=full_name&type=public",
                                                     "users/solo/repos?per_page=100&type=owner"]
    assert result.errors == []


def test_unknown_org_and_user_is_not_found() -> None:
    fake = FakeRest([])
    result = run(fake, ["nobody"], [])
    assert [r.url.path for r in fake.seen] == ["/orgs/nobody/repos", "/users/nobody/repos"]
    assert result.errors == [ItemError("github", "nobody", "not_found",
                                       "no org or user of this name (HTTP 404)", FIXED)]


def test_listing_pages_answered_304_reuse_the_cached_bodies() -> None:
    for link_on_304 in (True, False):
        repos = [repo(100 + i, f"big/r{i:03d}", i) for i in range(150)]
        fake = FakeRest(repos, link_on_304=link_on_304)
        first = run(fake, ["big"], [])
        cache = {e.url: e for e in first.cache_updates}
        second = run(fake, ["big"], [], cache)
        second_page = "organizations/big/repos?type=public&sort=full_name&per_page=100&page=2" if link_on_304 else (
            "orgs/big/repos?type=public&sort=full_name&per_page=100&page=2")
        assert str(fake.seen[3].url).removeprefix(f"{API}/") == second_page
        assert [r.headers.get("if-none-match") for r in fake.seen[2:]] == [
            cache["orgs/big/repos?per_page=100&sort=full_name&type=public"].etag,
            cache["orgs/big/repos?page=2&per_page=100&sort=full_name&type=public"].etag]
        assert (second.stats.requests, second.stats.not_modified) == (2, 2)
        assert [dataclasses.replace(r, via="rest") for r in second.records] == first.records
        assert {r.via for r in second.records} == {"rest-304"}
        assert second.listings == first.listings and second.cache_updates == []


def test_repo_from_rest_keeps_noassertion_and_missing_license() -> None:
    noassertion = repo_from_rest(repo(1, "a/b", 1, spdx="NOASSERTION"), "a/b", "rest", FIXED)
    assert noassertion.license_spdx == "NOASSERTION"
    assert repo_from_rest(repo(1, "a/b", 1, spdx=None), "a/b", "rest", FIXED).license_spdx is None


def test_timestamps_are_utc_aware() -> None:
    assert parse_time("2024-12-26T08:00:00Z") == datetime(2024, 12, 26, 8, tzinfo=UTC)
    assert parse_time("2024-12-26T08:00:00").tzinfo is not None
    assert parse_time(None) is None


def test_a_malformed_listing_item_is_skipped_and_reported() -> None:
    items = [{"id": 1, "full_name": "acme/a", "stargazers_count": 5, "forks_count": 0},
             {"id": "x", "full_name": "acme/broken", "stargazers_count": None},
             {"id": 3, "full_name": "acme/c", "stargazers_count": 7, "forks_count": 1}]

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=items)

    bad: list[tuple[str, str]] = []
    with GitHubHttp("https://api.github.test", None, RetryPolicy(), transport=httpx.MockTransport(handler)) as http:
        records = rest.list_owner(http, "acme", {}, datetime(2026, 1, 1, tzinfo=UTC), lambda: None,
                                  lambda page, update: None, lambda item, reason: bad.append((item, reason)))
    assert [(r.repo_id, r.repo, r.stars) for r in records] == [(1, "acme/a", 5), (3, "acme/c", 7)]
    assert [item for item, _ in bad] == ["acme/broken"]
