"""Entity bodies of the hand-written table requests (`devhost.storage.table_wire.entity_json`): typed as
the Python SDK types them, minus its `Edm.String` marks, and stored exactly as the SDK's own writes."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from azure.data.tables import EdmType
from azure.data.tables._serialize import _add_entity_properties
from azure.data.tables.aio import TableClient

from devhost.storage import StorageClients, upsert_op
from devhost.storage.table_wire import entity_json

ENTITY: dict[str, Any] = {
    "PartitionKey": "p'1",
    "RowKey": "0000000000000003",
    "EventType": "TaskCompleted",
    "Result": '{"ok": "ünïcode"}',
    "Empty": "",
    "EventId": -1,
    "Largest32": 2**31 - 1,
    "Smallest32": -(2**31),
    "IsPlayed": False,
    "Ratio": 0.25,
    "When": datetime(2026, 11, 26, 4, 50, 1, 123456, tzinfo=UTC),
    "Counter": (2**40, EdmType.INT64),
    "Gone": None,
}


def test_the_body_is_the_sdks_typing_without_its_edm_string_marks() -> None:
    sdk = _add_entity_properties(ENTITY)
    without_string_marks = {
        k: v for k, v in sdk.items() if not (k.endswith("@odata.type") and v == "Edm.String")
    }
    assert json.loads(entity_json(ENTITY)) == without_string_marks
    assert "EventType@odata.type" in sdk  # what is left out: the SDK marks every string


def test_an_integer_past_32_bits_fails_as_the_sdk_fails() -> None:
    with pytest.raises(TypeError) as ours:
        entity_json({"PartitionKey": "p", "RowKey": "r", "Big": 2**31})
    with pytest.raises(TypeError) as sdk:
        _add_entity_properties({"PartitionKey": "p", "RowKey": "r", "Big": 2**31})
    assert str(ours.value) == str(sdk.value)


@pytest.mark.azurite
async def test_rows_written_by_hand_read_back_as_the_sdks_own_writes(
    storage: StorageClients, storage_connection_string: str
) -> None:
    name = "Wire" + uuid.uuid4().hex[:10]
    table = storage.table(name)
    await table.create_if_missing()
    async with TableClient.from_connection_string(storage_connection_string, name) as sdk_client:
        await sdk_client.upsert_entity({**ENTITY, "PartitionKey": "sdk"})
        await table.upsert({**ENTITY, "PartitionKey": "upsert"}, replace=True)
        await table.transact([upsert_op({**ENTITY, "PartitionKey": "batch"}, replace=True)])
        rows = {key: await sdk_client.get_entity(key, ENTITY["RowKey"]) for key in ("sdk", "upsert", "batch")}

    def stored(row: Any) -> dict[str, tuple[type, Any]]:
        return {k: (type(v), v) for k, v in row.items() if k != "PartitionKey"}

    assert stored(rows["upsert"]) == stored(rows["sdk"])
    assert stored(rows["batch"]) == stored(rows["sdk"])
