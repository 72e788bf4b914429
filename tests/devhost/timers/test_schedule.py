"""Timer schedules: NCRONTAB first, then .NET TimeSpan intervals, as the timer extension decides."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from devhost.timers import (
    CronExpressionError,
    CronSchedule,
    IntervalSchedule,
    parse_timer_schedule,
    parse_timespan,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("00:05:00", timedelta(minutes=5)),
        ("01:00", timedelta(hours=1)),
        ("1.02:03:04", timedelta(days=1, hours=2, minutes=3, seconds=4)),
        ("1:02:03:04", timedelta(days=1, hours=2, minutes=3, seconds=4)),
        ("00:00:01.5", timedelta(seconds=1, milliseconds=500)),
        ("00:00:00.000001", timedelta(microseconds=1)),
        ("3", timedelta(days=3)),
        (" 00:00:30 ", timedelta(seconds=30)),
        ("-00:05:00", timedelta(minutes=-5)),
        ("24:00:00", None),
        ("00:60:00", None),
        ("every minute", None),
        ("", None),
    ],
)
def test_timespan_text(text: str, expected: timedelta | None) -> None:
    assert parse_timespan(text) == expected


def test_cron_expressions_win_over_timespans() -> None:
    schedule = parse_timer_schedule("0 */5 * * * *")

    assert isinstance(schedule, CronSchedule)
    assert schedule.next_occurrence(datetime(2024, 1, 1, 0, 1, tzinfo=UTC)) == datetime(
        2024, 1, 1, 0, 5, tzinfo=UTC
    )


def test_timespan_schedule_repeats_from_the_last_occurrence() -> None:
    schedule = parse_timer_schedule("00:05:00")
    last = datetime(2024, 1, 1, 0, 1, 7, tzinfo=UTC)

    assert schedule == IntervalSchedule("00:05:00", timedelta(minutes=5))
    assert schedule.next_occurrence(last) == datetime(2024, 1, 1, 0, 6, 7, tzinfo=UTC)


@pytest.mark.parametrize("text", ["every five minutes", "-00:05:00", "00:00:00"])
def test_unusable_schedules_are_rejected(text: str) -> None:
    with pytest.raises(CronExpressionError):
        parse_timer_schedule(text)
