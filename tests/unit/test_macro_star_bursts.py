"""star_bursts_between: a burst injected into smooth history alerts; smooth series, a new repo's organic launch,
small repos' noise and a gap that history explains do not."""

from datetime import date, timedelta

from dashboards import MACROS_DIR
from tests.unit.view_fixtures import Con, entity, history, repo, rows, snapshots, warehouse
from warehouse.db import apply_views

START = date(2026, 1, 1)
RULE = ("gain - days x median > 6 x max(1.4826 x MAD, sqrt(median), 1) x sqrt(days) and >= 50 stars; "
        "median and MAD of the one-day gains of the previous 28 days")


def with_macros() -> Con:
    con = warehouse()
    apply_views(con, MACROS_DIR)
    entity(con, "lab", "CN")
    return con


def day(i: int) -> str:
    return (START + timedelta(days=i)).isoformat()


def daily_totals(gains: list[int], first: int = 1000) -> dict[str, int]:
    """Snapshots on consecutive days from START whose daily changes are `gains`."""
    totals, stars = {day(0): first}, first
    for i, gain in enumerate(gains, start=1):
        stars += gain
        totals[day(i)] = stars
    return totals


SMOOTH = [18 + i % 5 for i in range(60)]  # 18..22 stars a day: median 20, MAD 1


def bursts(con: Con, first: int = 0, last: int = 60) -> list[tuple]:
    return rows(con, f"select repo, day::varchar, stars_added, baseline, excess, median, mad, baseline_days, "
                     f"days_spanned, note, basis from star_bursts_between('{day(first)}', '{day(last)}')")


def test_a_burst_in_smooth_history_alerts_once() -> None:
    con = with_macros()
    gains = list(SMOOTH)
    gains[39] += 400  # day 40: 400 bought stars
    repo(con, 1, "calm/repo", created="2025-01-01 00:00:00+00", entities=("lab",))
    snapshots(con, 1, daily_totals(gains))

    got = bursts(con)

    assert got == [("calm/repo", day(40), 422, 20.0, 402.0, 20.0, 1.0, 28, 1, None, "observed")]
    assert rows(con, f"select distinct rule from star_bursts_between('{day(0)}', '{day(60)}')") == [(RULE,)]


def test_a_smooth_series_does_not_alert() -> None:
    con = with_macros()
    repo(con, 1, "calm/repo", created="2025-01-01 00:00:00+00", entities=("lab",))
    snapshots(con, 1, daily_totals(SMOOTH))

    assert bursts(con) == []


def test_a_small_repo_never_alerts_under_50_stars() -> None:
    con = with_macros()
    gains = [i % 2 for i in range(60)]
    gains[40] = 45  # 90 times its median, but 45 stars
    repo(con, 1, "tiny/repo", created="2025-01-01 00:00:00+00", entities=("lab",))
    snapshots(con, 1, daily_totals(gains))

    assert bursts(con) == []


def launch_history(con: Con, repo_id: int, name: str, extra: dict[int, int]) -> None:
    """A repo created on START: organic launch from star history (900 a day, decaying by 20 % a day, then a
    trickle of 10), first snapshot on day 35 and daily snapshots after it."""
    added = {i: max(int(900 * 0.8 ** i), 10) for i in range(36)}
    for i, more in extra.items():
        added[i] += more
    repo(con, repo_id, name, created=f"{START} 00:00:00+00", entities=("lab",))
    history(con, repo_id, {day(i): n for i, n in added.items()}, name=name)
    snapshots(con, repo_id, {day(35): sum(added.values()), day(36): sum(added.values()) + 10}, name=name)


def test_a_new_repos_organic_launch_does_not_alert() -> None:
    con = with_macros()
    launch_history(con, 1, "new/launch", {})

    assert bursts(con, 0, 36) == []


def test_a_burst_in_a_young_repo_is_judged_with_what_is_known() -> None:
    con = with_macros()
    launch_history(con, 1, "new/launch", {20: 1000})  # day 20: 1,010 stars instead of 10
    launch_history(con, 2, "other/launch", {20: 600})  # day 20: 610 stars instead of 10

    got = bursts(con, 0, 36)

    # baseline: days 0..19, the 20 known days, launch included: median (120 + 96) / 2 = 108, MAD 85.5, so
    # sigma = 1.4826 x 85.5 = 126.8: an excess above 760.6 alerts (902 does, 502 does not)
    assert got == [("new/launch", day(20), 1010, 108.0, 902.0, 108.0, 85.5, 20, 1,
                    "first weeks: 20 known days", "history")]


def test_a_day_after_a_gap_is_judged_over_the_days_it_spans() -> None:
    con = with_macros()
    repo(con, 1, "calm/repo", created="2025-01-01 00:00:00+00", entities=("lab",))
    repo(con, 2, "gap/repo", created="2025-01-01 00:00:00+00", entities=("lab",))
    totals = daily_totals(SMOOTH)
    for i in (41, 42):  # no snapshot on days 41 and 42: day 43 carries 3 days of stars
        del totals[day(i)]
    snapshots(con, 1, totals)
    burst = dict(totals)
    for i in range(43, 61):
        burst[day(i)] += 300
    snapshots(con, 2, burst, name="gap/repo")

    got = bursts(con)

    # 3 days: expected 60; the calm repo's 60 is explained, the other's 360 is not
    # days 41-43 of SMOOTH add 18 + 19 + 20 = 57
    assert got == [("gap/repo", day(43), 357, 60.0, 297.0, 20.0, 1.0, 28, 3, "after a gap: gain over 3 days",
                    "observed")]
