"""Route matching of the management API, as `HttpApiHandler.HandleRequestAsync` does it.

The base path is cut off the raw request path, the rest is URL-decoded with `WebUtility.UrlDecode`
rules (so `+` reads as a space and `%2F` splits segments), trimmed of `/` and matched against the
host's templates in the host's order; literal segments match case-insensitively. Anything unmatched,
or a matched route with another method, answers 404 with an empty body. This is also the one place
where exceptions become responses (`devhost.http.errors.error_response`).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from functools import partial
from urllib.parse import unquote_plus

from aiohttp import web

from devhost.errors import BadRequestError
from devhost.http.errors import error_response, http_error
from devhost.http.management.context import ApiContext
from devhost.http.management.entities import list_entities, read_entity, signal_entity
from devhost.http.management.instances import (
    LIFECYCLE_OPERATIONS,
    change_lifecycle,
    get_status,
    list_instances,
    purge_instance,
    purge_instances,
    raise_event,
)
from devhost.http.management.start import restart_instance, start_orchestration
from devhost.runtime.operations import Operations

logger = logging.getLogger(__name__)

Handler = Callable[[], Awaitable[web.Response]]
"""A matched route, bound to its request and route values."""


def add_management_routes(
    app: web.Application, operations: Operations, *, base_path: str, hub_name: str, connection_name: str
) -> None:
    """Serve the Durable management API under `base_path` (e.g. "/runtime/webhooks/durabletask").

    `hub_name` / `connection_name` are what management links name when a request names none. Register
    these routes before `add_function_routes` (its catch-all would shadow them). Request bodies are
    limited by the application's `client_max_size`.
    """
    base = "/" + base_path.strip("/")
    routes = _ManagementRoutes(ApiContext(operations, hub_name, connection_name), base)
    app.router.add_route("*", base, routes.handle)
    app.router.add_route("*", base + r"/{tail:[\s\S]*}", routes.handle)  # any character, newlines too


class _ManagementRoutes:
    def __init__(self, context: ApiContext, base: str) -> None:
        self._context = context
        self._base = base

    async def handle(self, request: web.Request) -> web.StreamResponse:
        path = unquote_plus(request.rel_url.raw_path[len(self._base) :]).strip("/")
        logger.debug("management %s /%s", request.method, path)
        segments = path.split("/")
        routes = {} if "" in segments else self._match(request, segments)
        handler = routes.get(request.method)
        if handler is None:
            return web.Response(status=404)
        try:
            return await handler()
        except web.HTTPException:
            raise
        except Exception as exc:  # the host answers every failure (HandleRequestAsync's catch blocks)
            return error_response(exc)

    def _match(self, request: web.Request, segments: list[str]) -> dict[str, Handler]:
        """The handlers by method of the first template the (non-empty) segments match; none: 404."""
        context, head, count = self._context, segments[0].lower(), len(segments)
        if head == "orchestrators" and count in (2, 3):
            instance_id = segments[2] if count == 3 else ""
            return {"POST": partial(start_orchestration, context, request, segments[1], instance_id)}
        if head == "entities" and count <= 3:
            return self._entity_routes(request, segments)
        if head == "instances" and count <= 3:
            return self._instance_routes(request, segments)
        if head == "instances" and count == 4 and segments[2].lower() == "raiseevent":
            return {"POST": partial(raise_event, context, request, segments[1], segments[3])}
        if head == "makeprimary" and count == 1:  # app lease: a lone devhost is always primary
            return {request.method: partial(_answer, 200)}
        return {}

    def _entity_routes(self, request: web.Request, segments: list[str]) -> dict[str, Handler]:
        name = segments[1] if len(segments) > 1 else None
        key = segments[2] if len(segments) > 2 else ""
        if key:
            read = partial(read_entity, self._context, name or "", key)
        else:
            read = partial(list_entities, self._context, request, name)
        signal = partial(
            _message_on_argument_error, partial(signal_entity, self._context, request, name, key)
        )
        return {"GET": partial(_message_on_argument_error, read), "POST": signal, "DELETE": signal}

    def _instance_routes(self, request: web.Request, segments: list[str]) -> dict[str, Handler]:
        context = self._context
        if len(segments) == 1:
            return {
                "GET": partial(list_instances, context, request),
                "DELETE": partial(purge_instances, context, request),
            }
        instance_id = segments[1]
        if len(segments) == 2:
            return {
                "GET": partial(get_status, context, request, instance_id),
                "DELETE": partial(purge_instance, context, instance_id),
            }
        operation = segments[2].lower()
        if operation == "restart":
            return {"POST": partial(restart_instance, context, request, instance_id)}
        if operation in LIFECYCLE_OPERATIONS:
            return {"POST": partial(change_lifecycle, context, request, instance_id, operation)}
        return {}


async def _message_on_argument_error(handler: Handler) -> web.Response:
    """The entity routes answer argument errors with `{"Message": ...}` only (no exception details)."""
    try:
        return await handler()
    except BadRequestError as exc:
        return http_error(400, exc.message)


async def _answer(status: int) -> web.Response:
    return web.Response(status=status)
