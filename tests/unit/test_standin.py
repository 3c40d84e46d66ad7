"""The stand-in upstream over real HTTP on 127.0.0.1: GitHub REST/GraphQL/star history and the Hub API."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime

import httpx
import pytest

from collector.config import Entity
from sources.standin import (
    StandinServer,
    Universe,
    add_mixed_age_repos,
    build_scaled_universe,
    build_universe,
)

TODAY = date(2026, 1, 20)  # a Tuesday
ROCKET_SERIES = {date(2026, 1, 1): 3, date(2026, 1, 3): 1, date(2026, 1, 5): 2, date(2026, 1, 18): 4,
                 date(2026, 1, 20): 1}  # fmt: skip
TOKEN = {"Authorization": "token ghp_TOPSECRET42"}
BEARER = {"Authorization": "bearer ghp_TOPSECRET42"}
FRAGMENT = "fragment R on Repository { databaseId nameWithOwner stargazerCount licenseInfo { spdxId } }"


def make_universe() -> Universe:
    universe = Universe(today=TODAY)
    for i, name in enumerate(["alpha", "bravo", "charlie", "delta", "echo"]):
        created = datetime(2020, 1, 1 + i, tzinfo=UTC)
        universe.add_repo(f"acme/{name}", id=101 + i, stars=10 * (i + 1), created_at=created, license="MIT")
    universe.add_repo("acme/rocket", id=200, created_at=datetime(2026, 1, 1, 12, tzinfo=UTC),
                      stars_by_day=dict(ROCKET_SERIES), license="Apache-2.0", language="Python")  # fmt: skip
    universe.add_owner("solo", kind="User")
    universe.add_repo("solo/tool", id=300, stars=7, created_at=datetime(2025, 6, 1, tzinfo=UTC))
    for i in range(5):
        universe.add_model(f"acme-ai/m{i}", hub_id=f"{i:024x}", downloads=100 * i, likes=i,
                           downloads_all_time=1000 * i, tags=["license:mit"],
                           pipeline_tag="text-generation")  # fmt: skip
    universe.add_model("other/x", hub_id="f" * 24)
    return universe


@pytest.fixture
def server() -> Iterator[StandinServer]:
    with StandinServer(make_universe()) as running:
        running.limits.configure(reset_epoch=2_000_000_000)
        yield running


@pytest.fixture
def client(server: StandinServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.github_url, timeout=5) as http:
        yield http


def test_org_listing_follows_link_pages(server: StandinServer, client: httpx.Client) -> None:
    url: str | None = f"{server.github_url}/orgs/acme/repos?type=public&per_page=2"
    pages, links = [], []
    while url:
        response = client.get(url)
        pages.append([repo["full_name"] for repo in response.json()])
        links.append(response.headers.get("Link"))
        url = response.links.get("next", {}).get("url")
    assert pages == [
        ["acme/rocket", "acme/echo"],
        ["acme/delta", "acme/charlie"],
        ["acme/bravo", "acme/alpha"],
    ]
    base = f"{server.github_url}/organizations/1000000/repos?type=public&per_page=2"
    assert links[1] == (f'<{base}&page=1>; rel="prev", <{base}&page=3>; rel="next", '
                        f'<{base}&page=3>; rel="last", <{base}&page=1>; rel="first"')  # fmt: skip
    assert client.get("/orgs/solo/repos").status_code == 404  # a user, not an org
    assert [r["full_name"] for r in client.get("/users/solo/repos").json()] == ["solo/tool"]
    assert client.get("/orgs/nobody/repos").json()["message"] == "Not Found"


def test_etag_304_is_free_only_when_authorised(server: StandinServer, client: httpx.Client) -> None:
    first = client.get("/repos/acme/alpha")
    etag = first.headers["ETag"]
    assert (first.status_code, first.headers["X-RateLimit-Remaining"]) == (200, "59")
    assert etag.startswith('"') and len(etag) == 66
    again = client.get("/repos/acme/alpha", headers={"If-None-Match": etag})
    assert (again.status_code, again.content, again.headers["ETag"]) == (304, b"", etag)
    assert (again.headers["X-RateLimit-Remaining"], again.headers["X-RateLimit-Used"]) == ("58", "2")
    server.universe.set_stars("acme/alpha", 11)
    changed = client.get("/repos/acme/alpha", headers={"If-None-Match": etag})
    assert (changed.status_code, changed.json()["stargazers_count"]) == (200, 11)
    assert changed.headers["ETag"] != etag and changed.headers["X-RateLimit-Remaining"] == "57"
    authorised = client.get("/repos/acme/alpha", headers={"If-None-Match": changed.headers["ETag"], **TOKEN})
    assert (authorised.status_code, authorised.headers["X-RateLimit-Remaining"]) == (304, "5000")
    assert server.count(status=304) == 2 and server.count(path_regex="^/repos/acme/alpha$") == 4


def test_exhausted_core_limit_answers_403() -> None:
    server = StandinServer(make_universe(), core_limit_anonymous=2)
    with server, httpx.Client(base_url=server.github_url) as http:
        server.limits.configure(reset_epoch=2_000_000_000)
        assert [http.get("/repos/acme/alpha").status_code for _ in range(2)] == [200, 200]
        refused = http.get("/repos/acme/alpha")
        assert refused.status_code == 403
        assert refused.json() == {
            "message": "API rate limit exceeded for 127.0.0.1. (But here's the good news: Authenticated "
            "requests get a higher rate limit. Check out the documentation for more details.)",
            "documentation_url": "https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting",
        }
        assert {k: v for k, v in refused.headers.items() if k.startswith("x-ratelimit")} == {
            "x-ratelimit-limit": "2", "x-ratelimit-remaining": "0", "x-ratelimit-reset": "2000000000",
            "x-ratelimit-used": "2", "x-ratelimit-resource": "core"}  # fmt: skip
        rate = http.get("/rate_limit").json()["resources"]["core"]
        assert rate == {"limit": 2, "used": 2, "remaining": 0, "reset": 2_000_000_000}
        with_token = http.get("/repos/acme/alpha", headers=TOKEN)
        assert (with_token.status_code, with_token.headers["X-RateLimit-Remaining"]) == (200, "4999")
        assert server.count(status=403) == 1 and server.count(authenticated=True) == 1
        assert "TOPSECRET" not in repr(server.log.entries) and server.log.tokens_seen


def test_renamed_repo_redirects_to_repository_id(server: StandinServer, client: httpx.Client) -> None:
    server.universe.rename_repo("acme/alpha", "acme-labs/alpha-next")
    moved = client.get("/repos/acme/alpha")
    url = f"{server.github_url}/repositories/101"
    assert (moved.status_code, moved.headers["Location"]) == (301, url)
    assert moved.json() == {"message": "Moved Permanently", "url": url,
                            "documentation_url": "https://docs.github.com/v3/#http-redirects"}  # fmt: skip
    assert client.get(url).json()["full_name"] == "acme-labs/alpha-next"
    assert client.get("/repos/ACME-LABS/Alpha-Next").json()["id"] == 101
    history = client.get("/repos/acme/alpha/stargazers/history?per_page=5&page=2")
    assert history.headers["Location"] == f"{url}/stargazers/history?per_page=5&page=2"


def test_deleted_404_and_blocked_451(server: StandinServer, client: httpx.Client) -> None:
    server.universe.delete_repo("acme/bravo")
    server.universe.block_repo("acme/charlie")
    gone = client.get("/repos/acme/bravo")
    assert (gone.status_code, gone.json()["message"]) == (404, "Not Found")
    assert client.get("/repositories/102").status_code == 404
    blocked = client.get("/repos/acme/charlie")
    assert (blocked.status_code, blocked.json()["message"], blocked.json()["block"]["reason"]) == (
        451, "Repository access blocked", "dmca")  # fmt: skip
    names = [r["name"] for r in client.get("/orgs/acme/repos").json()]
    assert names == ["rocket", "echo", "delta", "alpha"]


def test_graphql_batch_with_renamed_and_deleted_repos(server: StandinServer, client: httpx.Client) -> None:
    server.universe.rename_repo("acme/alpha", "acme/alpha-next")
    server.universe.delete_repo("acme/bravo")
    query = ('query { rateLimit { limit cost remaining resetAt }\n'
             '  r0: repository(owner: "acme", name: "alpha") { ...R }\n'
             '  r1: repository(owner: "acme", name: "bravo") { ...R }\n'
             '  r2: repository(owner: "acme", name: "rocket") { ...R } }\n' + FRAGMENT)  # fmt: skip
    response = client.post("/graphql", json={"query": query}, headers=BEARER)
    assert response.json() == {
        "data": {
            "rateLimit": {"limit": 5000, "cost": 1, "remaining": 4999, "resetAt": "2033-05-18T03:33:20Z"},
            "r0": {"databaseId": 101, "nameWithOwner": "acme/alpha-next", "stargazerCount": 10,
                   "licenseInfo": {"spdxId": "MIT"}},
            "r1": None,
            "r2": {"databaseId": 200, "nameWithOwner": "acme/rocket", "stargazerCount": 11,
                   "licenseInfo": {"spdxId": "Apache-2.0"}},
        },
        "errors": [{"type": "NOT_FOUND", "path": ["r1"], "locations": [{"line": 3, "column": 3}],
                    "message": "Could not resolve to a Repository with the name 'acme/bravo'."}],
    }  # fmt: skip
    assert response.headers["X-RateLimit-Resource"] == "graphql"
    anonymous = client.post("/graphql", json={"query": query})
    assert (anonymous.status_code, anonymous.json()["message"]) == (
        401, "This endpoint requires you to be authenticated.")  # fmt: skip


def test_graphql_org_listing_pages_and_rate_limited(server: StandinServer, client: httpx.Client) -> None:
    query = ("query($login: String!, $cursor: String) { repositoryOwner(login: $login) { repositories("
             "first: 4, after: $cursor, privacy: PUBLIC, ownerAffiliations: OWNER, orderBy: {field: NAME, "
             "direction: ASC}) { totalCount pageInfo { hasNextPage endCursor } nodes { ...R } } } }\n"
             "fragment R on Repository { nameWithOwner }")  # fmt: skip
    names, cursor, infos = [], None, []
    for _ in range(2):
        body = {"query": query, "variables": {"login": "ACME", "cursor": cursor}}
        data = client.post("/graphql", json=body, headers=BEARER).json()["data"]["repositoryOwner"]
        names.append([n["nameWithOwner"] for n in data["repositories"]["nodes"]])
        infos.append(data["repositories"]["pageInfo"])
        cursor = infos[-1]["endCursor"]
    assert names == [["acme/alpha", "acme/bravo", "acme/charlie", "acme/delta"], ["acme/echo", "acme/rocket"]]
    assert infos == [{"hasNextPage": True, "endCursor": "Y3Vyc29yOnYyOjM="},
                     {"hasNextPage": False, "endCursor": "Y3Vyc29yOnYyOjU="}]  # fmt: skip
    unknown = client.post("/graphql", json={"query": query, "variables": {"login": "ghost"}}, headers=BEARER)
    assert unknown.json()["data"] == {"repositoryOwner": None}
    assert unknown.json()["errors"][0]["message"] == (
        "Could not resolve to a RepositoryOwner with the login of 'ghost'.")  # fmt: skip
    server.limits.set_remaining("graphql", True, 0)
    limited = client.post("/graphql", json={"query": query, "variables": {"login": "acme"}}, headers=BEARER)
    assert (limited.status_code, limited.headers["X-RateLimit-Remaining"]) == (200, "0")
    assert limited.json() == {
        "errors": [{"type": "RATE_LIMITED", "message": "API rate limit exceeded for user ID 1."}]
    }


def test_star_history_weeks_pages_and_limits(server: StandinServer, client: httpx.Client) -> None:
    first = client.get("/repos/acme/rocket/stargazers/history?per_page=3")
    assert first.json() == [
        {"week": 1768694400, "total": 5, "days": [4, 0, 1, 0, 0, 0, 0]},  # Sunday 2026-01-18
        {"week": 1768089600, "total": 0, "days": [0, 0, 0, 0, 0, 0, 0]},
        {"week": 1767484800, "total": 2, "days": [0, 2, 0, 0, 0, 0, 0]},
    ]
    base = f"{server.github_url}/repositories/200/stargazers/history?per_page=3"
    assert first.headers["Link"] == f'<{base}&page=2>; rel="next", <{base}&page=2>; rel="last"'
    second = client.get(first.links["next"]["url"])
    assert second.json() == [{"week": 1766880000, "total": 4, "days": [0, 0, 0, 0, 3, 0, 1]}]
    assert second.headers["Link"] == f'<{base}&page=1>; rel="prev", <{base}&page=1>; rel="first"'
    too_far = client.get("/repos/acme/rocket/stargazers/history?page=101")
    assert too_far.status_code == 422
    assert too_far.json()["message"].startswith("Pagination is limited to 100 pages")
    server.universe.add_repo("acme/empty", created_at=datetime(2026, 1, 10, tzinfo=UTC))
    empty = client.get("/repos/acme/empty/stargazers/history").json()
    assert [(w["week"], w["total"], w["days"]) for w in empty] == [
        (1768694400, 0, [0] * 7), (1768089600, 0, [0] * 7), (1767484800, 0, [0] * 7)]  # fmt: skip
    derived = client.get("/repos/solo/tool/stargazers/history").json()
    derived += client.get("/repos/solo/tool/stargazers/history?page=2").json()
    assert (len(derived), sum(w["total"] for w in derived)) == (34, 7)  # 2025-06-01 .. 2026-01-18 weeks
    legacy = client.get("/repos/acme/rocket/stargazers")
    assert (legacy.status_code, legacy.json()["message"]) == (403, "Must have admin rights to Repository.")
    assert server.log.legacy_stargazer_calls == 1


def test_hub_listing_expand_and_cursor_pages(server: StandinServer) -> None:
    server.hub_page_size = 2
    url: str | None = f"{server.hub_url}/api/models?author=acme-ai&expand=downloads&expand%5B%5D=likes"
    items = []
    with httpx.Client(timeout=5) as http:
        while url:
            response = http.get(url)
            items += response.json()
            url = response.links.get("next", {}).get("url")
            assert url is None or "author=acme-ai&expand=downloads&expand%5B%5D=likes&cursor=" in url
        plain = http.get(f"{server.hub_url}/api/models", params={"author": "acme-ai", "limit": 1}).json()
        wrong_case = http.get(f"{server.hub_url}/api/models", params={"author": "ACME-AI"}).json()
    assert items == [
        {"_id": f"{i:024x}", "id": f"acme-ai/m{i}", "downloads": 100 * i, "likes": i} for i in range(5)
    ]
    assert server.count(path_regex="^/api/models", resource="hub") == 5
    assert plain == [{"_id": "0" * 24, "id": "acme-ai/m0", "modelId": "acme-ai/m0", "author": "acme-ai",
                      "downloads": 0, "likes": 0, "tags": ["license:mit"], "pipeline_tag": "text-generation",
                      "createdAt": "2024-01-01T00:00:00.000Z", "lastModified": "2024-01-01T00:00:00.000Z",
                      "private": False, "gated": False}]  # fmt: skip
    assert wrong_case == []


def test_hub_rename_307_and_429(server: StandinServer) -> None:
    server.universe.rename_model("acme-ai/m1", "acme-ai/m1-renamed")
    # the window ends 300 s after its first refusal: t does not depend on how long the three requests took
    server.hub_quota.configure(quota=3, window_seconds=3600, ends_after_refusal=300)
    with httpx.Client(base_url=server.hub_url, timeout=5) as http:
        moved = http.get("/api/models/acme-ai/m1")
        assert (moved.status_code, moved.headers["Location"]) == (307, "/api/models/acme-ai/m1-renamed")
        assert http.get("/api/models/acme-ai/m1", follow_redirects=True).json()["_id"] == f"{1:024x}"
        refused = http.get("/api/models/acme-ai/m2")
    assert refused.status_code == 429
    assert (refused.headers["RateLimit"], refused.headers["Retry-After"]) == ('"api";r=0;t=300', "300")
    assert refused.headers["RateLimit-Policy"] == '"fixed window";"api";q=3;w=3600'


def test_scripted_faults(server: StandinServer, client: httpx.Client) -> None:
    server.faults.add(r"^/repos/acme/alpha$", "status", status=502, times=2)
    assert [client.get("/repos/acme/alpha").status_code for _ in range(3)] == [502, 502, 200]
    assert client.get("/rate_limit").json()["rate"]["used"] == 1  # faults cost nothing
    server.faults.add(r"/repos/acme/delta", "drop")
    with pytest.raises(httpx.RemoteProtocolError):
        client.get("/repos/acme/delta")
    server.faults.add(r"/repos/acme/echo", "secondary", retry_after=7)
    secondary = client.get("/repos/acme/echo")
    assert (secondary.status_code, secondary.headers["Retry-After"]) == (403, "7")
    assert secondary.json()["message"].startswith("You have exceeded a secondary rate limit")
    server.faults.add(r"^/api/models", "secondary", retry_after=4, method="GET")
    assert client.get("/api/models").headers["RateLimit"] == '"api";r=0;t=4'
    held = server.faults.add(r"/repos/acme/rocket$", "hold")
    with pytest.raises(httpx.ReadTimeout):  # held until released: no answer can beat the timeout
        client.get("/repos/acme/rocket", timeout=0.2)
    assert held.reached.is_set()  # never released: the server's stop ends it
    server.faults.add(r"/repos/acme/rocket$", "delay", seconds=0.05)
    assert client.get("/repos/acme/rocket").status_code == 200  # a delay, then the normal answer
    server.faults.latency = 0.1
    started = time.perf_counter()
    assert client.get("/repos/acme/rocket").status_code == 200
    assert time.perf_counter() - started >= 0.1
    assert server.count(status=502) == 2 and server.count(status=0) == 1 and server.faults.pending == []
    assert server.count(r"/repos/acme/rocket$", status=200) == 2  # the held request is never answered


def test_synthetic_universes_are_deterministic_and_consistent() -> None:
    entities = [
        Entity("deepseek", "DeepSeek", "CN", "ai-lab", ("deepseek-ai",), ("deepseek-ai/DeepSeek-V3",),
               ("deepseek-ai",)),
        Entity("meta", "Meta", "US", "big-tech", ("meta-llama",), ("facebookresearch/llama",),
               ("meta-llama",)),
    ]  # fmt: skip
    one, two = build_universe(entities, seed=7, today=TODAY), build_universe(entities, seed=7, today=TODAY)
    assert one.repos == two.repos and one.models == two.models
    assert one.repo("deepseek-ai/DeepSeek-V3").owner == "deepseek-ai"
    assert one.repo("facebookresearch/llama").id in one.repos
    assert all(sum((r.stars_by_day or {}).values()) == r.stars for r in one.repos.values())
    licenses = {t for m in one.models_of("meta-llama") for t in m.tags if t.startswith("license:")}
    assert licenses <= {"license:llama3.1", "license:llama3.2", "license:llama3.3", "license:llama4"}
    assert {m.gated for m in one.models_of("meta-llama")} == {"manual"}
    scaled = build_scaled_universe(orgs=10, repos=1000, authors=20, models=5000, seed=1, today=TODAY)
    assert (len(scaled.repos), len(scaled.models), len(scaled.owners)) == (1000, 5000, 10)
    assert len({m.author for m in scaled.models.values()}) == 20
    old = add_mixed_age_repos(scaled, "history-bench", count=50, seed=1, max_age_years=15)
    ages = [(TODAY - r.created_at.date()).days / 365.25 for r in old]
    assert len(old) == 50 and max(ages) <= 15 and max(ages) > 10 and min(ages) < 5


def test_hostile_fault_kinds_break_bodies_as_scripted(server: StandinServer, client: httpx.Client) -> None:
    server.faults.add(r"^/repos/acme/alpha$", "truncate")
    with pytest.raises(httpx.RemoteProtocolError):
        client.get("/repos/acme/alpha")
    server.faults.add(r"^/repos/acme/alpha$", "malformed")
    response = client.get("/repos/acme/alpha")
    assert response.status_code == 200
    with pytest.raises(ValueError):
        response.json()
    server.faults.add(r"^/orgs/acme/repos", "empty")
    assert client.get("/orgs/acme/repos").json() == []
    server.faults.add(r"^/orgs/acme/repos", "link", target="http://127.0.0.2:9/elsewhere?page=2")
    assert client.get("/orgs/acme/repos").links["next"]["url"] == "http://127.0.0.2:9/elsewhere?page=2"
    server.faults.add(r"^/repos/acme/bravo$", "redirect", target="http://127.0.0.2:9")
    response = client.get("/repos/acme/bravo")
    assert (response.status_code, response.headers["location"]) == (302, "http://127.0.0.2:9/repos/acme/bravo")
    server.faults.add(r"^/repos/acme/bravo$", "huge", size=200_000)
    body = client.get("/repos/acme/bravo").content
    assert len(body) == 200_000 and body.startswith(b"[ 0,0,") and body.endswith(b",0]")
    assert json.loads(body) == [0] * 99_999  # valid JSON: only its size is hostile
    server.faults.add(r"^/repos/acme/bravo$", "trickle", seconds=0.001)
    response = client.get("/repos/acme/bravo")
    assert response.json()["full_name"] == "acme/bravo"
    assert server.faults.pending == []
    assert server.count(r"^/repos/acme/bravo$", status=302) == 1


def test_a_held_request_waits_for_its_release_and_after_lets_requests_through(server: StandinServer) -> None:
    held = server.faults.add(r"^/repos/acme/", "hold", after=2)
    with httpx.Client(base_url=server.github_url, timeout=30) as http:
        assert [http.get(f"/repos/acme/{name}").status_code for name in ("alpha", "bravo")] == [200, 200]
        assert not held.reached.is_set()
        answers: list[int] = []
        thread = threading.Thread(target=lambda: answers.append(http.get("/repos/acme/echo").status_code))
        thread.start()
        assert held.reached.wait(30)
        assert answers == [] and server.count(r"^/repos/acme/echo$") == 0  # held: not answered, not logged
        held.release.set()
        thread.join(30)
    assert answers == [200]
    assert server.count(r"^/repos/acme/echo$", status=200) == 1 and server.faults.pending == []


def test_hub_window_that_ends_after_its_first_refusal(server: StandinServer) -> None:
    server.hub_quota.configure(quota=2, window_seconds=3600, ends_after_refusal=1)
    with httpx.Client(base_url=server.hub_url, timeout=5) as http:
        assert [http.get("/api/models/acme-ai/m0").status_code for _ in range(2)] == [200, 200]
        refused = http.get("/api/models/acme-ai/m0")
        again = http.get("/api/models/acme-ai/m0")  # at once: still refused, the window end does not move
    assert (refused.status_code, refused.headers["Retry-After"], refused.headers["RateLimit"]) == (
        429, "1", '"api";r=0;t=1')
    assert (again.status_code, again.headers["Retry-After"]) == (429, "1")
    assert refused.headers["RateLimit-Policy"] == '"fixed window";"api";q=2;w=3600'
