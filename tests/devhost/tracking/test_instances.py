"""The Instances table on Azurite: rows like the provider's, merge/replace, filters and paging."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from devhost.protocol.types import InstanceRecord, RuntimeStatus
from devhost.tracking import InstanceStore, TaskHub, escape_partition_key
from tests.devhost.tracking.events import HELLO3_EXECUTION, HELLO3_INSTANCE
from tests.devhost.tracking.wire import as_captured, typed

pytestmark = pytest.mark.azurite

GOLDEN = Path(__file__).parent / "golden"
T0 = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)


def _record(instance_id: str, **changes: Any) -> InstanceRecord:
    record = InstanceRecord(
        instance_id=instance_id,
        name="order_workflow",
        execution_id="e1",
        runtime_status=RuntimeStatus.Running,
        created_time=T0,
        last_updated_time=T0 + timedelta(seconds=1),
        input='{"sku": "A-1"}',
    )
    return replace(record, **changes)


async def _raw_row(hub: TaskHub, instance_id: str) -> dict[str, Any]:
    row = await hub.instances.table.get(escape_partition_key(instance_id), "")
    assert row is not None
    return as_captured(row)


async def test_a_completed_instance_row_equals_the_provider_row(hub: TaskHub) -> None:
    captured = json.loads((GOLDEN / "hello3-instances-row.json").read_text())
    store_of_pub2 = InstanceStore(hub.instances.table, hub.payloads, "Pub2")  # the captured TaskHubName

    def at(text: str) -> datetime:
        return datetime.fromisoformat(text)

    await store_of_pub2.upsert_instance(
        InstanceRecord(
            instance_id=HELLO3_INSTANCE,
            name="Program+Hello3",
            execution_id=HELLO3_EXECUTION,
            runtime_status=RuntimeStatus.Completed,
            created_time=at("2026-11-25T19:10:31.347405Z"),
            last_updated_time=at("2026-11-25T19:10:31.761271Z"),
            input='""',
            output='["Hello Tokyo!","Hello Seattle!","Hello London!"]',
            completed_time=at("2026-11-25T19:10:31.762899Z"),
        )
    )
    row = await _raw_row(hub, HELLO3_INSTANCE)

    # Python datetimes carry microseconds: the provider's 7th fraction digit is 0 in ours.
    expected = {
        key: re.sub(r"(\.\d{6})\dZ$", r"\g<1>0Z", value) if key.endswith("Time") else value
        for key, value in captured.items()
        if key != "Timestamp"
    }
    assert typed(row) == typed(expected)


async def test_records_round_trip(hub: TaskHub) -> None:
    record = _record(
        "a/b#c?ü",
        runtime_status=RuntimeStatus.Failed,
        output="ValueError: out of stock",
        custom_status='{"step": 2}',
        completed_time=T0 + timedelta(minutes=1, microseconds=123456),
        version="2.0",
        parent_instance_id="parent-1",
        generation=3,
    )

    await hub.instances.upsert_instance(record)

    assert await hub.instances.get_instance("a/b#c?ü") == record
    assert await hub.instances.get_instance("nobody") is None


async def test_unset_custom_status_and_parent_are_stored_like_the_provider(hub: TaskHub) -> None:
    await hub.instances.upsert_instance(_record("i1"))

    row = await _raw_row(hub, "i1")

    assert (row["CustomStatus"], row["ParentInstanceId"], row["Tags"]) == ("null", "", "null")
    assert "Output" not in row
    assert "CompletedTime" not in row
    assert (await hub.instances.get_instance("i1")) == _record("i1")


async def test_upsert_merges_unless_asked_to_replace(hub: TaskHub, storage: Any) -> None:
    await hub.instances.upsert_instance(
        _record("i1", runtime_status=RuntimeStatus.Completed, output='"done"')
    )
    await hub.instances.upsert_instance(_record("i1", runtime_status=RuntimeStatus.Completed))
    merged = await hub.instances.get_instance("i1")
    await hub.instances.upsert_instance(_record("i1", runtime_status=RuntimeStatus.Pending), replace=True)
    replaced = await hub.instances.get_instance("i1")

    assert merged is not None
    assert merged.output == '"done"'
    assert replaced == _record("i1", runtime_status=RuntimeStatus.Pending)
    assert storage.counter.snapshot()["table"] == 5


async def test_large_input_and_output_are_stored_as_blob_urls(hub: TaskHub, storage: Any) -> None:
    big_input, big_output = '"' + "i" * 40_000 + '"', '"' + "o" * 40_000 + '"'

    await hub.instances.upsert_instance(_record("big/1", input=big_input, output=big_output))
    counts = storage.counter.reset()
    row = await _raw_row(hub, "big/1")
    record = await hub.instances.get_instance("big/1")

    assert counts == {"table": 1, "blob": 2, "queue": 0, "total": 3}
    prefix = f"{hub.payloads.container.url}/big%5E01/history--"
    assert re.fullmatch(re.escape(prefix) + r"Input-[0-9A-F]{8}-Input\.json\.gz", row["Input"])
    assert re.fullmatch(re.escape(prefix) + r"Output-[0-9A-F]{8}-Output\.json\.gz", row["Output"])
    assert record is not None
    assert (record.input, record.output) == (big_input, big_output)


async def test_queries_filter_on_the_server_and_page_with_tokens(hub: TaskHub) -> None:
    statuses = [RuntimeStatus.Running, RuntimeStatus.Completed, RuntimeStatus.Failed, RuntimeStatus.Completed]
    for day, (instance_id, status) in enumerate(
        zip(["order-1", "order-2", "orders/3", "other"], statuses, strict=True)
    ):
        await hub.instances.upsert_instance(
            _record(instance_id, runtime_status=status, created_time=T0 + timedelta(days=day))
        )

    async def ids(**query: Any) -> list[str]:
        records, token = await hub.instances.query_instances(**query)
        assert token is None
        return [record.instance_id for record in records]

    assert await ids() == ["order-1", "order-2", "orders/3", "other"]
    assert await ids(statuses=[RuntimeStatus.Completed]) == ["order-2", "other"]
    assert await ids(statuses=[RuntimeStatus.Completed, RuntimeStatus.Failed]) == [
        "order-2",
        "orders/3",
        "other",
    ]
    assert await ids(created_from=T0 + timedelta(days=1), created_to=T0 + timedelta(days=2)) == [
        "order-2",
        "orders/3",
    ]
    assert await ids(id_prefix="order-") == ["order-1", "order-2"]
    assert await ids(id_prefix="orders/") == ["orders/3"]
    assert await ids(id_prefix="order", statuses=[RuntimeStatus.Completed]) == ["order-2"]

    pages: list[list[str]] = []
    token = None
    while True:
        records, token = await hub.instances.query_instances(page_size=3, continuation_token=token)
        pages.append([record.instance_id for record in records])
        if token is None:
            break
    assert pages == [["order-1", "order-2", "orders/3"], ["other"]]


async def test_delete_reports_whether_the_instance_existed(hub: TaskHub) -> None:
    await hub.instances.upsert_instance(_record("i1"))

    assert await hub.instances.delete_instance("i1") is True
    assert await hub.instances.delete_instance("i1") is False
    assert await hub.instances.get_instance("i1") is None
