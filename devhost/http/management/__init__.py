"""The Durable extension's HTTP management API (`/runtime/webhooks/durabletask` and the SDK's RPC base).

`add_management_routes(app, operations, base_path=..., hub_name=..., connection_name=...)` serves the
routes of durable-protocol.md §6 on top of any `devhost.runtime.operations.Operations`, with the real
host's status codes, headers and JSON bodies. Modules: `routes` (matching, error boundary), `start`
(start, restart, wait for completion), `instances` (status, query, events, lifecycle, purge),
`entities`, `links` (check-status payload), `query` (.NET-style query parsing), `bodies` (request
JSON as Newtonsoft reads it).
"""

from devhost.http.management.routes import add_management_routes

__all__ = ["add_management_routes"]
