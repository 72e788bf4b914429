"""The HTTP API's OpenAPI 3.1 description, generated from the routes a blueprint registers.

Nothing is written here per route. Paths, methods and auth come from each function's HTTP trigger;
the rest is read from the handler's own code (and the `api` helpers it calls), through the few calls
every route is built from:

- `path_value(Kind, req.route_params.get("name"), ...)`: a path parameter and its pattern;
- `parse_body(req, Model, optional=...)`: the request body, `Model.model_json_schema()`;
- `params.get("name")` / `helper(params, "name")`: a query parameter;
- `ApiError(status, ...)`: an error response, `{"error": {"code", "message", "details"}}`;
- `json_response(value, status)` / `create_check_status_response`: the success response.

So a new route, parameter or model shows up without anyone editing this module.
"""

from __future__ import annotations

import ast
import functools
import http
import inspect
import json
import textwrap
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeGuard

import azure.functions as func
from azure.functions.decorators.http import HttpTrigger
from pydantic import BaseModel, ConfigDict, TypeAdapter

from api.guards import path_value
from api.responses import ApiError, json_response, parse_body

OPENAPI_VERSION = "3.1.0"
API_TITLE = "Durable Workflows HTTP API"
API_VERSION = "1.0.0"
HOST_JSON = Path(__file__).resolve().parents[1] / "host.json"
DEFAULT_ROUTE_PREFIX = "api"  # the Functions host's default when host.json sets none
SCHEMA_REF = "#/components/schemas/{model}"
# How a caller presents a function key in Azure (local hosts do not check keys).
SECURITY_SCHEMES = {
    "functionKeyHeader": {"type": "apiKey", "in": "header", "name": "x-functions-key"},
    "functionKeyQuery": {"type": "apiKey", "in": "query", "name": "code"},
}
FUNCTION_KEY: list[dict[str, list[str]]] = [{name: []} for name in SECURITY_SCHEMES]
_CHECK_STATUS_RESPONSE = "create_check_status_response"


class ErrorDetail(BaseModel):
    """One field-level problem of a refused body."""

    model_config = ConfigDict(extra="forbid")
    field: str
    message: str
    type: str


class ErrorInfo(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str
    message: str
    details: list[ErrorDetail]


class ErrorResponse(BaseModel):
    """Every 4xx answer of the API: `{"error": {"code", "message", "details"}}`."""

    model_config = ConfigDict(extra="forbid")
    error: ErrorInfo


@dataclass
class RouteContract:
    """What a handler's code accepts and answers, as read from it."""

    path_kinds: dict[str, Any] = field(default_factory=dict)
    body: type[BaseModel] | None = None
    body_optional: bool = False
    query: list[str] = field(default_factory=list)
    errors: set[int] = field(default_factory=set)
    successes: set[int] = field(default_factory=set)


class _ContractReader:
    """Walks a handler's source, and that of every `api` function it calls, for the calls listed above."""

    def __init__(self) -> None:
        self.contract = RouteContract()
        self._seen: set[Callable[..., Any]] = set()

    def read(self, function: Callable[..., Any]) -> None:
        """Read one function's own code (a decorator's wrapper is read as itself, not as what it wraps)."""
        if function in self._seen:
            return
        self._seen.add(function)
        tree = ast.parse(textwrap.dedent(inspect.getsource(function.__code__)))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                self._call(node, function.__globals__)

    def _call(self, node: ast.Call, scope: dict[str, Any]) -> None:
        callee = scope.get(node.func.id) if isinstance(node.func, ast.Name) else None
        contract = self.contract
        if callee is path_value and len(node.args) >= 2:
            name = _route_param_name(node.args[1])
            if name is not None:
                contract.path_kinds[name] = _resolve(node.args[0], scope)
        elif callee is parse_body and len(node.args) >= 2:
            contract.body = _resolve(node.args[1], scope)
            contract.body_optional = any(
                k.arg == "optional" and _literal(k.value) is True for k in node.keywords
            )
        elif callee is ApiError and node.args and isinstance(status := _literal(node.args[0]), int):
            contract.errors.add(status)
        elif callee is json_response:
            contract.successes.add(_response_status(node))
        elif isinstance(node.func, ast.Attribute) and node.func.attr == _CHECK_STATUS_RESPONSE:
            contract.successes.add(http.HTTPStatus.ACCEPTED)
        query = _query_name(node)
        if query is not None and query not in contract.query:
            contract.query.append(query)
        if _is_api_function(callee):
            self.read(callee)


def _is_api_function(value: Any) -> TypeGuard[Callable[..., Any]]:
    return inspect.isfunction(value) and value.__module__.split(".")[0] == __name__.split(".")[0]


def _literal(node: ast.expr) -> Any:
    return node.value if isinstance(node, ast.Constant) else None


def _resolve(node: ast.expr, scope: dict[str, Any]) -> Any:
    return scope.get(node.id) if isinstance(node, ast.Name) else None


def _route_param_name(node: ast.expr) -> str | None:
    """`req.route_params.get("name")` -> `name`."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "get"
        and isinstance(node.func.value, ast.Attribute)
        and node.func.value.attr == "route_params"
        and node.args
        and isinstance(name := _literal(node.args[0]), str)
    ):
        return name
    return None


def _is_query(node: ast.expr) -> bool:
    """`params` or `req.params`: the request's query mapping."""
    return (isinstance(node, ast.Name) and node.id == "params") or (
        isinstance(node, ast.Attribute) and node.attr == "params"
    )


def _query_name(node: ast.Call) -> str | None:
    """`params.get("name", ...)` or `helper(params, "name")` -> `name`."""
    if isinstance(node.func, ast.Attribute) and node.func.attr == "get" and _is_query(node.func.value):
        name = _literal(node.args[0]) if node.args else None
    elif len(node.args) >= 2 and _is_query(node.args[0]):
        name = _literal(node.args[1])
    else:
        return None
    return name if isinstance(name, str) else None


def _response_status(node: ast.Call) -> int:
    given = node.args[1] if len(node.args) >= 2 else None
    given = given or next((k.value for k in node.keywords if k.arg == "status"), None)
    status = _literal(given) if given is not None else http.HTTPStatus.OK
    return int(status) if isinstance(status, int) else http.HTTPStatus.OK


def read_contract(handler: Callable[..., Any]) -> RouteContract:
    """The parameters, body and statuses a route handler's code accepts and answers: its own code and
    that of the `api` decorators around it (`api_errors` turns some failures into answers too)."""
    reader = _ContractReader()
    layer: Any = handler
    while layer is not None:
        if _is_api_function(layer):
            reader.read(layer)
        layer = getattr(layer, "__wrapped__", None)
    return reader.contract


def http_functions(blueprint: func.Blueprint) -> list[tuple[func.Function, HttpTrigger]]:
    """The blueprint's HTTP-triggered functions and their triggers (kept in the SDK's function builders)."""
    functions: list[func.Function] = [builder._function for builder in blueprint._function_builders]
    pairs = [(function, function.get_trigger()) for function in functions]
    return [(function, trigger) for function, trigger in pairs if isinstance(trigger, HttpTrigger)]


def route_prefix(host_json: Path = HOST_JSON) -> str:
    """`extensions.http.routePrefix` of host.json (the host's default when unset)."""
    try:
        settings = json.loads(host_json.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return DEFAULT_ROUTE_PREFIX
    prefix: str = settings.get("extensions", {}).get("http", {}).get("routePrefix", DEFAULT_ROUTE_PREFIX)
    return prefix.strip("/")


@functools.cache
def document(blueprint: func.Blueprint) -> dict[str, Any]:
    """The OpenAPI 3.1 document of every HTTP route the blueprint registers (built once per process)."""
    schemas: dict[str, Any] = {}
    paths: dict[str, dict[str, Any]] = {}
    for function, trigger in http_functions(blueprint):
        route = trigger.route or str(function.get_function_name())  # the host's default route
        contract = read_contract(function.get_user_function())
        operation = _operation(function, route, trigger, contract, schemas)
        methods = list(trigger.methods or func.HttpMethod)  # no methods: the route serves every one
        for method in methods:
            name = operation["operationId"] + (f"_{method.value.lower()}" if len(methods) > 1 else "")
            paths.setdefault(f"/{route}", {})[method.value.lower()] = {**operation, "operationId": name}
    prefix = route_prefix()
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": API_TITLE, "version": API_VERSION},
        "servers": [{"url": f"/{prefix}" if prefix else "/"}],
        "security": FUNCTION_KEY,
        "paths": dict(sorted(paths.items())),
        "components": {"schemas": dict(sorted(schemas.items())), "securitySchemes": SECURITY_SCHEMES},
    }


def _operation(
    function: func.Function,
    route: str,
    trigger: HttpTrigger,
    contract: RouteContract,
    schemas: dict[str, Any],
) -> dict[str, Any]:
    doc = inspect.getdoc(inspect.unwrap(function.get_user_function())) or ""
    summary, _, description = doc.partition("\n")
    operation: dict[str, Any] = {"operationId": function.get_function_name(), "summary": summary}
    if description.strip():
        operation["description"] = description.strip()
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": _path_schema(contract.path_kinds.get(name))}
        for name in _route_parameters(route)
    ]
    parameters += [
        {"name": name, "in": "query", "required": False, "schema": {"type": "string"}}
        for name in contract.query
    ]
    if parameters:
        operation["parameters"] = parameters
    if contract.body is not None:
        operation["requestBody"] = {
            "required": not contract.body_optional,
            "content": {"application/json": {"schema": _schema(contract.body, schemas)}},
        }
    responses: dict[str, Any] = {}
    for status in sorted(contract.successes or {http.HTTPStatus.OK}):
        content = {"application/json": {"schema": {"type": "object"}}}
        responses[str(status)] = {"description": http.HTTPStatus(status).phrase, "content": content}
    for status in sorted(contract.errors):
        content = {"application/json": {"schema": _schema(ErrorResponse, schemas)}}
        responses[str(status)] = {"description": http.HTTPStatus(status).phrase, "content": content}
    operation["responses"] = responses
    if trigger.auth_level == func.AuthLevel.ANONYMOUS:
        operation["security"] = []
    return operation


def _route_parameters(route: str) -> list[str]:
    """`devices/{device_id}/monitor` -> `["device_id"]` (constraints and `?` dropped)."""
    names = []
    for segment in route.split("/"):
        if segment.startswith("{") and segment.endswith("}"):
            names.append(segment[1:-1].split(":")[0].split("=")[0].rstrip("?").lstrip("*"))
    return names


def _path_schema(kind: Any) -> dict[str, Any]:
    if kind is None:
        return {"type": "string"}
    schema: dict[str, Any] = TypeAdapter(kind).json_schema()
    return schema


def _schema(model: type[BaseModel], schemas: dict[str, Any]) -> dict[str, Any]:
    """Register the model (and the models it nests) under components; returns a reference to it."""
    schema = model.model_json_schema(ref_template=SCHEMA_REF)
    schemas.update(schema.pop("$defs", {}))
    schemas[model.__name__] = schema
    return {"$ref": SCHEMA_REF.format(model=model.__name__)}
