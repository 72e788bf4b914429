"""The `durableClient` binding value: the JSON string the host passes to a client function.

Same shape, key order and nulls as the Durable extension's `BindingHelper.DurableOrchestrationClientToString`
(out-of-proc JSON protocol; durable-protocol.md §1.6): `managementUrls` carry the literal `INSTANCEID`
placeholder that the SDK replaces, creation URLs end in `?` / `&` when there is no universal query
string, and `rpcBaseUrl` (where the SDK sends every client call) ends with `/`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import quote_plus

from devhost.worker.settings import DEFAULT_CONNECTION_NAME

INSTANCE_ID_PLACEHOLDER = "INSTANCEID"
WEBHOOK_PATH = "/runtime/webhooks/durabletask"
_URL_ENCODE_SAFE = "-_.!*()"  # what .NET WebUtility.UrlEncode leaves alone


@dataclass(frozen=True)
class ClientBindingFactory:
    """Builds the binding JSON for one devhost.

    Attributes:
        public_origin: scheme://host:port the app is reached at, e.g. "http://localhost:7071".
        rpc_base_url: base URL of the management API the SDK calls, e.g. "http://127.0.0.1:17071/durabletask/".
        hub_name: the app's task hub (host.json), used when the binding names none.
        connection_name: the app's storage connection name, used when the binding names none.
        webhook_query: universal query string of the webhook URLs, without '?' ("" locally,
            "code=<system key>" in Azure).
    """

    public_origin: str
    rpc_base_url: str
    hub_name: str
    connection_name: str = DEFAULT_CONNECTION_NAME
    webhook_query: str = ""

    def build(self, task_hub: str | None = None, connection_name: str | None = None) -> str:
        """The binding JSON for a `durable_client_input(task_hub=..., connection_name=...)` parameter."""
        hub = task_hub or self.hub_name
        base_url = self.public_origin.rstrip("/") + WEBHOOK_PATH
        payload = {
            "taskHubName": hub,
            "connectionName": None,
            "creationUrls": self._creation_urls(base_url),
            "managementUrls": self._management_urls(base_url, hub, connection_name or self.connection_name),
            "baseUrl": base_url,
            "requiredQueryStringParameters": self.webhook_query,
            "rpcBaseUrl": self.rpc_base_url if self.rpc_base_url.endswith("/") else self.rpc_base_url + "/",
            "httpBaseUrl": None,
        }
        return json.dumps(payload)

    def _creation_urls(self, base_url: str) -> dict[str, str]:
        prefix = f"{base_url}/orchestrators/{{functionName}}[/{{instanceId}}]"
        return {
            "createNewInstancePostUri": f"{prefix}?{self.webhook_query}",
            "createAndWaitOnNewInstancePostUri": (
                f"{prefix}?timeout={{timeoutInSeconds}}&pollingInterval={{intervalInSeconds}}&{self.webhook_query}"
            ),
        }

    def _management_urls(self, base_url: str, hub: str, connection: str) -> dict[str, str]:
        instance = f"{base_url}/instances/{INSTANCE_ID_PLACEHOLDER}"
        query = f"taskHub={_url_encode(hub)}&connection={_url_encode(connection)}"
        if self.webhook_query:
            query += "&" + self.webhook_query
        return {
            "id": INSTANCE_ID_PLACEHOLDER,
            "statusQueryGetUri": f"{instance}?{query}",
            "sendEventPostUri": f"{instance}/raiseEvent/{{eventName}}?{query}",
            "terminatePostUri": f"{instance}/terminate?reason={{text}}&{query}",
            "rewindPostUri": f"{instance}/rewind?reason={{text}}&{query}",
            "purgeHistoryDeleteUri": f"{instance}?{query}",
            "restartPostUri": f"{instance}/restart?{query}",
            "suspendPostUri": f"{instance}/suspend?reason={{text}}&{query}",
            "resumePostUri": f"{instance}/resume?reason={{text}}&{query}",
        }


def _url_encode(value: str) -> str:
    return quote_plus(value, safe=_URL_ENCODE_SAFE)
