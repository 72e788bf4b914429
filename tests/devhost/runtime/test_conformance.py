"""The History rows the devhost writes have the shape and event sequence the real provider writes.

Golden rows: tests/devhost/tracking/golden/ (captured from DurableTask.AzureStorage 2.11.2 on Azurite).
"""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from devhost.protocol import RuntimeStatus
from devhost.tracking import escape_partition_key
from tests.devhost.runtime.conftest import Running, sdk_input

pytestmark = pytest.mark.azurite

GOLDEN = Path(__file__).parents[1] / "tracking" / "golden"
VOLATILE = {"PartitionKey", "Timestamp", "etag"}
# Kept in history by the devhost so that recovery can re-run work (devhost/README.md, known differences).
DEVHOST_EXTRA = {"TaskScheduled": {"Input"}, "SubOrchestrationInstanceCreated": {"Input"}}


def _golden(name: str) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = json.loads((GOLDEN / name).read_text())
    return rows


async def _rows(running: Running, instance_id: str) -> list[dict[str, Any]]:
    rows = await running.hub.history.table.query(f"PartitionKey eq '{escape_partition_key(instance_id)}'")
    return [{k: v for k, v in dict(row).items() if k not in VOLATILE} for row in rows]


def _skeleton(rows: list[dict[str, Any]]) -> list[tuple[str, str | None, int | None]]:
    return [(row["RowKey"], row.get("EventType"), row.get("EventId")) for row in rows]


def _columns(row: dict[str, Any]) -> set[str]:
    names = {name for name in row if not name.endswith("@odata.type")}
    return names - VOLATILE - DEVHOST_EXTRA.get(row.get("EventType", ""), set())


def _expected_type(row: dict[str, Any], column: str) -> type:
    """The Python type the table SDK returns for a captured column (EDM annotations included)."""
    if row.get(f"{column}@odata.type") == "Edm.DateTime":
        return datetime
    return type(row[column])


async def test_hello3_rows_match_the_real_provider(running: Running) -> None:
    cities = sdk_input(["Tokyo", "Seattle", "London"])
    instance_id = await running.client.start("hello_sequence", "conformance-hello3", cities)
    await running.wait(instance_id)
    ours = await _rows(running, instance_id)
    theirs = [
        {k: v for k, v in row.items() if k not in VOLATILE} for row in _golden("hello3-history-rows.json")
    ]
    assert _skeleton(ours) == _skeleton(theirs)
    for mine, real in zip(ours, theirs, strict=True):
        assert _columns(mine) == _columns(real), mine.get("EventType")
        for column in _columns(real):
            assert isinstance(mine[column], _expected_type(real, column)), (mine.get("EventType"), column)


async def test_patterns_scenario_has_the_real_event_sequence(running: Running) -> None:
    instance_id = await running.client.start("patterns", "conformance-patterns", sdk_input(0))
    await running.wait_until(instance_id, RuntimeStatus.Running)
    for _ in range(200):  # the continue-as-new generation waits on a 1 s timer: skip it
        fire_at = running.engine.timers.next_fire_at()
        if fire_at is not None:
            running.clock.skip_to(fire_at)
            running.engine.timers.fire_due()
            break
        await asyncio.sleep(0.01)
    for _ in range(200):
        waiting = await running.client.get_instance(instance_id, with_history=True)
        if waiting is not None and waiting.history is not None and len(waiting.history) == 3:
            break  # the second generation waits for Approval
        await asyncio.sleep(0.01)
    await running.client.raise_event(instance_id, "Approval", '"yes"')
    view = await running.wait(instance_id)
    output = json.loads(view.record.output or "")
    assert output == {
        "approval": "yes",
        "hello": ["Hello Tokyo!", "Hello Seattle!", "Hello London!"],
        "failed": True,
        "big": 100_000,
    }

    ours = await _rows(running, instance_id)
    theirs = _golden("patterns-history-rows.json")
    assert _skeleton(ours) == _skeleton(theirs)
    big_result = next(
        row for row in ours if row.get("EventType") == "TaskCompleted" and "ResultBlobName" in row
    )
    assert big_result["Result"] == ""
    assert big_result["ResultBlobName"].startswith(f"{instance_id}/history-")
