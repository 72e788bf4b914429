"""Starting and restarting instances through the management API: bodies, ids, check-status, waiting."""

from __future__ import annotations

import json
import re

import pytest

from devhost.http.errors import ARGUMENTS_INCORRECT, JSON_READER_EXCEPTION, SOMETHING_WENT_WRONG
from devhost.protocol import RuntimeStatus
from tests.devhost.http.management_fake import RPC_BASE, WEBHOOK_BASE, FakeEngine, serve

ORCH = f"{WEBHOOK_BASE}/orchestrators"
INVALID_CHARACTERS = (
    "instanceId (Parameter 'Orchestration instance ids must not contain /, \\, #, ?, or control characters.')"
)


def expected_links(origin: str, instance_in_url: str, instance_id: str) -> dict[str, str]:
    instance = f"{origin}{WEBHOOK_BASE}/instances/{instance_in_url}"
    suffix = "taskHub=TestHubName&connection=Storage"
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


async def test_start_without_body_answers_the_check_status_payload() -> None:
    engine = FakeEngine()
    async with serve(engine) as client:
        response = await client.post(f"{ORCH}/hello_orchestrator")

        assert response.status == 202
        assert response.content_type == "application/json"
        body = await response.json()
        instance_id = body["id"]
        assert re.fullmatch(r"[0-9a-f]{32}", instance_id)
        origin = f"http://127.0.0.1:{client.port}"
        assert list(body) == list(expected_links(origin, instance_id, instance_id))
        assert body == expected_links(origin, instance_id, instance_id)
        assert response.headers["Location"] == body["statusQueryGetUri"]
        assert response.headers["Retry-After"] == "10"
        assert engine.engine_calls("start") == [("hello_orchestrator", None, None)]


async def test_rpc_base_links_use_the_request_origin_and_the_webhook_path() -> None:
    engine = FakeEngine()
    async with serve(engine) as client:
        response = await client.post(
            f"{RPC_BASE}/orchestrators/hello_orchestrator/order-1~x",
            headers={"Host": "LocalHost:7071"},
        )

        assert response.status == 202
        assert await response.json() == expected_links("http://localhost:7071", "order-1%7Ex", "order-1~x")


async def test_links_name_the_task_hub_and_connection_of_the_request() -> None:
    async with serve(FakeEngine()) as client:
        response = await client.post(f"{ORCH}/hello_orchestrator/i1?TASKHUB=Other%20Hub&connection=My")

        body = await response.json()
        assert body["statusQueryGetUri"].endswith("/instances/i1?taskHub=Other+Hub&connection=My")


@pytest.mark.parametrize(
    ("body", "content_type", "stored"),
    [
        # What the SDK sends: json.dumps(df_dumps(input)); the host keeps the JSON string literal.
        (json.dumps(json.dumps({"a": 1})), "application/json", json.dumps('{"a": 1}')),
        (json.dumps(json.dumps("abc")), "application/json", json.dumps('"abc"')),
        # A raw client posting JSON: the value, re-serialized compactly.
        ('{ "a" : [1, 2.5, "ü"] }', "application/json", '{"a":[1,2.5,"ü"]}'),
        ("42", "text/plain", "42"),
        ("null", "application/json", None),
        ("   ", "application/json", None),
    ],
)
async def test_start_stores_the_hosts_serialization_of_the_body(
    body: str, content_type: str, stored: str | None
) -> None:
    engine = FakeEngine()
    async with serve(engine) as client:
        response = await client.post(
            f"{ORCH}/Hello_Orchestrator/id1", data=body.encode(), headers={"Content-Type": content_type}
        )

        assert response.status == 202
        assert engine.engine_calls("start") == [("Hello_Orchestrator", "id1", stored)]


async def test_start_with_invalid_json_is_a_400_and_starts_nothing() -> None:
    engine = FakeEngine()
    async with serve(engine) as client:
        response = await client.post(
            f"{ORCH}/hello_orchestrator", data=b'{"a": ', headers={"Content-Type": "application/json"}
        )

        assert response.status == 400
        body = await response.json()
        assert body["Message"] == "Invalid JSON content"
        assert body["ExceptionType"] == JSON_READER_EXCEPTION
        assert body["ExceptionMessage"]
        assert engine.engine_calls("start") == []


async def test_unknown_orchestrator_is_a_400_with_the_exception_message() -> None:
    async with serve(FakeEngine()) as client:
        response = await client.post(f"{ORCH}/nope")

        assert response.status == 400
        body = await response.json()
        assert list(body) == ["Message", "ExceptionMessage", "ExceptionType", "StackTrace"]
        assert body["Message"] == ARGUMENTS_INCORRECT
        assert body["ExceptionMessage"].startswith("The function 'nope' doesn't exist, is disabled")
        assert body["ExceptionType"] == "System.ArgumentException"


@pytest.mark.parametrize(
    ("id_in_url", "message"),
    [
        ("@thing", "instanceId (Parameter 'Orchestration instance ids must not start with @.')"),
        (
            "a%23b",
            INVALID_CHARACTERS,
        ),
        (
            "a%3Fb",
            INVALID_CHARACTERS,
        ),
        (
            "a%5Cb",
            INVALID_CHARACTERS,
        ),
        (
            "a%0Ab",
            INVALID_CHARACTERS,
        ),
        ("x" * 257, "Instance ID lengths must not exceed 256 characters."),
    ],
)
async def test_instance_ids_the_host_refuses_are_400(id_in_url: str, message: str) -> None:
    engine = FakeEngine()
    async with serve(engine) as client:
        response = await client.post(f"{ORCH}/hello_orchestrator/{id_in_url}")

        assert response.status == 400
        body = await response.json()
        assert (body["Message"], body["ExceptionMessage"]) == (ARGUMENTS_INCORRECT, message)
        assert engine.engine_calls("start") == []


async def test_decoded_path_rules_apply_to_instance_ids() -> None:
    engine = FakeEngine()
    async with serve(engine) as client:
        longest = await client.post(f"{ORCH}/hello_orchestrator/{'x' * 256}")
        plus = await client.post(f"{ORCH}/hello_orchestrator/a+b")
        slash = await client.post(f"{ORCH}/hello_orchestrator/a%2Fb")

        assert longest.status == 202
        # WebUtility.UrlDecode reads "+" as a space; the link encodes the space back as "+".
        assert (await plus.json())["statusQueryGetUri"].split("?")[0].endswith("/instances/a+b")
        assert slash.status == 404
        assert [call[1] for call in engine.engine_calls("start")] == ["x" * 256, "a b"]


async def test_starting_over_a_running_instance_is_a_500() -> None:
    engine = FakeEngine()
    engine.add("busy", RuntimeStatus.Running)
    async with serve(engine) as client:
        response = await client.post(f"{ORCH}/hello_orchestrator/busy")

        assert response.status == 500
        body = await response.json()
        assert body["Message"] == SOMETHING_WENT_WRONG
        assert body["ExceptionMessage"] == "An instance with ID 'busy' already exists."
        assert body["ExceptionType"] == "System.InvalidOperationException"


async def test_start_route_accepts_only_post() -> None:
    async with serve(FakeEngine()) as client:
        response = await client.get(f"{ORCH}/hello_orchestrator")

        assert (response.status, await response.read()) == (404, b"")


async def test_wait_returns_the_output_once_completed() -> None:
    engine = FakeEngine(finish_on_read={"w1": (3, RuntimeStatus.Completed, '{"total":3}')})
    async with serve(engine) as client:
        response = await client.post(f"{ORCH}/hello_orchestrator/w1?timeout=5&pollingInterval=0.02")

        assert response.status == 200
        assert await response.json() == {"total": 3}
        assert engine.engine_calls("get_instance") == [("w1", False)] * 3


async def test_wait_returns_the_status_response_for_a_failed_instance() -> None:
    engine = FakeEngine(finish_on_read={"w2": (2, RuntimeStatus.Failed, "boom")})
    async with serve(engine) as client:
        response = await client.post(
            f"{ORCH}/hello_orchestrator/w2?timeout=5&pollingInterval=0.02&returnInternalServerErrorOnFailure=true"
        )

        assert response.status == 500
        body = await response.json()
        assert (body["instanceId"], body["runtimeStatus"], body["output"]) == ("w2", "Failed", "boom")


async def test_wait_times_out_into_the_check_status_response() -> None:
    engine = FakeEngine()
    async with serve(engine) as client:
        response = await client.post(f"{ORCH}/hello_orchestrator/w3?timeout=0.1&pollingInterval=0.02")

        assert response.status == 202
        assert (await response.json())["id"] == "w3"
        assert len(engine.engine_calls("get_instance")) >= 2


async def test_wait_needs_an_interval_no_longer_than_the_timeout() -> None:
    async with serve(FakeEngine()) as client:
        response = await client.post(f"{ORCH}/hello_orchestrator/w4?timeout=1&pollingInterval=2.5")

        assert response.status == 400
        body = await response.json()
        assert body["ExceptionMessage"] == "Total timeout 1 should be bigger than retry timeout 2.5"


async def test_restart_answers_the_check_status_payload_of_the_new_instance() -> None:
    engine = FakeEngine()
    engine.add("old", RuntimeStatus.Completed, input='"{\\"a\\": 1}"')
    async with serve(engine) as client:
        fresh = await client.post(f"{RPC_BASE}/instances/old/restart?restartWithNewInstanceId=True")
        same = await client.post(f"{RPC_BASE}/instances/old/RESTART?restartWithNewInstanceId=false")

        assert fresh.status == 202
        new_id = (await fresh.json())["id"]
        assert new_id != "old"
        assert fresh.headers["Retry-After"] == "10"
        assert (same.status, (await same.json())["id"]) == (202, "old")
        assert engine.engine_calls("restart") == [("old", True), ("old", False)]
        assert engine.engine_calls("start")[0] == ("hello_orchestrator", None, '"{\\"a\\": 1}"')


async def test_restart_of_an_unknown_instance_is_a_400() -> None:
    async with serve(FakeEngine()) as client:
        response = await client.post(f"{RPC_BASE}/instances/ghost/restart")

        assert response.status == 400
        body = await response.json()
        assert body["Message"] == "InstanceId does not match a valid orchestration instance."
        assert body["ExceptionMessage"] == "An orchestration with the instanceId ghost was not found."
