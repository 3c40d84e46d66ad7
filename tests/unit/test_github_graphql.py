"""GraphQL path of the GitHub source (with a token), against a fake /graphql that answers like GitHub."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from sources.github import GitHubSource, graphql
from sources.policy import RetryPolicy
from sources.records import ItemError, OrgListing, RepoRecord

API = "https://api.test"
FIXED = datetime(2026, 9, 1, 3, 0, tzinfo=UTC)
RETRY = RetryPolicy(timeout_seconds=5, max_attempts=3, backoff_initial_seconds=0, backoff_max_seconds=0,
                    max_retry_after_seconds=120)
ALIAS = re.compile(r'(r\d+): repository\(owner: ("(?:[^"\\]|\\.)*"), name: ("(?:[^"\\]|\\.)*")\)')


def node(db_id: int, name: str, stars: int, forks: int = 0, *, lang: str | None = "Python",
         spdx: str | None = "MIT", desc: str | None = "a repo") -> dict[str, Any]:
    return {"databaseId": db_id, "nameWithOwner": name, "stargazerCount": stars, "forkCount": forks,
            "description": desc, "createdAt": "2024-12-26T00:00:00Z", "pushedAt": "2025-06-01T12:30:00Z",
            "isArchived": False, "isFork": False, "primaryLanguage": {"name": lang} if lang else None,
            "licenseInfo": {"spdxId": spdx} if spdx else None}


class FakeGraphQL:
    """Answers the two query shapes the client sends; renamed repos answer under their new name."""

    def __init__(self, nodes: list[dict[str, Any]], renamed: dict[str, str] | None = None,
                 forbidden: frozenset[str] = frozenset(),
                 replies: dict[int, httpx.Response] | None = None) -> None:
        self.nodes = {n["nameWithOwner"].lower(): n for n in nodes}
        self.renamed = {k.lower(): v.lower() for k, v in (renamed or {}).items()}
        self.forbidden, self.replies = forbidden, replies or {}
        self.queries: list[dict[str, Any]] = []
        self.remaining = 5000

    def __call__(self, request: httpx.Request) -> httpx.Response:
        assert (request.method, request.url.path) == ("POST", "/graphql")
        if not request.headers.get("authorization", "").startswith("Bearer "):
            return httpx.Response(401, json={"message": "This endpoint requires you to be authenticated."})
        body = json.loads(request.content)
        self.queries.append(body)
        assert "rateLimit { limit cost remaining resetAt }" in body["query"]
        if (reply := self.replies.get(len(self.queries))) is not None:
            return reply
        self.remaining -= 1
        data: dict[str, Any] = {"rateLimit": {"limit": 5000, "cost": 1, "remaining": self.remaining,
                                              "resetAt": "2030-03-17T17:46:40Z"}}
        errors: list[dict[str, Any]] = []
        if "repositoryOwner(login: $login)" in body["query"]:
            self.owner(body["variables"], data, errors)
        else:
            for alias, owner, name in ALIAS.findall(body["query"]):
                full = f"{json.loads(owner)}/{json.loads(name)}"
                data[alias] = self.repo(alias, full, errors)
        headers = {"X-RateLimit-Limit": "5000", "X-RateLimit-Remaining": str(self.remaining),
                   "X-RateLimit-Reset": "1900000000", "X-RateLimit-Resource": "graphql"}
        body = {"data": data, **({"errors": errors} if errors else {})}
        return httpx.Response(200, json=body, headers=headers)

    def repo(self, alias: str, full: str, errors: list[dict[str, Any]]) -> dict[str, Any] | None:
        key = self.renamed.get(full.lower(), full.lower())
        if full.split("/")[0] in self.forbidden:
            errors.append({"type": "FORBIDDEN", "path": [alias],
                           "message": "Resource protected by IP allow list"})
            return None
        if key not in self.nodes:
            errors.append({"type": "NOT_FOUND", "path": [alias],
                           "message": f"Could not resolve to a Repository with the name '{full}'."})
            return None
        return self.nodes[key]

    def owner(self, variables: dict[str, Any], data: dict[str, Any], errors: list[dict[str, Any]]) -> None:
        login = variables["login"].lower()
        owned = sorted((n for k, n in self.nodes.items() if k.split("/")[0] == login),
                       key=lambda n: n["nameWithOwner"].lower())
        if not owned:
            data["repositoryOwner"] = None
            errors.append({"type": "NOT_FOUND", "path": ["repositoryOwner"],
                           "message": f"Could not resolve to a RepositoryOwner with the login of '{login}'."})
            return
        start = int(variables["cursor"].removeprefix("c")) if variables.get("cursor") else 0
        page = owned[start:start + 100]
        has_next = start + 100 < len(owned)
        data["repositoryOwner"] = {"repositories": {"totalCount": len(owned), "nodes": page, "pageInfo": {
            "hasNextPage": has_next, "endCursor": f"c{start + len(page)}" if page else None}}}


def run(fake: FakeGraphQL, orgs: list[str], repos: list[str]):
    source = GitHubSource(API, f"{API}/graphql", "ghp_token", RETRY, transport=httpx.MockTransport(fake),
                          sleep=lambda s: None, clock=lambda: FIXED)
    return source.fetch(orgs, repos, {})


def record(db_id: int, name: str, stars: int, forks: int = 0, requested_as: str | None = None, **kw: Any):
    return RepoRecord(repo_id=db_id, repo=name, requested_as=requested_as or name, stars=stars, forks=forks,
                      license_spdx=kw.get("spdx", "MIT"), description=kw.get("desc", "a repo"),
                      language=kw.get("lang", "Python"), created_at=datetime(2024, 12, 26, tzinfo=UTC),
                      pushed_at=datetime(2025, 6, 1, 12, 30, tzinfo=UTC), is_archived=False, is_fork=False,
                      via="graphql", fetched_at=FIXED)


def test_batch_query_escapes_names_as_json_strings() -> None:
    query = graphql.batch_query(["deepseek-ai/DeepSeek-V3", 'evil/x") { id } #'])
    assert query.splitlines()[:3] == [
        "query { rateLimit { limit cost remaining resetAt }",
        '  r0: repository(owner: "deepseek-ai", name: "DeepSeek-V3") { ...R }',
        '  r1: repository(owner: "evil", name: "x\\") { id } #") { ...R } }']
    assert query.splitlines()[3] == graphql.FRAGMENT
    with pytest.raises(ValueError, match="1 to 100"):
        graphql.batch_query([f"o/r{i}" for i in range(101)])


def test_batch_gives_exact_records_with_a_renamed_and_a_missing_repo() -> None:
    fake = FakeGraphQL([node(910, "deepseek-ai/DeepSeek-V3", 99_000, 16_000, desc=None),
                        node(700, "zai-org/GLM-4", 6_500, 520, lang=None, spdx="Apache-2.0")],
                       renamed={"THUDM/GLM-4": "zai-org/GLM-4"})
    result = run(fake, [], ["deepseek-ai/DeepSeek-V3", "THUDM/GLM-4", "gone/deleted"])
    assert result.records == [
        record(910, "deepseek-ai/DeepSeek-V3", 99_000, 16_000, desc=None),
        record(700, "zai-org/GLM-4", 6_500, 520, requested_as="THUDM/GLM-4", lang=None, spdx="Apache-2.0")]
    assert result.errors == [ItemError("github", "gone/deleted", "not_found",
                                       "GraphQL NOT_FOUND: Could not resolve to a Repository with the name "
                                       "'gone/deleted'.", FIXED)]
    assert result.resolved == {"deepseek-ai/deepseek-v3": 910, "thudm/glm-4": 700, "zai-org/glm-4": 700}
    assert len(fake.queries) == 1 and fake.queries[0]["variables"] == {}
    stats = result.stats
    assert (stats.requests, stats.rate_limit_limit, stats.rate_limit_remaining) == (1, 5000, 4999)
    assert result.stats.rate_limit_reset == datetime(2030, 3, 17, 17, 46, 40, tzinfo=UTC)
    assert result.stopped_reason is None and result.cache_updates == [] and result.listings == []


def test_org_listing_across_two_pages() -> None:
    nodes = [node(1000 + i, f"big-org/repo-{i:03d}", i) for i in range(150)]
    fake = FakeGraphQL([*nodes, node(5, "other/x", 1)])
    result = run(fake, ["Big-Org"], [])
    assert len(fake.queries) == 2
    assert [q["variables"] for q in fake.queries] == [{"login": "Big-Org", "cursor": None},
                                                      {"login": "Big-Org", "cursor": "c100"}]
    names = tuple(f"big-org/repo-{i:03d}" for i in range(150))
    assert result.listings == [OrgListing("Big-Org", names, FIXED)]
    assert [r.repo_id for r in result.records] == list(range(1000, 1150))
    assert result.records[149] == record(1149, "big-org/repo-149", 149)
    assert sum(r.stars for r in result.records) == 11_175
    assert result.errors == [] and len(result.resolved) == 150


def test_150_named_repos_take_two_queries() -> None:
    names = [f"lab/model-{i}" for i in range(150)]
    fake = FakeGraphQL([node(i + 1, name, 10 * i) for i, name in enumerate(names)])
    result = run(fake, [], names)
    assert len(fake.queries) == 2
    assert [len(ALIAS.findall(q["query"])) for q in fake.queries] == [100, 50]
    assert [r.repo for r in result.records] == names
    assert result.stats.requests == 2 and result.errors == []


def test_repo_seen_twice_is_fetched_once_and_yields_one_record() -> None:
    fake = FakeGraphQL([node(700, "zai-org/GLM-4", 6_500), node(701, "zai-org/GLM-5", 900)],
                       renamed={"THUDM/GLM-4": "zai-org/GLM-4"})
    named = ["zai-org/glm-4", "THUDM/GLM-4", "thudm/glm-4", "zai-org/GLM-5"]
    result = run(fake, ["zai-org", "ZAI-ORG"], named)
    assert len(fake.queries) == 2  # one listing page, then one batch holding only THUDM/GLM-4
    assert len(ALIAS.findall(fake.queries[1]["query"])) == 1
    assert [(r.repo_id, r.repo, r.requested_as) for r in result.records] == [
        (700, "zai-org/GLM-4", "zai-org/GLM-4"), (701, "zai-org/GLM-5", "zai-org/GLM-5")]
    assert result.resolved == {"zai-org/glm-4": 700, "zai-org/glm-5": 701, "thudm/glm-4": 700}
    assert result.listings == [OrgListing("zai-org", ("zai-org/GLM-4", "zai-org/GLM-5"), FIXED)]


def test_old_and_new_name_in_one_batch_give_one_record() -> None:
    fake = FakeGraphQL([node(42, "openclaw/openclaw", 150_000)],
                       renamed={"moltbot/moltbot": "openclaw/openclaw"})
    result = run(fake, [], ["moltbot/moltbot", "openclaw/openclaw"])
    assert [(r.repo_id, r.repo, r.requested_as) for r in result.records] == [
        (42, "openclaw/openclaw", "moltbot/moltbot")]
    assert result.resolved == {"moltbot/moltbot": 42, "openclaw/openclaw": 42}
    assert len(fake.queries) == 1


def test_unknown_org_and_forbidden_repo_are_item_errors() -> None:
    fake = FakeGraphQL([node(1, "ok/repo", 3)], forbidden=frozenset({"walled"}))
    result = run(fake, ["no-such-org"], ["ok/repo", "walled/garden"])
    assert [(e.item, e.kind) for e in result.errors] == [("no-such-org", "not_found"),
                                                         ("walled/garden", "blocked")]
    assert result.errors[0].message == ("org GraphQL NOT_FOUND: Could not resolve to a RepositoryOwner with "
                                        "the login of 'no-such-org'.")
    assert result.errors[1].message == "GraphQL FORBIDDEN: Resource protected by IP allow list"
    assert [r.repo for r in result.records] == ["ok/repo"] and result.listings == []


def test_null_data_with_errors_fails_the_batch_not_the_run() -> None:
    failed = httpx.Response(200, json={"data": None, "errors": [{"message": "Something went wrong while "
                                                                 "executing your query.\nPlease retry."}]})
    names = [f"lab/m{i}" for i in range(101)]
    fake = FakeGraphQL([node(i + 1, n, i) for i, n in enumerate(names)], replies={1: failed})
    result = run(fake, [], names)
    assert len(result.errors) == 100
    assert {e.kind for e in result.errors} == {"error"}
    assert result.errors[0] == ItemError("github", "lab/m0", "error", "GraphQL ERROR: Something went wrong "
                                         "while executing your query. Please retry.", FIXED)
    assert [r.repo for r in result.records] == ["lab/m100"]


def test_failed_batch_after_retries_errors_each_repo_and_goes_on() -> None:
    bad = httpx.Response(502, json={"message": "Bad Gateway"})
    names = [f"lab/m{i}" for i in range(120)]
    fake = FakeGraphQL([node(i + 1, n, i) for i, n in enumerate(names)], replies={1: bad, 2: bad, 3: bad})
    result = run(fake, [], names)
    assert len(fake.queries) == 4 and result.stats.retries == 2
    assert [e.item for e in result.errors] == names[:100]
    assert result.errors[0].message == ("GraphQL batch failed: POST /graphql: HTTP 502: Bad Gateway "
                                        "(gave up after 3 attempts)")
    assert [r.repo for r in result.records] == names[100:]


def test_bad_node_is_a_bad_response_item() -> None:
    body = {"data": {"r0": {"nameWithOwner": "a/b"}, "r1": node(2, "c/d", 5)}}
    parsed = graphql.parse_batch(body, ["a/b", "c/d"], FIXED)
    assert [r.repo for r in parsed.records] == ["c/d"]
    assert parsed.failures == [("a/b", "bad_response",
                                "GraphQL: repository node lacks a field (KeyError: 'databaseId')")]


def test_org_page_with_a_null_node_keeps_the_rest_of_the_page() -> None:
    body = {"data": {"rateLimit": None, "repositoryOwner": {"repositories": {
        "totalCount": 3, "pageInfo": {"hasNextPage": True, "endCursor": "c2"},
        "nodes": [node(1, "acme/a", 10), None, node(3, "acme/c", 30)]}}},
        "errors": [{"type": "FORBIDDEN", "path": ["repositoryOwner", "repositories", "nodes", 1],
                    "message": "Resource protected by organization SAML enforcement."}]}
    page = graphql.parse_org_page(body, FIXED)
    assert page.records == [record(1, "acme/a", 10, requested_as=""), record(3, "acme/c", 30, requested_as="")]
    assert (page.has_next, page.end_cursor, page.total_count) == (True, "c2", 3)
    assert page.failures == [("listing node 1", "blocked",
                              "GraphQL: FORBIDDEN: Resource protected by organization SAML enforcement.")]
