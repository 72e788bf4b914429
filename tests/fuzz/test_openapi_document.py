"""`GET /api/openapi.json` stays in step with the code: every registered HTTP function with its route
and methods and nothing else, path patterns the routes validate with, bodies that are the models'
JSON schemas, the error shape the API produces."""

from __future__ import annotations

import json
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from api import openapi, routes
from api.responses import ApiError
from domain import models
from tests.security.registration import http_triggers

DOCUMENT = openapi.document(routes.bp)


def _operations() -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, by_method in DOCUMENT["paths"].items()
        for method, operation in by_method.items()
    ]


def test_every_registered_http_function_is_described_with_its_route_and_methods_and_nothing_else() -> None:
    registered = {
        (str(trigger.route), method.value): name
        for name, trigger in http_triggers().items()
        for method in trigger.methods or ()
    }
    documented = {(path.lstrip("/"), method.upper()): op["operationId"] for path, method, op in _operations()}
    assert documented.keys() == registered.keys()
    for key, name in registered.items():
        assert documented[key] in {name, f"{name}_{key[1].lower()}"}, key


def test_operation_ids_are_unique_and_every_reference_resolves() -> None:
    ids = [op["operationId"] for _, _, op in _operations()]
    assert len(ids) == len(set(ids))
    text = json.dumps(DOCUMENT)
    schemas = DOCUMENT["components"]["schemas"]
    references = {part.split('"', 1)[0] for part in text.split('"$ref": "#/components/schemas/')[1:]}
    assert references
    assert references <= schemas.keys()


def test_every_path_parameter_is_declared_with_the_pattern_its_route_validates() -> None:
    for path, _, op in _operations():
        in_template = [segment[1:-1] for segment in path.split("/") if segment.startswith("{")]
        declared = {p["name"]: p for p in op.get("parameters", []) if p["in"] == "path"}
        assert list(declared) == in_template, path
        for parameter in declared.values():
            assert parameter["required"] is True
            assert parameter["schema"]["type"] == "string"
            assert parameter["schema"]["pattern"].startswith("^"), (path, parameter)  # validated


@pytest.mark.parametrize(
    ("operation_id", "model", "required"),
    [
        ("start_order", models.OrderRequest, True),
        ("start_ingestion", models.IngestionRequest, True),
        ("start_device_monitor", models.MonitorRequest, True),
        ("decide_approval", models.ApprovalDecision, True),
        ("record_device_reading", models.DeviceReading, True),
        ("terminate_instance", models.TerminateRequest, False),
        ("restock_inventory", models.RestockRequest, True),
    ],
)
def test_request_bodies_are_the_models_json_schemas(
    operation_id: str, model: type[BaseModel], required: bool
) -> None:
    (op,) = [op for _, _, op in _operations() if op["operationId"] == operation_id]
    body = op["requestBody"]
    assert body["required"] is required
    assert body["content"]["application/json"]["schema"] == {"$ref": f"#/components/schemas/{model.__name__}"}
    schema = model.model_json_schema(ref_template=openapi.SCHEMA_REF)
    nested = schema.pop("$defs", {})
    components = DOCUMENT["components"]["schemas"]
    assert components[model.__name__] == schema
    assert all(components[name] == definition for name, definition in nested.items())


def test_only_the_routes_that_parse_a_body_declare_one() -> None:
    with_body = {op["operationId"] for _, _, op in _operations() if "requestBody" in op}
    assert with_body == {
        "start_order",
        "start_ingestion",
        "start_device_monitor",
        "decide_approval",
        "record_device_reading",
        "terminate_instance",
        "restock_inventory",
    }


def test_statuses_are_read_from_the_handler_and_the_helpers_and_decorators_it_uses() -> None:
    responses = {op["operationId"]: set(op["responses"]) for _, _, op in _operations()}
    # 202 from create_check_status_response (in `_start`), 409 from the handler, 400/413/415 from
    # parse_body, 503 from the api_errors decorator.
    assert responses["start_order"] == {"202", "400", "409", "413", "415", "503"}
    assert responses["get_instance"] == {"200", "400", "404", "503"}  # 404 from require_status
    assert responses["record_device_reading"] == {"201", "400", "413", "415", "503"}
    assert responses["health"] == {"200"}


def test_query_parameters_are_the_ones_the_list_filters_read() -> None:
    (op,) = [op for _, _, op in _operations() if op["operationId"] == "list_instances"]
    query = {p["name"] for p in op["parameters"] if p["in"] == "query"}
    assert query == {"status", "workflow", "prefix", "created_from", "created_to", "top"}


def test_every_error_response_is_the_error_schema_and_the_api_produces_that_shape() -> None:
    error_ref = {"$ref": "#/components/schemas/ErrorResponse"}
    for _, _, op in _operations():
        for status, response in op["responses"].items():
            schema = response["content"]["application/json"]["schema"]
            assert (schema == error_ref) == (int(status) >= 400), (op["operationId"], status)
    with pytest.raises(ValidationError) as refused:
        models.OrderRequest.model_validate({"order_id": "../x", "lines": []})
    details = models.error_details(refused.value)
    assert details
    plain = ApiError(404, "instance.not_found", "no instance 'x'").response()
    detailed = ApiError(400, "body.invalid", "request body failed validation", details).response()
    for response in (plain, detailed):
        openapi.ErrorResponse.model_validate_json(response.get_body())


def test_the_server_url_is_the_route_prefix_of_host_json() -> None:
    assert DOCUMENT["servers"] == [{"url": f"/{openapi.route_prefix()}"}]
    assert openapi.route_prefix() == "api"


@pytest.mark.azurite
def test_the_app_serves_the_document_it_generates(openapi_document: dict[str, Any]) -> None:
    assert openapi_document == json.loads(json.dumps(DOCUMENT))
    assert openapi_document["openapi"] == "3.1.0"
