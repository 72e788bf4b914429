"""Loading and invoking a Python v2-model Functions app like the Python worker does.

Layer: uses only the Functions SDKs and `devhost.timers`; knows nothing of storage, aiohttp or the
Durable runtime. `load_app_settings` -> `load_app` -> `FunctionRegistry`; `Invoker` runs functions;
`ClientBindingFactory` builds the `durableClient` binding JSON.
"""

from devhost.worker.binding import INSTANCE_ID_PLACEHOLDER, WEBHOOK_PATH, ClientBindingFactory
from devhost.worker.errors import AppConfigError, FunctionLoadError, WorkerError
from devhost.worker.invoke import (
    ActivityCompleted,
    EntityCompleted,
    FunctionFailed,
    FunctionTimedOut,
    HttpCompleted,
    Invoker,
)
from devhost.worker.loader import LoadedApp, load_app
from devhost.worker.route_table import RouteTable
from devhost.worker.route_templates import RouteTemplate, RouteTemplateError, parse_route_template
from devhost.worker.settings import (
    AppSettings,
    load_app_settings,
    resolve_connection,
    resolve_setting_references,
)
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

__all__ = [
    "INSTANCE_ID_PLACEHOLDER",
    "WEBHOOK_PATH",
    "ActivityCompleted",
    "ActivitySpec",
    "AppConfigError",
    "AppSettings",
    "ClientBindingFactory",
    "DurableClientInput",
    "EntityCompleted",
    "EntitySpec",
    "FunctionFailed",
    "FunctionLoadError",
    "FunctionRegistry",
    "FunctionSpec",
    "FunctionTimedOut",
    "HttpCompleted",
    "HttpFunctionSpec",
    "Invoker",
    "LoadedApp",
    "OrchestratorSpec",
    "RouteTable",
    "RouteTemplate",
    "RouteTemplateError",
    "TimerSpec",
    "UnsupportedFunction",
    "WorkerError",
    "load_app",
    "load_app_settings",
    "parse_route_template",
    "resolve_connection",
    "resolve_setting_references",
]
