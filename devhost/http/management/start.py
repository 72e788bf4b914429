"""Starting instances: `POST orchestrators/{name}[/{id}]` and `POST instances/{id}/restart`.

Both answer the 202 check-status response, or, with `?timeout=<s>&pollingInterval=<s>`, wait for the
instance like `WaitForCompletionOrCreateCheckStatusResponseAsync`: Completed -> 200 with the output,
Failed/Terminated/Canceled -> the status response, still going at the timeout -> the check-status
response. Instance ids are checked like `DurableClient.StartNewAsync` (the extension's
`ArgumentException`s, answered as 400 with the exception's message).
"""

from __future__ import annotations

import asyncio
import unicodedata

from aiohttp import web

from devhost.errors import BadRequestError
from devhost.http.errors import JSON_READER_EXCEPTION, http_error, json_response
from devhost.http.management.bodies import deserialize_object, read_text
from devhost.http.management.context import ApiContext
from devhost.http.management.instances import INVALID_JSON_CONTENT, get_status
from devhost.http.management.links import check_status_response
from devhost.http.management.query import QueryValues, parse_bool, parse_seconds
from devhost.protocol import RuntimeStatus, parse_to_jtoken, to_compact_json

MAX_INSTANCE_ID_LENGTH = 256
RESTART_UNKNOWN_INSTANCE = "InstanceId does not match a valid orchestration instance."
_AT_SIGN = "instanceId (Parameter 'Orchestration instance ids must not start with @.')"
_INVALID_CHARACTERS = (
    "instanceId (Parameter 'Orchestration instance ids must not contain /, \\, #, ?, or control characters.')"
)
_TOO_LONG = f"Instance ID lengths must not exceed {MAX_INSTANCE_ID_LENGTH} characters."
_FORBIDDEN_CHARACTERS = frozenset("/\\#?")
_DONE = frozenset(
    {RuntimeStatus.Completed, RuntimeStatus.Canceled, RuntimeStatus.Failed, RuntimeStatus.Terminated}
)
_MIN_POLL_SECONDS = 0.01  # the host re-polls at once for pollingInterval=0; a floor keeps the loop fair


async def start_orchestration(
    context: ApiContext, request: web.Request, function_name: str, instance_id: str
) -> web.Response:
    """Start `function_name` with the body as input; `instance_id` "" lets the engine choose one."""
    try:
        value = deserialize_object(await read_text(request))
    except ValueError as exc:
        return http_error(400, INVALID_JSON_CONTENT, exc, exception_type=JSON_READER_EXCEPTION)
    if instance_id:
        check_instance_id(instance_id)
    input_text = None if value is None else to_compact_json(value)
    started = await context.operations.start(function_name, instance_id or None, input_text)
    return await _answer_started(context, request, started)


async def restart_instance(context: ApiContext, request: web.Request, instance_id: str) -> web.Response:
    """Restart with the original input (`?restartWithNewInstanceId=`, default true)."""
    new_instance_id = parse_bool(QueryValues(request.query).get("restartWithNewInstanceId"))
    try:
        started = await context.operations.restart(
            instance_id, new_instance_id=True if new_instance_id is None else new_instance_id
        )
    except BadRequestError as exc:
        return http_error(400, RESTART_UNKNOWN_INSTANCE, exc)
    return await _answer_started(context, request, started)


def check_instance_id(instance_id: str) -> None:
    """Raise BadRequestError with the extension's message for an id it refuses."""
    if instance_id.startswith("@"):
        raise BadRequestError(_AT_SIGN)
    if any(char in _FORBIDDEN_CHARACTERS or unicodedata.category(char) == "Cc" for char in instance_id):
        raise BadRequestError(_INVALID_CHARACTERS)
    if len(instance_id) > MAX_INSTANCE_ID_LENGTH:
        raise BadRequestError(_TOO_LONG)


async def _answer_started(context: ApiContext, request: web.Request, instance_id: str) -> web.Response:
    query = QueryValues(request.query)
    wait_seconds = parse_seconds(query.get("timeout"))
    poll_seconds = parse_seconds(query.get("pollingInterval"))
    if wait_seconds is None or poll_seconds is None:
        return check_status_response(context, request, instance_id)
    return await _wait_for_completion(context, request, instance_id, wait_seconds, poll_seconds)


async def _wait_for_completion(
    context: ApiContext, request: web.Request, instance_id: str, wait_seconds: float, poll_seconds: float
) -> web.Response:
    if poll_seconds > wait_seconds:
        raise BadRequestError(
            f"Total timeout {_seconds_text(wait_seconds)} should be bigger than "
            f"retry timeout {_seconds_text(poll_seconds)}"
        )
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait_seconds
    while True:
        view = await context.operations.get_instance(instance_id, with_history=False)
        status = None if view is None else view.record.runtime_status
        remaining = deadline - loop.time()
        if status in _DONE or remaining <= 0:
            break
        await asyncio.sleep(max(min(poll_seconds, remaining), _MIN_POLL_SECONDS))
    if view is not None and status is RuntimeStatus.Completed:
        return json_response(parse_to_jtoken(view.record.output))
    if status in _DONE:
        return await get_status(context, request, instance_id)
    return check_status_response(context, request, instance_id)


def _seconds_text(seconds: float) -> str:
    """`TimeSpan.TotalSeconds` as .NET prints a double (no trailing ".0")."""
    return str(int(seconds)) if seconds.is_integer() else repr(seconds)
