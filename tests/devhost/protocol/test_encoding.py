"""Timestamps, JSON payload text and activity payloads in the exact forms the extension uses."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devhost.protocol import (
    EventType,
    FunctionKind,
    PayloadError,
    RegisteredFunctions,
    activity_completed,
    activity_failed,
    activity_result,
    format_status_time,
    format_timestamp,
    parse_timestamp,
    parse_to_jtoken,
    quote_json_string,
    recompact_json,
    to_compact_json,
)
from devhost.protocol.timefmt import format_round_trip

MOMENT = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (MOMENT, "2024-05-01T10:00:00Z"),
        (MOMENT + timedelta(microseconds=100000), "2024-05-01T10:00:00.1Z"),
        (MOMENT + timedelta(microseconds=123456), "2024-05-01T10:00:00.123456Z"),
        (MOMENT.astimezone(timezone(timedelta(hours=2))), "2024-05-01T10:00:00Z"),
    ],
)
def test_timestamps_print_like_newtonsoft(moment: datetime, text: str) -> None:
    assert format_timestamp(moment) == text


def test_timestamp_text_parses_back_to_aware_utc() -> None:
    assert parse_timestamp("2024-05-01T10:00:00.1234567Z") == MOMENT + timedelta(microseconds=123456)
    assert parse_timestamp("2024-05-01T12:00:00+02:00") == MOMENT
    assert parse_timestamp("0001-01-01T00:00:00") == datetime(1, 1, 1, tzinfo=UTC)


@given(st.datetimes(timezones=st.just(UTC)))
def test_formatting_is_a_pure_function_that_survives_a_round_trip(moment: datetime) -> None:
    text = format_timestamp(moment)
    assert parse_timestamp(text) == moment
    assert format_timestamp(parse_timestamp(text)) == text


def test_bad_times_are_refused() -> None:
    with pytest.raises(PayloadError):
        format_timestamp(datetime(2024, 5, 1))  # naive: ambiguous on the wire
    with pytest.raises(PayloadError):
        parse_timestamp("yesterday")


def test_other_dotnet_time_forms() -> None:
    late = MOMENT + timedelta(microseconds=5)
    assert format_round_trip(late) == "2024-05-01T10:00:00.0000050Z"
    assert format_round_trip(MOMENT) == "2024-05-01T10:00:00.0000000Z"
    assert format_status_time(late) == "2024-05-01T10:00:00Z"


def test_json_text_helpers_follow_newtonsoft() -> None:
    assert to_compact_json({"a": [1, "é"]}) == '{"a":[1,"é"]}'
    assert recompact_json('{ "a" : 1 }') == '{"a":1}'
    assert quote_json_string('{"a": 1}') == '"{\\"a\\": 1}"'


@pytest.mark.parametrize(
    ("stored", "token"),
    [(None, None), ("  ", ""), ('{"a":1}', {"a": 1}), ('"text"', "text"), (" stop it ", "stop it"), ("5", 5)],
)
def test_parse_to_jtoken_falls_back_to_the_trimmed_text(stored: str | None, token: object) -> None:
    assert parse_to_jtoken(stored) == token


def test_activity_results_are_recompacted_and_null_means_no_result() -> None:
    assert activity_result('{"a": 1, "b": [1, 2]}') == '{"a":1,"b":[1,2]}'
    assert activity_result("null") is None
    assert activity_result(None) is None
    completed = activity_completed(task_scheduled_id=4, worker_json='"Hello"', timestamp="t")
    assert (completed["EventType"], completed["TaskScheduledId"], completed["Result"]) == (
        EventType.TaskCompleted,
        4,
        '"Hello"',
    )


def test_activity_failure_reads_like_the_extensions() -> None:
    failed = activity_failed(
        task_scheduled_id=1,
        activity_name="hello",
        error_type="ValueError",
        message="boom",
        stack="at x",
        timestamp="t",
    )
    assert failed["Reason"] == "Activity function 'hello' failed: ValueError: boom"
    assert failed["Details"] == "Result: Failure\nException: ValueError: boom\nStack: at x"


def test_registered_names_are_case_insensitive_and_messages_list_them() -> None:
    functions = RegisteredFunctions.of(orchestrators=["Main"], activities=["SayHello"])
    assert functions.has(FunctionKind.ORCHESTRATOR, "main")
    assert functions.has(FunctionKind.ACTIVITY, "sayhello")
    assert functions.has(FunctionKind.ACTIVITY, "BuiltIn::HttpActivity")
    assert not functions.has(FunctionKind.ENTITY, "main")
    assert functions.missing_function_message(FunctionKind.ORCHESTRATOR, "x") == (
        "The function 'x' doesn't exist, is disabled, or is not an orchestrator function. "
        "Additional info: The following are the known orchestrator functions: 'Main'."
    )
    assert functions.missing_function_message(FunctionKind.ENTITY, "x").endswith(
        "Additional info: No entity functions are currently registered!"
    )
