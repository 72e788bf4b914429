# mypy: disable-error-code="untyped-decorator"
"""The benchmark's orchestrators: Hello3/HelloCities5 chains, N-step chains and a fan-out of no-ops.

The activities do no work (one only waits), so what the benchmark measures is the host: episodes,
storage, dispatch.
"""

import time
from collections.abc import Generator
from typing import Any

import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)

HELLO3_CITIES = ("Tokyo", "Seattle", "London")
HELLOCITIES5_CITIES = ("Tokyo", "Seattle", "London", "Cairo", "Lima")


def _say_hello_to_each(
    context: df.DurableOrchestrationContext, cities: tuple[str, ...]
) -> Generator[Any, Any, list[str]]:
    results = []
    for city in cities:
        results.append((yield context.call_activity("say_hello", city)))
    return results


@app.orchestration_trigger(context_name="context")
def hello3(context: df.DurableOrchestrationContext) -> Generator[Any, Any, list[str]]:
    return (yield from _say_hello_to_each(context, HELLO3_CITIES))


@app.orchestration_trigger(context_name="context")
def hello_cities5(context: df.DurableOrchestrationContext) -> Generator[Any, Any, list[str]]:
    return (yield from _say_hello_to_each(context, HELLOCITIES5_CITIES))


@app.orchestration_trigger(context_name="context")
def chain(context: df.DurableOrchestrationContext) -> Generator[Any, Any, int]:
    """`steps` sequential no-op activities (the input)."""
    steps = int(context.get_input() or 0)
    for step in range(steps):
        yield context.call_activity("noop", step)
    return steps


@app.orchestration_trigger(context_name="context")
def paused_chain(context: df.DurableOrchestrationContext) -> Generator[Any, Any, int]:
    """`steps` sequential activities that each wait `pause_s` seconds (the input's two fields)."""
    settings = context.get_input() or {}
    steps = int(settings.get("steps", 0))
    for _ in range(steps):
        yield context.call_activity("pause", float(settings["pause_s"]))
    return steps


@app.orchestration_trigger(context_name="context")
def fan_out(context: df.DurableOrchestrationContext) -> Generator[Any, Any, int]:
    """`width` no-op activities at once (the input), then their count."""
    width = int(context.get_input() or 0)
    results = yield context.task_all([context.call_activity("noop", i) for i in range(width)])
    return len(results)


@app.activity_trigger(input_name="city")
def say_hello(city: str) -> str:
    return f"Hello {city}!"


@app.activity_trigger(input_name="value")
def noop(value: int) -> int:
    return value


@app.activity_trigger(input_name="seconds")
def pause(seconds: float) -> float:
    time.sleep(seconds)
    return seconds
