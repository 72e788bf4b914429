"""NCRONTAB expressions (the NCrontab library the timer trigger uses): parsing and next occurrence.

Six fields (`second minute hour day month day-of-week`) or the classic five (no seconds; second 0).
Each field is `*`, a value, a range `a-b` (reversed bounds are swapped), a step `*/n`, `a-b/n` or
`a/n` (= `a-max/n`), or a comma list of those. Months and days of week also accept names: any
case-insensitive prefix of the English name, first match wins (`Ma` is March). Sunday is 0; 7 is
rejected, as in NCrontab. Unlike Vixie cron, a restricted day-of-month *and* day-of-week must both
match (NCrontab semantics).

Occurrences are computed on the wall clock of the datetime given (pass UTC, as the Functions host
does by default); the result keeps its `tzinfo`.
"""

from __future__ import annotations

import calendar
import re
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

# The Gregorian calendar repeats every 400 years, so a schedule with no occurrence in that span
# (e.g. February 30th) never fires.
SEARCH_HORIZON_YEARS = 400

_MONTH_NAMES = tuple(calendar.month_name[1:])
_DAY_NAMES = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
_NUMBER_RE = re.compile(r"^\d+$")


class CronExpressionError(ValueError):
    """The expression is not a valid NCRONTAB expression; the message says which field and why."""


@dataclass(frozen=True)
class _FieldKind:
    name: str
    low: int
    high: int
    names: tuple[str, ...] = ()


SECOND = _FieldKind("Second", 0, 59)
MINUTE = _FieldKind("Minute", 0, 59)
HOUR = _FieldKind("Hour", 0, 23)
DAY = _FieldKind("Day", 1, 31)
MONTH = _FieldKind("Month", 1, 12, _MONTH_NAMES)
DAY_OF_WEEK = _FieldKind("DayOfWeek", 0, 6, _DAY_NAMES)


@dataclass(frozen=True)
class CronSchedule:
    """A parsed NCRONTAB schedule: the set of allowed values of each field."""

    expression: str
    seconds: tuple[int, ...]
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    days: tuple[int, ...]
    months: tuple[int, ...]
    days_of_week: tuple[int, ...]

    def next_occurrence(self, after: datetime) -> datetime | None:
        """The first occurrence strictly after `after` (microseconds ignored); None if there is none."""
        start = after.replace(microsecond=0) + timedelta(seconds=1)
        for year, month in _months_from(start.year, start.month):
            if month not in self.months:
                continue
            found = self._first_in_month(year, month, start)
            if found is not None:
                return found
        return None

    def _first_in_month(self, year: int, month: int, start: datetime) -> datetime | None:
        last_day = calendar.monthrange(year, month)[1]
        same_month = (year, month) == (start.year, start.month)
        for day in self.days:
            if day > last_day or (same_month and day < start.day):
                continue
            if (calendar.weekday(year, month, day) + 1) % 7 not in self.days_of_week:
                continue
            is_start_day = same_month and day == start.day
            time = self._first_time((start.hour, start.minute, start.second) if is_start_day else None)
            if time is not None:
                hour, minute, second = time
                return start.replace(year=year, month=month, day=day, hour=hour, minute=minute, second=second)
        return None

    def _first_time(self, not_before: tuple[int, int, int] | None) -> tuple[int, int, int] | None:
        """The earliest allowed time of day, at or after `not_before` when given."""
        if not_before is None:
            return self.hours[0], self.minutes[0], self.seconds[0]
        start_hour, start_minute, start_second = not_before
        for hour in self.hours[bisect_left(self.hours, start_hour) :]:
            if hour > start_hour:
                return hour, self.minutes[0], self.seconds[0]
            for minute in self.minutes[bisect_left(self.minutes, start_minute) :]:
                if minute > start_minute:
                    return hour, minute, self.seconds[0]
                index = bisect_left(self.seconds, start_second)
                if index < len(self.seconds):
                    return hour, minute, self.seconds[index]
        return None


def parse_ncrontab(expression: str) -> CronSchedule:
    """Parse a 6-field (seconds first) or 5-field NCRONTAB expression."""
    tokens = expression.split()
    if len(tokens) == 6:
        kinds: tuple[_FieldKind, ...] = (SECOND, MINUTE, HOUR, DAY, MONTH, DAY_OF_WEEK)
        values = [_parse_field(kind, token) for kind, token in zip(kinds, tokens, strict=True)]
    elif len(tokens) == 5:
        kinds = (MINUTE, HOUR, DAY, MONTH, DAY_OF_WEEK)
        values = [(0,), *(_parse_field(kind, token) for kind, token in zip(kinds, tokens, strict=True))]
    else:
        raise CronExpressionError(
            f"'{expression}' is an invalid crontab expression. It must contain 6 components (seconds, "
            "minutes, hours, days, months, days of week) or 5 (without seconds)."
        )
    return CronSchedule(expression, *values)


def _parse_field(kind: _FieldKind, text: str) -> tuple[int, ...]:
    allowed: set[int] = set()
    for item in text.split(","):
        allowed.update(_parse_item(kind, item, text))
    return tuple(sorted(allowed))


def _parse_item(kind: _FieldKind, item: str, field_text: str) -> range:
    base, slash, step_text = item.partition("/")
    if slash and not _NUMBER_RE.match(step_text):
        raise _invalid(kind, field_text, f"step '{step_text}' is not a number")
    step = max(int(step_text), 1) if slash else 1
    if base == "*":
        return range(kind.low, kind.high + 1, step)
    first_text, dash, last_text = base.partition("-")
    first = _parse_value(kind, first_text, field_text)
    if dash:
        last = _parse_value(kind, last_text, field_text)
        first, last = min(first, last), max(first, last)
    else:
        last = kind.high if slash else first
    return range(first, last + 1, step)


def _parse_value(kind: _FieldKind, text: str, field_text: str) -> int:
    value = int(text) if _NUMBER_RE.match(text) else _value_of_name(kind, text, field_text)
    if not kind.low <= value <= kind.high:
        raise _invalid(kind, field_text, f"{value} is outside {kind.low}-{kind.high}")
    return value


def _value_of_name(kind: _FieldKind, text: str, field_text: str) -> int:
    if not text:
        raise _invalid(kind, field_text, "a value cannot be empty")
    if not kind.names:
        raise _invalid(kind, field_text, f"'{text}' is not a number")
    folded = text.casefold()
    for offset, name in enumerate(kind.names):
        if name.casefold().startswith(folded):
            return kind.low + offset
    raise _invalid(kind, field_text, f"'{text}' is not a known name ({', '.join(kind.names)})")


def _invalid(kind: _FieldKind, field_text: str, reason: str) -> CronExpressionError:
    return CronExpressionError(f"'{field_text}' is not a valid [{kind.name}] crontab field: {reason}.")


def _months_from(year: int, month: int) -> Iterator[tuple[int, int]]:
    first = year * 12 + month - 1
    for index in range(first, first + 12 * SEARCH_HORIZON_YEARS):
        candidate_year, month_index = divmod(index, 12)
        if candidate_year > datetime.max.year:
            return
        yield candidate_year, month_index + 1
