"""The SDK's own `DurableOrchestrationClient` against the management routes, through its RPC base URL.

The client is built from the binding JSON the devhost hands to client functions, so every request is
exactly what an app's client function sends; the assertions pin what the SDK returns and which
payload text reaches the engine (the SDK's double encodings included).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import azure.durable_functions as df
import azure.functions as func
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from azure.durable_functions.models.utils import http_utils

from devhost.protocol import RuntimeStatus
from devhost.protocol.history import execution_started, orchestrator_started
from devhost.worker import ClientBindingFactory
from tests.devhost.http.management_fake import HUB, FakeEngine, serve

PUBLIC_ORIGIN = "http://localhost:7071"


@pytest.fixture(scope="module", autouse=True)
async def close_sdk_session() -> AsyncIterator[None]:
    """The SDK keeps one global aiohttp session; close it once this module is done."""
    yield
    await http_utils._close_session()


@pytest.fixture
async def engine_and_client() -> AsyncIterator[tuple[FakeEngine, df.DurableOrchestrationClient]]:
    engine = FakeEngine()
    async with serve(engine) as server:
        yield engine, _sdk_client(server)


def _sdk_client(server: TestClient[web.Request, web.Application]) -> df.DurableOrchestrationClient:
    rpc_base_url = f"http://127.0.0.1:{server.port}/durabletask/"
    binding = ClientBindingFactory(PUBLIC_ORIGIN, rpc_base_url, HUB).build()
    return df.DurableOrchestrationClient(binding)


Setup = tuple[FakeEngine, df.DurableOrchestrationClient]


@pytest.mark.parametrize(
    ("client_input", "stored"),
    [
        ({"city": "Tokyo", "n": [1, 2]}, json.dumps('{"city": "Tokyo", "n": [1, 2]}')),
        ("Seattle", json.dumps('"Seattle"')),
        (None, None),
    ],
)
async def test_start_new_returns_the_id_and_stores_the_double_encoded_input(
    engine_and_client: Setup, client_input: object, stored: str | None
) -> None:
    engine, client = engine_and_client

    instance_id = await client.start_new("hello_orchestrator", None, client_input)

    assert instance_id in engine.instances
    assert engine.engine_calls("start") == [("hello_orchestrator", None, stored)]


async def test_start_new_with_an_id_and_its_failures(engine_and_client: Setup) -> None:
    _, client = engine_and_client

    assert await client.start_new("hello_orchestrator", "order-7") == "order-7"
    with pytest.raises(Exception, match=r"^The function 'missing' doesn't exist, is disabled"):
        await client.start_new("missing")
    with pytest.raises(Exception, match="Orchestration instance ids must not start with @"):
        await client.start_new("hello_orchestrator", "@bad")
    with pytest.raises(Exception, match="Something went wrong while processing your request"):
        await client.start_new("hello_orchestrator", "order-7")


async def test_get_status_reads_the_payload(engine_and_client: Setup) -> None:
    engine, client = engine_and_client
    instance_id = await client.start_new("hello_orchestrator", "s1", {"a": 1})
    engine.histories[instance_id] = [
        orchestrator_started(timestamp="2024-05-01T10:00:00Z"),
        execution_started(
            instance_id=instance_id,
            execution_id="e1",
            name="hello_orchestrator",
            input=engine.instances[instance_id].input,
            timestamp="2024-05-01T10:00:00Z",
        ),
    ]

    status = await client.get_status(instance_id)
    engine.set_status(instance_id, RuntimeStatus.Running)  # a Pending instance reports no history
    with_history = await client.get_status(instance_id, show_history=True, show_history_output=True)
    missing = await client.get_status("nobody")

    assert status.runtime_status == df.OrchestrationRuntimeStatus.Pending
    assert status.input_ == '{"a": 1}'
    assert status.created_time == datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
    assert not hasattr(status, "historyEvents")
    history_events = vars(with_history)["historyEvents"]  # the SDK keeps unknown keys as attributes
    assert [event["EventType"] for event in history_events] == ["ExecutionStarted"]
    assert history_events[0]["FunctionName"] == "hello_orchestrator"
    assert not missing
    assert engine.engine_calls("get_instance") == [("s1", False), ("s1", True), ("nobody", False)]


async def test_get_status_all_and_by(engine_and_client: Setup) -> None:
    engine, client = engine_and_client
    engine.add("ab1", RuntimeStatus.Running)
    engine.add("ab2", RuntimeStatus.Completed, output='"done"')
    engine.add("cd3", RuntimeStatus.Running)

    every = await client.get_status_all()
    running_ab = await client.get_status_by(
        created_time_from=datetime(2024, 5, 1, 9, 59, 59, 500000),
        runtime_status=[df.OrchestrationRuntimeStatus.Running, df.OrchestrationRuntimeStatus.Completed],
        instance_id_prefix="ab",
    )

    assert [status.instance_id for status in every] == ["ab1", "ab2", "cd3"]
    assert [(status.instance_id, status.output) for status in running_ab] == [("ab1", None), ("ab2", "done")]
    query = engine.queries("query_instances")[-1]
    assert query.created_from == datetime(2024, 5, 1, 9, 59, 59, 500000, tzinfo=UTC)
    assert query.statuses == (RuntimeStatus.Running, RuntimeStatus.Completed)


async def test_raise_event_double_encodes_the_data(engine_and_client: Setup) -> None:
    engine, client = engine_and_client
    engine.add("e1", RuntimeStatus.Running)
    engine.add("done", RuntimeStatus.Completed)

    await client.raise_event("e1", "Approval", {"ok": True})
    await client.raise_event("e1", "Approval", "abc")
    await client.raise_event("e1", "Approval")
    with pytest.raises(Exception, match="is gone"):
        await client.raise_event("done", "Approval", 1)
    with pytest.raises(Exception, match="No instance with ID nobody found"):
        await client.raise_event("nobody", "Approval", 1)

    assert engine.engine_calls("raise_event") == [
        ("e1", "Approval", json.dumps('{"ok": true}')),
        ("e1", "Approval", json.dumps('"abc"')),
        ("e1", "Approval", json.dumps("null")),
    ]


async def test_terminate_suspend_resume(engine_and_client: Setup) -> None:
    engine, client = engine_and_client
    engine.add("t1", RuntimeStatus.Running)

    await client.suspend("t1", "wait a bit")
    await client.resume("t1", "go on")
    await client.terminate("t1", "no longer needed & done")
    await client.terminate("t1", "again")  # 410 is accepted by the SDK
    with pytest.raises(Exception, match="No instance with ID 'nobody' found"):
        await client.terminate("nobody", "x")

    assert engine.engine_calls("suspend") == [("t1", "wait a bit")]
    assert engine.engine_calls("resume") == [("t1", "go on")]
    assert engine.engine_calls("terminate") == [("t1", "no longer needed & done")]
    status = await client.get_status("t1")
    assert (status.runtime_status, status.output) == (
        df.OrchestrationRuntimeStatus.Terminated,
        "no longer needed & done",
    )


async def test_rewind(engine_and_client: Setup) -> None:
    engine, client = engine_and_client
    engine.add("f1", RuntimeStatus.Failed)
    engine.add("c1", RuntimeStatus.Completed)

    await client.rewind("f1", "fixed the bug")
    with pytest.raises(Exception, match="only supported on failed orchestration instances"):
        await client.rewind("c1", "why")
    with pytest.raises(Exception, match="No instance with ID nobody found"):
        await client.rewind("nobody", "why")

    assert engine.engine_calls("rewind") == [("f1", "fixed the bug")]


async def test_restart_returns_the_hosts_check_status_payload(engine_and_client: Setup) -> None:
    engine, client = engine_and_client
    engine.add("r1", RuntimeStatus.Completed, input='"{\\"a\\": 1}"')

    fresh = await client.restart("r1")
    same = await client.restart("r1", restart_with_new_instance_id=False)
    with pytest.raises(Exception, match="unexpected status code 400"):
        await client.restart("nobody")

    assert isinstance(fresh, dict)
    assert fresh["id"] != "r1"
    assert fresh["statusQueryGetUri"].startswith("http://127.0.0.1:")
    assert "/runtime/webhooks/durabletask/instances/" in fresh["statusQueryGetUri"]
    assert same["id"] == "r1"
    assert engine.instances[fresh["id"]].input == '"{\\"a\\": 1}"'


async def test_purge(engine_and_client: Setup) -> None:
    engine, client = engine_and_client
    engine.add("p1", RuntimeStatus.Completed)
    engine.add("p2", RuntimeStatus.Failed)
    engine.add("p3", RuntimeStatus.Running)

    one = await client.purge_instance_history("p1")
    none = await client.purge_instance_history("p1")
    by_filter = await client.purge_instance_history_by(
        created_time_from=datetime(2024, 1, 1), runtime_status=[df.OrchestrationRuntimeStatus.Failed]
    )
    nothing = await client.purge_instance_history_by(created_time_from=datetime(2024, 1, 1))

    assert (one.instances_deleted, none.instances_deleted) == (1, 0)
    assert (by_filter.instances_deleted, nothing.instances_deleted) == (1, 0)
    assert list(engine.instances) == ["p3"]


async def test_entities(engine_and_client: Setup) -> None:
    engine, client = engine_and_client
    engine.entity_states[("counter", "c1")] = "5"
    entity = df.EntityId("Counter", "c1")

    await client.signal_entity(entity, "add", 5)
    await client.signal_entity(entity, "add", {"by": 2})
    await client.signal_entity(entity, "reset", 0)  # the SDK drops falsy inputs
    state = await client.read_entity_state(entity)
    missing = await client.read_entity_state(df.EntityId("counter", "nope"))
    with pytest.raises(Exception, match="unexpected status code 400"):
        await client.signal_entity(df.EntityId("nope", "k"), "add", 1)

    assert engine.engine_calls("signal_entity")[:3] == [
        ("counter", "c1", "add", json.dumps("5")),
        ("counter", "c1", "add", json.dumps('{"by": 2}')),
        ("counter", "c1", "reset", None),
    ]
    assert (state.entity_exists, state.entity_state) == (True, 5)
    assert (missing.entity_exists, missing.entity_state) == (False, None)


async def test_wait_for_completion_or_create_check_status_response(engine_and_client: Setup) -> None:
    engine, client = engine_and_client
    request = func.HttpRequest("POST", "http://localhost:7071/api/start", body=b"")
    done_id = await client.start_new("hello_orchestrator", "w1")
    slow_id = await client.start_new("hello_orchestrator", "w2")
    engine.finish_on_read[done_id] = (2, RuntimeStatus.Completed, '{"total": 3}')

    done = await client.wait_for_completion_or_create_check_status_response(request, done_id, 2000, 20)
    pending = await client.wait_for_completion_or_create_check_status_response(request, slow_id, 100, 20)

    assert (done.status_code, json.loads(done.get_body())) == (200, {"total": 3})
    assert pending.status_code == 202
    links = json.loads(pending.get_body())
    assert links["statusQueryGetUri"] == (
        f"{PUBLIC_ORIGIN}/runtime/webhooks/durabletask/instances/w2?taskHub={HUB}&connection=Storage"
    )
