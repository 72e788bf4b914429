"""Query values and URL encoding follow the .NET parsers the extension uses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from multidict import MultiDict

from devhost.http.management.links import dotnet_url_encode
from devhost.http.management.query import (
    QueryValues,
    parse_bool,
    parse_datetime,
    parse_int,
    parse_seconds,
    parse_statuses,
)
from devhost.protocol import RuntimeStatus


def test_keys_are_case_insensitive_and_repeats_are_joined() -> None:
    query = QueryValues(MultiDict([("runtimeStatus", "Running"), ("RUNTIMESTATUS", "Failed"), ("x", "")]))

    assert query.get("RuntimeStatus") == "Running,Failed"
    assert query.all("runtimestatus") == ["Running", "Failed"]
    assert query.get("x") == ""
    assert (query.get("missing"), query.all("missing")) == (None, [])


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("True", True),
        (" false ", False),
        ("TRUE", True),
        ("1", None),
        ("yes", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_bool(text: str | None, value: bool | None) -> None:
    assert parse_bool(text) is value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("10", 10),
        (" -3 ", -3),
        ("+7", 7),
        ("2147483647", 2147483647),
        ("2147483648", None),
        ("1_0", None),
        ("1.0", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_int(text: str | None, value: int | None) -> None:
    assert parse_int(text) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("10", 10.0),
        ("0.5", 0.5),
        (".25", 0.25),
        ("1e1", 10.0),
        (" 3 ", 3.0),
        ("inf", None),
        ("nan", None),
        ("1_0", None),
        ("abc", None),
        (None, None),
    ],
)
def test_parse_seconds(text: str | None, value: float | None) -> None:
    assert parse_seconds(text) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("2024-01-02T03:04:05.678901Z", datetime(2024, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)),
        ("2024-01-02T03:04:05.1234567Z", datetime(2024, 1, 2, 3, 4, 5, 123456, tzinfo=UTC)),
        ("2024-01-02T03:04:05+02:00", datetime(2024, 1, 2, 1, 4, 5, tzinfo=UTC)),
        ("2024-01-02 03:04", datetime(2024, 1, 2, 3, 4, tzinfo=UTC)),
        ("2024-01-02", datetime(2024, 1, 2, tzinfo=UTC)),
        ("999-01-02T00:00:00.000000Z", datetime(999, 1, 2, tzinfo=UTC)),
        ("1/2/2024 13:05:00", datetime(2024, 1, 2, 13, 5, tzinfo=UTC)),
        ("2024-13-01", None),
        ("yesterday", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_datetime(text: str | None, value: datetime | None) -> None:
    assert parse_datetime(text) == value


def test_parse_datetime_returns_utc() -> None:
    parsed = parse_datetime("2024-01-02T03:04:05-0130")

    assert parsed is not None
    assert parsed.tzinfo is UTC
    assert parsed == datetime(2024, 1, 2, 3, 4, 5, tzinfo=timezone(-timedelta(hours=1, minutes=30)))


def test_parse_statuses_takes_exact_names_and_numbers() -> None:
    assert parse_statuses(["Running,Completed", " Failed ,running,7,42,", "Bogus"]) == (
        RuntimeStatus.Running,
        RuntimeStatus.Completed,
        RuntimeStatus.Failed,
        RuntimeStatus.Suspended,
    )


@pytest.mark.parametrize(
    ("text", "encoded"),
    [
        ("abc-_.!*()", "abc-_.!*()"),
        ("a b", "a+b"),
        ("a~b/c?d", "a%7Eb%2Fc%3Fd"),
        ("ü", "%C3%BC"),
        ("a+b", "a%2Bb"),
    ],
)
def test_dotnet_url_encode(text: str, encoded: str) -> None:
    assert dotnet_url_encode(text) == encoded
