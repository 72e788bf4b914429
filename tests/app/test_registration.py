"""The function app indexes as intended: every function, trigger, route and auth level."""

from __future__ import annotations

import azure.functions as func

from domain import names

EXPECTED_ROUTES = {
    "start_order": ("orders", ["POST"]),
    "start_ingestion": ("ingestions", ["POST"]),
    "start_device_monitor": ("devices/{device_id}/monitor", ["POST"]),
    "decide_approval": ("approvals/{order_id}", ["POST"]),
    "stop_device_monitor": ("devices/{device_id}/monitor/stop", ["POST"]),
    "record_device_reading": ("devices/{device_id}/readings", ["POST"]),
    "list_instances": ("instances", ["GET"]),
    "get_instance": ("instances/{instance_id}", ["GET"]),
    "terminate_instance": ("instances/{instance_id}/terminate", ["POST"]),
    "purge_instance": ("instances/{instance_id}", ["DELETE"]),
    "get_inventory": ("inventory/{sku}", ["GET"]),
    "restock_inventory": ("inventory/{sku}/restock", ["POST"]),
    "health": ("health", ["GET"]),
    "openapi_document": ("openapi.json", ["GET"]),
}
WITHOUT_DURABLE_CLIENT = {"record_device_reading", "health", "openapi_document"}


def _trigger_types(app_functions: dict[str, func.Function]) -> dict[str, str]:
    types = {}
    for name, fn in app_functions.items():
        trigger = fn.get_trigger()
        assert trigger is not None, name
        types[name] = str(trigger.type)
    return types


def test_every_name_constant_is_registered_with_its_trigger(app_functions):
    types = _trigger_types(app_functions)
    for workflow in names.WORKFLOWS:
        assert types[workflow] == "orchestrationTrigger", workflow
    for activity in names.ACTIVITIES:
        assert types[activity] == "activityTrigger", activity
    assert types[names.INVENTORY_ENTITY] == "entityTrigger"
    assert types["purge_finished_instances"] == "timerTrigger"


def test_there_are_no_unexpected_functions(app_functions):
    types = _trigger_types(app_functions)
    http = {name for name, kind in types.items() if kind == "httpTrigger"}
    assert http == set(EXPECTED_ROUTES)
    assert len(types) == len(EXPECTED_ROUTES) + len(names.WORKFLOWS) + len(names.ACTIVITIES) + 2


def test_routes_methods_and_auth_levels(app_functions):
    for name, (route, methods) in EXPECTED_ROUTES.items():
        trigger = app_functions[name].get_trigger()
        assert trigger.route == route, name
        assert [m.value for m in trigger.methods] == methods, name
        assert trigger.auth_level == func.AuthLevel.FUNCTION, name


def test_starters_and_management_routes_get_a_durable_client(app_functions):
    for name in EXPECTED_ROUTES:
        binding_types = {b.type for b in app_functions[name].get_bindings()}
        assert ("durableClient" in binding_types) == (name not in WITHOUT_DURABLE_CLIENT), name


def test_orchestrators_and_entities_use_the_context_parameter_name_the_worker_requires(app_functions):
    for name, fn in app_functions.items():
        trigger = fn.get_trigger()
        if trigger.type in {"orchestrationTrigger", "entityTrigger"}:
            assert trigger.name == "context", name


def test_retention_timer_runs_nightly_and_not_on_startup(app_functions):
    trigger = app_functions["purge_finished_instances"].get_trigger()
    assert trigger.schedule == "0 30 3 * * *"
    assert trigger.run_on_startup is False
