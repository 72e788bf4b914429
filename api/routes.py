"""HTTP routes: start each workflow, drive it (approve, stop, terminate), read and purge instances, inventory.

Every route validates its input before doing anything, so a refused request changes nothing. Starters
answer `202` with the standard check-status payload and `Location` header. Auth level is `FUNCTION`
(the app default): in Azure, pass a function key as `x-functions-key` or `?code=`; local hosts do not
check keys.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import azure.durable_functions as df
import azure.functions as func

from activities.devices import store_reading
from api import openapi
from api.guards import InstanceId, api_errors, parse_list_filters, path_value, require_active, require_status
from api.responses import ApiError, describe, is_active, json_response, parse_body, status_payload
from domain import names, settings
from domain.instance_ids import approval_instance_id, monitor_instance_id, order_instance_id
from domain.models import (
    ApprovalDecision,
    DeviceReading,
    Identifier,
    IngestionRequest,
    MonitorRequest,
    MonitorState,
    OrderRequest,
    OrderWorkflowInput,
    RestockRequest,
    Sku,
    TerminateRequest,
)

bp = df.Blueprint()


async def _start(
    req: func.HttpRequest,
    client: df.DurableOrchestrationClient,
    workflow: str,
    instance_id: str,
    payload: object,
    *,
    conflict: ApiError | None = None,
) -> func.HttpResponse:
    """Start `workflow`; `conflict` answers when a concurrent request started the same id first (the host
    refuses a start while the instance runs, and the SDK reports that as a bare Exception)."""
    try:
        await client.start_new(workflow, instance_id, payload)
    except Exception:
        if conflict is None or not await _running(client, instance_id):
            raise
        raise conflict from None
    return client.create_check_status_response(req, instance_id)


async def _running(client: df.DurableOrchestrationClient, instance_id: str) -> bool:
    status = await client.get_status(instance_id)
    return bool(status) and is_active(status)


async def _raise_event(
    client: df.DurableOrchestrationClient, instance_id: str, event: str, payload: object, message: str
) -> None:
    """Raise an event to an instance checked to be running; if it finished meanwhile (the host answers
    410, the SDK a bare Exception), answer as `require_active` does."""
    try:
        await client.raise_event(instance_id, event, payload)
    except Exception:
        await require_active(client, instance_id, message)
        raise


# Starters


@bp.route(route="orders", methods=["POST"])
@bp.durable_client_input(client_name="client")
@api_errors
async def start_order(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """Place an order: `order_workflow` with instance id `order-{order_id}` (409 if that order exists)."""
    order = parse_body(req, OrderRequest)
    instance_id = order_instance_id(order.order_id)
    exists = f"order {order.order_id!r} already exists"
    existing = await client.get_status(instance_id)
    if existing:
        raise ApiError(409, "order.exists", f"{exists} ({describe(existing)})")
    workflow_input = OrderWorkflowInput(
        order=order,
        approval_threshold=settings.approval_threshold(),
        approval_timeout_s=settings.approval_timeout_s(),
    )
    payload = workflow_input.model_dump(mode="json")
    conflict = ApiError(409, "order.exists", exists)
    return await _start(req, client, names.ORDER_WORKFLOW, instance_id, payload, conflict=conflict)


@bp.route(route="ingestions", methods=["POST"])
@bp.durable_client_input(client_name="client")
@api_errors
async def start_ingestion(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """Process every CSV blob under a container prefix (`ingestion_workflow`)."""
    request = parse_body(req, IngestionRequest)
    instance_id = f"ingest-{uuid.uuid4().hex}"
    return await _start(req, client, names.INGESTION_WORKFLOW, instance_id, request.model_dump(mode="json"))


@bp.route(route="devices/{device_id}/monitor", methods=["POST"])
@bp.durable_client_input(client_name="client")
@api_errors
async def start_device_monitor(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> func.HttpResponse:
    """Watch one device (`monitor-{device_id}`); 409 while a monitor for it is still running."""
    device_id = path_value(Identifier, req.route_params.get("device_id"), "device_id")
    request = parse_body(req, MonitorRequest)
    instance_id = monitor_instance_id(device_id)
    running = ApiError(409, "monitor.running", f"a monitor for device {device_id!r} is already running")
    if await _running(client, instance_id):
        raise running
    state = MonitorState(
        device_id=device_id,
        threshold=request.threshold,
        interval_s=request.interval_s,
        duration_s=request.duration_s,
    )
    payload = state.model_dump(mode="json")
    return await _start(req, client, names.DEVICE_MONITOR, instance_id, payload, conflict=running)


# Driving running workflows


@bp.route(route="approvals/{order_id}", methods=["POST"])
@bp.durable_client_input(client_name="client")
@api_errors
async def decide_approval(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """Send the `ApprovalDecision` event to the approval waiting for this order."""
    order_id = path_value(Identifier, req.route_params.get("order_id"), "order_id")
    decision = parse_body(req, ApprovalDecision)
    instance_id = approval_instance_id(order_instance_id(order_id))
    if not await client.get_status(instance_id):
        order = await client.get_status(order_instance_id(order_id))
        if order and is_active(order):  # the approval starts just after the order says "awaiting_approval"
            raise ApiError(
                409, "approval.not_ready", "no approval is waiting for this order yet; retry shortly"
            )
    not_pending = "no approval is pending for this order"
    await require_active(client, instance_id, not_pending)
    decided = decision.model_dump(mode="json")
    await _raise_event(client, instance_id, names.APPROVAL_DECISION_EVENT, decided, not_pending)
    return json_response({"instance_id": instance_id, "event": names.APPROVAL_DECISION_EVENT}, 202)


@bp.route(route="devices/{device_id}/monitor/stop", methods=["POST"])
@bp.durable_client_input(client_name="client")
@api_errors
async def stop_device_monitor(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> func.HttpResponse:
    """Send the `Stop` event to the device's monitor."""
    device_id = path_value(Identifier, req.route_params.get("device_id"), "device_id")
    instance_id = monitor_instance_id(device_id)
    not_running = "the monitor is not running"
    await require_active(client, instance_id, not_running)
    stop = {"requested_at": datetime.now(UTC).isoformat()}
    await _raise_event(client, instance_id, names.STOP_EVENT, stop, not_running)
    return json_response({"instance_id": instance_id, "event": names.STOP_EVENT}, 202)


@bp.route(route="devices/{device_id}/readings", methods=["POST"])
@api_errors
async def record_device_reading(req: func.HttpRequest) -> func.HttpResponse:
    """Store a device's latest reading (what the monitor polls)."""
    device_id = path_value(Identifier, req.route_params.get("device_id"), "device_id")
    reading = parse_body(req, DeviceReading)
    document = reading.model_dump(mode="json")
    document["recorded_at"] = document["recorded_at"] or datetime.now(UTC).isoformat()
    return json_response({"device_id": device_id, "stored": store_reading(device_id, document)}, 201)


# Instances


@bp.route(route="instances", methods=["GET"])
@bp.durable_client_input(client_name="client")
@api_errors
async def list_instances(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """Instances, newest first.

    Filters: `status` (comma list), `workflow`, `prefix`, `created_from`, `created_to`, `top`.
    """
    filters = parse_list_filters(req.params)
    statuses = await client.get_status_by(**filters.client_arguments())
    selected = [s for s in statuses if filters.workflow is None or (s.name or "").lower() == filters.workflow]
    selected.sort(key=lambda s: s.created_time or datetime.min.replace(tzinfo=UTC), reverse=True)
    return json_response({"instances": [status_payload(s) for s in selected[: filters.top]]})


@bp.route(route="instances/{instance_id}", methods=["GET"])
@bp.durable_client_input(client_name="client")
@api_errors
async def get_instance(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """One instance's status, custom status and output (404 when unknown)."""
    instance_id = path_value(InstanceId, req.route_params.get("instance_id"), "instance_id")
    status = await require_status(client, instance_id)
    return json_response(status_payload(status, show_input=True))


@bp.route(route="instances/{instance_id}/terminate", methods=["POST"])
@bp.durable_client_input(client_name="client")
@api_errors
async def terminate_instance(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> func.HttpResponse:
    """Terminate a running instance (404 unknown, 409 already finished)."""
    instance_id = path_value(InstanceId, req.route_params.get("instance_id"), "instance_id")
    request = parse_body(req, TerminateRequest, optional=True)
    await require_active(client, instance_id, "the instance is not running")
    await client.terminate(instance_id, request.reason)
    return json_response({"instance_id": instance_id, "terminating": True}, 202)


@bp.route(route="instances/{instance_id}", methods=["DELETE"])
@bp.durable_client_input(client_name="client")
@api_errors
async def purge_instance(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """Delete a finished instance's history (409 while it is still running)."""
    instance_id = path_value(InstanceId, req.route_params.get("instance_id"), "instance_id")
    status = await require_status(client, instance_id)
    if is_active(status):
        raise ApiError(409, "instance.running", "terminate the instance before purging it")
    result = await client.purge_instance_history(instance_id)
    return json_response({"instance_id": instance_id, "instances_deleted": result.instances_deleted})


# Inventory


@bp.route(route="inventory/{sku}", methods=["GET"])
@bp.durable_client_input(client_name="client")
@api_errors
async def get_inventory(req: func.HttpRequest, client: df.DurableOrchestrationClient) -> func.HttpResponse:
    """The stock of one SKU (404 when it was never restocked)."""
    sku = path_value(Sku, req.route_params.get("sku"), "sku")
    state = await client.read_entity_state(df.EntityId(names.INVENTORY_ENTITY, sku))
    if not state.entity_exists:
        raise ApiError(404, "inventory.not_found", f"no inventory for SKU {sku!r}")
    return json_response({"sku": sku, **state.entity_state})


@bp.route(route="inventory/{sku}/restock", methods=["POST"])
@bp.durable_client_input(client_name="client")
@api_errors
async def restock_inventory(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> func.HttpResponse:
    """Add stock to a SKU (a signal to its `inventory` entity, processed in order with reservations)."""
    sku = path_value(Sku, req.route_params.get("sku"), "sku")
    request = parse_body(req, RestockRequest)
    await client.signal_entity(df.EntityId(names.INVENTORY_ENTITY, sku), "restock", request.model_dump())
    return json_response({"sku": sku, "restocking": request.quantity}, 202)


@bp.route(route="health", methods=["GET"])
async def health(req: func.HttpRequest) -> func.HttpResponse:
    """Liveness probe."""
    return json_response({"status": "ok"})


@bp.route(route="openapi.json", methods=["GET"])
async def openapi_document(req: func.HttpRequest) -> func.HttpResponse:
    """This API's OpenAPI 3.1 description, generated from the routes registered here."""
    return json_response(openapi.document(bp))
