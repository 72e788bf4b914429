"""Instance routes of the management API: status, query, raise event, lifecycle operations, purge."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from devhost.protocol import RuntimeStatus
from devhost.protocol.history import (
    execution_started,
    orchestrator_completed,
    orchestrator_started,
    task_completed,
    task_scheduled,
)
from devhost.runtime.operations import InstanceQuery
from tests.devhost.http.management_fake import RPC_BASE, WEBHOOK_BASE, FakeEngine, serve

INSTANCES = f"{WEBHOOK_BASE}/instances"
T0 = "2024-05-01T10:00:00.25Z"


def history(instance_id: str) -> list[dict[str, object]]:
    return [
        orchestrator_started(timestamp=T0),
        execution_started(
            instance_id=instance_id, execution_id="e1", name="hello_orchestrator", input='"x"', timestamp=T0
        ),
        task_scheduled(event_id=0, name="say_hello", input='"Tokyo"', timestamp=T0),
        orchestrator_completed(timestamp=T0),
        orchestrator_started(timestamp=T0),
        task_completed(task_scheduled_id=0, result='"Hello Tokyo"', timestamp=T0),
    ]


async def test_status_of_an_unknown_instance_is_an_empty_404() -> None:
    async with serve(FakeEngine()) as client:
        response = await client.get(f"{INSTANCES}/nobody")

        assert (response.status, await response.read()) == (404, b"")


async def test_running_instance_is_202_with_location_and_retry_after() -> None:
    engine = FakeEngine()
    engine.add("r1", RuntimeStatus.Running, input='"{\\"a\\": 1}"', custom_status='{"step":2}')
    async with serve(engine) as client:
        url = f"{INSTANCES}/r1?taskHub=TestHubName&connection=Storage"
        response = await client.get(url)

        assert response.status == 202
        assert response.headers["Location"] == f"http://127.0.0.1:{client.port}{url}"
        assert response.headers["Retry-After"] == "5"
        assert await response.json() == {
            "name": "hello_orchestrator",
            "instanceId": "r1",
            "runtimeStatus": "Running",
            "input": '{"a": 1}',
            "customStatus": {"step": 2},
            "output": None,
            "createdTime": "2024-05-01T10:00:00Z",
            "lastUpdatedTime": "2024-05-01T10:00:05Z",
        }
        assert engine.engine_calls("get_instance") == [("r1", False)]


@pytest.mark.parametrize(
    ("status", "query", "code"),
    [
        (RuntimeStatus.Completed, "", 200),
        (RuntimeStatus.Terminated, "", 200),
        (RuntimeStatus.Failed, "", 200),
        (RuntimeStatus.Failed, "?returnInternalServerErrorOnFailure=TRUE", 500),
        (RuntimeStatus.Failed, "?returnInternalServerErrorOnFailure=yes", 200),
        (RuntimeStatus.Suspended, "", 202),
        (RuntimeStatus.Pending, "", 202),
    ],
)
async def test_status_code_follows_the_runtime_status(status: RuntimeStatus, query: str, code: int) -> None:
    engine = FakeEngine()
    engine.add("s1", status)
    async with serve(engine) as client:
        response = await client.get(f"{INSTANCES}/s1{query}")

        assert response.status == code
        assert (await response.json())["runtimeStatus"] == status.name
        assert ("Location" in response.headers) == (code == 202)


async def test_history_and_input_flags_shape_the_payload() -> None:
    engine = FakeEngine()
    engine.add("h1", RuntimeStatus.Completed, input='"x"', output='["Hello Tokyo"]')
    engine.histories["h1"] = history("h1")
    async with serve(engine) as client:
        plain = await (await client.get(f"{INSTANCES}/h1")).json()
        full = await (await client.get(f"{INSTANCES}/h1?SHOWHISTORY=True&showHistoryOutput=true")).json()
        hidden = await (await client.get(f"{INSTANCES}/h1?showInput=False&showHistory=true")).json()

        assert "historyEvents" not in plain
        assert plain["input"] == "x"
        assert [event["EventType"] for event in full["historyEvents"]] == [
            "ExecutionStarted",
            "TaskCompleted",
        ]
        assert full["historyEvents"][1]["Result"] == "Hello Tokyo"
        assert full["historyEvents"][1]["FunctionName"] == "say_hello"
        assert hidden["input"] is None
        assert "Input" not in hidden["historyEvents"][0]
        assert "Result" not in hidden["historyEvents"][1]
        assert engine.engine_calls("get_instance") == [("h1", False), ("h1", True), ("h1", True)]


async def test_query_passes_the_filters_and_pages_with_the_continuation_header() -> None:
    engine = FakeEngine()
    for index, status in enumerate([RuntimeStatus.Running, RuntimeStatus.Completed, RuntimeStatus.Failed]):
        engine.add(f"ab{index}", status, input='"in"')
    engine.add("zz", RuntimeStatus.Running)
    async with serve(engine) as client:
        first = await client.get(
            f"{RPC_BASE}/instances/?createdTimeFrom=2024-01-01T00:00:00.000000Z&createdTimeTo=2030-01-01"
            "&instanceIdPrefix=ab&runtimeStatus=Running,Completed,Bogus&runtimeStatus=3&top=2&showInput=false"
        )
        token = first.headers["x-ms-continuation-token"]
        second = await client.get(
            f"{RPC_BASE}/instances/?instanceIdPrefix=ab&top=2", headers={"x-ms-continuation-token": token}
        )

        assert first.status == 200
        assert [item["instanceId"] for item in await first.json()] == ["ab0", "ab1"]
        assert all(item["input"] is None and "historyEvents" not in item for item in await first.json())
        assert token == "2"
        assert [item["input"] for item in await second.json()] == ["in"]
        assert second.headers["x-ms-continuation-token"] == ""
        first_query, second_query = engine.queries("query_instances")
        assert first_query == InstanceQuery(
            created_from=datetime(2024, 1, 1, tzinfo=UTC),
            created_to=datetime(2030, 1, 1, tzinfo=UTC),
            statuses=(RuntimeStatus.Running, RuntimeStatus.Completed, RuntimeStatus.Failed),
            instance_id_prefix="ab",
            top=2,
        )
        assert second_query.continuation_token == "2"


async def test_query_without_filters_asks_for_a_page_of_100() -> None:
    engine = FakeEngine()
    async with serve(engine) as client:
        response = await client.get(f"{RPC_BASE}/instances/?top=many&createdTimeFrom=soon")

        assert (response.status, await response.json()) == (200, [])
        assert engine.queries("query_instances") == [InstanceQuery()]


async def test_raise_event_keeps_the_json_value_of_the_body() -> None:
    engine = FakeEngine()
    engine.add("e1", RuntimeStatus.Running)
    async with serve(engine) as client:
        sdk_style = await client.post(f"{INSTANCES}/e1/raiseEvent/Approval", json=json.dumps({"ok": True}))
        raw = await client.post(
            f"{INSTANCES}/e1/raiseEvent/Approval",
            data=b' {"ok": true} trailing text is ignored',
            headers={"Content-Type": "Application/JSON; charset=utf-8"},
        )

        assert (sdk_style.status, await sdk_style.read()) == (202, b"")
        assert raw.status == 202
        assert engine.engine_calls("raise_event") == [
            ("e1", "Approval", json.dumps('{"ok": true}')),
            ("e1", "Approval", '{"ok":true}'),
        ]


@pytest.mark.parametrize(
    ("status", "body", "content_type", "code", "message"),
    [
        (None, b"1", "application/json", 404, None),
        (RuntimeStatus.Completed, b"1", "text/plain", 410, None),
        (RuntimeStatus.Failed, b"1", "application/json", 410, None),
        (
            RuntimeStatus.Running,
            b"1",
            "text/plain",
            400,
            "Only application/json request content is supported",
        ),
        (RuntimeStatus.Running, b"", "application/json", 400, "Invalid JSON content"),
        (RuntimeStatus.Running, b"{oops", "application/json", 400, "Invalid JSON content"),
    ],
)
async def test_raise_event_refusals(
    status: RuntimeStatus | None, body: bytes, content_type: str, code: int, message: str | None
) -> None:
    engine = FakeEngine()
    if status is not None:
        engine.add("e2", status)
    async with serve(engine) as client:
        response = await client.post(
            f"{INSTANCES}/e2/raiseEvent/E", data=body, headers={"Content-Type": content_type}
        )

        assert response.status == code
        if message is None:
            assert await response.read() == b""
        else:
            assert (await response.json())["Message"] == message
        assert engine.engine_calls("raise_event") == []


@pytest.mark.parametrize("operation", ["terminate", "Suspend", "RESUME"])
async def test_lifecycle_operations_pass_the_reason(operation: str) -> None:
    engine = FakeEngine()
    engine.add("l1", RuntimeStatus.Running)
    async with serve(engine) as client:
        response = await client.post(f"{INSTANCES}/l1/{operation}?reason=too+slow%21")

        assert (response.status, await response.read()) == (202, b"")
        assert engine.engine_calls(operation.lower()) == [("l1", "too slow!")]


@pytest.mark.parametrize(
    ("status", "operation", "code"),
    [
        (None, "terminate", 404),
        (RuntimeStatus.Completed, "terminate", 410),
        (RuntimeStatus.Failed, "suspend", 410),
        (RuntimeStatus.Canceled, "resume", 410),
        (None, "rewind", 404),
        (RuntimeStatus.Completed, "rewind", 410),
        (RuntimeStatus.Terminated, "rewind", 410),
        (RuntimeStatus.Failed, "rewind", 202),
    ],
)
async def test_lifecycle_operations_check_the_instance_first(
    status: RuntimeStatus | None, operation: str, code: int
) -> None:
    engine = FakeEngine()
    if status is not None:
        engine.add("l2", status)
    async with serve(engine) as client:
        response = await client.post(f"{INSTANCES}/l2/{operation}")

        assert (response.status, await response.read()) == (code, b"")
        assert len(engine.engine_calls(operation)) == (1 if code == 202 else 0)


async def test_rewinding_a_running_instance_is_the_engines_500() -> None:
    engine = FakeEngine()
    engine.add("l3", RuntimeStatus.Running)
    async with serve(engine) as client:
        response = await client.post(f"{INSTANCES}/l3/rewind?reason=again")

        assert response.status == 500
        assert (await response.json())["ExceptionMessage"] == (
            "The rewind operation is only supported on failed orchestration instances."
        )
        assert engine.engine_calls("rewind") == [("l3", "again")]


async def test_purge_one_instance() -> None:
    engine = FakeEngine()
    engine.add("p1", RuntimeStatus.Completed)
    async with serve(engine) as client:
        purged = await client.delete(f"{INSTANCES}/p1")
        again = await client.delete(f"{INSTANCES}/p1")

        assert (purged.status, await purged.json()) == (200, {"instancesDeleted": 1})
        assert (again.status, await again.read()) == (404, b"")


async def test_purge_by_filter() -> None:
    engine = FakeEngine()
    engine.add("old1", RuntimeStatus.Completed)
    engine.add("old2", RuntimeStatus.Failed)
    engine.add("live", RuntimeStatus.Running)
    async with serve(engine) as client:
        missing = await client.delete(f"{RPC_BASE}/instances/?runtimeStatus=Completed")
        none = await client.delete(f"{RPC_BASE}/instances/?createdTimeFrom=2030-01-01T00:00:00.000000Z")
        some = await client.delete(
            f"{RPC_BASE}/instances/?createdTimeFrom=2024-05-01T00:00:00.000000Z&runtimeStatus=Completed,Failed"
        )

        assert missing.status == 400
        assert await missing.json() == "Please provide value for 'createdTimeFrom' parameter."
        assert (none.status, await none.read()) == (404, b"")
        assert (some.status, await some.json()) == (200, {"instancesDeleted": 2})
        assert list(engine.instances) == ["live"]
        query = engine.queries("purge_instances")[-1]
        assert query.created_from == datetime(2024, 5, 1, tzinfo=UTC)
        assert query.created_to is None  # the engine takes "now" from its own clock
        assert query.statuses == (RuntimeStatus.Completed, RuntimeStatus.Failed)
