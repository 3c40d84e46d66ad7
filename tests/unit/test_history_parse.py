"""Star-history pages: exact days from Sunday-start weeks, exact reasons for bad shapes, paging cost."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest

from sources.github.history import (
    HistoryError,
    fetch_history,
    pages_needed,
    parse_history_page,
    week_start,
)
from sources.github.http import GitHubHttp
from sources.policy import RetryPolicy

SUN_2024_01_07 = 1704585600  # Sunday 2024-01-07 00:00 UTC
WEEK = 7 * 86400
FETCHED = datetime(2024, 1, 20, tzinfo=UTC)


def week(stamp: int, days: list[Any], total: Any = None) -> dict[str, Any]:
    return {"week": stamp, "total": sum(days) if total is None else total, "days": days}


def parse(body: Any) -> Any:
    return parse_history_page(body, repo_id=7, repo="o/r", fetched_at=FETCHED)


def test_days_are_week_start_plus_index_and_zero_days_are_dropped() -> None:
    body = [week(SUN_2024_01_07, [0, 3, 0, 0, 0, 0, 2]), week(SUN_2024_01_07 - WEEK, [1, 0, 0, 0, 0, 0, 4])]
    page = parse(body)
    assert [(d.day, d.stars_added) for d in page.days] == [
        (date(2023, 12, 31), 1), (date(2024, 1, 6), 4), (date(2024, 1, 8), 3), (date(2024, 1, 13), 2)]
    assert {(d.repo_id, d.repo, d.fetched_at) for d in page.days} == {(7, "o/r", FETCHED)}
    assert (page.first_day, page.last_day) == (date(2023, 12, 31), date(2024, 1, 13))
    assert page.oldest_week == datetime(2023, 12, 31, tzinfo=UTC)


def test_an_empty_array_is_an_empty_page() -> None:
    page = parse([])
    assert (page.days, page.first_day, page.last_day, page.oldest_week) == ((), None, None, None)


@pytest.mark.parametrize(("body", "reason"), [
    pytest.param({"message": "x"}, "expected a JSON array of weeks, got dict", id="object"),
    pytest.param([3], "week[0] is not an object", id="not-object"),
    pytest.param([{"week": SUN_2024_01_07, "total": 0}], "week[0] has no 'days' key", id="no-days"),
    pytest.param([{"total": 0, "days": [0] * 7}], "week[0] has no 'week' key", id="no-week"),
    pytest.param([{"week": SUN_2024_01_07, "days": [0] * 7}], "week[0] has no 'total' key", id="no-total"),
    pytest.param([week(SUN_2024_01_07, [1] * 6)], "week[0] (2024-01-07) has 6 days, expected 7", id="six"),
    pytest.param([week(SUN_2024_01_07, [1] * 8)], "week[0] (2024-01-07) has 8 days, expected 7", id="eight"),
    pytest.param([week(SUN_2024_01_07, {"a": 1}, 0)], "week[0] (2024-01-07): 'days' is not an array",
                 id="days-object"),
    pytest.param([week(SUN_2024_01_07, [0, 0, "3", 0, 0, 0, 0], 3)],
                 "week[0] (2024-01-07) day 2: '3' is not an integer in 0..2^63-1", id="string-count"),
    pytest.param([week(SUN_2024_01_07, [0, 1.5, 0, 0, 0, 0, 0], 1)],
                 "week[0] (2024-01-07) day 1: '1.5' is not an integer in 0..2^63-1", id="float-count"),
    pytest.param([week(SUN_2024_01_07, [0, 0, 0, -1, 0, 0, 0], 0)],
                 "week[0] (2024-01-07) day 3: '-1' is not an integer in 0..2^63-1", id="negative"),
    pytest.param([week(SUN_2024_01_07, [0, 2**63, 0, 0, 0, 0, 0], 2**63)],
                 f"week[0] (2024-01-07) day 1: '{2**63}' is not an integer in 0..2^63-1", id="2^63"),
    pytest.param([week(SUN_2024_01_07, [2**62, 2**62, 0, 0, 0, 0, 0], 2**63)],
                 f"week[0] (2024-01-07): total '{2**63}' is not an integer in 0..2^63-1", id="total-2^63"),
    pytest.param([week(SUN_2024_01_07, [True, 0, 0, 0, 0, 0, 0], 1)],
                 "week[0] (2024-01-07) day 0: 'True' is not an integer in 0..2^63-1", id="bool"),
    pytest.param([week(SUN_2024_01_07, [0, 0, None, 0, 0, 0, 0], 0)],
                 "week[0] (2024-01-07) day 2: 'None' is not an integer in 0..2^63-1", id="null"),
    pytest.param([week(SUN_2024_01_07, [1] * 7, 8)],
                 "week[0] (2024-01-07): total 8 is not the sum of its days (7)", id="total"),
    pytest.param([week(SUN_2024_01_07, [0] * 7, "0")],
                 "week[0] (2024-01-07): total '0' is not an integer in 0..2^63-1", id="total-string"),
    pytest.param([week("2024-01-07", [0] * 7)], "week[0]: 'week' is not a unix time in seconds: '2024-01-07'",
                 id="week-string"),
    pytest.param([week(10**20, [0] * 7)], f"week[0]: 'week' is not a unix time in seconds: '{10**20}'",
                 id="week-out-of-range"),
    pytest.param([week(SUN_2024_01_07, [0] * 7), week(SUN_2024_01_07, [0] * 7)],
                 "week[1] (2024-01-07) is not at least 7 days older than the week before it (2024-01-07)",
                 id="repeated-week"),
    pytest.param([week(SUN_2024_01_07 - WEEK, [0] * 7), week(SUN_2024_01_07, [0] * 7)],
                 "week[1] (2024-01-07) is not at least 7 days older than the week before it (2023-12-31)",
                 id="oldest-first"),
])
def test_bad_shapes_name_the_reason(body: Any, reason: str) -> None:
    with pytest.raises(HistoryError) as caught:
        parse(body)
    assert caught.value.reason == reason
    assert caught.value.kind == "bad_response"


def test_week_start_and_pages_needed() -> None:
    assert week_start(date(2024, 1, 7)) == date(2024, 1, 7)  # a Sunday is its own week start
    assert week_start(date(2024, 1, 13)) == date(2024, 1, 7)  # Saturday
    today = date(2024, 1, 10)
    assert pages_needed(None, today) is None
    assert pages_needed(datetime(2024, 1, 2, tzinfo=UTC), today) == 1  # created this year: 1 request
    # 30 weeks (creation week included) fit one page; the 31st needs a second
    assert pages_needed(datetime(2023, 6, 18, tzinfo=UTC), today) == 1
    assert pages_needed(datetime(2023, 6, 17, tzinfo=UTC), today) == 2
    assert pages_needed(datetime(2009, 1, 10, tzinfo=UTC), today) == 27  # 783 weeks


# ------------------------------------------------------------------------------------------ paging (mocked)
class Upstream:
    """A history endpoint of `weeks` weeks ending at 2024-01-07, capped at page 100 like GitHub."""

    def __init__(self, weeks: int, link_past_100: bool = False) -> None:
        self.weeks, self.link_past_100 = weeks, link_past_100
        self.pages: list[int] = []
        self.headers: list[httpx.Headers] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        page = int(request.url.params["page"])
        self.pages.append(page)
        self.headers.append(request.headers)
        if page > 100:
            return httpx.Response(422, json={"message": "Pagination is limited to 100 pages."})
        body = [week(SUN_2024_01_07 - i * WEEK, [1, 0, 0, 0, 0, 0, 0])
                for i in range((page - 1) * 30, min(self.weeks, page * 30))]
        last = -(-self.weeks // 30)
        headers = {}
        if page < last and (page < 100 or self.link_past_100):
            url = f"https://api.test/repositories/7/stargazers/history?per_page=30&page={page + 1}"
            headers["Link"] = f'<{url}>; rel="next"'
        return httpx.Response(200, json=body, headers=headers)


def client(handler: Any) -> GitHubHttp:
    retry = RetryPolicy(max_attempts=1)
    return GitHubHttp("https://api.test", None, retry, transport=httpx.MockTransport(handler))


def created(weeks_back: int) -> datetime:
    return datetime.fromtimestamp(SUN_2024_01_07 - weeks_back * WEEK + 3600, UTC)


def test_paging_stops_at_the_page_holding_the_creation_week() -> None:
    upstream = Upstream(weeks=200)  # the upstream would serve 7 pages
    with client(upstream) as http:
        pages = list(fetch_history(http, "o/r", 7, created_at=created(61)))  # the 62nd week: page 3
    assert upstream.pages == [1, 2, 3]
    assert [(p.page, p.last, len(p.days)) for p in pages] == [(1, False, 30), (2, False, 30), (3, True, 30)]
    sent = upstream.headers[0]
    assert (sent["accept"], sent["x-github-api-version"]) == ("application/vnd.github+json", "2026-03-10")


def test_without_creation_date_the_link_chain_is_followed_to_its_end_and_resume_starts_mid_way() -> None:
    upstream = Upstream(weeks=70)
    with client(upstream) as http:
        pages = list(fetch_history(http, "o/r", 7, created_at=None, start_page=2))
    assert upstream.pages == [2, 3]
    assert [(p.page, p.last, len(p.days)) for p in pages] == [(2, False, 30), (3, True, 10)]


def test_page_101_is_never_requested() -> None:
    upstream = Upstream(weeks=3100, link_past_100=True)
    with client(upstream) as http:
        pages = list(fetch_history(http, "o/r", 7, created_at=None, start_page=99))
    assert upstream.pages == [99, 100]
    assert [(p.page, p.last, p.page_limit) for p in pages] == [(99, False, False), (100, True, True)]


def test_an_empty_array_is_an_error_unless_the_repo_has_no_stars() -> None:
    upstream = Upstream(weeks=0)
    with client(upstream) as http:
        with pytest.raises(HistoryError) as caught:
            list(fetch_history(http, "o/r", 7, created_at=None))
        assert caught.value.reason == "an empty array where weeks were expected"
        pages = list(fetch_history(http, "o/r", 7, created_at=None, expect_weeks=False))
    assert [(p.page, p.last, p.days) for p in pages] == [(1, True, ())]


def test_a_redirect_to_another_repo_id_is_refused() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.startswith("/repos/"):
            return httpx.Response(301, headers={"Location": "https://api.test/repositories/99/stargazers/history"})
        return httpx.Response(200, json=[])

    with client(handler) as http, pytest.raises(HistoryError) as caught:
        list(fetch_history(http, "o/r", 7, created_at=None))
    assert caught.value.reason == "o/r now redirects to repo id 99, not the tracked id 7"
    assert caught.value.kind == "not_found"
