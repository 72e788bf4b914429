"""NCRONTAB parsing and next occurrences: worked examples plus a property test against a plain oracle."""

from __future__ import annotations

import calendar
import itertools
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devhost.timers import CronExpressionError, parse_ncrontab

BASE = datetime(2024, 5, 1, 12, 3, 10, tzinfo=UTC)  # a Wednesday


@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        ("0 */5 * * * *", BASE, datetime(2024, 5, 1, 12, 5, 0, tzinfo=UTC)),
        ("*/15 * * * * *", BASE, datetime(2024, 5, 1, 12, 3, 15, tzinfo=UTC)),
        ("0 0 * * * *", BASE, datetime(2024, 5, 1, 13, 0, 0, tzinfo=UTC)),
        ("0 30 9 * * 1-5", BASE, datetime(2024, 5, 2, 9, 30, tzinfo=UTC)),
        ("0 30 9 * * Sat,Sun", BASE, datetime(2024, 5, 4, 9, 30, tzinfo=UTC)),
        ("0 0 0 1 1 *", BASE, datetime(2025, 1, 1, tzinfo=UTC)),
        ("0 0 0 1 jan,JUL *", BASE, datetime(2024, 7, 1, tzinfo=UTC)),
        ("0 0 0 * * M", BASE, datetime(2024, 5, 6, tzinfo=UTC)),
        ("0 0 0 1 Ma *", BASE, datetime(2025, 3, 1, tzinfo=UTC)),
        ("0 0 0 13 * Fri", BASE, datetime(2024, 9, 13, tzinfo=UTC)),
        ("0 0 0 29 2 *", BASE, datetime(2028, 2, 29, tzinfo=UTC)),
        ("0 0 0 31 * *", BASE, datetime(2024, 5, 31, tzinfo=UTC)),
        ("0 0 0 31 * *", datetime(2024, 5, 31, tzinfo=UTC), datetime(2024, 7, 31, tzinfo=UTC)),
        ("0 5-1 * * * *", BASE, datetime(2024, 5, 1, 12, 4, tzinfo=UTC)),
        ("0 5/20 * * * *", BASE, datetime(2024, 5, 1, 12, 5, tzinfo=UTC)),
        ("0 5/20 * * * *", datetime(2024, 5, 1, 12, 45, tzinfo=UTC), datetime(2024, 5, 1, 13, 5, tzinfo=UTC)),
        ("*/5 * * * *", BASE, datetime(2024, 5, 1, 12, 5, 0, tzinfo=UTC)),
        ("0 12 * * Mon", BASE, datetime(2024, 5, 6, 12, 0, tzinfo=UTC)),
        (
            "* * * * * *",
            datetime(2024, 12, 31, 23, 59, 59, 500_000, tzinfo=UTC),
            datetime(2025, 1, 1, tzinfo=UTC),
        ),
        ("0 0 0 30 2 *", BASE, None),
    ],
)
def test_next_occurrence(expression: str, after: datetime, expected: datetime | None) -> None:
    assert parse_ncrontab(expression).next_occurrence(after) == expected


def test_occurrence_is_strictly_after_a_matching_time() -> None:
    schedule = parse_ncrontab("0 0 * * * *")
    on_the_hour = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)

    assert schedule.next_occurrence(on_the_hour) == datetime(2024, 5, 1, 13, 0, 0, tzinfo=UTC)


def test_time_zone_of_the_input_is_kept() -> None:
    plus_two = timezone(timedelta(hours=2))
    schedule = parse_ncrontab("0 0 9 * * *")

    assert schedule.next_occurrence(datetime(2024, 5, 1, 10, 0, tzinfo=plus_two)) == datetime(
        2024, 5, 2, 9, 0, tzinfo=plus_two
    )


@pytest.mark.parametrize(
    ("expression", "reason"),
    [
        ("* * * *", "must contain 6 components"),
        ("* * * * * * *", "must contain 6 components"),
        ("60 * * * * *", r"60 is outside 0-59"),
        ("* * * * * 7", r"7 is outside 0-6"),
        ("* * * 0 * *", r"0 is outside 1-31"),
        ("* * * * 13 *", r"13 is outside 1-12"),
        ("* * * * * Funday", "not a known name"),
        ("a * * * * *", "'a' is not a number"),
        ("*/x * * * * *", "step 'x' is not a number"),
        ("1,,2 * * * * *", "cannot be empty"),
    ],
)
def test_invalid_expressions_are_explained(expression: str, reason: str) -> None:
    with pytest.raises(CronExpressionError, match=reason):
        parse_ncrontab(expression)


# Property test: each field is built from random items whose allowed values the test computes on its own.

_FIELDS = ((0, 59), (0, 59), (0, 23), (1, 31), (1, 12), (0, 6))


@st.composite
def _field_item(draw: st.DrawFn, low: int, high: int) -> tuple[str, set[int]]:
    kind = draw(st.sampled_from(["star", "step", "value", "range", "range_step", "value_step"]))
    a, b = sorted(draw(st.tuples(st.integers(low, high), st.integers(low, high))))
    step = draw(st.integers(1, 20))
    if kind == "star":
        return "*", set(range(low, high + 1))
    if kind == "step":
        return f"*/{step}", set(range(low, high + 1, step))
    if kind == "value":
        return str(a), {a}
    if kind == "range":
        return f"{a}-{b}", set(range(a, b + 1))
    if kind == "range_step":
        return f"{a}-{b}/{step}", set(range(a, b + 1, step))
    return f"{a}/{step}", set(range(a, high + 1, step))


@st.composite
def _expression(draw: st.DrawFn) -> tuple[str, list[set[int]]]:
    texts, sets = [], []
    for low, high in _FIELDS:
        items = draw(st.lists(_field_item(low, high), min_size=1, max_size=3))
        texts.append(",".join(text for text, _ in items))
        sets.append(set().union(*(values for _, values in items)))
    return " ".join(texts), sets


def _oracle(fields: list[set[int]], after: datetime) -> datetime | None:
    """Walk day by day for 30 years; on the first matching day take the earliest time not before `start`."""
    seconds, minutes, hours, days, months, weekdays = fields
    start = after.replace(microsecond=0) + timedelta(seconds=1)
    for offset in range(366 * 30):
        day = start.date() + timedelta(days=offset)
        if day.day not in days or day.month not in months or (day.weekday() + 1) % 7 not in weekdays:
            continue
        for hour, minute, second in itertools.product(sorted(hours), sorted(minutes), sorted(seconds)):
            candidate = datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=after.tzinfo)
            if candidate >= start:
                return candidate
    return None


@settings(max_examples=150, deadline=None)
@given(_expression(), st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2090, 1, 1)))
def test_next_occurrence_agrees_with_a_day_by_day_search(
    expression: tuple[str, list[set[int]]], after: datetime
) -> None:
    text, fields = expression
    schedule = parse_ncrontab(text)
    found = schedule.next_occurrence(after)
    expected = _oracle(fields, after)

    if expected is None:  # beyond the oracle's horizon: the schedule's answer must still be a match
        assert found is None or _matches(fields, found)
    else:
        assert found == expected


def _matches(fields: list[set[int]], moment: datetime) -> bool:
    seconds, minutes, hours, days, months, weekdays = fields
    return (
        moment.second in seconds
        and moment.minute in minutes
        and moment.hour in hours
        and moment.day in days
        and moment.month in months
        and (calendar.weekday(moment.year, moment.month, moment.day) + 1) % 7 in weekdays
    )
