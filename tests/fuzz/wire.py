"""Raw HTTP for the fuzzer: requests sent byte for byte (paths are not normalised or re-encoded, any
content type, any body), the routes the document declares, and the checks every answer must pass.
"""

from __future__ import annotations

import http.client
import json
import re
import urllib.parse
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from api.openapi import ErrorResponse

TIMEOUT_S = 30.0
HOST_NO_ROUTE = (404, b"")  # the Functions host's answer when no route serves the path and method


@dataclass(frozen=True)
class RawRequest:
    """One generated request. `target` is the path and query after the route prefix, as sent."""

    operation: str  # the operationId it was generated for
    kind: str  # what was done to it ("hostile path", "broken body", ...)
    method: str
    target: str
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    must_reject: bool = False  # a 4xx is the only acceptable answer

    def describe(self) -> str:
        body = self.body if len(self.body) <= 300 else self.body[:300] + b"...(%d bytes)" % len(self.body)
        return f"[{self.kind}] {self.method} {self.target} headers={dict(self.headers)} body={body!r}"


@dataclass(frozen=True)
class RawResponse:
    status: int
    content_type: str
    body: bytes


@dataclass(frozen=True)
class RawClient:
    """Sends `RawRequest`s to `base_url` + `/<prefix>/`, several at a time."""

    base_url: str
    prefix: str
    pool: ThreadPoolExecutor

    def send(self, request: RawRequest) -> RawResponse:
        url = urllib.parse.urlsplit(self.base_url)
        connection = http.client.HTTPConnection(url.hostname or "localhost", url.port, timeout=TIMEOUT_S)
        try:
            connection.request(
                request.method,
                f"/{self.prefix}/{request.target}",
                body=request.body if request.body or request.method != "GET" else None,
                headers=dict(request.headers),
            )
            response = connection.getresponse()
            return RawResponse(response.status, response.getheader("content-type", ""), response.read())
        finally:
            connection.close()

    def send_all(self, requests: Iterable[RawRequest]) -> list[RawResponse]:
        return list(self.pool.map(self.send, requests))


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    operation: dict[str, Any]


class RouteMap:
    """Which documented operation a raw request reaches, with the host's matching rules: the path ends at
    the first `?` or `#`, literal segments match case-insensitively, a parameter takes one non-empty
    segment (an encoded `%2F` does not split it), a trailing slash is ignored."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.routes = [
            Route(method.upper(), _template_pattern(path), operation)
            for path, operations in document["paths"].items()
            for method, operation in operations.items()
        ]

    def match(self, method: str, target: str) -> dict[str, Any] | None:
        path = re.split(r"[?#]", target, maxsplit=1)[0]
        for route in self.routes:
            if route.method == method and route.pattern.fullmatch(path):
                return route.operation
        return None


def _template_pattern(path: str) -> re.Pattern[str]:
    parts = [
        "[^/]+" if segment.startswith("{") else re.escape(segment) for segment in path.strip("/").split("/")
    ]
    return re.compile("/".join(parts) + "/?", re.IGNORECASE)


def problems(request: RawRequest, response: RawResponse, routes: RouteMap) -> list[str]:
    """Every rule the answer breaks: no 5xx; the app's 4xx are `{"error": {...}}` JSON with a documented
    status; a path no route serves gets the host's empty 404; a request that must be refused is."""
    found = []
    if response.status >= 500:
        found.append(f"answered {response.status}")
    operation = routes.match(request.method, request.target)
    if operation is None:
        if (response.status, response.body) != HOST_NO_ROUTE:
            found.append(f"no documented route serves it, yet the answer was {response.status}")
    else:
        if str(response.status) not in operation["responses"]:
            found.append(f"status {response.status} is not documented for {operation['operationId']}")
        if response.status >= 400:
            found.extend(_error_shape(response))
        elif not response.content_type.startswith("application/json"):
            found.append(f"a {response.status} without JSON ({response.content_type!r})")
    if request.must_reject and response.status < 400:
        found.append(f"accepted ({response.status}) a request that must be refused")
    return [f"{problem}: {request.describe()} -> {response.body[:300]!r}" for problem in found]


def _error_shape(response: RawResponse) -> list[str]:
    if not response.content_type.startswith("application/json"):
        return [f"a {response.status} without JSON ({response.content_type!r})"]
    try:
        ErrorResponse.model_validate(json.loads(response.body))
    except (ValueError, ValidationError) as error:
        return [f"a {response.status} whose body is not the error shape ({error})"]
    return []
