"""Entity routes, route matching and the error boundary of the management API."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from devhost.http.errors import SOMETHING_WENT_WRONG
from devhost.http.management import add_management_routes
from devhost.protocol import RuntimeStatus
from devhost.runtime.operations import InstanceView
from tests.devhost.http.management_fake import RPC_BASE, WEBHOOK_BASE, FakeEngine, serve

ENTITIES = f"{RPC_BASE}/entities"


async def test_read_entity_state() -> None:
    engine = FakeEngine(entity_states={("counter", "c1"): "5", ("counter", ""): '{"n": 1}'})
    async with serve(engine) as client:
        found = await client.get(f"{ENTITIES}/Counter/c1")
        empty_key = await client.get(f"{ENTITIES}/counter/$")
        missing = await client.get(f"{ENTITIES}/counter/nope")

        assert (found.status, await found.json()) == (200, 5)
        assert (empty_key.status, await empty_key.text()) == (200, '{"n":1}')
        assert (missing.status, await missing.read()) == (404, b"")
        assert engine.engine_calls("read_entity") == [("counter", "c1"), ("counter", ""), ("counter", "nope")]


@pytest.mark.parametrize(
    ("method", "url", "body", "content_type", "expected"),
    [
        # The SDK: json.dumps(input) sent as JSON, i.e. a JSON string literal of the input's JSON.
        (
            "POST",
            "Counter/c1?op=add",
            json.dumps(json.dumps(5)),
            "application/json",
            ("add", json.dumps("5")),
        ),
        ("POST", "counter/c1?op=set", '{"to": 7}', "application/json", ("set", '{"to":7}')),
        ("POST", "counter/c1?op=note", "plain words", "text/plain", ("note", '"plain words"')),
        ("POST", "counter/c1?op=reset", "", "application/json", ("reset", None)),
        ("POST", "counter/c1", "", "application/json", ("", None)),
        ("DELETE", "counter/c1?op=ignored", "", "application/json", ("delete", None)),
    ],
)
async def test_signal_entity(
    method: str, url: str, body: str, content_type: str, expected: tuple[str, str | None]
) -> None:
    engine = FakeEngine()
    async with serve(engine) as client:
        response = await client.request(
            method, f"{ENTITIES}/{url}", data=body.encode(), headers={"Content-Type": content_type}
        )

        assert (response.status, await response.read()) == (202, b"")
        assert engine.engine_calls("signal_entity") == [("counter", "c1", *expected)]


async def test_entity_argument_errors_answer_the_message_only() -> None:
    engine = FakeEngine()
    async with serve(engine) as client:
        unknown = await client.post(f"{ENTITIES}/Nope/k?op=add")
        no_name = await client.post(f"{RPC_BASE}/entities?op=add")
        bad_json = await client.post(
            f"{ENTITIES}/counter/k?op=add", data=b"{nope", headers={"Content-Type": "application/json"}
        )

        assert unknown.status == 400
        assert await unknown.json() == {
            "Message": "The function 'nope' doesn't exist, is disabled, or is not an entity function. "
            "Additional info: The following are the known entity functions: 'counter'."
        }
        assert await no_name.json() == {
            "Message": "Invalid entity id: entity name must not be a null or empty string. "
            "(Parameter 'entityName')"
        }
        bad = await bad_json.json()
        assert bad_json.status == 400
        assert list(bad) == ["Message"]
        assert bad["Message"].startswith("Could not parse JSON content: ")


async def test_list_entities_keeps_existing_ones_in_the_time_window() -> None:
    engine = FakeEngine(entity_states={("counter", "a"): "1", ("counter", "b"): "2", ("other", "x"): "3"})
    engine.add("@counter@a", RuntimeStatus.Running)
    engine.add("@counter@gone", RuntimeStatus.Running)
    engine.add("@other@x", RuntimeStatus.Running)
    engine.add("@counter@b", RuntimeStatus.Running)
    async with serve(engine) as client:
        counters = await client.get(f"{ENTITIES}/Counter?fetchState=true&top=10")
        everything = await client.get(f"{RPC_BASE}/entities")
        late = await client.get(f"{ENTITIES}/counter?lastOperationTimeFrom=2024-05-01T10:02:00Z")

        assert counters.status == 200
        assert await counters.json() == [
            {
                "entityId": {"name": "counter", "key": "a"},
                "lastOperationTime": "2024-05-01T10:00:05.25Z",
                "state": 1,
            },
            {
                "entityId": {"name": "counter", "key": "b"},
                "lastOperationTime": "2024-05-01T10:03:05.25Z",
                "state": 2,
            },
        ]
        assert counters.headers["x-ms-continuation-token"] == ""
        assert [item["entityId"]["key"] for item in await everything.json()] == ["a", "x", "b"]
        assert all(item["state"] is None for item in await everything.json())
        assert [item["entityId"]["key"] for item in await late.json()] == ["b"]
        prefixes = [(query.instance_id_prefix, query.top) for query in engine.queries("query_instances")]
        assert prefixes == [("@counter@", 10), ("@", 100), ("@counter@", 100)]


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", ""),
        ("GET", "/"),
        ("GET", "/unknown"),
        ("PUT", "/instances/x"),
        ("POST", "/instances/"),
        ("GET", "/instances/x/terminate"),
        ("POST", "/instances/x/frobnicate"),
        ("GET", "/instances/x/raiseEvent/E"),
        ("POST", "/instances/x/other/E"),
        ("POST", "/instances//terminate"),
        ("PUT", "/entities/counter/k"),
        ("POST", "/orchestrators"),
        ("POST", "/orchestrators/a/b/c"),
    ],
)
async def test_unmatched_routes_are_empty_404s(method: str, path: str) -> None:
    engine = FakeEngine()
    engine.add("x", RuntimeStatus.Running)
    async with serve(engine) as client:
        response = await client.request(method, f"{WEBHOOK_BASE}{path}")

        assert (response.status, await response.read()) == (404, b"")
        assert engine.calls == []


async def test_make_primary_is_accepted() -> None:
    async with serve(FakeEngine()) as client:
        response = await client.post(f"{WEBHOOK_BASE}/makeprimary")

        assert (response.status, await response.read()) == (200, b"")


@dataclass
class BrokenEngine(FakeEngine):
    """An engine whose status read fails unexpectedly."""

    async def get_instance(self, instance_id: str, *, with_history: bool) -> InstanceView | None:
        raise RuntimeError("table unavailable")


async def test_unexpected_failures_are_500_http_errors() -> None:
    async with serve(BrokenEngine()) as client:
        response = await client.get(f"{WEBHOOK_BASE}/instances/x")

        assert response.status == 500
        body = await response.json()
        assert (body["Message"], body["ExceptionMessage"]) == (SOMETHING_WENT_WRONG, "table unavailable")
        assert body["ExceptionType"] == "builtins.RuntimeError"
        assert "get_instance" in body["StackTrace"]


async def test_bodies_over_the_applications_limit_are_413() -> None:
    engine = FakeEngine()
    app = web.Application(client_max_size=64)
    add_management_routes(app, engine, base_path=WEBHOOK_BASE, hub_name="H", connection_name="C")
    async with TestClient(TestServer(app)) as client:
        response = await client.post(f"{WEBHOOK_BASE}/orchestrators/hello_orchestrator", data=b"1" * 65)

        assert response.status == 413
        assert engine.engine_calls("start") == []


async def test_routes_registered_first_win_over_a_later_catch_all() -> None:
    async def catch_all(request: web.Request) -> web.Response:
        return web.Response(status=418)

    app = web.Application()
    add_management_routes(app, FakeEngine(), base_path="durabletask/", hub_name="H", connection_name="C")
    app.router.add_route("*", "/{path:.*}", catch_all)
    async with TestClient(TestServer(app)) as client:
        assert (await client.get("/durabletask/instances/none")).status == 404
        assert (await client.get("/durabletask")).status == 404
        assert (await client.get("/api/anything")).status == 418
        assert (await client.get("/durabletaskx/instances/none")).status == 418
