"""Single-entity writes sent directly: upsert (insert-or-merge / insert-or-replace) and insert.

Each is one request as the SDK's `upsert_entity` / `create_entity` send it, without the SDK's generated
serialisation layer (about a third of a small write's client CPU) and through the short pipeline of
`table_wire.WireTable`. The answer is the entity's new ETag.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from azure.core.rest import HttpRequest

from devhost.storage.table_wire import ENTITY_HEADERS, WireTable, entity_json, entity_url, service_error


async def upsert_entity(table: WireTable, entity: Mapping[str, Any], *, replace: bool) -> str:
    """Insert-or-replace (PUT) or insert-or-merge (PATCH), with no condition."""
    request = HttpRequest(
        "PUT" if replace else "PATCH",
        entity_url(table.base, table.name, entity),
        headers=ENTITY_HEADERS,
        content=entity_json(entity).encode(),
    )
    return await _send(table, request, "upsert of an entity")


async def insert_entity(table: WireTable, entity: Mapping[str, Any]) -> str:
    """Insert (POST); ResourceExistsError (409) if the entity exists."""
    request = HttpRequest(
        "POST",
        f"{table.base}/{table.name}",
        headers={**ENTITY_HEADERS, "Prefer": "return-no-content"},
        content=entity_json(entity).encode(),
    )
    return await _send(table, request, "insert of an entity")


async def _send(table: WireTable, request: HttpRequest, what: str) -> str:
    status, headers, data = await table.send(request)
    if not 200 <= status < 300:
        raise service_error(status, data, what)
    return str(headers["ETag"])
