"""The durableClient binding JSON, checked against durable-protocol.md §1.6 and the SDK client."""

from __future__ import annotations

import json

import azure.durable_functions as df
import azure.functions as func

from devhost.worker import ClientBindingFactory

ORIGIN = "http://localhost:7071"
RPC = "http://127.0.0.1:17071/durabletask/"
WEBHOOK = "http://localhost:7071/runtime/webhooks/durabletask"
INSTANCE = f"{WEBHOOK}/instances/INSTANCEID"
QUERY = "taskHub=TestHubName&connection=Storage"


def test_binding_matches_the_extension_payload_exactly() -> None:
    text = ClientBindingFactory(ORIGIN, RPC, "TestHubName").build()

    assert json.loads(text) == {
        "taskHubName": "TestHubName",
        "connectionName": None,
        "creationUrls": {
            "createNewInstancePostUri": f"{WEBHOOK}/orchestrators/{{functionName}}[/{{instanceId}}]?",
            "createAndWaitOnNewInstancePostUri": (
                f"{WEBHOOK}/orchestrators/{{functionName}}[/{{instanceId}}]"
                "?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}&"
            ),
        },
        "managementUrls": {
            "id": "INSTANCEID",
            "statusQueryGetUri": f"{INSTANCE}?{QUERY}",
            "sendEventPostUri": f"{INSTANCE}/raiseEvent/{{eventName}}?{QUERY}",
            "terminatePostUri": f"{INSTANCE}/terminate?reason={{text}}&{QUERY}",
            "rewindPostUri": f"{INSTANCE}/rewind?reason={{text}}&{QUERY}",
            "purgeHistoryDeleteUri": f"{INSTANCE}?{QUERY}",
            "restartPostUri": f"{INSTANCE}/restart?{QUERY}",
            "suspendPostUri": f"{INSTANCE}/suspend?reason={{text}}&{QUERY}",
            "resumePostUri": f"{INSTANCE}/resume?reason={{text}}&{QUERY}",
        },
        "baseUrl": WEBHOOK,
        "requiredQueryStringParameters": "",
        "rpcBaseUrl": RPC,
        "httpBaseUrl": None,
    }


def test_key_order_follows_the_extension() -> None:
    payload = json.loads(ClientBindingFactory(ORIGIN, RPC, "TestHubName").build())

    assert list(payload) == [
        "taskHubName",
        "connectionName",
        "creationUrls",
        "managementUrls",
        "baseUrl",
        "requiredQueryStringParameters",
        "rpcBaseUrl",
        "httpBaseUrl",
    ]
    assert list(payload["managementUrls"]) == [
        "id",
        "statusQueryGetUri",
        "sendEventPostUri",
        "terminatePostUri",
        "rewindPostUri",
        "purgeHistoryDeleteUri",
        "restartPostUri",
        "suspendPostUri",
        "resumePostUri",
    ]


def test_binding_task_hub_and_connection_override_the_app_defaults() -> None:
    factory = ClientBindingFactory(ORIGIN + "/", "http://127.0.0.1:17071/durabletask", "AppHub", "AppConn")

    payload = json.loads(factory.build(task_hub="Other Hub", connection_name="MyConn"))

    assert payload["taskHubName"] == "Other Hub"
    assert payload["connectionName"] is None
    assert payload["managementUrls"]["statusQueryGetUri"].endswith("?taskHub=Other+Hub&connection=MyConn")
    assert payload["rpcBaseUrl"] == "http://127.0.0.1:17071/durabletask/"
    assert payload["baseUrl"] == WEBHOOK


def test_webhook_query_is_appended_like_a_system_key() -> None:
    payload = json.loads(ClientBindingFactory(ORIGIN, RPC, "Hub", webhook_query="code=abc").build())

    assert payload["requiredQueryStringParameters"] == "code=abc"
    assert payload["creationUrls"]["createNewInstancePostUri"].endswith("[/{instanceId}]?code=abc")
    assert payload["managementUrls"]["restartPostUri"].endswith(
        "/restart?taskHub=Hub&connection=Storage&code=abc"
    )


def test_sdk_client_accepts_the_binding() -> None:
    client = df.DurableOrchestrationClient(ClientBindingFactory(ORIGIN, RPC, "TestHubName").build())

    assert client._orchestration_bindings.task_hub_name == "TestHubName"
    assert client._orchestration_bindings.rpc_base_url == RPC
    assert client.create_http_management_payload("abc123")["statusQueryGetUri"] == (
        f"{WEBHOOK}/instances/abc123?{QUERY}"
    )


def test_check_status_response_uses_the_request_origin_and_instance_id() -> None:
    client = df.DurableOrchestrationClient(ClientBindingFactory(ORIGIN, RPC, "TestHubName").build())
    request = func.HttpRequest("POST", "http://127.0.0.1:55123/api/orchestrators/hello", body=b"")

    response = client.create_check_status_response(request, "inst-1")

    body = json.loads(response.get_body())
    status_uri = f"http://127.0.0.1:55123/runtime/webhooks/durabletask/instances/inst-1?{QUERY}"
    assert response.status_code == 202
    assert response.headers["Location"] == status_uri
    assert response.headers["Retry-After"] == "10"
    assert body["id"] == "inst-1"
    assert body["statusQueryGetUri"] == status_uri
    assert body["sendEventPostUri"] == (
        f"http://127.0.0.1:55123/runtime/webhooks/durabletask/instances/inst-1/raiseEvent/{{eventName}}?{QUERY}"
    )
    assert body["rewindPostUri"].startswith(
        "http://127.0.0.1:55123/runtime/webhooks/durabletask/instances/inst-1/"
    )
