"""Request and message models: the one place where input is validated.

The HTTP API validates request bodies with these models (field-level 400 errors) and the activities and
entities validate what they receive with the same models, so a message that bypassed the API (a raw
event, a replayed input) is held to the same rules. Everything that crosses a `yield` is plain JSON:
`model_dump(mode="json")` on the way out, `model_validate` on the way in.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from domain import names

# Identifiers become instance ids, entity keys and blob names: a strict alphabet keeps callers from
# reaching another workflow's data through path tricks (`..`, `/`, `#`, `?`, unicode look-alikes).
Identifier = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")]
Sku = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9][A-Z0-9-]{0,31}$")]
ContainerName = Annotated[
    str, StringConstraints(pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$", min_length=3, max_length=63)
]


def _no_relative_segments(value: str) -> str:
    if any(segment in {".", ".."} for segment in value.split("/")):
        raise ValueError("must not contain '.' or '..' segments")
    return value


BlobPrefix = Annotated[
    str,
    StringConstraints(pattern=r"^(?:[A-Za-z0-9_.-]+/)*[A-Za-z0-9_.-]*$", max_length=200),
    AfterValidator(_no_relative_segments),
]
Money = Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=2)]


class StrictModel(BaseModel):
    """Unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# Orders


class OrderLine(StrictModel):
    sku: Sku
    quantity: int = Field(gt=0, le=10_000)
    unit_price: Money


class PaymentSimulation(StrictModel):
    """How the simulated payment gateway behaves for this order (for demos and tests)."""

    transient_failures: int = Field(default=0, ge=0, le=10)
    decline: bool = False


class ShippingSimulation(StrictModel):
    """How the simulated shipping gateway behaves for this order."""

    transient_failures: int = Field(default=0, ge=0, le=10)
    fail: bool = False


class Simulation(StrictModel):
    payment: PaymentSimulation = PaymentSimulation()
    shipping: ShippingSimulation = ShippingSimulation()


class OrderRequest(StrictModel):
    """`POST /api/orders`."""

    order_id: Identifier
    customer_id: Identifier
    currency: Literal["EUR", "USD", "GBP"] = "EUR"
    lines: list[OrderLine] = Field(min_length=1, max_length=50)
    simulate: Simulation = Simulation()

    @property
    def total(self) -> Decimal:
        return sum((line.unit_price * line.quantity for line in self.lines), Decimal("0"))


class OrderWorkflowInput(StrictModel):
    """The order workflow's input: the order plus the settings in force when it was placed.

    Settings travel in the input because an orchestrator must not read the environment: a setting
    changed mid-flight would make a replay take another branch.
    """

    order: OrderRequest
    approval_threshold: Money
    approval_timeout_s: int = Field(gt=0, le=30 * 24 * 3600)


class ChargeRequest(StrictModel):
    order_id: Identifier
    amount: Money
    currency: str
    simulate: PaymentSimulation = PaymentSimulation()


class ShipmentRequest(StrictModel):
    order_id: Identifier
    customer_id: Identifier
    lines: list[OrderLine] = Field(min_length=1)
    simulate: ShippingSimulation = ShippingSimulation()


# Approvals


class ApprovalRequest(StrictModel):
    """Input of the approval workflow."""

    order_id: Identifier
    amount: Money
    currency: str
    timeout_s: int = Field(gt=0, le=30 * 24 * 3600)


class ApprovalDecision(StrictModel):
    """The `ApprovalDecision` external event (`POST /api/approvals/{order_id}`)."""

    approved: bool
    approver: str = Field(min_length=1, max_length=100)
    comment: str = Field(default="", max_length=500)


class ApprovalOutcome(StrictModel):
    approved: bool
    decided_by: str
    reason: str
    reminded: bool


# Inventory


class RestockRequest(StrictModel):
    """`POST /api/inventory/{sku}/restock` and the entity's `restock` operation."""

    quantity: int = Field(gt=0, le=1_000_000)


class Reservation(StrictModel):
    """The entity's `reserve` and `release` operations (release ignores the quantity)."""

    order_id: Identifier
    quantity: int = Field(default=0, ge=0, le=10_000)


class InventoryState(BaseModel):
    """State of one `inventory` entity (one per SKU)."""

    available: int = 0
    reservations: dict[str, int] = Field(default_factory=dict)


# Ingestion


def _not_an_app_container(value: str) -> str:
    if value in names.APP_CONTAINERS:
        raise ValueError("must not be one of the app's own containers")
    return value


class IngestionRequest(StrictModel):
    """`POST /api/ingestions`: process every `.csv` blob under `prefix` in `container`."""

    container: Annotated[ContainerName, AfterValidator(_not_an_app_container)]
    prefix: BlobPrefix = ""
    batch_size: int = Field(default=100, ge=1, le=500)
    parallel_batches: int = Field(default=4, ge=1, le=16)


class IngestionBatchInput(StrictModel):
    run_id: Identifier
    container: ContainerName
    manifest: str
    batch_index: int = Field(ge=0)
    offset: int = Field(ge=0)
    limit: int = Field(ge=1, le=500)


# Devices


class MonitorRequest(StrictModel):
    """`POST /api/devices/{device_id}/monitor`."""

    threshold: float = Field(allow_inf_nan=False)
    interval_s: int = Field(default=300, ge=10, le=24 * 3600)
    duration_s: int = Field(default=24 * 3600, ge=10, le=90 * 24 * 3600)


class MonitorState(StrictModel):
    """The device monitor's input, carried from one `continue_as_new` generation to the next."""

    device_id: Identifier
    threshold: float = Field(allow_inf_nan=False)
    interval_s: int = Field(ge=10)
    duration_s: int = Field(default=24 * 3600, ge=10, le=90 * 24 * 3600)
    expires_at: datetime | None = None
    """Set by the first generation from orchestration time (`current_utc_datetime` + `duration_s`)."""
    in_alarm: bool = False
    alerts: int = 0
    polls: int = 0


class DeviceReading(StrictModel):
    """`POST /api/devices/{device_id}/readings`."""

    value: float = Field(allow_inf_nan=False)
    unit: str = Field(default="", max_length=16)
    recorded_at: datetime | None = None


class TerminateRequest(StrictModel):
    reason: str = Field(default="Terminated by request", max_length=500)


def error_details(error: ValidationError) -> list[dict[str, Any]]:
    """Field-level problems of a validation error as plain JSON (`field`, `message`, `type`)."""
    return [
        {
            "field": ".".join(str(part) for part in item["loc"]) or "(body)",
            "message": item["msg"],
            "type": item["type"],
        }
        for item in error.errors(include_url=False, include_context=False, include_input=False)
    ]
