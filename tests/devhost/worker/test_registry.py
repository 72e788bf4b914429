"""Registered Durable names, HTTP route validation and timer schedules, as the host indexes them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from devhost.timers import CronSchedule, IntervalSchedule
from devhost.worker import FunctionLoadError, LoadedApp
from tests.devhost.fixtures import FIXTURES_DIR, loaded_app, write_app

_HEADER = """
import azure.durable_functions as df
import azure.functions as func

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)
"""


def _write(tmp_path: Path, body: str) -> Path:
    return write_app(tmp_path, _HEADER + body)


def _load_error(app_dir: Path, environ: dict[str, str] | None = None) -> FunctionLoadError:
    with pytest.raises(FunctionLoadError) as raised, loaded_app(app_dir, environ):
        pass
    return raised.value


@pytest.fixture
def plain_app() -> Iterator[LoadedApp]:
    with loaded_app(FIXTURES_DIR / "plain_app", {"OTHER_HUB_SETTING": "OtherHub"}) as app:
        yield app


@pytest.mark.parametrize("name", ["say_hello", "SAY_HELLO", "Say_Hello"])
def test_activity_lookup_ignores_case(plain_app: LoadedApp, name: str) -> None:
    spec = plain_app.registry.activity(name)

    assert spec is not None
    assert spec.durable_name == "say_hello"


def test_trigger_name_properties_win_over_the_function_name(plain_app: LoadedApp) -> None:
    registry = plain_app.registry

    renamed_activity = registry.activity("renamedactivity")
    assert renamed_activity is not None
    assert (renamed_activity.durable_name, renamed_activity.function.name) == (
        "RenamedActivity",
        "python_named_activity",
    )
    assert registry.activity("python_named_activity") is None
    renamed = registry.orchestrator("RenamedOrchestrator")
    assert renamed is not None
    assert renamed.function.name == "renamed_orchestrator"
    assert registry.orchestrator("renamed_orchestrator") is None


def test_entity_names_are_lower_cased(plain_app: LoadedApp) -> None:
    spec = plain_app.registry.entity("COUNTER")

    assert spec is not None
    assert (spec.durable_name, spec.function.name) == ("counter", "Counter")


def test_entity_name_property_is_used(tmp_path: Path) -> None:
    app_dir = _write(
        tmp_path,
        """
@app.entity_trigger(context_name="context", entity_name="ShoppingCart")
def cart(context: df.DurableEntityContext) -> None:
    context.set_state(1)
""",
    )
    with loaded_app(app_dir) as app:
        assert list(app.registry.entities) == ["shoppingcart"]
        assert app.registry.entity("ShoppingCart") is not None


def test_durable_names_differing_only_in_case_collide(tmp_path: Path) -> None:
    app_dir = _write(
        tmp_path,
        """
@app.activity_trigger(input_name="value", activity="Charge")
def charge_card(value: str) -> str:
    return value


@app.activity_trigger(input_name="value", activity="CHARGE")
def charge_wallet(value: str) -> str:
    return value
""",
    )
    error = _load_error(app_dir)

    assert error.code == "worker.function_load.duplicate_durable_name"
    assert "'charge_card' and 'charge_wallet'" in error.message


def test_routes_conflict_when_methods_overlap(tmp_path: Path) -> None:
    app_dir = _write(
        tmp_path,
        """
@app.route(route="orders/{id}", methods=["GET", "PUT"])
def read_order(req: func.HttpRequest) -> str:
    return "read"


@app.route(route="/Orders/{id}/", methods=["PUT"])
def replace_order(req: func.HttpRequest) -> str:
    return "replace"
""",
    )
    error = _load_error(app_dir)

    assert error.message == (
        "The 'replace_order' function is in error: The route specified conflicts with the route defined by "
        "function 'read_order'."
    )


def test_route_without_methods_conflicts_with_any(tmp_path: Path) -> None:
    app_dir = _write(
        tmp_path,
        """
@app.route(route="orders", methods=["GET"])
def list_orders(req: func.HttpRequest) -> str:
    return "list"


@app.route(route="orders")
def any_order(req: func.HttpRequest) -> str:
    return "any"
""",
    )
    assert "conflicts with the route defined by function 'list_orders'" in _load_error(app_dir).message


def test_same_route_with_distinct_methods_is_allowed(tmp_path: Path) -> None:
    app_dir = _write(
        tmp_path,
        """
@app.route(route="orders", methods=["GET"])
def list_orders(req: func.HttpRequest) -> str:
    return "list"


@app.route(route="orders", methods=["POST"])
def create_order(req: func.HttpRequest) -> str:
    return "create"
""",
    )
    with loaded_app(app_dir) as app:
        get = app.registry.routes.match("GET", "/api/orders")
        post = app.registry.routes.match("POST", "/api/orders")

        assert get is not None
        assert post is not None
        assert (get[0].function.name, post[0].function.name) == ("list_orders", "create_order")


@pytest.mark.parametrize("route", ["admin/tools", "administration", "runtime/x"])
def test_routes_in_the_host_reserved_space_are_refused(tmp_path: Path, route: str) -> None:
    app_dir = _write(
        tmp_path,
        f"""
@app.route(route="{route}")
def reserved(req: func.HttpRequest) -> str:
    return "no"
""",
    )
    assert _load_error(app_dir).message == (
        "The 'reserved' function is in error: The specified route conflicts with one or more built in routes."
    )


def test_invalid_route_template_is_a_load_error(tmp_path: Path) -> None:
    app_dir = _write(
        tmp_path,
        """
@app.route(route="items/{id:number}")
def item(req: func.HttpRequest) -> str:
    return "x"
""",
    )
    error = _load_error(app_dir)

    assert error.code == "worker.function_load.route"
    assert "The constraint reference 'number' could not be resolved" in error.message


def test_timer_schedules_resolve_settings_and_parse(tmp_path: Path) -> None:
    app_dir = _write(
        tmp_path,
        """
@app.timer_trigger(arg_name="timer", schedule="%CLEANUP_SCHEDULE%", run_on_startup=True, use_monitor=False)
def cleanup(timer: func.TimerRequest) -> None:
    pass


@app.timer_trigger(arg_name="timer", schedule="00:05:00")
def heartbeat(timer: func.TimerRequest) -> None:
    pass
""",
    )
    with loaded_app(app_dir, {"CLEANUP_SCHEDULE": "0 30 1 * * Sun"}) as app:
        cleanup, heartbeat = app.registry.timers

        assert (cleanup.schedule_expression, cleanup.run_on_startup, cleanup.use_monitor) == (
            "0 30 1 * * Sun",
            True,
            False,
        )
        assert isinstance(cleanup.schedule, CronSchedule)
        assert cleanup.schedule.next_occurrence(datetime(2024, 5, 1, tzinfo=UTC)) == datetime(
            2024, 5, 5, 1, 30, tzinfo=UTC
        )
        assert isinstance(heartbeat.schedule, IntervalSchedule)
        assert heartbeat.schedule.interval == timedelta(minutes=5)
        assert (heartbeat.run_on_startup, heartbeat.use_monitor) == (False, None)


def test_invalid_timer_schedule_is_a_load_error(tmp_path: Path) -> None:
    app_dir = _write(
        tmp_path,
        """
@app.timer_trigger(arg_name="timer", schedule="every five minutes")
def cleanup(timer: func.TimerRequest) -> None:
    pass
""",
    )
    error = _load_error(app_dir)

    assert error.code == "worker.function_load.schedule"
    assert "was not recognized as a valid cron expression or timespan string" in error.message


def test_unresolved_client_task_hub_setting_is_a_load_error() -> None:
    error = _load_error(FIXTURES_DIR / "plain_app")

    assert error.code == "worker.function_load.task_hub"
    assert "OTHER_HUB_SETTING" in error.message
