"""The `func.Context` a function receives in a `context` parameter that is not a binding."""

from __future__ import annotations

import threading

from azure.functions import _abc as func_abc


class _TraceContext(func_abc.TraceContext):
    def __init__(self, trace_parent: str, trace_state: str) -> None:
        self._trace_parent = trace_parent
        self._trace_state = trace_state

    @property
    def trace_state(self) -> str:
        return self._trace_state

    @property
    def trace_parent(self) -> str:
        return self._trace_parent

    @property
    def attributes(self) -> dict[str, str]:
        return {}


class _EmptyRpcException(func_abc.RpcException):
    """What the worker exposes when the host sent no exception: empty fields."""

    @property
    def source(self) -> str:
        return ""

    @property
    def stack_trace(self) -> str:
        return ""

    @property
    def message(self) -> str:
        return ""


class _RetryContext(func_abc.RetryContext):
    """No retry policy is applied: first attempt, no previous exception."""

    @property
    def retry_count(self) -> int:
        return 0

    @property
    def max_retry_count(self) -> int:
        return 0

    @property
    def exception(self) -> func_abc.RpcException:
        return _EmptyRpcException()


class InvocationContext(func_abc.Context):
    """Invocation id, function name and directory, like the worker's `Context`."""

    def __init__(
        self, invocation_id: str, function_name: str, function_directory: str, trace_parent: str = ""
    ) -> None:
        self._invocation_id = invocation_id
        self._function_name = function_name
        self._function_directory = function_directory
        self._trace_context = _TraceContext(trace_parent, "")
        self._thread_local_storage = threading.local()

    @property
    def invocation_id(self) -> str:
        return self._invocation_id

    @property
    def thread_local_storage(self) -> threading.local:  # type: ignore[override]
        return self._thread_local_storage

    @property
    def function_name(self) -> str:
        return self._function_name

    @property
    def function_directory(self) -> str:
        return self._function_directory

    @property
    def trace_context(self) -> func_abc.TraceContext:
        return self._trace_context

    @property
    def retry_context(self) -> func_abc.RetryContext:
        return _RetryContext()
