"""The operations of an OpenAPI document as the fuzzer uses them, and the seeded things they meet."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from tests.fuzz.schemas import Schema


@dataclass(frozen=True)
class Seeds:
    """What the fixture created before fuzzing; every id of it starts with `seed`."""

    sku: str
    done_order: str  # order completed
    waiting_order: str  # order waiting for approval
    device: str  # device whose monitor runs

    def refusing_targets(self) -> dict[str, dict[str, list[str]]]:
        """Per operation, path or body values of seeded things it must refuse (404 or 409)."""
        done, waiting = f"order-{self.done_order}", f"order-{self.waiting_order}"
        return {
            "start_order": {"order_id": [self.done_order, self.waiting_order]},
            "start_device_monitor": {"device_id": [self.device]},
            "decide_approval": {"order_id": [self.done_order]},
            "terminate_instance": {"instance_id": [done]},
            "purge_instance": {"instance_id": [waiting, f"{waiting}:approval", f"monitor-{self.device}"]},
        }

    def ids(self) -> dict[str, list[str]]:
        """Seeded values by parameter name, for requests the schema describes."""
        orders = [self.done_order, self.waiting_order]
        return {
            "order_id": orders,
            "device_id": [self.device],
            "sku": [self.sku],
            "instance_id": [f"order-{order}" for order in orders] + [f"monitor-{self.device}"],
        }


@dataclass(frozen=True)
class Operation:
    operation_id: str
    method: str
    path: str  # template, without the leading `/`
    parameters: dict[str, Schema]  # path parameters
    query: tuple[str, ...]
    body: Schema | None
    body_required: bool

    def target(self, values: dict[str, str], query: str = "") -> str:
        """The template with `values` put in as they are (encode them first where needed)."""
        path = re.sub(r"\{([^}]+)\}", lambda match: values[match.group(1)], self.path)
        return f"{path}?{query}" if query else path


def operations(document: dict[str, Any]) -> list[Operation]:
    found = []
    for path, by_method in document["paths"].items():
        for method, operation in by_method.items():
            parameters = operation.get("parameters", [])
            body = operation.get("requestBody")
            found.append(
                Operation(
                    operation_id=operation["operationId"],
                    method=method.upper(),
                    path=path.lstrip("/"),
                    parameters={p["name"]: p["schema"] for p in parameters if p["in"] == "path"},
                    query=tuple(p["name"] for p in parameters if p["in"] == "query"),
                    body=body["content"]["application/json"]["schema"] if body else None,
                    body_required=bool(body and body["required"]),
                )
            )
    return found
