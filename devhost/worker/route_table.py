"""The HTTP route table: templates in ASP.NET Core precedence order, filtered by method."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from devhost.worker.route_templates import RouteTemplate

T = TypeVar("T")


@dataclass(frozen=True)
class Route(Generic[T]):
    """A template, the methods it serves (None = all), and what it routes to."""

    template: RouteTemplate
    methods: frozenset[str] | None
    target: T

    def allows(self, method: str) -> bool:
        """Whether the route serves `method`."""
        return self.methods is None or method.upper() in self.methods


@dataclass
class RouteTable(Generic[T]):
    """Routes in precedence order; the first whose template and method match wins."""

    routes: list[Route[T]] = field(default_factory=list)

    def add(self, template: RouteTemplate, methods: Iterable[str] | None, target: T) -> None:
        """Insert a route, keeping precedence order (stable for equal precedence)."""
        route = Route(template, None if methods is None else frozenset(m.upper() for m in methods), target)
        self.routes.append(route)
        self.routes.sort(key=lambda item: item.template.precedence)

    def match(self, method: str, path: str) -> tuple[T, dict[str, str]] | None:
        """The target and route values for a request, or None (the host answers 404)."""
        for route in self.routes:
            if not route.allows(method):
                continue
            values = route.template.match(path)
            if values is not None:
                return route.target, values
        return None
