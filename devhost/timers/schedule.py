"""Timer-trigger schedules: an NCRONTAB expression or a constant .NET TimeSpan interval.

The timer extension (`TimerSchedule.Create`) tries NCRONTAB first and falls back to `TimeSpan.TryParse`,
so "00:05:00" means every five minutes and "1.00:00:00" every day.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from devhost.timers.ncrontab import CronExpressionError, CronSchedule, parse_ncrontab

# .NET TimeSpan text: [-]d, [-][d.]h:mm[:ss[.fffffff]] or [-]d:h:mm:ss[.fffffff]
_TIMESPAN_RE = re.compile(
    r"^(?P<sign>-)?(?:"
    r"(?P<only_days>\d+)"
    r"|(?:(?P<days>\d+)\.)?(?P<hours>\d+):(?P<minutes>\d+)(?::(?P<seconds>\d+)(?:\.(?P<fraction>\d{1,7}))?)?"
    r"|(?P<days_colon>\d+):(?P<hours_c>\d+):(?P<minutes_c>\d+):(?P<seconds_c>\d+)(?:\.(?P<fraction_c>\d{1,7}))?"
    r")$"
)


@dataclass(frozen=True)
class IntervalSchedule:
    """A constant schedule: every `interval` from the previous occurrence."""

    expression: str
    interval: timedelta

    def next_occurrence(self, after: datetime) -> datetime:
        """`after` plus one interval."""
        return after + self.interval


TimerSchedule = CronSchedule | IntervalSchedule


def parse_timer_schedule(expression: str) -> TimerSchedule:
    """Parse a timer trigger's `schedule` (setting references must already be resolved)."""
    try:
        return parse_ncrontab(expression)
    except CronExpressionError as cron_error:
        interval = parse_timespan(expression)
        if interval is None:
            raise CronExpressionError(
                f"The schedule expression '{expression}' was not recognized as a valid cron expression "
                f"or timespan string. ({cron_error})"
            ) from cron_error
    if interval <= timedelta(0):
        raise CronExpressionError(f"The timespan schedule '{expression}' must be greater than zero.")
    return IntervalSchedule(expression, interval)


def parse_timespan(text: str) -> timedelta | None:
    """A .NET `TimeSpan.TryParse` (invariant culture) equivalent; None when `text` is not a TimeSpan."""
    match = _TIMESPAN_RE.match(text.strip())
    if match is None:
        return None
    parts = match.groupdict()
    if parts["only_days"] is not None:
        span = timedelta(days=int(parts["only_days"]))
    else:
        colon_form = parts["days_colon"] is not None
        suffix = "_c" if colon_form else ""
        days = parts["days_colon"] if colon_form else parts["days"]
        hours, minutes = int(parts[f"hours{suffix}"]), int(parts[f"minutes{suffix}"])
        seconds, fraction = parts[f"seconds{suffix}"], parts[f"fraction{suffix}"]
        if hours > 23 or minutes > 59 or (seconds is not None and int(seconds) > 59):
            return None
        span = timedelta(
            days=int(days or 0),
            hours=hours,
            minutes=minutes,
            seconds=int(seconds or 0),
            microseconds=int((fraction or "0").ljust(7, "0")) / 10,
        )
    return -span if parts["sign"] else span
