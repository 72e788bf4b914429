"""Single-entity writes sent directly: upsert (insert-or-merge / insert-or-replace) and insert.

Each is one request through the table client's pipeline, as the SDK's `upsert_entity` /
`create_entity` send it, without the SDK's generated serialisation layer (see `table_wire.py`; about
a third of a small write's client CPU). The answer is the entity's new ETag.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from azure.core.rest import HttpRequest
from azure.data.tables.aio import TableClient

from devhost.storage.table_wire import ENTITY_HEADERS, endpoint, entity_json, entity_url, service_error


async def upsert_entity(client: TableClient, entity: Mapping[str, Any], *, replace: bool) -> str:
    """Insert-or-replace (PUT) or insert-or-merge (PATCH), with no condition."""
    base = endpoint(client)
    request = HttpRequest(
        "PUT" if replace else "PATCH",
        entity_url(base, client.table_name, entity),
        headers=ENTITY_HEADERS,
        content=entity_json(entity).encode(),
    )
    return await _send(client, request, "upsert of an entity")


async def insert_entity(client: TableClient, entity: Mapping[str, Any]) -> str:
    """Insert (POST); ResourceExistsError (409) if the entity exists."""
    request = HttpRequest(
        "POST",
        f"{endpoint(client)}/{client.table_name}",
        headers={**ENTITY_HEADERS, "Prefer": "return-no-content"},
        content=entity_json(entity).encode(),
    )
    return await _send(client, request, "insert of an entity")


async def _send(client: TableClient, request: HttpRequest, what: str) -> str:
    response = await client._client.send_request(request, stream=True)
    data: bytes = await response.read()
    if not 200 <= response.status_code < 300:
        raise service_error(response.status_code, data, what)
    return str(response.headers["ETag"])
