"""Building the registry of a loaded app's functions, keyed as the Functions host and Durable extension do.

Durable names follow the extension's binding providers: the trigger's `orchestration` / `activity` /
`entityName` property if set, else the function name; lookups are case-insensitive and entity names
are lower-cased. HTTP triggers become a route table under the host's route prefix; timer triggers
carry their parsed schedule. Functions whose trigger or extra bindings the devhost cannot serve are
listed in `unsupported` (logged as warnings), never a crash.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import azure.functions as func

from devhost.timers import CronExpressionError, parse_timer_schedule
from devhost.worker.errors import AppConfigError, FunctionLoadError
from devhost.worker.route_table import RouteTable
from devhost.worker.route_templates import RouteTemplateError, parse_route_template
from devhost.worker.settings import resolve_setting_references
from devhost.worker.signature import RETURN_BINDING, validate_signature
from devhost.worker.specs import (
    ActivitySpec,
    DurableClientInput,
    EntitySpec,
    FunctionRegistry,
    FunctionSpec,
    HttpFunctionSpec,
    OrchestratorSpec,
    TimerSpec,
    UnsupportedFunction,
)

logger = logging.getLogger(__name__)

ORCHESTRATION_TRIGGER = "orchestrationTrigger"
ACTIVITY_TRIGGER = "activityTrigger"
ENTITY_TRIGGER = "entityTrigger"
HTTP_TRIGGER = "httpTrigger"
TIMER_TRIGGER = "timerTrigger"
DURABLE_CLIENT = "durableClient"
HTTP_OUTPUT = "http"
RESERVED_ROUTE_PREFIXES = ("admin", "runtime")


def build_registry(
    functions: Sequence[func.Function], *, route_prefix: str, environ: Mapping[str, str]
) -> FunctionRegistry:
    """Validate every function like the worker and index it; raise FunctionLoadError for a bad app."""
    builder = _RegistryBuilder(route_prefix, environ)
    for function in functions:
        builder.add(function)
    return builder.build()


class _RegistryBuilder:
    def __init__(self, route_prefix: str, environ: Mapping[str, str]) -> None:
        self._route_prefix = route_prefix
        self._environ = environ
        self._functions: list[FunctionSpec] = []
        self._orchestrators: dict[str, OrchestratorSpec] = {}
        self._activities: dict[str, ActivitySpec] = {}
        self._entities: dict[str, EntitySpec] = {}
        self._http: list[HttpFunctionSpec] = []
        self._timers: list[TimerSpec] = []
        self._unsupported: list[UnsupportedFunction] = []
        self._routes: RouteTable[HttpFunctionSpec] = RouteTable()

    def add(self, function: func.Function) -> None:
        name = str(function.get_function_name())
        bindings = tuple(json.loads(function.get_function_json())["bindings"])
        trigger = function.get_trigger()  # get_functions() guarantees exactly one trigger
        trigger_binding = next(b for b in bindings if trigger is not None and b["name"] == trigger.name)
        trigger_type = trigger_binding["type"]
        signature = validate_signature(name, function.get_user_function(), bindings)
        spec = FunctionSpec(
            name=name,
            trigger_type=trigger_type,
            trigger_param=trigger_binding["name"],
            bindings=bindings,
            user_function=function.get_user_function(),
            requires_context=signature.requires_context,
            is_async=signature.is_async,
            durable_client=self._durable_client(bindings),
        )
        problem = self._unsupported_reason(spec)
        if problem is not None:
            logger.warning("Function '%s' (%s) is not supported by devhost: %s", name, trigger_type, problem)
            self._unsupported.append(UnsupportedFunction(name, trigger_type, problem))
            return
        self._add_by_kind(spec, trigger_binding)
        self._functions.append(spec)

    def build(self) -> FunctionRegistry:
        return FunctionRegistry(
            functions=tuple(self._functions),
            orchestrators=self._orchestrators,
            activities=self._activities,
            entities=self._entities,
            http_functions=tuple(self._http),
            timers=tuple(self._timers),
            unsupported=tuple(self._unsupported),
            routes=self._routes,
        )

    def _add_by_kind(self, spec: FunctionSpec, trigger: Mapping[str, Any]) -> None:
        if spec.trigger_type == ORCHESTRATION_TRIGGER:
            durable_name = trigger.get("orchestration") or spec.name
            _register(self._orchestrators, durable_name, OrchestratorSpec(spec, durable_name), "orchestrator")
        elif spec.trigger_type == ACTIVITY_TRIGGER:
            durable_name = trigger.get("activity") or spec.name
            _register(self._activities, durable_name, ActivitySpec(spec, durable_name), "activity")
        elif spec.trigger_type == ENTITY_TRIGGER:
            durable_name = (trigger.get("entityName") or spec.name).lower()
            _register(self._entities, durable_name, EntitySpec(spec, durable_name), "entity")
        elif spec.trigger_type == HTTP_TRIGGER:
            self._add_http(spec, trigger)
        else:
            self._add_timer(spec, trigger)

    def _add_http(self, spec: FunctionSpec, trigger: Mapping[str, Any]) -> None:
        route = trigger.get("route") or spec.name
        methods = tuple(m.upper() for m in trigger["methods"]) if trigger.get("methods") else None
        http = HttpFunctionSpec(spec, route, methods, str(trigger.get("authLevel", "FUNCTION")))
        if route.strip("/").lower().startswith(RESERVED_ROUTE_PREFIXES):
            raise _route_error(spec.name, "The specified route conflicts with one or more built in routes.")
        for other in self._http:
            if _routes_conflict(http, other):
                raise _route_error(
                    spec.name,
                    "The route specified conflicts with the route defined by function "
                    f"'{other.function.name}'.",
                )
        full_route = f"{self._route_prefix}/{route.strip('/')}" if self._route_prefix else route
        try:
            template = parse_route_template(full_route)
        except RouteTemplateError as exc:
            raise _route_error(spec.name, str(exc)) from exc
        self._routes.add(template, methods, http)
        self._http.append(http)

    def _add_timer(self, spec: FunctionSpec, trigger: Mapping[str, Any]) -> None:
        try:
            expression = resolve_setting_references(str(trigger["schedule"]), self._environ)
            schedule = parse_timer_schedule(expression)
        except (AppConfigError, CronExpressionError) as exc:
            raise FunctionLoadError(
                f"The '{spec.name}' function is in error: {exc}", code="worker.function_load.schedule"
            ) from exc
        use_monitor = trigger.get("useMonitor")
        self._timers.append(
            TimerSpec(spec, expression, schedule, bool(trigger.get("runOnStartup", False)), use_monitor)
        )

    def _durable_client(self, bindings: Iterable[Mapping[str, Any]]) -> DurableClientInput | None:
        binding = next((b for b in bindings if b["type"] == DURABLE_CLIENT), None)
        if binding is None:
            return None
        task_hub = binding.get("taskHub")
        try:
            resolved_hub = resolve_setting_references(task_hub, self._environ) if task_hub else None
        except AppConfigError as exc:
            raise FunctionLoadError(str(exc), code="worker.function_load.task_hub") from exc
        return DurableClientInput(binding["name"], resolved_hub, binding.get("connectionName"))

    def _unsupported_reason(self, spec: FunctionSpec) -> str | None:
        if spec.trigger_type not in _SUPPORTED_TRIGGERS:
            return f"the '{spec.trigger_type}' trigger is not implemented"
        extra = [
            b
            for b in spec.bindings
            if b["name"] != spec.trigger_param
            and b["type"] != DURABLE_CLIENT
            and not (b["type"] == HTTP_OUTPUT and b["name"] == RETURN_BINDING)
        ]
        if extra:
            described = ", ".join(f"{b['type']} '{b['name']}'" for b in extra)
            return f"only the trigger, $return and durableClient bindings are implemented, not {described}"
        return None


_SUPPORTED_TRIGGERS = frozenset(
    {ORCHESTRATION_TRIGGER, ACTIVITY_TRIGGER, ENTITY_TRIGGER, HTTP_TRIGGER, TIMER_TRIGGER}
)


def _register(index: dict[str, Any], durable_name: str, spec: Any, kind: str) -> None:
    key = durable_name.casefold()
    if key in index:
        raise FunctionLoadError(
            f"Two functions register the {kind} name '{durable_name}': '{index[key].function.name}' and "
            f"'{spec.function.name}'. Durable function names are case-insensitive and must be unique.",
            code="worker.function_load.duplicate_durable_name",
        )
    index[key] = spec


def _routes_conflict(first: HttpFunctionSpec, second: HttpFunctionSpec) -> bool:
    """The host's rule: same route (ignoring case and outer slashes) and overlapping methods."""
    if first.route.strip("/").casefold() != second.route.strip("/").casefold():
        return False
    if first.methods is None or second.methods is None:
        return True
    return bool(set(first.methods) & set(second.methods))


def _route_error(function_name: str, message: str) -> FunctionLoadError:
    return FunctionLoadError(
        f"The '{function_name}' function is in error: {message}", code="worker.function_load.route"
    )
