"""Event dict -> History row conversion, without storage (the Azurite round trips are in test_history)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from azure.data.tables import EdmType

from devhost.protocol import history as events
from devhost.protocol import quote_json_string
from devhost.tracking import HistoryFormatError, event_to_row, row_to_event
from devhost.tracking.edm import edm_text, edm_to_json
from devhost.tracking.history_rows import sentinel_row
from tests.devhost.tracking.events import HELLO3_EXECUTION, HELLO3_INSTANCE, every_event_type, hello3_events
from tests.devhost.tracking.wire import as_captured, typed

GOLDEN = Path(__file__).parent / "golden"


def test_hello3_events_become_the_rows_the_provider_wrote() -> None:
    captured = json.loads((GOLDEN / "hello3-history-rows.json").read_text())
    rows = [
        as_captured(event_to_row(event, HELLO3_INSTANCE, f"{seq:016X}", HELLO3_EXECUTION))
        for seq, event in enumerate(hello3_events())
    ]

    expected = [
        {k: v for k, v in row.items() if k != "Timestamp"} for row in captured if row["RowKey"] != "sentinel"
    ]
    assert [typed(row) for row in rows] == [typed(row) for row in expected]


PATTERNS_INSTANCE = "20bcd21ed3ab4f60a94dc7ac1a05e8ef"
PATTERNS_EXECUTION = "a99b5eadc93943bfb41f87db6a953f48"


def _patterns_events() -> dict[str, dict[str, object]]:
    """Events behind some rows of golden/patterns-history-rows.json, by RowKey."""
    base = {"EventId": -1, "IsPlayed": True}
    output = (
        '{"$type":"System.Collections.Generic.Dictionary`2[[System.String, System.Private.CoreLib],'
        '[System.String, System.Private.CoreLib]], System.Private.CoreLib","generation":"1","approval":"yes",'
        '"sub":"Hello Tokyo!,Hello Seattle!,Hello London!","caught":"failed on purpose: boom",'
        '"big_length":"100000"}'
    )
    return {
        "0000000000000001": base
        | {
            "EventType": 0,
            "Timestamp": "2026-11-25T19:17:44.0457274Z",
            "OrchestrationInstance": {"InstanceId": PATTERNS_INSTANCE, "ExecutionId": PATTERNS_EXECUTION},
            "ParentInstance": None,
            "Name": "Program+Patterns",
            "Version": "",
            "Input": "1",
            "Tags": None,
            "Correlation": None,
            "ParentTraceContext": None,
            "ScheduledStartTime": None,
            "Generation": None,
            "GenerateNewTrace": False,
        },
        "0000000000000004": base
        | {
            "EventType": 15,
            "Timestamp": "2026-11-25T19:17:47.8514815Z",
            "Name": "Approval",
            "Input": '"yes"',
            "ParentTraceContext": None,
        },
        "0000000000000005": {
            "EventType": 7,
            "EventId": 0,
            "IsPlayed": False,
            "Timestamp": "2026-11-25T19:17:47.875141Z",
            "Name": "Program+Hello3",
            "Version": "",
            "InstanceId": f"{PATTERNS_EXECUTION}:0",
            "Input": None,
            "ClientSpanId": None,
            "Tags": None,
        },
        "0000000000000008": base
        | {
            "EventType": 8,
            "Timestamp": "2026-11-25T19:17:47.9995254Z",
            "TaskScheduledId": 0,
            "Result": '["Hello Tokyo!","Hello Seattle!","Hello London!"]',
        },
        "000000000000000C": base
        | {
            "EventType": 6,
            "Timestamp": "2026-11-25T19:17:48.0386975Z",
            "TaskScheduledId": 1,
            "Reason": "failed on purpose: boom",
            "Details": None,
            "FailureDetails": None,
        },
        "0000000000000011": {
            "EventType": 1,
            "EventId": 3,
            "IsPlayed": False,
            "Timestamp": "2026-11-25T19:17:48.1752404Z",
            "OrchestrationStatus": 1,
            "Result": output,
            "FailureDetails": None,
        },
    }


def test_pattern_events_become_the_rows_the_provider_wrote() -> None:
    captured = {row["RowKey"]: row for row in json.loads((GOLDEN / "patterns-history-rows.json").read_text())}

    for row_key, event in _patterns_events().items():
        row = as_captured(event_to_row(event, PATTERNS_INSTANCE, row_key, PATTERNS_EXECUTION))
        expected = {k: v for k, v in captured[row_key].items() if k != "Timestamp"}
        assert typed(row) == typed(expected), row_key


def _scheduling_events() -> dict[str, dict[str, object]]:
    """The events of rows 5 and 9 of golden/patterns-history-rows.json, with the inputs DTFx would keep
    under `storeInputsInOrchestrationHistory` (the captured TaskScheduled is `fail(None)`, the child
    gets `""`): the row encoding drops them all the same."""
    return {
        "0000000000000005": events.sub_orchestration_created(
            event_id=0,
            name="Program+Hello3",
            instance_id=f"{PATTERNS_EXECUTION}:0",
            input=quote_json_string('""'),
            timestamp="2026-11-25T19:17:47.875141Z",
        ),
        "0000000000000009": events.task_scheduled(
            event_id=1,
            name="Program+Fail",
            input='["null"]',
            timestamp="2026-11-25T19:17:48.0196686Z",
        ),
    }


def test_scheduling_rows_are_the_provider_rows_without_an_input_column() -> None:
    captured = {row["RowKey"]: row for row in json.loads((GOLDEN / "patterns-history-rows.json").read_text())}
    columns = {
        "0000000000000005": {"InstanceId", "Name", "Tags", "Version"},  # SubOrchestrationInstanceCreated
        "0000000000000009": {"Name", "ParentTraceContext", "Tags", "Version"},  # TaskScheduled
    }
    common = {"PartitionKey", "RowKey", "EventId", "EventType", "ExecutionId", "IsPlayed", "_Timestamp"}

    for row_key, event in _scheduling_events().items():
        assert event["Input"] is not None
        row = as_captured(event_to_row(event, PATTERNS_INSTANCE, row_key, PATTERNS_EXECUTION))
        expected = {k: v for k, v in captured[row_key].items() if k != "Timestamp"}
        assert typed(row) == typed(expected), row_key
        assert set(row) == common | columns[row_key] | {"_Timestamp@odata.type"}, row_key


def test_scheduling_rows_read_back_with_a_null_input() -> None:
    captured = {row["RowKey"]: row for row in json.loads((GOLDEN / "patterns-history-rows.json").read_text())}

    for row_key, event in _scheduling_events().items():
        row = {k: v for k, v in captured[row_key].items() if not k.endswith("@odata.type")}
        assert row_to_event(row) == event | {"Input": None}
        older_devhost_row = row | {"Input": event["Input"]}
        assert row_to_event(older_devhost_row) == event | {"Input": None}


def test_a_timer_becomes_the_row_in_the_provider_batch() -> None:
    batch = json.loads((GOLDEN / "patterns-history-batches.json").read_text())[0]
    sent = batch["ops"][2]["entity"]
    timer = {
        "EventType": 10,
        "EventId": 0,
        "IsPlayed": False,
        "Timestamp": "2026-11-25T19:17:43.9432580Z",
        "FireAt": "2026-11-25T19:17:44.9243011Z",
    }

    row = as_captured(event_to_row(timer, sent["PartitionKey"], sent["RowKey"], sent["ExecutionId"]))

    assert typed(row) == typed(sent)


def test_null_members_follow_the_table_entity_converter() -> None:
    failed = {"EventType": 6, "EventId": -1, "IsPlayed": True, "Timestamp": "2024-05-01T10:00:00Z"}
    failed |= {"TaskScheduledId": 1, "Reason": "boom", "Details": None, "FailureDetails": None}

    row = event_to_row(failed, "i", "000000000000000C", "e")

    assert row["FailureDetails"] == "null", "objects are JSON, null as the text null"
    assert "Details" not in row, "null strings are not stored"
    assert row["_Timestamp"] == ("2024-05-01T10:00:00.0000000Z", EdmType.DATETIME)


def test_statuses_are_stored_by_name_and_objects_as_compact_json() -> None:
    completed, created = every_event_type()[1], every_event_type()[0]

    assert event_to_row(completed, "i", "0", "e")["OrchestrationStatus"] == "Completed"
    assert (
        event_to_row(created, "i", "1", "e")["OrchestrationInstance"]
        == '{"InstanceId":"inst/1","ExecutionId":"e1"}'
    )


def test_unknown_primitive_members_are_kept_as_columns() -> None:
    event = {
        "EventType": 17,
        "EventId": -1,
        "IsPlayed": False,
        "Timestamp": "2024-05-01T10:00:00Z",
        "Data": "d",
    }

    row = event_to_row(event | {"Reason": "Rewound: TaskFailed", "Attempt": 2}, "i", "0", "e")

    assert (row["Reason"], row["Attempt"]) == ("Rewound: TaskFailed", 2)


@pytest.mark.parametrize(
    ("event", "message"),
    [
        ({"EventType": 99, "EventId": -1, "IsPlayed": False, "Timestamp": "2024-05-01T10:00:00Z"}, "unknown"),
        ({"EventType": 12, "EventId": -1, "IsPlayed": False}, "without 'Timestamp'"),
        ({"EventType": 12, "EventId": -1, "IsPlayed": False, "Timestamp": "yesterday"}, "invalid timestamp"),
        (
            {
                "EventType": 14,
                "EventId": 1,
                "IsPlayed": False,
                "Timestamp": "2024-05-01T10:00:00Z",
                "ExecutionId": "x",
            },
            "'ExecutionId' cannot be stored",
        ),
        (
            {
                "EventType": 17,
                "EventId": 1,
                "IsPlayed": False,
                "Timestamp": "2024-05-01T10:00:00Z",
                "Extra": {},
            },
            "'Extra' cannot be stored",
        ),
        (
            {
                "EventType": 1,
                "EventId": 1,
                "IsPlayed": False,
                "Timestamp": "2024-05-01T10:00:00Z",
                "OrchestrationStatus": 42,
            },
            "invalid OrchestrationStatus 42",
        ),
    ],
)
def test_events_that_cannot_be_rows_are_refused_with_a_coded_error(
    event: dict[str, object], message: str
) -> None:
    with pytest.raises(HistoryFormatError, match=message) as caught:
        event_to_row(event, "i", "0", "e")

    assert caught.value.code == "history.invalid_event"


def test_the_sentinel_marks_the_checkpoint_on_the_final_batch_only() -> None:
    final = sentinel_row("i", "e", checkpoint_complete=True)
    partial = sentinel_row("i", "e", checkpoint_complete=False)

    assert set(final) == {
        "PartitionKey",
        "RowKey",
        "ExecutionId",
        "IsCheckpointComplete",
        "CheckpointCompletedTimestamp",
    }
    assert final["RowKey"] == "sentinel"
    assert final["CheckpointCompletedTimestamp"][1] is EdmType.DATETIME
    assert partial == {
        "PartitionKey": "i",
        "RowKey": "sentinel",
        "ExecutionId": "e",
        "IsCheckpointComplete": False,
    }


@pytest.mark.parametrize(
    ("json_text", "edm", "json_back"),
    [
        ("2026-11-25T19:10:31.5747511Z", "2026-11-25T19:10:31.5747511Z", "2026-11-25T19:10:31.5747511Z"),
        ("2024-05-01T10:00:00.1Z", "2024-05-01T10:00:00.1000000Z", "2024-05-01T10:00:00.1Z"),
        ("2024-05-01T10:00:00Z", "2024-05-01T10:00:00.0000000Z", "2024-05-01T10:00:00Z"),
        ("2024-05-01T12:00:00.25+02:00", "2024-05-01T10:00:00.2500000Z", "2024-05-01T10:00:00.25Z"),
    ],
)
def test_timestamps_keep_100ns_precision_and_print_like_newtonsoft(
    json_text: str, edm: str, json_back: str
) -> None:
    assert edm_text(json_text) == edm
    assert edm_to_json(edm) == json_back
