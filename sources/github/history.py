"""Star history from GET /repos/{owner}/{repo}/stargazers/history: weekly buckets of daily counts.

The body is a JSON array of weeks, newest first: `{week: unix seconds of the week start, total, days: [7]}`.
Each page is validated as a whole before any of it is yielded, so a bad page never half-loads. A repo costs
ceil(weeks since creation / 30) requests: paging stops once the page holding the creation week is fetched.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sources.github.http import GitHubHttp
from sources.guard import MAX_COUNT
from sources.records import ErrorKind, StarHistoryDay

PER_PAGE = 30  # weeks per page: the endpoint's maximum
MAX_PAGE = 100  # the endpoint answers 422 past page 100
HISTORY_HEADERS = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2026-03-10"}
_BY_ID = re.compile(r"/repositories/(\d+)/stargazers/history")


class HistoryError(Exception):
    """A history page that cannot be used; `reason` is one line naming what was wrong."""

    def __init__(self, reason: str, kind: ErrorKind = "bad_response") -> None:
        super().__init__(reason)
        self.reason, self.kind = reason, kind


@dataclass(frozen=True, slots=True)
class HistoryPage:
    """One validated page: its days with stars (> 0) and the day range it covers (None when empty)."""

    page: int
    days: tuple[StarHistoryDay, ...]
    first_day: date | None  # start of the oldest week on the page
    last_day: date | None  # last day of the newest week on the page
    oldest_week: datetime | None
    last: bool = False  # no page after this one is needed: the history is complete
    page_limit: bool = False  # stopped at MAX_PAGE before the creation week: older weeks are not served


def week_start(day: date) -> date:
    """The Sunday that starts the UTC week holding `day`."""
    return day - timedelta(days=(day.weekday() + 1) % 7)


def pages_needed(created_at: datetime | None, today: date) -> int | None:
    """ceil(weeks from the creation week to the current week, both included / 30); None when unknown."""
    if created_at is None:
        return None
    weeks = (week_start(today) - week_start(created_at.astimezone(UTC).date())).days // 7 + 1
    return max(1, math.ceil(weeks / PER_PAGE))


def _count(value: Any) -> bool:
    """A count in 0..2^63-1 (what a BIGINT holds)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_COUNT


def _week(index: int, item: Any) -> tuple[datetime, list[int]]:
    """Validate one element of the array; returns its start and its 7 daily counts."""
    if not isinstance(item, dict):
        raise HistoryError(f"week[{index}] is not an object")
    for key in ("week", "total", "days"):
        if key not in item:
            raise HistoryError(f"week[{index}] has no {key!r} key")
    stamp = item["week"]
    try:
        if not isinstance(stamp, int) or isinstance(stamp, bool):
            raise ValueError
        start = datetime.fromtimestamp(stamp, UTC)
    except (ValueError, OverflowError, OSError):
        text = str(stamp)[:40]
        raise HistoryError(f"week[{index}]: 'week' is not a unix time in seconds: {text!r}") from None
    label = f"week[{index}] ({start.date()})"
    days = item["days"]
    if not isinstance(days, list):
        raise HistoryError(f"{label}: 'days' is not an array")
    if len(days) != 7:
        raise HistoryError(f"{label} has {len(days)} days, expected 7")
    for position, value in enumerate(days):
        if not _count(value):
            raise HistoryError(f"{label} day {position}: {str(value)[:40]!r} is not an integer in 0..2^63-1")
    total = item["total"]
    if not _count(total):
        raise HistoryError(f"{label}: total {str(total)[:40]!r} is not an integer in 0..2^63-1")
    if total != sum(days):
        raise HistoryError(f"{label}: total {total} is not the sum of its days ({sum(days)})")
    return start, days


def parse_history_page(body: Any, *, repo_id: int, repo: str, fetched_at: datetime,
                       page: int = 1) -> HistoryPage:
    """Validate a whole page and turn it into days; day = UTC date of `week` + index in `days`.

    Raises HistoryError naming the first problem: not an array, a non-object week, a missing key, a week with
    other than 7 days, a count that is not an integer in 0..2^63-1, a total that is not the sum of its days,
    or weeks that are not newest first and at least 7 days apart.
    """
    if not isinstance(body, list):
        raise HistoryError(f"expected a JSON array of weeks, got {type(body).__name__}")
    rows: list[StarHistoryDay] = []
    newer: datetime | None = None
    starts: list[datetime] = []
    for index, item in enumerate(body):
        start, days = _week(index, item)
        if newer is not None and start > newer - timedelta(days=7):
            raise HistoryError(f"week[{index}] ({start.date()}) is not at least 7 days older than the week "
                               f"before it ({newer.date()})")
        newer = start
        starts.append(start)
        rows.extend(StarHistoryDay(repo_id=repo_id, repo=repo, day=start.date() + timedelta(days=offset),
                                   stars_added=value, fetched_at=fetched_at)
                    for offset, value in enumerate(days) if value > 0)
    if not starts:
        return HistoryPage(page=page, days=(), first_day=None, last_day=None, oldest_week=None)
    rows.sort(key=lambda row: row.day)
    return HistoryPage(page=page, days=tuple(rows), first_day=starts[-1].date(),
                       last_day=starts[0].date() + timedelta(days=6), oldest_week=starts[-1])


def history_path(repo: str) -> str:
    return f"repos/{repo}/stargazers/history"


def _check_identity(url_path: str, repo: str, repo_id: int) -> None:
    """After a 301 the URL names the repo id: it must be the one we track (a reused name is another repo)."""
    match = _BY_ID.search(url_path)
    if match and int(match.group(1)) != repo_id:
        raise HistoryError(f"{repo} now redirects to repo id {match.group(1)}, not the tracked id {repo_id}",
                           kind="not_found")


def fetch_history(http: GitHubHttp, repo: str, repo_id: int, *, created_at: datetime | None,
                  start_page: int = 1, max_pages: int | None = None,
                  expect_weeks: bool = True) -> Iterator[HistoryPage]:
    """Yield validated pages from `start_page`, following Link rel="next" until the creation week is fetched.

    Without `created_at` the Link chain is followed to its end. Never asks for a page past MAX_PAGE.
    An empty array is an error unless `expect_weeks` is False and it is page 1 (a repo with no stars).
    HTTP failures raise the client's GitHubError subclasses; bad pages raise HistoryError.
    """
    if not 1 <= start_page <= MAX_PAGE:
        raise ValueError(f"start_page must be 1..{MAX_PAGE}, not {start_page}")
    params = {"per_page": PER_PAGE, "page": start_page}
    number = start_page
    for response in http.pages(history_path(repo), params=params, headers=HISTORY_HEADERS):
        _check_identity(response.url.path, repo, repo_id)
        fetched_at = datetime.now(UTC)
        page = parse_history_page(http.json(response), repo_id=repo_id, repo=repo, fetched_at=fetched_at,
                                  page=number)
        has_next = "next" in response.links
        if page.oldest_week is None:
            if expect_weeks or number != 1:
                raise HistoryError("an empty array where weeks were expected")
            yield replace(page, last=True)
            return
        reached = created_at is not None and page.oldest_week <= created_at
        limit = number >= MAX_PAGE and not reached and (has_next or created_at is not None)
        done = reached or not has_next or number >= MAX_PAGE
        yield replace(page, last=done, page_limit=limit)
        if done or (max_pages is not None and number - start_page + 1 >= max_pages):
            return
        number += 1

