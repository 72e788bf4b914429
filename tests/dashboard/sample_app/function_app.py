# mypy: disable-error-code="untyped-decorator"
"""Orchestrations whose custom status, failures and waits the dashboard tests control through their input."""

from collections.abc import Generator
from typing import Any

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@app.orchestration_trigger(context_name="context")
def show_status(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    """Sets the input's `status` as custom status, runs one activity, then waits for `finish`."""
    settings = context.get_input() or {}
    context.set_custom_status(settings.get("status"))
    yield context.call_activity("echo", settings.get("status"))
    finish = yield context.wait_for_external_event("finish")
    return finish


@app.orchestration_trigger(context_name="context")
def fail_with(context: df.DurableOrchestrationContext) -> Generator[Any, Any, Any]:
    """Runs `explode`, which raises the input's `message` as its error: the orchestration fails."""
    yield context.call_activity("explode", (context.get_input() or {}).get("message"))
    return "unreachable"


@app.activity_trigger(input_name="value")
def echo(value: Any) -> Any:
    return value


@app.activity_trigger(input_name="message")
def explode(message: str) -> None:
    raise ValueError(message)
