"""What the hand-written table requests share: entity URLs and bodies, headers, service errors.

The table SDK spends most of a small request's client CPU in its generated serialisation layer; the
devhost's hot writes (`batch.py`, `entity_writes.py`) build the HTTP request themselves and send it
through the table client's own pipeline, so signing, retries and request counting stay the SDK's.
Entity properties are serialised with the SDK's own EDM rules; a failure is raised as the azure-core
error the SDK would raise, so `storage_call` translates it as usual.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from azure.core.exceptions import (
    HttpResponseError,
    ResourceExistsError,
    ResourceModifiedError,
    ResourceNotFoundError,
)
from azure.data.tables._serialize import _add_entity_properties
from azure.data.tables.aio import TableClient

BatchOperation = tuple[str, Mapping[str, Any], Mapping[str, Any]]
"""One operation of an entity-group transaction, in the SDK's `submit_transaction` form."""

API_VERSION = "2019-02-02"
ENTITY_HEADERS = {
    "Content-Type": "application/json",
    "x-ms-version": API_VERSION,
    "DataServiceVersion": "3.0",
    "Accept": "application/json;odata=minimalmetadata",
}
_ERROR_CODE = re.compile(rb'"code"\s*:\s*"([^"]+)"')
_ERRORS_BY_STATUS: dict[int, type[HttpResponseError]] = {
    404: ResourceNotFoundError,
    409: ResourceExistsError,
    412: ResourceModifiedError,
}


def endpoint(client: TableClient) -> str:
    """The account's table endpoint the client talks to."""
    return f"{client.scheme}://{client._primary_hostname}"


def entity_url(base: str, table: str, entity: Mapping[str, Any]) -> str:
    """`<endpoint>/<table>(PartitionKey='..',RowKey='..')`, quotes in keys doubled as OData wants."""
    partition_key = _key(entity["PartitionKey"])
    row_key = _key(entity["RowKey"])
    return f"{base}/{table}(PartitionKey='{partition_key}',RowKey='{row_key}')"


def entity_json(entity: Mapping[str, Any]) -> str:
    """The entity's JSON body, typed with the SDK's EDM rules (`@odata.type` where needed)."""
    return json.dumps(_add_entity_properties(entity))


def service_error(status: int, data: bytes, what: str) -> HttpResponseError:
    """The azure-core error the SDK raises for this status, with the service's error code."""
    code_match = _ERROR_CODE.search(data)
    code = code_match.group(1).decode() if code_match else None
    error = _ERRORS_BY_STATUS.get(status, HttpResponseError)(
        message=f"{what} failed with {status} {code or ''}".strip()
    )
    error.status_code = status
    error.error_code = code  # type: ignore[attr-defined]  # read by storage_call's translation
    return error


def _key(value: str) -> str:
    return value.replace("'", "''")
