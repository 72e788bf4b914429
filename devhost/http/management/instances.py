"""The `instances/` routes: status, query, raise event, terminate/suspend/resume/rewind, purge.

Each handler mirrors its `HttpApiHandler` counterpart (durable-protocol.md §6.3). The operations that
change an instance first read its status, as the host does: unknown -> 404, finished -> 410, both with
an empty body; only then are the request's details (content type, body) checked.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from devhost.http.errors import JSON_READER_EXCEPTION, http_error, json_response
from devhost.http.management.bodies import is_json_content, load_jtoken, read_text
from devhost.http.management.context import ApiContext
from devhost.http.management.query import (
    QueryValues,
    parse_bool,
    parse_datetime,
    parse_int,
    parse_statuses,
)
from devhost.protocol import RuntimeStatus, render_status, status_http_code, to_compact_json
from devhost.runtime.operations import InstanceQuery

DEFAULT_PAGE_SIZE = 100
STATUS_RETRY_AFTER_SECONDS = 5
CONTINUATION_TOKEN_HEADER = "x-ms-continuation-token"
ONLY_JSON_CONTENT = "Only application/json request content is supported"
INVALID_JSON_CONTENT = "Invalid JSON content"
CREATED_TIME_FROM_REQUIRED = "Please provide value for 'createdTimeFrom' parameter."
_REWIND_GONE = frozenset({RuntimeStatus.Completed, RuntimeStatus.Terminated, RuntimeStatus.Canceled})

LIFECYCLE_OPERATIONS = frozenset({"terminate", "suspend", "resume", "rewind"})
LifecycleOperation = Callable[[str, str | None], Awaitable[None]]


async def get_status(context: ApiContext, request: web.Request, instance_id: str) -> web.Response:
    """`GET instances/{id}`: 404 empty, else the status payload with 200/202/500 (`status_http_code`)."""
    query = QueryValues(request.query)
    show_history = _flag(query, "showHistory", default=False)
    view = await context.operations.get_instance(instance_id, with_history=show_history)
    if view is None:
        return web.Response(status=404)
    code = status_http_code(
        view.record.runtime_status,
        return_internal_server_error_on_failure=_flag(
            query, "returnInternalServerErrorOnFailure", default=False
        ),
    )
    payload = render_status(
        view.record,
        view.history or (),
        show_history=show_history,
        show_history_output=_flag(query, "showHistoryOutput", default=False),
        show_input=_flag(query, "showInput", default=True),
    )
    response = json_response(payload, status=code)
    if code == 202:
        response.headers["Location"] = str(request.url)
        response.headers["Retry-After"] = str(STATUS_RETRY_AFTER_SECONDS)
    return response


async def list_instances(context: ApiContext, request: web.Request) -> web.Response:
    """`GET instances/`: one page of status payloads (no history), next page token in a header."""
    query = QueryValues(request.query)
    top = parse_int(query.get("top"))
    instance_query = InstanceQuery(
        created_from=parse_datetime(query.get("createdTimeFrom")),
        created_to=parse_datetime(query.get("createdTimeTo")),
        statuses=parse_statuses(query.all("runtimeStatus")),
        instance_id_prefix=query.get("instanceIdPrefix") or None,
        top=DEFAULT_PAGE_SIZE if top is None else top,
        continuation_token=request.headers.get(CONTINUATION_TOKEN_HEADER),
    )
    records, token = await context.operations.query_instances(instance_query)
    show_input = _flag(query, "showInput", default=True)
    response = json_response([render_status(record, show_input=show_input) for record in records])
    response.headers[CONTINUATION_TOKEN_HEADER] = token or ""
    return response


async def raise_event(
    context: ApiContext, request: web.Request, instance_id: str, event_name: str
) -> web.Response:
    """`POST instances/{id}/raiseEvent/{name}`: the event data is the compact JSON of the body's value."""
    refused = await _refuse_unless_running(context, instance_id, gone=_is_finished)
    if refused is not None:
        return refused
    if not is_json_content(request):
        return http_error(400, ONLY_JSON_CONTENT)
    try:
        value = load_jtoken(await read_text(request))
    except ValueError as exc:
        return http_error(400, INVALID_JSON_CONTENT, exc, exception_type=JSON_READER_EXCEPTION)
    await context.operations.raise_event(instance_id, event_name, to_compact_json(value))
    return web.Response(status=202)


async def change_lifecycle(
    context: ApiContext, request: web.Request, instance_id: str, operation: str
) -> web.Response:
    """`POST instances/{id}/{operation}?reason=...`, `operation` one of `LIFECYCLE_OPERATIONS`."""
    operations = context.operations
    apply: LifecycleOperation = {
        "terminate": operations.terminate,
        "suspend": operations.suspend,
        "resume": operations.resume,
        "rewind": operations.rewind,
    }[operation]
    gone = _is_rewind_gone if operation == "rewind" else _is_finished
    refused = await _refuse_unless_running(context, instance_id, gone=gone)
    if refused is not None:
        return refused
    await apply(instance_id, QueryValues(request.query).get("reason"))
    return web.Response(status=202)


async def purge_instance(context: ApiContext, instance_id: str) -> web.Response:
    """`DELETE instances/{id}`: 200 `{"instancesDeleted": 1}`, or 404 empty when there is nothing to purge."""
    deleted = await context.operations.purge_instance(instance_id)
    if deleted == 0:
        return web.Response(status=404)
    return json_response({"instancesDeleted": deleted})


async def purge_instances(context: ApiContext, request: web.Request) -> web.Response:
    """`DELETE instances/?createdTimeFrom=..[&createdTimeTo=..][&runtimeStatus=..]`; 404 when none matched."""
    query = QueryValues(request.query)
    created_from = parse_datetime(query.get("createdTimeFrom"))
    if created_from is None:
        return json_response(CREATED_TIME_FROM_REQUIRED, status=400)
    created_to = parse_datetime(query.get("createdTimeTo"))  # None: "now" on the engine's clock
    instance_query = InstanceQuery(
        created_from=created_from,
        created_to=created_to,
        statuses=parse_statuses(query.all("runtimeStatus")),
    )
    deleted = await context.operations.purge_instances(instance_query)
    if deleted == 0:
        return web.Response(status=404)
    return json_response({"instancesDeleted": deleted})


async def _refuse_unless_running(
    context: ApiContext, instance_id: str, *, gone: Callable[[RuntimeStatus], bool]
) -> web.Response | None:
    view = await context.operations.get_instance(instance_id, with_history=False)
    if view is None:
        return web.Response(status=404)
    if gone(view.record.runtime_status):
        return web.Response(status=410)
    return None


def _is_finished(status: RuntimeStatus) -> bool:
    return status.is_terminal


def _is_rewind_gone(status: RuntimeStatus) -> bool:
    return status in _REWIND_GONE


def _flag(query: QueryValues, name: str, *, default: bool) -> bool:
    value = parse_bool(query.get(name))
    return default if value is None else value
