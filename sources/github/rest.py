"""GitHub REST: one repo per request (conditional) and org/user listings that carry full repos.

A 304 costs no rate limit only when the request is authorised: without a token every request counts.

Cache keys (`HttpCacheEntry.url`) are the request path relative to `api_url`, without a leading slash, the
path lower-cased (GitHub names are case-insensitive) and the query parameters sorted:
- a repo: `repos/{owner}/{name}`, the name asked for, not the one a 301 led to (the ETag is the final
  response's, and the redirected request carries it);
- a listing page: `orgs/{org}/repos?per_page=100&sort=full_name&type=public` for page 1 and
  `orgs/{org}/repos?page=N&per_page=100&sort=full_name&type=public` for page N
  (`users/{name}/repos?per_page=100&type=owner` for users, whose default order is already by name), whatever
  URL form the Link header used (GitHub links to `/organizations/{id}/repos?page=N`), so a
  304 without a Link header can still find page N+1 under the same key.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, Literal
from urllib.parse import quote, urlencode

import httpx

from sources.github.http import GitHubHttp, ItemGone, UpstreamError
from sources.guard import BadCount, check_count
from sources.records import HttpCacheEntry, RepoRecord

PER_PAGE = 100
Via = Literal["graphql", "rest", "rest-304"]


class BadResponse(Exception):
    """The upstream answered 2xx with a body that does not have the expected shape."""


def one_line(text: object, limit: int = 200) -> str:
    """Collapse whitespace and cut: upstream text is untrusted and messages stay on one line."""
    line = " ".join(str(text).split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def parse_time(value: Any) -> datetime | None:
    """GitHub's ISO-8601 timestamps ("2024-01-02T03:04:05Z") as UTC-aware datetimes."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise BadResponse(f"bad timestamp {one_line(value, 40)!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _int(obj: Mapping[str, Any], key: str) -> int:
    """A count or id in 0..2^63-1 (DuckDB's BIGINT); BadResponse naming the field and value otherwise."""
    value = obj.get(key)
    try:
        check_count(value, key)
    except BadCount as exc:
        raise BadResponse(str(exc)) from None
    return int(value)  # type: ignore[arg-type]


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def repo_from_rest(obj: Any, requested_as: str, via: Via, fetched_at: datetime) -> RepoRecord:
    """A RepoRecord from a REST repository object (GET /repos/{o}/{r} or an item of a listing)."""
    if not isinstance(obj, dict) or not isinstance(obj.get("full_name"), str):
        raise BadResponse("not a repository object")
    license_info = obj.get("license")
    spdx = license_info.get("spdx_id") if isinstance(license_info, dict) else None
    return RepoRecord(repo_id=_int(obj, "id"), repo=obj["full_name"], requested_as=requested_as,
                      stars=_int(obj, "stargazers_count"), forks=_int(obj, "forks_count"),
                      license_spdx=_str(spdx), description=_str(obj.get("description")),
                      language=_str(obj.get("language")), created_at=parse_time(obj.get("created_at")),
                      pushed_at=parse_time(obj.get("pushed_at")), is_archived=bool(obj.get("archived")),
                      is_fork=bool(obj.get("fork")), via=via, fetched_at=fetched_at)


def cache_key(url: str, api_url: str) -> str:
    """The stable cache key of a request URL (absolute or relative to api_url); see the module docstring."""
    parsed = httpx.URL(url)
    path = parsed.path
    base = httpx.URL(api_url).path.rstrip("/")
    if parsed.is_absolute_url and base and path.startswith(base + "/"):
        path = path[len(base):]
    key = path.lstrip("/").lower()
    params = sorted(parsed.params.multi_items())
    return f"{key}?{urlencode(params)}" if params else key


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        raise BadResponse("the body is not JSON") from None


def repo_path(full_name: str) -> str:
    owner, _, name = full_name.partition("/")
    return f"repos/{quote(owner, safe='')}/{quote(name, safe='')}"


def fetch_repo(http: GitHubHttp, full_name: str, cache: Mapping[str, HttpCacheEntry],
               now: datetime) -> tuple[RepoRecord, HttpCacheEntry | None]:
    """GET /repos/{owner}/{name}, conditional when `cache` holds an entry; a 301 rename is followed.

    Returns the record and the cache entry to store (None on 304: the stored one stays valid).
    Raises ItemGone (404/410/451), UpstreamError, BadResponse and the client's stop exceptions.
    """
    path = repo_path(full_name)
    key = cache_key(path, http.api_url)
    entry = cache.get(key)
    response = http.get(path, etag=entry.etag if entry else None)
    if response.status_code == 304:
        if entry is None:
            raise UpstreamError(f"GET {path}: 304 without a cached body", 304)
        return repo_from_rest(_json(entry.body), full_name, "rest-304", now), None
    record = repo_from_rest(_json(response.text), full_name, "rest", now)
    etag = response.headers.get("etag")
    if record.repo.lower() != full_name.lower():  # renamed: the next run asks for the new name
        key = cache_key(repo_path(record.repo), http.api_url)
    return record, (HttpCacheEntry(key, etag, response.text, now) if etag else None)


OnPage = Callable[[list[RepoRecord], HttpCacheEntry | None], None]
OnBad = Callable[[str, str], None]  # (item, reason) of a listing item that is not a repository object


def _page_url(first: str, page: int) -> str:
    return first if page == 1 else str(httpx.URL(first).copy_set_param("page", str(page)))


def _next_page(first: str, page: int, response: httpx.Response, items: int) -> str | None:
    """Link rel="next"; after a 304 without a Link header, page+1 of `first` when this page was full."""
    link = response.links.get("next", {}).get("url")
    if link or response.status_code != 304 or items < PER_PAGE:
        return link
    return _page_url(first, page + 1)


def list_owner(http: GitHubHttp, owner: str, cache: Mapping[str, HttpCacheEntry], now: datetime,
               check: Callable[[], None], on_page: OnPage,
               on_bad: OnBad = lambda item, reason: None) -> list[RepoRecord]:
    """Every public repo of an org (GET /orgs/{org}/repos, by full name), or of a user when the org is unknown.

    Returns the records of every page in GitHub's order. `check` runs before every request (the caller's
    rate-limit guard); `on_page` receives each page's records and its cache entry to store (None after a
    304) as soon as they are parsed, so a stop in the middle keeps what was read; `on_bad` hears of each item
    that is not a repository object (it is skipped). ItemGone when neither an org nor a user of that name exists;
    OffOrigin when a next-page link leaves the configured origin.
    """
    quoted = quote(owner, safe="")
    try:
        return _list(http, f"orgs/{quoted}/repos?type=public&sort=full_name&per_page={PER_PAGE}", owner, cache,
                     now, check, on_page, on_bad)
    except ItemGone as exc:
        if exc.status != 404:
            raise
    url = f"users/{quoted}/repos?type=owner&per_page={PER_PAGE}"
    return _list(http, url, owner, cache, now, check, on_page, on_bad)


def _list(http: GitHubHttp, url: str, owner: str, cache: Mapping[str, HttpCacheEntry], now: datetime,
          check: Callable[[], None], on_page: OnPage, on_bad: OnBad) -> list[RepoRecord]:
    records: list[RepoRecord] = []
    next_url: str | None = url
    page_number = 0
    while next_url is not None:
        check()
        page_number += 1
        key = cache_key(_page_url(url, page_number), http.api_url)
        entry = cache.get(key)
        try:
            response = http.get(next_url, etag=entry.etag if entry else None)
        except ItemGone as exc:
            if page_number == 1:
                raise
            raise UpstreamError(f"listing page {key} answered HTTP {exc.status}", exc.status) from None
        via: Via = "rest"
        update: HttpCacheEntry | None = None
        if response.status_code == 304:
            if entry is None:
                raise UpstreamError(f"GET {key}: 304 without a cached body", 304)
            text, via = entry.body, "rest-304"
        else:
            text = response.text
            if etag := response.headers.get("etag"):
                update = HttpCacheEntry(key, etag, text, now)
        items = _json(text)
        if not isinstance(items, list):
            raise BadResponse(f"listing page {key} is not a JSON array")
        page: list[RepoRecord] = []
        for index, item in enumerate(items):
            try:
                page.append(repo_from_rest(item, item.get("full_name", "") if isinstance(item, dict) else "",
                                           via, now))
            except BadResponse as exc:  # one malformed repo never costs the rest of the page
                name = item.get("full_name") if isinstance(item, dict) else None
                on_bad(str(name or f"{owner}: listing item {index + 1} of page {page_number}"), str(exc))
        records.extend(page)
        on_page(page, update)
        next_url = _next_page(url, page_number, response, len(items))
        if next_url is not None:
            next_url = http.check_next(next_url)  # OffOrigin: never sent outside the configured origin
    return records
