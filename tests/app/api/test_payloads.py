"""Request validation of the HTTP API: every refusal is a 4xx JSON error naming the problem."""

from __future__ import annotations

import json

import azure.functions as func
import pytest

from api.guards import InstanceId, parse_list_filters, path_value
from api.responses import MAX_BODY_BYTES, ApiError, parse_body
from domain.models import Identifier, IngestionRequest, OrderRequest, Sku

ORDER = {
    "order_id": "A-1",
    "customer_id": "c1",
    "lines": [{"sku": "WIDGET-1", "quantity": 1, "unit_price": 9.99}],
}


def _request(body: bytes | str, content_type: str = "application/json") -> func.HttpRequest:
    data = body.encode() if isinstance(body, str) else body
    return func.HttpRequest(
        "POST", "http://localhost/api/orders", headers={"content-type": content_type}, body=data
    )


def _refusal(req: func.HttpRequest, model=OrderRequest) -> tuple[int, dict]:
    with pytest.raises(ApiError) as refused:
        parse_body(req, model)
    response = refused.value.response()
    assert response.mimetype == "application/json"
    return response.status_code, json.loads(response.get_body())["error"]


def test_a_valid_order_parses():
    order = parse_body(_request(json.dumps(ORDER)), OrderRequest)
    assert order.total == order.lines[0].unit_price
    assert order.simulate.payment.transient_failures == 0


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ("", 400, "body.missing"),
        ("{not json", 400, "body.malformed_json"),
        ("[1, 2]", 400, "body.not_an_object"),
        (b"\xff\xfe", 400, "body.malformed_json"),
        ("x" * (MAX_BODY_BYTES + 1), 413, "body.too_large"),
    ],
)
def test_unusable_bodies(body, status, code):
    assert _refusal(_request(body))[:1] == (status,)
    assert _refusal(_request(body))[1]["code"] == code


def test_wrong_content_type_is_415():
    status, error = _refusal(_request(json.dumps(ORDER), "text/plain"))
    assert (status, error["code"]) == (415, "body.content_type")


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"order_id": "../../etc"}, "order_id"),
        ({"order_id": "ünïcode"}, "order_id"),
        ({"lines": []}, "lines"),
        ({"lines": [{"sku": "WIDGET-1", "quantity": -1, "unit_price": 1}]}, "lines.0.quantity"),
        ({"lines": [{"sku": "WIDGET-1", "quantity": 1, "unit_price": 0.001}]}, "lines.0.unit_price"),
        ({"lines": [{"sku": "a/b", "quantity": 1, "unit_price": 1}]}, "lines.0.sku"),
        ({"currency": "BTC"}, "currency"),
        ({"surprise": True}, "surprise"),
        ({"customer_id": 7}, "customer_id"),
        ({"simulate": {"payment": {"transient_failures": 99}}}, "simulate.payment.transient_failures"),
    ],
)
def test_field_errors_name_the_field(change, field):
    status, error = _refusal(_request(json.dumps({**ORDER, **change})))
    assert (status, error["code"]) == (400, "body.invalid")
    assert field in [detail["field"] for detail in error["details"]]


def test_missing_fields_are_listed():
    _, error = _refusal(_request("{}"))
    assert {d["field"] for d in error["details"]} == {"order_id", "customer_id", "lines"}


def test_ingestion_cannot_read_the_apps_own_containers():
    _, error = _refusal(_request(json.dumps({"container": "receipts"})), IngestionRequest)
    assert [d["field"] for d in error["details"]] == ["container"]


def test_ingestion_container_and_prefix_rules():
    _, error = _refusal(_request(json.dumps({"container": "Bad_Name", "prefix": "../up"})), IngestionRequest)
    assert {d["field"] for d in error["details"]} == {"container", "prefix"}


@pytest.mark.parametrize(
    ("kind", "value", "ok"),
    [
        (Identifier, "dev-1", True),
        (Identifier, "dev/1", False),
        (Identifier, "", False),
        (Identifier, "x" * 65, False),
        (Sku, "WIDGET-1", True),
        (Sku, "widget", False),
        (InstanceId, "order-A-1:approval", True),
        (InstanceId, "@inventory@X", False),
        (InstanceId, "a#b", False),
    ],
)
def test_path_values(kind, value, ok):
    if ok:
        assert path_value(kind, value, "id") == value
    else:
        with pytest.raises(ApiError) as refused:
            path_value(kind, value, "id")
        assert (refused.value.status, refused.value.code) == (400, "id.invalid")


def test_list_filters():
    filters = parse_list_filters({"status": "Running,Completed", "workflow": "Order_Workflow", "top": "5"})
    assert [s.value for s in filters.statuses or []] == ["Running", "Completed"]
    assert (filters.workflow, filters.top) == ("order_workflow", 5)
    assert filters.client_arguments() == {"runtime_status": filters.statuses, "instance_id_prefix": "order-"}
    for bad in (
        {"status": "Sleeping"},
        {"top": "0"},
        {"top": "x"},
        {"created_from": "yesterday"},
        {"prefix": "a/b"},
    ):
        with pytest.raises(ApiError) as refused:
            parse_list_filters(bad)
        assert refused.value.status == 400
