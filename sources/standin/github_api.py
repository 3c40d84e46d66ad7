"""Fake api.github.com routes: REST repos, org/user listings, star history, and two GraphQL query shapes.

Routes are pure functions of (universe, request) -> Reply. Rate limits, ETags, faults and logging are the
server's business (server.py). `Request`, `Reply` and `link_header` are shared with hub_api.py.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from sources.standin.universe import Repo, Universe, week_start

DOCS = "https://docs.github.com/rest"
HISTORY_DOCS = "https://docs.github.com/rest/activity/starring#list-star-history-for-a-repository"
MAX_HISTORY_PAGES = 100
MAX_HISTORY_PER_PAGE = 30
LICENSE_NAMES = {
    "MIT": "MIT License",
    "Apache-2.0": "Apache License 2.0",
    "BSD-3-Clause": 'BSD 3-Clause "New" or "Revised" License',
    "GPL-3.0": "GNU General Public License v3.0",
    "NOASSERTION": "Other",
}


@dataclass(slots=True)
class Request:
    """What a route sees of an HTTP request (never header values)."""

    method: str
    path: str  # URL-decoded, without the query
    query: list[tuple[str, str]]
    body: bytes = b""
    authenticated: bool = False
    base_url: str = ""

    def arg(self, name: str, default: str | None = None) -> str | None:
        return next((v for k, v in self.query if k == name), default)

    def int_arg(self, name: str, default: int) -> int:
        try:
            return int(self.arg(name) or default)
        except ValueError:
            return default


@dataclass(slots=True)
class Reply:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


def json_reply(status: int, payload: Any, headers: dict[str, str] | None = None) -> Reply:
    """A JSON reply, compact like GitHub's."""
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    return Reply(status, body, {"Content-Type": "application/json; charset=utf-8", **(headers or {})})


def link_header(
    base: str, query: list[tuple[str, str]], page: int, last: int, key: str = "page"
) -> str | None:
    """GitHub's Link header (prev, next, last, first) for `base` + the query with `key` set to each page."""

    def url(number: int) -> str:
        return f"{base}?{urlencode([(k, v) for k, v in query if k != key] + [(key, str(number))])}"

    parts = [f'<{url(page - 1)}>; rel="prev"'] if page > 1 else []
    if page < last:
        parts += [f'<{url(page + 1)}>; rel="next"', f'<{url(last)}>; rel="last"']
    if page > 1:
        parts.append(f'<{url(1)}>; rel="first"')
    return ", ".join(parts) or None


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def not_found(docs: str = DOCS) -> Reply:
    return json_reply(404, {"message": "Not Found", "documentation_url": docs, "status": "404"})


def moved(req: Request, repo_id: int, suffix: str = "") -> Reply:
    """301 to /repositories/{id}{suffix}, keeping the query string (as GitHub does for renamed repos)."""
    url = f"{req.base_url}/repositories/{repo_id}{suffix}" + (f"?{urlencode(req.query)}" if req.query else "")
    body = {
        "message": "Moved Permanently",
        "url": url,
        "documentation_url": "https://docs.github.com/v3/#http-redirects",
    }
    return json_reply(301, body, {"Location": url})


def blocked_reply(repo: Repo) -> Reply:
    block = {
        "reason": "dmca",
        "created_at": "2024-01-01T00:00:00Z",
        "html_url": f"https://github.com/github/dmca/blob/master/2024/01/2024-01-01-{repo.name.lower()}.md",
    }
    return json_reply(451, {"message": "Repository access blocked", "block": block})


def repo_json(repo: Repo, base: str) -> dict[str, Any]:
    """The REST repository object (the fields a collector reads, plus a few neighbours)."""
    spdx = repo.license
    license_obj = None
    if spdx is not None:
        key = "other" if spdx == "NOASSERTION" else spdx.lower()
        license_obj = {"key": key, "name": LICENSE_NAMES.get(spdx, spdx), "spdx_id": spdx, "url": None}
    return {
        "id": repo.id,
        "name": repo.name,
        "full_name": repo.full_name,
        "private": False,
        "owner": {"login": repo.owner, "url": f"{base}/users/{repo.owner}"},
        "html_url": f"https://github.com/{repo.full_name}",
        "description": repo.description,
        "fork": repo.fork,
        "url": f"{base}/repos/{repo.full_name}",
        "created_at": iso(repo.created_at),
        "updated_at": iso(repo.pushed_at),
        "pushed_at": iso(repo.pushed_at),
        "stargazers_count": repo.stars,
        "watchers_count": repo.stars,
        "language": repo.language,
        "forks_count": repo.forks,
        "archived": repo.archived,
        "disabled": False,
        "license": license_obj,
        "visibility": "public",
        "default_branch": "main",
    }


# --------------------------------------------------------------------------------------------------- REST
ROUTES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(p), name)
    for p, name in [
        (r"^/repos/([^/]+)/([^/]+)$", "repo"),
        (r"^/repositories/(\d+)$", "repo_id"),
        (r"^/repos/([^/]+)/([^/]+)/stargazers/history$", "history"),
        (r"^/repositories/(\d+)/stargazers/history$", "history_id"),
        (r"^/repos/([^/]+)/([^/]+)/stargazers$", "stargazers"),
        (r"^/repositories/(\d+)/stargazers$", "stargazers_id"),
        (r"^/orgs/([^/]+)/repos$", "org_repos"),
        (r"^/organizations/(\d+)/repos$", "org_repos_id"),
        (r"^/users/([^/]+)/repos$", "user_repos"),
        (r"^/user/(\d+)/repos$", "user_repos_id"),
        (r"^/(orgs|users)/([^/]+)$", "owner"),
    ]
]


def route(universe: Universe, req: Request) -> Reply:
    """Answer one REST request (GET only; anything else is 404 like an unknown route)."""
    if req.method != "GET":
        return not_found()
    for pattern, name in ROUTES:
        match = pattern.match(req.path)
        if match:
            with universe.lock:
                return _ROUTE_FUNCS[name](universe, req, *match.groups())
    return not_found()


def _lookup(universe: Universe, req: Request, args: tuple[str, ...], suffix: str) -> Repo | Reply:
    """The repo named by the route args (owner, name) or (id,), or the 301/404/451 reply instead."""
    if len(args) == 1:
        found, repo = universe.by_id(int(args[0]))
    else:
        found, repo = universe.resolve(*args)
    if found == "missing" or repo is None:
        return not_found()
    if found == "moved":
        return moved(req, repo.id, suffix)
    return blocked_reply(repo) if found == "blocked" else repo


def _repo(universe: Universe, req: Request, *args: str) -> Reply:
    repo = _lookup(universe, req, args, "")
    return repo if isinstance(repo, Reply) else json_reply(200, repo_json(repo, req.base_url))


def _stargazers(universe: Universe, req: Request, *args: str) -> Reply:
    """The pre-2026 stargazer list: closed to non-admins."""
    repo = _lookup(universe, req, args, "/stargazers")
    if isinstance(repo, Reply):
        return repo
    docs = "https://docs.github.com/rest/activity/starring#list-stargazers"
    return json_reply(403, {"message": "Must have admin rights to Repository.", "documentation_url": docs})


def _history(universe: Universe, req: Request, *args: str) -> Reply:
    """Weekly buckets of stars added per day, newest week first.

    Weeks start on Sunday 00:00 UTC and run from the week containing the repo's creation date to the week
    containing `universe.today`; `days` always holds 7 ints (days after today are 0). A repo without stars
    gets every week with zeros (the real behaviour is unknown). `last` is capped at page 100; page 101+
    is 422.
    """
    repo = _lookup(universe, req, args, "/stargazers/history")
    if isinstance(repo, Reply):
        return repo
    per_page = min(max(req.int_arg("per_page", MAX_HISTORY_PER_PAGE), 1), MAX_HISTORY_PER_PAGE)
    page = max(req.int_arg("page", 1), 1)
    if page > MAX_HISTORY_PAGES:
        message = "Pagination is limited to 100 pages. Use per_page=30 to read up to 3000 weeks."
        return json_reply(422, {"message": message, "documentation_url": HISTORY_DOCS, "status": "422"})
    newest = week_start(universe.today_date())
    oldest = week_start(repo.created_at.date())
    weeks = max((newest - oldest).days // 7 + 1, 0)
    items = []
    for index in range((page - 1) * per_page, min(weeks, page * per_page)):
        start = newest - timedelta(weeks=index)
        days = [universe.stars_on(repo, start + timedelta(days=d)) for d in range(7)]
        epoch = int(datetime(start.year, start.month, start.day, tzinfo=UTC).timestamp())
        items.append({"week": epoch, "total": sum(days), "days": days})
    last = min(max(math.ceil(weeks / per_page), 1), MAX_HISTORY_PAGES)
    link = link_header(f"{req.base_url}/repositories/{repo.id}/stargazers/history", req.query, page, last)
    return json_reply(200, items, {"Link": link} if link else None)


_SORT_KEYS = {
    "created": lambda r: (r.created_at, r.id),
    "updated": lambda r: (r.pushed_at, r.id),
    "pushed": lambda r: (r.pushed_at, r.id),
    "full_name": lambda r: (r.full_name.lower(), r.id),
}


def _listing(universe: Universe, req: Request, login: str | None, org_route: bool) -> Reply:
    """A page of an owner's public repos: orgs sort by `created` (desc), users by `full_name` (asc)."""
    owner = universe.owner(login) if login else None
    if owner is None or (org_route and owner.kind != "Organization"):
        return not_found()
    repos = universe.repos_of(owner.login)
    kind = req.arg("type", "all")
    if kind == "sources":
        repos = [r for r in repos if not r.fork]
    elif kind == "forks":
        repos = [r for r in repos if r.fork]
    sort = req.arg("sort") or ("created" if org_route else "full_name")
    sort = sort if sort in _SORT_KEYS else "created"
    descending = req.arg("direction", "asc" if sort == "full_name" else "desc") == "desc"
    repos.sort(key=_SORT_KEYS[sort], reverse=descending)
    per_page = min(max(req.int_arg("per_page", 30), 1), 100)
    page = max(req.int_arg("page", 1), 1)
    chunk = repos[(page - 1) * per_page : page * per_page]
    base = (
        f"{req.base_url}/organizations/{owner.id}/repos"
        if org_route
        else f"{req.base_url}/user/{owner.id}/repos"
    )
    link = link_header(base, req.query, page, max(math.ceil(len(repos) / per_page), 1))
    return json_reply(200, [repo_json(r, req.base_url) for r in chunk], {"Link": link} if link else None)


def _owner_login(universe: Universe, owner_id: str) -> str | None:
    owner = universe.owner_by_id(int(owner_id))
    return owner.login if owner else None


def _owner(universe: Universe, req: Request, route_kind: str, login: str) -> Reply:
    owner = universe.owner(login)
    if owner is None or (route_kind == "orgs" and owner.kind != "Organization"):
        return not_found()
    repos = len(universe.repos_of(owner.login))
    return json_reply(200, {"login": owner.login, "id": owner.id, "type": owner.kind, "public_repos": repos})


_ROUTE_FUNCS: dict[str, Any] = {
    "repo": _repo,
    "repo_id": _repo,
    "history": _history,
    "history_id": _history,
    "stargazers": _stargazers,
    "stargazers_id": _stargazers,
    "org_repos": lambda u, r, login: _listing(u, r, login, True),
    "org_repos_id": lambda u, r, oid: _listing(u, r, _owner_login(u, oid), True),
    "user_repos": lambda u, r, login: _listing(u, r, login, False),
    "user_repos_id": lambda u, r, oid: _listing(u, r, _owner_login(u, oid), False),
    "owner": _owner,
}
