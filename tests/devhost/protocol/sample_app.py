# The Functions SDK's decorators carry no type information (pyproject relaxes this for the app's modules).
# mypy: disable-error-code="untyped-decorator"
"""A real `df.DFApp` with one small orchestrator per pattern the protocol tests drive.

Orchestrators are registered under their Python names; `FUNCTIONS` lists the durable names the
episodes may call, as the worker layer would index them.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, cast

import azure.durable_functions as df

from devhost.protocol import OrchestratorHandle, RegisteredFunctions

app = df.DFApp()

RETRY = df.RetryOptions(first_retry_interval_in_milliseconds=1000, max_number_of_attempts=2)
COUNTER = df.EntityId("Counter", "c1")

behaviour: dict[str, str] = {"changing": "v1"}
"""Switch for the non-deterministic orchestrator (tests flip it between episodes)."""


@app.orchestration_trigger(context_name="context")
def chaining(context: df.DurableOrchestrationContext) -> Any:
    first = yield context.call_activity("say_hello", "Tokyo")
    second = yield context.call_activity("say_hello", {"city": "Seattle"})
    return [context.get_input(), first, second]


@app.orchestration_trigger(context_name="context")
def fan_out(context: df.DurableOrchestrationContext) -> Any:
    results = yield context.task_all([context.call_activity("say_hello", i) for i in range(3)])
    return results


@app.orchestration_trigger(context_name="context")
def approval(context: df.DurableOrchestrationContext) -> Any:
    deadline: Any = context.create_timer(context.current_utc_datetime + timedelta(seconds=5))
    decision = context.wait_for_external_event("Approve")
    winner = yield context.task_any([deadline, decision])
    if winner is not decision:
        return "timed out"
    deadline.cancel()
    greeting = yield context.call_activity("say_hello", decision.result)
    return greeting


@app.orchestration_trigger(context_name="context")
def retrying(context: df.DurableOrchestrationContext) -> Any:
    result = yield context.call_activity_with_retry("flaky", RETRY, "x")
    return result


@app.orchestration_trigger(context_name="context")
def parent(context: df.DurableOrchestrationContext) -> Any:
    generated = yield context.call_sub_orchestrator("chaining", "first")
    named = yield context.call_sub_orchestrator("chaining", "second", instance_id="child-7")
    return [generated, named]


@app.orchestration_trigger(context_name="context")
def entity_user(context: df.DurableOrchestrationContext) -> Any:
    context.signal_entity(COUNTER, "add", 5)
    value = yield context.call_entity(COUNTER, "get")
    return value


@app.orchestration_trigger(context_name="context")
def counter_loop(context: df.DurableOrchestrationContext) -> Any:
    count = cast(int, context.get_input())
    context.set_custom_status({"count": count})
    yield context.create_timer(context.current_utc_datetime + timedelta(seconds=1))
    if count < 1:
        context.continue_as_new(count + 1)
        return None
    return count


@app.orchestration_trigger(context_name="context")
def with_status(context: df.DurableOrchestrationContext) -> Any:
    context.set_custom_status("working")
    yield context.call_activity("say_hello", "status")
    context.set_custom_status({"stage": "done", "ok": True})
    return "finished"


@app.orchestration_trigger(context_name="context")
def changing(context: df.DurableOrchestrationContext) -> Any:
    version = behaviour["changing"]
    if version == "v1":
        yield context.call_activity("say_hello", "v1")
    elif version == "renamed":
        yield context.call_activity("flaky", "v2")
    elif version == "timer":
        yield context.create_timer(context.current_utc_datetime + timedelta(seconds=1))
    return "done"


@app.orchestration_trigger(context_name="context")
def raising(context: df.DurableOrchestrationContext) -> Any:
    yield context.call_activity("say_hello", "before")
    raise ValueError("boom")


@app.orchestration_trigger(context_name="context")
def unknown_call(context: df.DurableOrchestrationContext) -> Any:
    yield context.call_activity("no_such_activity", 1)


@app.orchestration_trigger(context_name="context")
def bad_output(context: df.DurableOrchestrationContext) -> Any:
    yield context.call_activity("say_hello", "set")
    return {1, 2}


@app.orchestration_trigger(context_name="context")
def long_wait(context: df.DurableOrchestrationContext) -> Any:
    yield context.create_timer(context.current_utc_datetime + timedelta(days=8))
    return "woke"


@app.orchestration_trigger(context_name="context")
def yields_non_task(context: df.DurableOrchestrationContext) -> Any:
    yield 5


@app.orchestration_trigger(context_name="context")
def named_child(context: df.DurableOrchestrationContext) -> Any:
    result = yield context.call_sub_orchestrator("chaining", "x", instance_id=context.get_input())
    return result


@app.orchestration_trigger(context_name="context")
def parent_with_retry(context: df.DurableOrchestrationContext) -> Any:
    result = yield context.call_sub_orchestrator_with_retry("chaining", RETRY, "x")
    return result


@app.orchestration_trigger(context_name="context")
def http_call(context: df.DurableOrchestrationContext) -> Any:
    response = yield context.call_http("GET", "https://example.org/items")
    return response["statusCode"]


@app.orchestration_trigger(context_name="context")
def loop_with_side_work(context: df.DurableOrchestrationContext) -> Any:
    tick = context.create_timer(context.current_utc_datetime + timedelta(seconds=1))
    yield tick
    context.signal_entity(COUNTER, "add", 1)
    side_work = context.call_activity("say_hello", "side")
    yield context.task_any([tick, side_work])  # resumes at once: the timer is already done
    context.continue_as_new("again")


@app.orchestration_trigger(context_name="context")
def long_chain(context: df.DurableOrchestrationContext) -> Any:
    total = 0
    for step in range(cast(int, context.get_input())):
        total += yield context.call_activity("say_hello", step)
    return total


@app.orchestration_trigger(context_name="context")
def dependent_chain(context: df.DurableOrchestrationContext) -> Any:
    """The second call's input is built from the first call's result and the episode's time."""
    first = yield context.call_activity("say_hello", context.get_input())
    stamp = context.current_utc_datetime.isoformat()
    second = yield context.call_activity("say_hello", f"{first} at {stamp}")
    return second


@app.activity_trigger(input_name="name")
def say_hello(name: str) -> str:
    return f"Hello {name}"


@app.activity_trigger(input_name="value")
def flaky(value: str) -> str:
    return value


@app.entity_trigger(context_name="context", entity_name="Counter")
def counter(context: df.DurableEntityContext) -> None:
    value = context.get_state(lambda: 0)
    if context.operation_name == "add":
        value += context.get_input()
        context.set_state(value)
    elif context.operation_name == "get":
        context.set_result(value)
    elif context.operation_name == "fail":
        raise ValueError("bad op")


_FUNCTIONS = {str(function.get_function_name()): function for function in app.get_functions()}

FUNCTIONS = RegisteredFunctions.of(
    orchestrators=[
        name
        for name, function in _FUNCTIONS.items()
        if getattr(function.get_trigger(), "type", None) == "orchestrationTrigger"
    ],
    activities=["say_hello", "flaky"],
    entities=["Counter"],
)


def handle(name: str) -> OrchestratorHandle:
    """The registered orchestrator handle, as the worker's index hands it to the runtime."""
    user_function: OrchestratorHandle = _FUNCTIONS[name].get_user_function()
    return user_function


def entity_handle(name: str) -> Any:
    """The registered entity handle (`handle(batch_json) -> result_json`)."""
    return _FUNCTIONS[name].get_user_function()
