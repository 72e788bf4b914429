"""What a loaded app offers: one record per function, grouped by kind in a `FunctionRegistry`.

Durable names are the ones the extension registers (see `registry.py`); lookups by Durable name are
case-insensitive, and entity names are lower-cased like entity ids.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from devhost.timers import TimerSchedule
from devhost.worker.route_table import RouteTable


@dataclass(frozen=True)
class DurableClientInput:
    """A `durable_client_input` binding: the parameter and its optional task hub / connection."""

    param: str
    task_hub: str | None
    connection_name: str | None


@dataclass(frozen=True)
class FunctionSpec:
    """One loaded function as the worker sees it."""

    name: str
    trigger_type: str
    trigger_param: str
    bindings: tuple[Mapping[str, Any], ...]
    user_function: Callable[..., Any]
    requires_context: bool
    is_async: bool
    durable_client: DurableClientInput | None


@dataclass(frozen=True)
class OrchestratorSpec:
    """An orchestrator; the runtime drives `handle(context_json) -> state_json` itself."""

    function: FunctionSpec
    durable_name: str

    @property
    def handle(self) -> Callable[[Any], str]:
        """The SDK-generated handle (sync, no I/O)."""
        return self.function.user_function


@dataclass(frozen=True)
class ActivitySpec:
    """An activity; its input arrives in the `function.trigger_param` parameter."""

    function: FunctionSpec
    durable_name: str


@dataclass(frozen=True)
class EntitySpec:
    """An entity; `durable_name` is lower-cased like entity ids."""

    function: FunctionSpec
    durable_name: str


@dataclass(frozen=True)
class HttpFunctionSpec:
    """An HTTP trigger: the declared route (without prefix), methods (None = all) and auth level."""

    function: FunctionSpec
    route: str
    methods: tuple[str, ...] | None
    auth_level: str


@dataclass(frozen=True)
class TimerSpec:
    """A timer trigger with its resolved schedule."""

    function: FunctionSpec
    schedule_expression: str
    schedule: TimerSchedule
    run_on_startup: bool
    use_monitor: bool | None


@dataclass(frozen=True)
class UnsupportedFunction:
    """A function the devhost does not serve, and why."""

    name: str
    trigger_type: str
    reason: str


@dataclass(frozen=True)
class FunctionRegistry:
    """Everything a loaded app offers, by kind; `functions` lists the supported ones in load order."""

    functions: tuple[FunctionSpec, ...]
    orchestrators: Mapping[str, OrchestratorSpec]
    activities: Mapping[str, ActivitySpec]
    entities: Mapping[str, EntitySpec]
    http_functions: tuple[HttpFunctionSpec, ...]
    timers: tuple[TimerSpec, ...]
    unsupported: tuple[UnsupportedFunction, ...]
    routes: RouteTable[HttpFunctionSpec]

    def orchestrator(self, name: str) -> OrchestratorSpec | None:
        """Case-insensitive lookup by registered Durable name."""
        return self.orchestrators.get(name.casefold())

    def activity(self, name: str) -> ActivitySpec | None:
        """Case-insensitive lookup by registered Durable name."""
        return self.activities.get(name.casefold())

    def entity(self, name: str) -> EntitySpec | None:
        """Case-insensitive lookup by entity name."""
        return self.entities.get(name.casefold())
