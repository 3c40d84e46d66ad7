"""The [schedule] cron and timezone, as APScheduler triggers with standard cron weekday numbers."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from apscheduler.triggers.cron import CronTrigger

TEST_CRON_ENV = "OPENWAVE_TEST_CRON"  # tests only: a 6-field cron (seconds first) replacing [schedule] cron
WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")  # cron numbering: 0 (and 7) is Sunday


class ScheduleError(ValueError):
    """A bad [schedule] cron or timezone, phrased for the user."""


def cron_weekdays(text: str) -> str:
    """A cron day-of-week field (0 or 7 = Sunday) as APScheduler weekday names (its 0 is Monday)."""
    if text in ("*", "?"):
        return "*"
    days: set[int] = set()
    for part in text.lower().split(","):
        base, slash, step_text = part.partition("/")
        if slash and not (step_text.isdigit() and int(step_text) > 0):
            raise ScheduleError(f"bad step {step_text!r} in day of week {text!r}")
        step = int(step_text) if slash else 1
        if base == "*":
            low, high = 0, 6
        elif "-" in base:
            first, last = base.split("-", 1)
            low, high = _weekday(first, text), _weekday(last, text)
            high += 7 if high < low else 0
        else:
            low = _weekday(base, text)
            high = 6 if slash else low
        days.update(day % 7 for day in range(low, high + 1, step))
    return "*" if len(days) == 7 else ",".join(WEEKDAYS[d] for d in sorted(days))


def _weekday(token: str, text: str) -> int:
    if token.isdigit() and int(token) <= 7:
        return int(token)
    if token in WEEKDAYS:
        return WEEKDAYS.index(token)
    raise ScheduleError(f"bad day of week {token!r} in {text!r} (use 0-7 or sun-sat)")


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ScheduleError(f"unknown timezone {name!r} (use an IANA name: 'UTC', 'Europe/Berlin')") from None


def cron_trigger(cron: str, timezone: str, *, seconds: bool = False) -> CronTrigger:
    """A trigger for a standard 5-field cron (standard weekday numbers), as config.toml takes it.

    With `seconds` (the scheduler's tests only, through TEST_CRON_ENV), also a 6-field one with seconds first."""
    tz = zone(timezone)
    fields = cron.split()
    if len(fields) not in ((5, 6) if seconds else (5,)):
        more = ", or 6 with seconds first" if seconds else ""
        raise ScheduleError(f"cron {cron!r} has {len(fields)} fields: give 5 (minute hour day month "
                            f"weekday){more}")
    try:
        if len(fields) == 5:
            minute, hour, day, month, weekday = fields
            crontab = f"{minute} {hour} {day} {month} {cron_weekdays(weekday)}"
            trigger = CronTrigger.from_crontab(crontab, timezone=tz)
        else:
            second, minute, hour, day, month, weekday = fields
            trigger = CronTrigger(second=second, minute=minute, hour=hour, day=day, month=month,
                                  day_of_week=cron_weekdays(weekday), timezone=tz)
    except ValueError as exc:
        if isinstance(exc, ScheduleError):
            raise ScheduleError(f"cron {cron!r}: {exc}") from None
        raise ScheduleError(f"cron {cron!r} is not valid: {exc}") from None
    if trigger.get_next_fire_time(None, datetime.now(tz)) is None:
        raise ScheduleError(f"cron {cron!r} never fires")
    return trigger
