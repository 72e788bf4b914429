"""The `entities/` routes: read one entity's state, list entities, signal an operation.

Entity names are lower-cased (`EntityId` does it); a key of `$` means the empty key when reading. A
signal's input is the compact JSON of the body's value when the body is `application/json`, else the
JSON string literal of the raw text, and none without a body. Listing reads the entities' instances
(`@<name>@<key>`) through the instance query and keeps those that exist (`read_entity`), filtered by
last operation time like the extension's native entity query.
"""

from __future__ import annotations

from aiohttp import web

from devhost.errors import BadRequestError
from devhost.http.errors import http_error, json_response
from devhost.http.management.bodies import is_json_content, load_jtoken, read_text
from devhost.http.management.context import ApiContext
from devhost.http.management.instances import CONTINUATION_TOKEN_HEADER, DEFAULT_PAGE_SIZE
from devhost.http.management.query import QueryValues, parse_bool, parse_datetime, parse_int
from devhost.protocol import (
    InstanceRecord,
    PayloadError,
    format_timestamp,
    parse_to_jtoken,
    quote_json_string,
    split_scheduler_id,
    to_compact_json,
)
from devhost.runtime.operations import InstanceQuery

EMPTY_KEY_SYMBOL = "$"
DELETE_OPERATION = "delete"
MISSING_ENTITY_NAME = (
    "Invalid entity id: entity name must not be a null or empty string. (Parameter 'entityName')"
)
INVALID_JSON_PREFIX = "Could not parse JSON content: "


async def read_entity(context: ApiContext, name: str, key: str) -> web.Response:
    """`GET entities/{name}/{key}`: 200 with the state's JSON, or 404 empty."""
    state = await context.operations.read_entity(name.lower(), "" if key == EMPTY_KEY_SYMBOL else key)
    if state is None:
        return web.Response(status=404)
    return json_response(parse_to_jtoken(state))


async def signal_entity(
    context: ApiContext, request: web.Request, name: str | None, key: str
) -> web.Response:
    """`POST entities/{name}/{key}?op=...` (DELETE = op "delete"): 202 once queued."""
    if not name:
        raise BadRequestError(MISSING_ENTITY_NAME)
    query_operation = QueryValues(request.query).get("op") or ""
    operation = DELETE_OPERATION if request.method == "DELETE" else query_operation
    text = await read_text(request)
    input_text: str | None
    if text and is_json_content(request):
        try:
            input_text = to_compact_json(load_jtoken(text))
        except ValueError as exc:
            return http_error(400, INVALID_JSON_PREFIX + str(exc))
    else:
        input_text = quote_json_string(text) if text else None
    await context.operations.signal_entity(name.lower(), key, operation, input_text)
    return web.Response(status=202)


async def list_entities(context: ApiContext, request: web.Request, name: str | None) -> web.Response:
    """`GET entities/{name}`: `[{"entityId": {"name", "key"}, "lastOperationTime", "state"}]`."""
    query = QueryValues(request.query)
    top = parse_int(query.get("top"))
    operated_from = parse_datetime(query.get("lastOperationTimeFrom"))
    operated_to = parse_datetime(query.get("lastOperationTimeTo"))
    fetch_state = parse_bool(query.get("fetchState")) or False
    records, token = await context.operations.query_instances(
        InstanceQuery(
            instance_id_prefix=f"@{name.lower()}@" if name else "@",
            top=DEFAULT_PAGE_SIZE if top is None else top,
            continuation_token=request.headers.get(CONTINUATION_TOKEN_HEADER),
        )
    )
    entities: list[dict[str, object]] = []
    for record in records:
        operated = record.last_updated_time
        if (operated_from and operated < operated_from) or (operated_to and operated > operated_to):
            continue
        status = await _entity_status(context, record, fetch_state=fetch_state)
        if status is not None:
            entities.append(status)
    response = json_response(entities)
    response.headers[CONTINUATION_TOKEN_HEADER] = token or ""
    return response


async def _entity_status(
    context: ApiContext, record: InstanceRecord, *, fetch_state: bool
) -> dict[str, object] | None:
    """`DurableEntityStatus` of an entity's instance record, or None when it is not an existing entity."""
    try:
        name, key = split_scheduler_id(record.instance_id)
    except PayloadError:
        return None
    state = await context.operations.read_entity(name, key)
    if state is None:
        return None
    return {
        "entityId": {"name": name, "key": key},
        "lastOperationTime": format_timestamp(record.last_updated_time),
        "state": parse_to_jtoken(state) if fetch_state else None,
    }
