"""The SDK's history timestamps are parsed once per distinct text, with dateutil's own answers."""

from __future__ import annotations

import importlib
import random
from datetime import datetime, timedelta

import pytest
from azure.durable_functions.models.history import HistoryEvent, HistoryEventType

import devhost.protocol.replay  # noqa: F401  # installs the memoized parser, as every replay does
from devhost.protocol.sdk_timestamps import SDK_HISTORY_EVENT_MODULE, dateutil_parse, parse_timestamp

TEXTS = [
    "2026-11-26T00:48:00.9330000Z",  # the host's own format: seven fraction digits
    "2026-11-26T00:48:00Z",
    "2026-11-26T00:48:00.123456+02:00",
    "2026-11-26T00:48:00.5-05:30",
    "9999-12-31T23:59:59.9999999Z",
    "0001-01-01T00:00:00",  # naive
]


def test_the_sdk_history_event_module_parses_with_the_memoized_parser() -> None:
    assert importlib.import_module(SDK_HISTORY_EVENT_MODULE).dt_parse is parse_timestamp


@pytest.mark.parametrize("text", TEXTS)
def test_answers_are_dateutils_own(text: str) -> None:
    expected = dateutil_parse(text)
    for _ in range(2):  # the first call parses, the second is remembered
        parsed = parse_timestamp(text)
        assert parsed == expected
        assert type(parsed.tzinfo) is type(expected.tzinfo)
        assert parsed.utcoffset() == expected.utcoffset()
        assert (parsed.year, parsed.microsecond) == (expected.year, expected.microsecond)


def host_format_texts(count: int) -> list[str]:
    """Timestamps as the host writes them, with 0 to 7 fraction digits, over the whole date range."""
    rng = random.Random(5)
    texts = []
    for _ in range(count):
        moment = datetime(1, 1, 1) + timedelta(seconds=rng.randrange(315_537_897_600))
        digits = "".join(rng.choice("0123456789") for _ in range(rng.randrange(8)))
        texts.append(moment.strftime("%Y-%m-%dT%H:%M:%S") + (f".{digits}" if digits else "") + "Z")
    return [*texts, "2028-02-29T23:59:59.9999999Z", "2026-11-26T00:00:00.0000001Z"]


def test_the_host_format_is_read_into_dateutils_own_answers() -> None:
    for text in host_format_texts(2_000):
        parsed, expected = parse_timestamp(text), dateutil_parse(text)
        assert parsed == expected, text
        assert type(parsed.tzinfo) is type(expected.tzinfo), text
        assert parsed.isoformat() == expected.isoformat(), text


def test_a_date_that_does_not_exist_fails_as_dateutil_fails() -> None:
    with pytest.raises(ValueError, match="day is out of range") as ours:
        parse_timestamp("2026-02-30T00:00:00Z")
    with pytest.raises(ValueError, match="day is out of range") as dateutils:
        dateutil_parse("2026-02-30T00:00:00Z")
    assert str(ours.value) == str(dateutils.value)


def test_a_repeated_text_is_parsed_once() -> None:
    text = "2026-11-26T01:02:03.4567890Z"
    assert parse_timestamp(text) is parse_timestamp(text)


def test_calls_with_options_go_to_dateutil_unmemoized() -> None:
    assert parse_timestamp("01/02/2026", dayfirst=True) == dateutil_parse("01/02/2026", dayfirst=True)
    assert parse_timestamp("01/02/2026", dayfirst=True).month == 2


def test_sdk_history_events_carry_dateutils_timestamps() -> None:
    text = "2026-11-26T00:48:00.9330000Z"
    event = HistoryEvent(
        EventType=HistoryEventType.ORCHESTRATOR_STARTED, EventId=-1, IsPlayed=True, Timestamp=text
    )
    assert event.timestamp == dateutil_parse(text)
