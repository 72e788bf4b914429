"""Input guards shared by the routes: path values, list filters, instance look-ups, error mapping."""

from __future__ import annotations

import functools
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, ParamSpec

import azure.durable_functions as df
import azure.functions as func
from azure.durable_functions.models.DurableOrchestrationStatus import DurableOrchestrationStatus
from pydantic import StringConstraints, TypeAdapter, ValidationError

from api.responses import ApiError, describe, is_active
from domain.instance_ids import workflow_id_prefix

# Instance ids this API creates: business ids plus the `:approval` and `:batch-N` suffixes.
InstanceId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_:-]{0,127}$")]
# The SDK client reads one page of the host's list (100 instances): `top` cannot go beyond it.
MAX_LIST_TOP = 100
P = ParamSpec("P")
# The durable client (SDK 1.x) reports a host answer it did not expect as a bare Exception naming the
# status code ("...unexpected status code 503"); 503 is the host saying its storage is unavailable.
_HOST_UNAVAILABLE = re.compile(r"\bstatus code 503\b")


def api_errors(
    handler: Callable[P, Awaitable[func.HttpResponse]],
) -> Callable[P, Awaitable[func.HttpResponse]]:
    """Answer an ApiError with its JSON response, and the host's 503 (storage unavailable) with 503.

    `functools.wraps` keeps the signature the worker binds.
    """

    @functools.wraps(handler)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> func.HttpResponse:
        try:
            return await handler(*args, **kwargs)
        except ApiError as error:
            return error.response()
        except Exception as error:
            if not _HOST_UNAVAILABLE.search(str(error)):
                raise
            message = "the workflow host cannot reach its storage right now; retry shortly"
            return ApiError(503, "host.unavailable", message).response()

    return wrapper


def path_value(kind: Any, value: str | None, what: str) -> str:
    """A route parameter validated against an annotated string type; 400 when it does not match."""
    try:
        validated: str = TypeAdapter(kind).validate_python(value or "")
    except ValidationError:
        raise ApiError(400, f"{what}.invalid", f"{what} {value!r} is not valid") from None
    return validated


async def require_status(
    client: df.DurableOrchestrationClient, instance_id: str
) -> DurableOrchestrationStatus:
    status = await client.get_status(instance_id)
    if not status:
        raise ApiError(404, "instance.not_found", f"no instance {instance_id!r}")
    return status


async def require_active(
    client: df.DurableOrchestrationClient, instance_id: str, message: str
) -> DurableOrchestrationStatus:
    """The instance's status; 404 when unknown, 409 with `message` when it is no longer running."""
    status = await require_status(client, instance_id)
    if not is_active(status):
        raise ApiError(409, "instance.not_running", f"{message} ({describe(status)})")
    return status


@dataclass(frozen=True)
class ListFilters:
    statuses: list[df.OrchestrationRuntimeStatus] | None
    workflow: str | None
    prefix: str | None
    created_from: datetime | None
    created_to: datetime | None
    top: int

    def client_arguments(self) -> dict[str, Any]:
        """Keyword arguments for `get_status_by`, leaving out the filters that were not given."""
        given = {
            "created_time_from": self.created_from,
            "created_time_to": self.created_to,
            "runtime_status": self.statuses,
            "instance_id_prefix": self.prefix or workflow_id_prefix(self.workflow),
        }
        return {name: value for name, value in given.items() if value is not None}


def _parse_time(params: Mapping[str, str], name: str) -> datetime | None:
    raw = params.get(name)
    if not raw:
        return None
    try:
        return datetime.fromisoformat(raw)
    except ValueError:
        raise ApiError(400, "query.invalid", f"{name} must be an ISO 8601 time, not {raw!r}") from None


def parse_list_filters(params: Mapping[str, str]) -> ListFilters:
    """Validate the query of `GET /api/instances`."""
    statuses = None
    if raw := params.get("status"):
        try:
            statuses = [
                df.OrchestrationRuntimeStatus(part.strip()) for part in raw.split(",") if part.strip()
            ]
        except ValueError:
            known = ", ".join(s.value for s in df.OrchestrationRuntimeStatus)
            raise ApiError(400, "query.invalid", f"status must be a comma list of: {known}") from None
    prefix = params.get("prefix") or None
    if prefix is not None:
        path_value(InstanceId, prefix, "prefix")
    try:
        top = int(params.get("top", "100"))
    except ValueError:
        raise ApiError(400, "query.invalid", "top must be an integer") from None
    if not 1 <= top <= MAX_LIST_TOP:
        raise ApiError(400, "query.invalid", f"top must be between 1 and {MAX_LIST_TOP}")
    workflow = (params.get("workflow") or "").strip().lower() or None
    return ListFilters(
        statuses=statuses,
        workflow=workflow,
        prefix=prefix,
        created_from=_parse_time(params, "created_from"),
        created_to=_parse_time(params, "created_to"),
        top=top,
    )
