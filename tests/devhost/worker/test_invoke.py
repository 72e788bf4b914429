"""Invoking activities, entities and timers like the worker: conversions, threads, captured failures."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from devhost.worker import (
    ActivityCompleted,
    ActivitySpec,
    ClientBindingFactory,
    EntityCompleted,
    FunctionFailed,
    Invoker,
    LoadedApp,
)
from tests.devhost.fixtures import FIXTURES_DIR, loaded_app, write_app


@pytest.fixture
def plain_app() -> Iterator[LoadedApp]:
    with loaded_app(FIXTURES_DIR / "plain_app", {"OTHER_HUB_SETTING": "OtherHub"}) as app:
        yield app


@pytest.fixture
def invoker() -> Iterator[Invoker]:
    binding = ClientBindingFactory("http://localhost:7071", "http://127.0.0.1:17071/durabletask/", "PlainHub")
    invoker = Invoker(
        client_binding=binding, max_workers=2, function_directory=str(FIXTURES_DIR / "plain_app")
    )
    yield invoker
    invoker.close()


def _activity(app: LoadedApp, name: str) -> ActivitySpec:
    spec = app.registry.activity(name)
    assert spec is not None, name
    return spec


@pytest.mark.parametrize(
    ("name", "payload", "output"),
    [
        ("say_hello", '"Tokyo"', '"Hello Tokyo!"'),
        ("say_hello_async", '"Tokyo"', '"Hello Tokyo (async)!"'),
        ("echo", '{"a": 1, "b": [1, 2], "c": {"d": null}}', '{"a":1,"b":[1,2],"c":{"d":null}}'),
        ("echo", '"caf\\u00e9"', '"café"'),
        ("echo", "5", "5"),
        ("echo", "not json", '"not json"'),
        ("echo", "null", None),
        ("RenamedActivity", '"shout"', '"SHOUT"'),
        ("with_context", '"x"', '"with_context:x"'),
    ],
)
async def test_activity_results_are_compact_json(
    plain_app: LoadedApp, invoker: Invoker, name: str, payload: str, output: str | None
) -> None:
    outcome = await invoker.call_activity(_activity(plain_app, name), payload)

    assert outcome == ActivityCompleted(output)


async def test_custom_objects_round_trip_through_the_app_module(
    plain_app: LoadedApp, invoker: Invoker
) -> None:
    payload = json.dumps({"__class__": "Point", "__module__": "function_app", "__data__": {"x": 1, "y": 2}})

    outcome = await invoker.call_activity(_activity(plain_app, "move_point"), payload)

    assert outcome == ActivityCompleted(
        '{"__class__":"Point","__module__":"function_app","__data__":{"x":2,"y":3}}'
    )


@pytest.mark.parametrize(
    ("name", "type_name", "message"),
    [
        ("fail_always", "ValueError", "failed on purpose: boom"),
        ("fail_async", "KeyError", "'boom'"),
    ],
)
async def test_activity_exceptions_are_captured(
    plain_app: LoadedApp, invoker: Invoker, name: str, type_name: str, message: str
) -> None:
    outcome = await invoker.call_activity(_activity(plain_app, name), '"boom"')

    assert isinstance(outcome, FunctionFailed)
    assert (outcome.type_name, outcome.message) == (type_name, message)
    assert outcome.summary == f"{type_name}: {message}"
    assert "plain_app/function_app.py" in outcome.traceback


async def test_unserializable_result_names_the_problem(plain_app: LoadedApp, invoker: Invoker) -> None:
    outcome = await invoker.call_activity(_activity(plain_app, "not_serializable"), '"x"')

    assert isinstance(outcome, FunctionFailed)
    assert outcome.type_name == "ValueError"
    assert outcome.message.startswith("activity trigger output must be json serializable (<object object at")


async def test_undecodable_custom_object_input_fails_the_activity(
    plain_app: LoadedApp, invoker: Invoker
) -> None:
    payload = json.dumps({"__class__": "Gone", "__module__": "not_loaded_anywhere", "__data__": {}})

    outcome = await invoker.call_activity(_activity(plain_app, "echo"), payload)

    assert isinstance(outcome, FunctionFailed)
    assert outcome.type_name == "ValueError"
    assert "activity trigger input must be a string or a valid json serializable" in outcome.message


async def test_sync_functions_run_in_the_pool_and_async_ones_on_the_loop(
    tmp_path: Path, invoker: Invoker
) -> None:
    app_dir = write_app(
        tmp_path,
        """
        import threading

        import azure.durable_functions as df

        app = df.DFApp()


        @app.activity_trigger(input_name="value")
        def sync_thread(value: str) -> str:
            return threading.current_thread().name


        @app.activity_trigger(input_name="value")
        async def async_thread(value: str) -> str:
            return threading.current_thread().name
        """,
    )
    with loaded_app(app_dir) as app:
        sync = await invoker.call_activity(_activity(app, "sync_thread"), '""')
        on_loop = await invoker.call_activity(_activity(app, "async_thread"), '""')

    assert isinstance(sync, ActivityCompleted)
    assert sync.output is not None
    assert json.loads(sync.output).startswith("devhost-function")
    assert on_loop == ActivityCompleted(json.dumps(threading.current_thread().name))


async def test_thread_pool_bounds_concurrent_sync_functions(tmp_path: Path) -> None:
    app_dir = write_app(
        tmp_path,
        """
        import threading
        import time

        import azure.durable_functions as df

        app = df.DFApp()
        _lock = threading.Lock()
        RUNNING = [0]
        PEAK = [0]


        @app.activity_trigger(input_name="value")
        def busy(value: str) -> str:
            with _lock:
                RUNNING[0] += 1
                PEAK[0] = max(PEAK[0], RUNNING[0])
            time.sleep(0.02)
            with _lock:
                RUNNING[0] -= 1
            return value
        """,
    )
    binding = ClientBindingFactory("http://localhost:7071", "http://127.0.0.1:17071/durabletask/", "Hub")
    bounded = Invoker(client_binding=binding, max_workers=2, function_directory=str(app_dir))
    try:
        with loaded_app(app_dir) as app:
            spec = _activity(app, "busy")
            outcomes = await asyncio.gather(*(bounded.call_activity(spec, f'"{i}"') for i in range(6)))

            assert outcomes == [ActivityCompleted(f'"{i}"') for i in range(6)]
            assert app.module.PEAK == [2]
    finally:
        bounded.close()


async def test_entity_batch_returns_the_handle_result(plain_app: LoadedApp, invoker: Invoker) -> None:
    spec = plain_app.registry.entity("counter")
    assert spec is not None
    request = {
        "self": {"name": "counter", "key": "c1"},
        "exists": True,
        "state": "5",
        "batch": [{"name": "add", "input": json.dumps(json.dumps(3)), "isSignal": False}],
    }

    outcome = await invoker.call_entity(spec, json.dumps(request))

    assert isinstance(outcome, EntityCompleted)
    result = json.loads(outcome.output)
    assert (result["entityExists"], result["entityState"], result["signals"]) == (True, "8", [])
    assert [(r["isError"], r["result"]) for r in result["results"]] == [(False, "8")]


async def test_malformed_entity_request_is_a_failure(plain_app: LoadedApp, invoker: Invoker) -> None:
    spec = plain_app.registry.entity("counter")
    assert spec is not None

    outcome = await invoker.call_entity(
        spec, json.dumps({"self": {"name": "counter", "key": "k"}, "extra": 1})
    )

    assert isinstance(outcome, FunctionFailed)


async def test_timer_receives_the_timer_request(plain_app: LoadedApp, invoker: Invoker) -> None:
    timer = plain_app.registry.timers[0]

    assert await invoker.call_timer(timer, past_due=False) is None
    failed = await invoker.call_timer(timer, past_due=True)
    assert isinstance(failed, FunctionFailed)
    assert failed.summary == "RuntimeError: past due"


async def test_timer_returning_a_value_fails_like_the_worker(tmp_path: Path, invoker: Invoker) -> None:
    app_dir = write_app(
        tmp_path,
        """
        import azure.functions as func

        app = func.FunctionApp()


        @app.timer_trigger(arg_name="timer", schedule="0 */5 * * * *")
        def ticks(timer: func.TimerRequest) -> None:
            return "unexpected"  # type: ignore[return-value]
        """,
    )
    with loaded_app(app_dir) as app:
        failed = await invoker.call_timer(app.registry.timers[0])

    assert isinstance(failed, FunctionFailed)
    assert failed.message == "function 'ticks' without a $return binding returned a non-None value"
