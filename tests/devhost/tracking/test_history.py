"""The History table on Azurite: rows like the provider's, one batch per episode, optimistic concurrency."""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path
from typing import Any

import pytest

from devhost.protocol import history as protocol_events
from devhost.storage import StorageConflictError, StorageEtagMismatchError
from devhost.tracking import TaskHub, escape_partition_key
from tests.devhost.tracking.events import (
    HELLO3_EXECUTION,
    HELLO3_INSTANCE,
    TS,
    episode,
    every_event_type,
    hello3_events,
)
from tests.devhost.tracking.wire import as_captured, typed

pytestmark = pytest.mark.azurite

GOLDEN = Path(__file__).parent / "golden"
_BASE = {"EventType", "EventId", "IsPlayed", "Timestamp"}


async def _rows(hub: TaskHub, instance_id: str) -> list[dict[str, Any]]:
    partition_key = escape_partition_key(instance_id)
    return [as_captured(row) for row in await hub.history.table.query(f"PartitionKey eq '{partition_key}'")]


def _task_completed(task_id: int, result: str) -> dict[str, Any]:
    return {
        "EventType": 5,
        "EventId": -1,
        "IsPlayed": False,
        "Timestamp": TS,
        "TaskScheduledId": task_id,
        "Result": result,
    }


async def test_every_event_type_round_trips_with_all_members_set_or_null(hub: TaskHub) -> None:
    full = every_event_type()
    nulls = [{key: (value if key in _BASE else None) for key, value in event.items()} for event in full]

    await hub.history.append_episode("full", "e1", 0, full, None)
    await hub.history.append_episode("nulls", "e1", 0, nulls, None)
    loaded_full = await hub.history.load_history("full")
    loaded_nulls = await hub.history.load_history("nulls")

    assert [event["EventType"] for event in full] == list(range(22))
    not_stored = {4, 7}  # TaskScheduled and SubOrchestrationInstanceCreated lose their Input
    assert loaded_full.events == [
        event | {"Input": None} if event["EventType"] in not_stored else event for event in full
    ]
    assert loaded_nulls.events == nulls
    assert loaded_full.execution_id == "e1"


async def test_hello3_rows_equal_the_provider_rows_field_by_field(hub: TaskHub) -> None:
    etag = None
    for events, start in zip(episode(hello3_events(), [4, 8, 12]), [0, 4, 8, 12], strict=True):
        etag = await hub.history.append_episode(HELLO3_INSTANCE, HELLO3_EXECUTION, start, events, etag)
    stored = await _rows(hub, HELLO3_INSTANCE)
    captured = json.loads((GOLDEN / "hello3-history-rows.json").read_text())

    assert hub.names.history_table == f"{hub.names.hub}History"
    assert [row["RowKey"] for row in stored] == [row["RowKey"] for row in captured]
    assert [typed(row) for row in stored[:-1]] == [
        typed({k: v for k, v in row.items() if k != "Timestamp"}) for row in captured[:-1]
    ]
    sentinel, captured_sentinel = stored[-1], captured[-1]
    ignored = {"Timestamp", "CheckpointCompletedTimestamp"}
    assert {k: v for k, v in sentinel.items() if k not in ignored} == {
        k: v for k, v in captured_sentinel.items() if k not in ignored
    }
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z", sentinel["CheckpointCompletedTimestamp"])


async def test_scheduling_rows_have_the_provider_columns_and_load_without_input(hub: TaskHub) -> None:
    """The devhost's episodes keep activity and child inputs in memory; the table gets none of them."""
    captured = {
        row["EventType"]: row
        for name in ("hello3-history-rows.json", "patterns-history-rows.json")
        for row in json.loads((GOLDEN / name).read_text())
        if row["RowKey"] != "sentinel"
    }
    scheduled = protocol_events.task_scheduled(
        event_id=0, name="say_hello", input='["\\"Osaka\\""]', timestamp=TS
    )
    created = protocol_events.sub_orchestration_created(
        event_id=1, name="child", instance_id="e1:1", input='"\\"x\\""', timestamp=TS
    )
    frame = protocol_events.orchestrator_started(timestamp=TS)

    await hub.history.append_episode("sched", "e1", 0, [frame, scheduled, created], None)
    rows = {row.get("EventType"): row for row in await _rows(hub, "sched")}
    loaded = await hub.history.load_history("sched")

    for event_type in ("TaskScheduled", "SubOrchestrationInstanceCreated"):
        # `Timestamp` is the service's own column: the SDK reads it into the entity's metadata.
        assert set(rows[event_type]) == set(captured[event_type]) - {"Timestamp"}, event_type
    assert loaded.events == [frame, scheduled | {"Input": None}, created | {"Input": None}]


async def test_one_request_per_episode_and_per_load(hub: TaskHub, storage: Any) -> None:
    first, second = episode(hello3_events(), [4])[0], hello3_events()[4:8]

    etag = await hub.history.append_episode("i1", "e1", 0, first, None)
    assert storage.counter.snapshot()["table"] == 1
    loaded = await hub.history.load_history("i1")
    assert storage.counter.snapshot()["table"] == 2
    new_etag = await hub.history.append_episode("i1", "e1", 4, second, loaded.etag)

    assert storage.counter.snapshot() == {"table": 3, "blob": 0, "queue": 0, "total": 3}
    assert loaded.etag == etag
    assert new_etag != etag
    assert (await hub.history.load_history("i1")).events == first + second


async def test_a_concurrent_writer_loses_with_etag_mismatch(hub: TaskHub) -> None:
    start = hello3_events()[:4]
    await hub.history.append_episode("i1", "e1", 0, start, None)
    seen_by_a = await hub.history.load_history("i1")
    seen_by_b = await hub.history.load_history("i1")

    await hub.history.append_episode("i1", "e1", 4, hello3_events()[4:8], seen_by_a.etag)
    with pytest.raises(StorageEtagMismatchError) as lost:
        await hub.history.append_episode("i1", "e1", 4, [_task_completed(0, '"other"')], seen_by_b.etag)

    assert lost.value.code == "storage.etag_mismatch"
    assert (await hub.history.load_history("i1")).events == hello3_events()[:8]


async def test_two_writers_creating_the_same_instance_conflict(hub: TaskHub) -> None:
    await hub.history.append_episode("i1", "e1", 0, hello3_events()[:4], None)

    with pytest.raises(StorageConflictError) as lost:
        await hub.history.append_episode("i1", "e2", 0, hello3_events()[:4], None)

    assert lost.value.error_code == "EntityAlreadyExists"
    assert (await hub.history.load_history("i1")).execution_id == "e1"


async def test_continue_as_new_starts_again_at_row_zero_like_the_provider(hub: TaskHub) -> None:
    old = hello3_events()[:8]
    etag = await hub.history.append_episode("i1", "old", 0, old[:4], None)
    etag = await hub.history.append_episode("i1", "old", 4, old[4:], etag)

    new_start = hello3_events()[:3]
    etag = await hub.history.append_episode("i1", "new", 0, new_start, etag)
    after_restart = await hub.history.load_history("i1")
    rows = await _rows(hub, "i1")
    await hub.history.append_episode("i1", "new", 3, hello3_events()[3:6], etag)

    assert after_restart.execution_id == "new"
    assert after_restart.events == new_start
    assert [(row["RowKey"][-1], row["ExecutionId"]) for row in rows] == [
        *[(str(n), "new") for n in range(3)],
        *[(str(n), "old") for n in range(3, 8)],  # left in place, as the provider does
        ("l", "new"),
    ]
    assert (await hub.history.load_history("i1")).events == hello3_events()[:6]


async def test_large_values_go_to_gzip_blobs_named_like_the_provider(hub: TaskHub, storage: Any) -> None:
    big = '"' + "x" * 100_000 + '"'
    events = [*hello3_events()[:4], _task_completed(0, big)]
    await hub.history.append_episode("i/1", "e1", 0, events[:4], None)
    storage.counter.reset()

    await hub.history.append_episode(
        "i/1", "e1", 0x10, [events[4]], (await hub.history.load_history("i/1")).etag
    )
    counts = storage.counter.snapshot()
    row = (await _rows(hub, "i/1"))[4]
    blob = row["ResultBlobName"]

    assert counts == {"table": 2, "blob": 1, "queue": 0, "total": 3}, "load, blob upload, batch"
    assert row["RowKey"] == "0000000000000010"
    assert row["Result"] == ""
    assert re.fullmatch(r"i\^01/history-0000000000000010-TaskCompleted-[0-9A-F]{8}-Result\.json\.gz", blob)
    assert gzip.decompress(await hub.payloads.container.download(blob)).decode() == big
    loaded = await hub.history.load_history("i/1")
    assert loaded.events[-1] == events[4]


@pytest.mark.parametrize(
    ("value", "offloaded"),
    [("a" * 30_720, False), ("a" * 30_721, True), ("🚀" * 15_360, False), ("🚀" * 15_361, True)],
)
async def test_the_limit_is_60_kib_counted_as_utf16(hub: TaskHub, value: str, offloaded: bool) -> None:
    event = {"EventType": 3, "EventId": -1, "IsPlayed": False, "Timestamp": TS, "Input": value}

    await hub.history.append_episode("i1", "e1", 0, [event], None)
    [row] = [row for row in await _rows(hub, "i1") if row["RowKey"] != "sentinel"]

    assert ("InputBlobName" in row) is offloaded
    assert (await hub.history.load_history("i1")).events == [event]


async def test_a_new_execution_deletes_the_blobs_of_the_one_it_replaced(hub: TaskHub) -> None:
    big = '"' + "y" * 40_000 + '"'
    etag = await hub.history.append_episode("i1", "old", 0, [_task_completed(0, big)], None)
    [old_blob] = await hub.payloads.container.list_names("i1/")

    await hub.history.append_episode("i1", "new", 0, hello3_events()[:2], etag)

    assert old_blob.startswith("i1/history-0000000000000000-TaskCompleted-")
    assert await hub.payloads.container.list_names("i1/") == []


async def test_episodes_past_99_rows_are_split_with_the_sentinel_in_each_batch(
    hub: TaskHub, storage: Any
) -> None:
    events = [_task_completed(n, f'"{n}"') for n in range(250)]

    etag = await hub.history.append_episode("i1", "e1", 0, events, None)
    loaded = await hub.history.load_history("i1")

    assert storage.counter.snapshot()["table"] == 3 + 1, "99 + 99 + 52 rows, then one load"
    assert loaded.events == events
    assert loaded.etag == etag
    assert loaded.checkpoint_complete is True


async def test_instance_ids_are_escaped_in_keys_and_restored(hub: TaskHub) -> None:
    instance_id = "orders/2024#7?^ünï ✓\t"
    await hub.history.append_episode(instance_id, "e1", 0, hello3_events()[:2], None)

    rows = await _rows(hub, instance_id)

    assert {row["PartitionKey"] for row in rows} == {"orders^02024^27^3^^ünï ✓^\u00c9"}
    assert (await hub.history.load_history(instance_id)).events == hello3_events()[:2]


async def test_an_unknown_instance_has_no_history_and_no_etag(hub: TaskHub) -> None:
    loaded = await hub.history.load_history("nobody")

    assert (loaded.execution_id, loaded.events, loaded.etag) == (None, [], None)


async def test_delete_history_removes_rows_and_blobs(hub: TaskHub) -> None:
    etag = await hub.history.append_episode(
        "i1", "e1", 0, [_task_completed(0, '"' + "z" * 40_000 + '"')], None
    )
    await hub.history.append_episode("i1", "e1", 1, [_task_completed(n, "1") for n in range(150)], etag)
    await hub.history.append_episode("i10", "e1", 0, hello3_events()[:1], None)

    deleted = await hub.history.delete_history("i1")

    assert deleted == 152, "151 events and the sentinel"
    assert await _rows(hub, "i1") == []
    assert await hub.payloads.container.list_names("i1/") == []
    assert len(await _rows(hub, "i10")) == 2, "another instance sharing the prefix is untouched"


async def test_an_empty_episode_is_refused(hub: TaskHub) -> None:
    with pytest.raises(ValueError, match="at least one event"):
        await hub.history.append_episode("i1", "e1", 0, [], None)
