"""JSON responses and request parsing for the HTTP API.

Every error is `{"error": {"code", "message", "details"}}`.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

import azure.durable_functions as df
import azure.functions as func
from azure.durable_functions.models.DurableOrchestrationStatus import DurableOrchestrationStatus
from pydantic import BaseModel, ValidationError

from domain.models import error_details

MAX_BODY_BYTES = 64 * 1024
ACTIVE_STATUSES = frozenset(
    {
        df.OrchestrationRuntimeStatus.Running,
        df.OrchestrationRuntimeStatus.Pending,
        df.OrchestrationRuntimeStatus.ContinuedAsNew,
        df.OrchestrationRuntimeStatus.Suspended,
    }
)
ModelT = TypeVar("ModelT", bound=BaseModel)


class ApiError(Exception):
    """A request the API refuses; becomes a JSON error response and changes nothing."""

    def __init__(self, status: int, code: str, message: str, details: list[dict[str, Any]] | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details or []

    def response(self) -> func.HttpResponse:
        body = {"code": self.code, "message": self.message, "details": self.details}
        return json_response({"error": body}, self.status)


def json_response(value: Any, status: int = 200, headers: dict[str, str] | None = None) -> func.HttpResponse:
    return func.HttpResponse(
        json.dumps(value, default=str), status_code=status, mimetype="application/json", headers=headers
    )


def parse_body(req: func.HttpRequest, model: type[ModelT], *, optional: bool = False) -> ModelT:
    """Validate a JSON request body against a model; raises ApiError (400/413/415) naming the problem."""
    raw = req.get_body() or b""
    if len(raw) > MAX_BODY_BYTES:
        raise ApiError(413, "body.too_large", f"request body exceeds {MAX_BODY_BYTES} bytes")
    if not raw.strip():
        if optional:
            return model()
        raise ApiError(400, "body.missing", "a JSON request body is required")
    content_type = (req.headers.get("content-type") or "application/json").split(";")[0].strip().lower()
    if content_type not in {"application/json", "text/json"} and not content_type.endswith("+json"):
        raise ApiError(415, "body.content_type", "request body must be application/json")
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ApiError(400, "body.malformed_json", f"request body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ApiError(400, "body.not_an_object", "request body must be a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ApiError(400, "body.invalid", "request body failed validation", error_details(exc)) from None


def status_payload(status: DurableOrchestrationStatus, *, show_input: bool = False) -> dict[str, Any]:
    """A stable snake_case view of an instance's status."""
    payload: dict[str, Any] = {
        "instance_id": status.instance_id,
        "name": status.name,
        "runtime_status": status.runtime_status.value if status.runtime_status else None,
        "custom_status": status.custom_status,
        "output": status.output,
        "created_time": status.created_time.isoformat() if status.created_time else None,
        "last_updated_time": status.last_updated_time.isoformat() if status.last_updated_time else None,
    }
    if show_input:
        payload["input"] = status.input_
    return payload


def is_active(status: DurableOrchestrationStatus) -> bool:
    return status.runtime_status in ACTIVE_STATUSES


def describe(status: DurableOrchestrationStatus) -> str:
    """`status Running` style text for error messages."""
    return f"status {status.runtime_status.value if status.runtime_status else 'unknown'}"
