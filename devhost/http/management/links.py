"""The 202 check-status response that start and restart answer with (`CreateCheckStatusResponse`).

URLs are built like `HttpApiHandler.GetClientResponseLinks`: the request's scheme and authority, the
public webhook path (also for requests that came in on the local RPC port), the instance id
URL-encoded the way .NET's `WebUtility.UrlEncode` does it, and the query suffix
`taskHub=<hub>&connection=<connection>` (the request's own `taskHub` / `connection` values when it
names them). The payload has no `rewindPostUri`; the response carries `Location` and `Retry-After: 10`.
"""

from __future__ import annotations

import string

from aiohttp import web

from devhost.http.errors import json_response
from devhost.http.management.context import ApiContext
from devhost.http.management.query import QueryValues
from devhost.worker import WEBHOOK_PATH

CHECK_STATUS_RETRY_AFTER_SECONDS = 10
_URL_SAFE = frozenset((string.ascii_letters + string.digits + "-_.!*()").encode("ascii"))


def dotnet_url_encode(text: str) -> str:
    """`WebUtility.UrlEncode`: UTF-8 bytes as upper-case %XX but letters, digits, -_.!*() kept, space as +."""
    encoded: list[str] = []
    for byte in text.encode("utf-8"):
        if byte in _URL_SAFE:
            encoded.append(chr(byte))
        elif byte == ord(" "):
            encoded.append("+")
        else:
            encoded.append(f"%{byte:02X}")
    return "".join(encoded)


def check_status_links(context: ApiContext, request: web.Request, instance_id: str) -> dict[str, str]:
    """The check-status payload for `instance_id`, keys in the host's order."""
    query = QueryValues(request.query)
    hub = _named(query, "taskHub") or context.hub_name
    connection = _named(query, "connection") or context.connection_name
    instance = (
        f"{request.scheme}://{request.host.lower()}{WEBHOOK_PATH}/instances/{dotnet_url_encode(instance_id)}"
    )
    suffix = f"taskHub={dotnet_url_encode(hub)}&connection={dotnet_url_encode(connection)}"
    return {
        "id": instance_id,
        "statusQueryGetUri": f"{instance}?{suffix}",
        "sendEventPostUri": f"{instance}/raiseEvent/{{eventName}}?{suffix}",
        "terminatePostUri": f"{instance}/terminate?reason={{text}}&{suffix}",
        "purgeHistoryDeleteUri": f"{instance}?{suffix}",
        "restartPostUri": f"{instance}/restart?{suffix}",
        "suspendPostUri": f"{instance}/suspend?reason={{text}}&{suffix}",
        "resumePostUri": f"{instance}/resume?reason={{text}}&{suffix}",
    }


def check_status_response(context: ApiContext, request: web.Request, instance_id: str) -> web.Response:
    """202 with the check-status payload, `Location` = its status URL, `Retry-After: 10`."""
    links = check_status_links(context, request, instance_id)
    response = json_response(links, status=202)
    response.headers["Location"] = links["statusQueryGetUri"]
    response.headers["Retry-After"] = str(CHECK_STATUS_RETRY_AFTER_SECONDS)
    return response


def _named(query: QueryValues, name: str) -> str | None:
    value = query.get(name)
    return value if value is not None and value.strip() else None
