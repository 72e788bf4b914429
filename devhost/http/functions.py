"""The app's HTTP triggers under `/<routePrefix>/<route>`, and the host's own ping/status/home routes.

Mirrors the Functions host: no route (or a route that does not list the method) answers 404 with an
empty body; a function that raises, or returns something the worker cannot encode (None, a dict),
answers 500 with an empty body; a body over the host's 100 MB limit answers 413. Locally the host
does not check keys, so every auth level is accepted and `code` / `x-functions-key` pass through to
the function untouched.

`add_function_routes` registers a catch-all route: call it after every other route of the app.
"""

from __future__ import annotations

import logging
import time

import azure.functions as func
from aiohttp import web
from azure.functions.http import HttpRequest as WorkerHttpRequest
from multidict import CIMultiDict, MultiMapping

from devhost.worker import FunctionFailed, FunctionRegistry, HttpFunctionSpec, Invoker

logger = logging.getLogger(__name__)

MAX_REQUEST_BODY_BYTES = 104_857_600
BODY_CHUNK_BYTES = 65_536
HOST_STATE_RUNNING = "Running"
NO_STORE = "no-store, no-cache"
# Set by aiohttp from the body we pass; a function's own values would contradict it.
_FRAMING_HEADERS = frozenset({"content-length", "transfer-encoding", "connection"})
_HOMEPAGE = (
    "<!DOCTYPE html><html><head><title>Your Functions app is up and running</title></head>"
    "<body><h1>Your Functions 4.0 app is up and running</h1>"
    "<p>Served by devhost, a local Durable Functions host.</p></body></html>"
)


class FunctionsHttpHandler:
    """Routes requests to the app's HTTP functions.

    Args:
        registry: the loaded app's functions (its route table already carries the route prefix).
        invoker: runs the functions.
        max_body_bytes: request body limit (the host's default is 100 MB).
        host_id: reported by `/admin/host/status`.
    """

    def __init__(
        self,
        registry: FunctionRegistry,
        invoker: Invoker,
        *,
        max_body_bytes: int = MAX_REQUEST_BODY_BYTES,
        host_id: str = "devhost",
    ) -> None:
        self._registry = registry
        self._invoker = invoker
        self._max_body_bytes = max_body_bytes
        self._host_id = host_id
        self._started = time.monotonic()

    async def dispatch(self, request: web.Request) -> web.StreamResponse:
        """Serve a request for a function route, the home page, or 404."""
        found = self._registry.routes.match(request.method, request.rel_url.raw_path)
        if found is None:
            if request.method in ("GET", "HEAD") and request.rel_url.raw_path == "/":
                return web.Response(text=_HOMEPAGE, content_type="text/html")
            return web.Response(status=404)
        spec, route_values = found
        body = await _read_body(request, self._max_body_bytes)
        if body is None:
            logger.warning(
                "%s %s: request body over %d bytes, answering 413",
                request.method,
                request.path,
                self._max_body_bytes,
            )
            return web.Response(status=413)
        outcome = await self._invoker.call_http(spec, _function_request(request, route_values, body))
        if isinstance(outcome, FunctionFailed):
            return web.Response(status=500)
        headers: CIMultiDict[str] = CIMultiDict(
            (name, value) for name, value in outcome.headers if name.lower() not in _FRAMING_HEADERS
        )
        return web.Response(status=outcome.status, body=outcome.body, headers=headers)

    async def ping(self, request: web.Request) -> web.Response:
        """`/admin/host/ping`: 200 with no body once the host runs (readiness probe)."""
        return web.Response(headers={"Cache-Control": NO_STORE})

    async def host_status(self, request: web.Request) -> web.Response:
        """`/admin/host/status`: the host's state (admin keys are not checked locally)."""
        status = {
            "id": self._host_id,
            "state": HOST_STATE_RUNNING,
            "version": "devhost",
            "processUptime": int((time.monotonic() - self._started) * 1000),
        }
        return web.json_response(status, headers={"Cache-Control": NO_STORE})


def add_function_routes(app: web.Application, handler: FunctionsHttpHandler) -> None:
    """Register ping, status and the catch-all function route; must come after all other routes."""
    app.router.add_route("GET", "/admin/host/ping", handler.ping)
    app.router.add_route("POST", "/admin/host/ping", handler.ping)
    app.router.add_route("GET", "/admin/host/status", handler.host_status)
    app.router.add_route("*", r"/{path:[\s\S]*}", handler.dispatch)


def describe_functions(registry: FunctionRegistry, origin: str, route_prefix: str) -> dict[str, str]:
    """What `func start` prints per function: `[GET,POST] http://localhost:7071/api/route` for HTTP
    triggers (no brackets when all methods are allowed), the trigger type otherwise."""
    http_by_name = {spec.function.name: spec for spec in registry.http_functions}
    lines: dict[str, str] = {}
    for function in registry.functions:
        http = http_by_name.get(function.name)
        lines[function.name] = (
            function.trigger_type if http is None else _http_line(http, origin, route_prefix)
        )
    for unsupported in registry.unsupported:
        lines[unsupported.name] = f"{unsupported.trigger_type} (not supported: {unsupported.reason})"
    return lines


def _http_line(spec: HttpFunctionSpec, origin: str, route_prefix: str) -> str:
    prefix = f"{route_prefix}/" if route_prefix else ""
    url = f"{origin.rstrip('/')}/{prefix}{spec.route.lstrip('/')}"
    return f"[{','.join(spec.methods)}] {url}" if spec.methods else url


async def _read_body(request: web.Request, limit: int) -> bytes | None:
    """The whole body, or None when it exceeds `limit` bytes."""
    if request.content_length is not None and request.content_length > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_chunked(BODY_CHUNK_BYTES):
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _function_request(request: web.Request, route_values: dict[str, str], body: bytes) -> func.HttpRequest:
    """The request object the worker's HTTP converter builds (raw body bytes, as the host sends them)."""
    return WorkerHttpRequest(
        method=request.method,
        url=str(request.url),
        headers=_joined(request.headers),
        params=_joined(request.query),
        route_params=route_values,
        body_type="bytes",
        body=body,
    )


def _joined(values: MultiMapping[str]) -> dict[str, str]:
    """Repeated headers or query keys become one comma-separated value, as the host passes them."""
    grouped: dict[str, list[str]] = {}
    for name, value in values.items():
        grouped.setdefault(name, []).append(value)
    return {name: ",".join(items) for name, items in grouped.items()}
