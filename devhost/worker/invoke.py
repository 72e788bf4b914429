"""Calling activity, entity, HTTP and timer functions the way the Python worker does.

Inputs and outputs go through the azure-functions library's own converters (the ones the worker
uses), so decoding and encoding are the real ones. Sync functions run in a bounded thread pool,
`async def` ones on the event loop, each for at most the host's `functionTimeout` (see `timeout.py`).
A failing function never raises here: the outcome is a `FunctionFailed` carrying the exception's type
name, message and traceback (`FunctionTimedOut` past the timeout).
"""

from __future__ import annotations

import functools
import json
import logging
import time
import traceback
import uuid
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import azure.functions as func
from azure.functions import meta
from azure.functions.durable_functions import ActivityTriggerConverter
from azure.functions.http import HttpResponseConverter
from azure.functions.timer import TimerRequestConverter

from devhost.worker.binding import ClientBindingFactory
from devhost.worker.context import InvocationContext
from devhost.worker.specs import ActivitySpec, EntitySpec, FunctionSpec, HttpFunctionSpec, TimerSpec
from devhost.worker.timeout import FunctionTimeoutError, format_timespan, in_thread, within

logger = logging.getLogger(__name__)

STRING_RESPONSE_CONTENT_TYPE = "text/plain; charset=utf-8"


@dataclass(frozen=True)
class FunctionFailed:
    """A function raised (or its result could not be converted)."""

    type_name: str
    message: str
    traceback: str

    @property
    def summary(self) -> str:
        """`"<Type>: <message>"`, the text the worker reports to the host."""
        return f"{self.type_name}: {self.message}"


@dataclass(frozen=True)
class FunctionTimedOut(FunctionFailed):
    """The host stopped waiting for the function (`functionTimeout`); `message` is the host's text."""


@dataclass(frozen=True)
class ActivityCompleted:
    """Compact JSON text of the activity's result; None when the result is JSON null."""

    output: str | None


@dataclass(frozen=True)
class EntityCompleted:
    """The entity handle's batch result JSON."""

    output: str


@dataclass(frozen=True)
class HttpCompleted:
    """The HTTP response the host would send."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes


class _ConversionError(Exception):
    """A function's input or output could not be converted; reported like the worker's error."""

    def __init__(self, type_name: str, message: str) -> None:
        super().__init__(message)
        self.type_name = type_name


class Invoker:
    """Runs the functions of one loaded app.

    Args:
        client_binding: builds the JSON for `durableClient` parameters.
        max_workers: size of the thread pool for sync functions (the app's concurrency limit).
        function_directory: reported as `context.function_directory` (the app folder).
        function_timeout_s: host.json `functionTimeout` in seconds; None: no limit.
    """

    def __init__(
        self,
        *,
        client_binding: ClientBindingFactory,
        max_workers: int,
        function_directory: str,
        function_timeout_s: float | None = None,
    ) -> None:
        self._client_binding = client_binding
        self._function_directory = function_directory
        self._timeout_s = function_timeout_s
        self._executor = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="devhost-function")

    def close(self) -> None:
        """Stop the thread pool without waiting for functions still running."""
        self._executor.shutdown(wait=False, cancel_futures=True)

    async def call_activity(
        self, spec: ActivitySpec, payload: str | None
    ) -> ActivityCompleted | FunctionFailed:
        """Run an activity on its scheduled input text (the orchestrator action's `input`)."""
        function = spec.function
        try:
            value = ActivityTriggerConverter.decode(meta.Datum(payload, "json"), trigger_metadata={})
            result = await self._call(function, {function.trigger_param: value})
            return ActivityCompleted(_encode_activity_result(result))
        except Exception as exc:
            return self._failed(function, exc)

    async def call_entity(self, spec: EntitySpec, batch_json: str) -> EntityCompleted | FunctionFailed:
        """Run an entity batch (§5.1 request JSON) and return the handle's result JSON."""
        function = spec.function
        try:
            result = await self._call(function, {function.trigger_param: batch_json})
            return EntityCompleted(str(result))
        except Exception as exc:
            return self._failed(function, exc)

    async def call_http(
        self, spec: HttpFunctionSpec, request: func.HttpRequest
    ) -> HttpCompleted | FunctionFailed:
        """Run an HTTP function and convert what it returns as the worker and host do."""
        function = spec.function
        try:
            result = await self._call(function, {function.trigger_param: request})
            return _http_response(result)
        except Exception as exc:
            return self._failed(function, exc)

    async def call_timer(
        self, spec: TimerSpec, *, past_due: bool = False, schedule_status: Mapping[str, str] | None = None
    ) -> FunctionFailed | None:
        """Run a timer function with the `TimerRequest` the host would send; None on success."""
        function = spec.function
        info = {"Schedule": {"AdjustForDST": True}, "ScheduleStatus": schedule_status, "IsPastDue": past_due}
        try:
            timer = TimerRequestConverter.decode(meta.Datum(json.dumps(info), "json"), trigger_metadata={})
            result = await self._call(function, {function.trigger_param: timer})
            if result is not None:
                raise RuntimeError(
                    f"function '{function.name}' without a $return binding returned a non-None value"
                )
        except Exception as exc:
            return self._failed(function, exc)
        return None

    async def _call(self, function: FunctionSpec, kwargs: dict[str, Any]) -> Any:
        invocation_id = str(uuid.uuid4())
        if function.durable_client is not None:
            client = function.durable_client
            kwargs[client.param] = self._client_binding.build(client.task_hub, client.connection_name)
        if function.requires_context:
            kwargs["context"] = InvocationContext(invocation_id, function.name, self._function_directory)
        started = time.perf_counter()
        logger.debug("Executing 'Functions.%s' (Id=%s)", function.name, invocation_id)
        try:
            if function.is_async:
                result = await within(function.user_function(**kwargs), self._timeout_s, function.name)
            else:
                call = functools.partial(function.user_function, **kwargs)
                result = await in_thread(self._executor, call, self._timeout_s, function.name)
        except FunctionTimeoutError:
            logger.error(
                "Timeout value of %s exceeded by function 'Functions.%s' (Id: '%s'). "
                "Initiating cancellation.%s",
                format_timespan(self._timeout_s or 0),
                function.name,
                invocation_id,
                ""
                if function.is_async
                else " (devhost: its thread runs on until it returns; the result is discarded)",
            )
            raise
        logger.debug(
            "Executed 'Functions.%s' (Succeeded, Id=%s, Duration=%.0fms)",
            function.name,
            invocation_id,
            (time.perf_counter() - started) * 1000,
        )
        return result

    def _failed(self, function: FunctionSpec, exc: Exception) -> FunctionFailed:
        if isinstance(exc, FunctionTimeoutError):
            failure: FunctionFailed = FunctionTimedOut("FunctionTimeoutException", str(exc), "")
        else:
            type_name = exc.type_name if isinstance(exc, _ConversionError) else type(exc).__name__
            failure = FunctionFailed(type_name, str(exc), "".join(traceback.format_exception(exc)))
        logger.error(
            "Executed 'Functions.%s' (Failed): %s\n%s", function.name, failure.summary, failure.traceback
        )
        return failure


def _encode_activity_result(result: Any) -> str | None:
    """df_dumps via the library converter, then the host's compact re-serialisation of the JSON."""
    try:
        datum = ActivityTriggerConverter.encode(result, expected_type=None)
    except ValueError as exc:
        raise _ConversionError("ValueError", str(exc)) from exc
    value = json.loads(datum.value)
    return None if value is None else json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _http_response(result: Any) -> HttpCompleted:
    try:
        datum = HttpResponseConverter.encode(result, expected_type=None)
    except NotImplementedError as exc:
        raise _ConversionError(
            "TypeError",
            'unable to encode outgoing TypedData: unsupported type "http" for Python type '
            f'"{type(result).__name__}"',
        ) from exc
    if datum.type == "string":
        return HttpCompleted(
            200, (("Content-Type", STRING_RESPONSE_CONTENT_TYPE),), str(datum.value).encode()
        )
    value = datum.value
    headers = [(name, str(header.value)) for name, header in value["headers"].items()]
    for cookie in value["cookies"] or ():
        headers.extend(("Set-Cookie", morsel.OutputString()) for morsel in cookie.values())
    body = value["body"].value
    return HttpCompleted(int(value["status_code"].value), tuple(headers), bytes(body or b""))
