"""HTTP triggers served through aiohttp like the Functions host serves them."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Mapping
from pathlib import Path

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from devhost.http.functions import (
    MAX_REQUEST_BODY_BYTES,
    FunctionsHttpHandler,
    add_function_routes,
    describe_functions,
)
from devhost.worker import ClientBindingFactory, Invoker
from tests.devhost.fixtures import FIXTURES_DIR, loaded_app, write_app

RPC_BASE = "http://127.0.0.1:17071/durabletask/"


@contextlib.asynccontextmanager
async def _serve(
    app_dir: Path, environ: Mapping[str, str] | None = None, max_body_bytes: int = MAX_REQUEST_BODY_BYTES
) -> AsyncIterator[TestClient[web.Request, web.Application]]:
    with loaded_app(app_dir, environ) as app:
        binding = ClientBindingFactory("http://localhost:7071", RPC_BASE, app.settings.hub_name)
        invoker = Invoker(client_binding=binding, max_workers=4, function_directory=str(app_dir))
        handler = FunctionsHttpHandler(app.registry, invoker, max_body_bytes=max_body_bytes)
        web_app = web.Application()
        add_function_routes(web_app, handler)
        try:
            async with TestClient(TestServer(web_app)) as client:
                yield client
        finally:
            invoker.close()


async def _echo(
    client: TestClient[web.Request, web.Application], method: str, path: str
) -> dict[str, object]:
    response = await client.request(method, path)
    assert response.status == 200, (method, path, response.status)
    assert response.content_type == "application/json"
    payload: dict[str, object] = await response.json()
    return payload


async def test_request_reaches_the_function_as_the_worker_builds_it() -> None:
    async with _serve(FIXTURES_DIR / "http_app") as client:
        response = await client.post(
            "/api/echo/a/b%20c?x=1&x=2&code=secret", data=b"payload", headers={"X-Trace": "t1"}
        )

        assert response.status == 200
        payload = await response.json()
        assert payload == {
            "method": "POST",
            "url": f"http://127.0.0.1:{client.port}/api/echo/a/b%20c?x=1&x=2&code=secret",
            "params": {"x": "1,2", "code": "secret"},
            "route_params": {"rest": "a/b c"},
            "body": "payload",
            "headers": {"x-trace": "t1"},
        }


async def test_constraints_and_precedence_choose_the_function() -> None:
    async with _serve(FIXTURES_DIR / "http_app") as client:
        assert (await _echo(client, "GET", "/api/items/5"))["route_params"] == {"id": "5"}
        assert (await _echo(client, "GET", "/api/items/widget"))["route_params"] == {"name": "widget"}
        latest = await client.get("/API/Items/LATEST")
        assert (latest.status, await latest.text()) == (200, "latest")
        deleted = await client.delete("/api/items/5")
        assert (deleted.status, await deleted.read()) == (204, b"")
        assert (await client.get("/api/items/5x")).status == 404


async def test_guid_length_optional_default_and_complex_segments() -> None:
    async with _serve(FIXTURES_DIR / "http_app") as client:
        guid = "c9a646d3-9c61-4cb7-bfcd-ee2522c8f633"
        assert (await _echo(client, "GET", f"/api/orders/{guid}"))["route_params"] == {"id": guid}
        assert (await client.get("/api/orders/not-a-guid")).status == 404
        assert (await _echo(client, "GET", "/api/codes/ab12x"))["route_params"] == {"code": "ab12x"}
        assert (await client.get("/api/codes/ab12")).status == 404
        assert (await _echo(client, "GET", "/api/pages"))["route_params"] == {}
        assert (await _echo(client, "GET", "/api/pages/3"))["route_params"] == {"page": "3"}
        assert (await client.get("/api/pages/three")).status == 404
        assert (await _echo(client, "GET", "/api/greet"))["route_params"] == {"lang": "en"}
        assert (await _echo(client, "GET", "/api/greet/fr"))["route_params"] == {"lang": "fr"}
        assert (await _echo(client, "GET", "/api/files/report.pdf"))["route_params"] == {
            "name": "report",
            "ext": "pdf",
        }
        assert (await _echo(client, "GET", "/api/files/README"))["route_params"] == {"name": "README"}


async def test_wrong_method_and_unknown_routes_are_empty_404s() -> None:
    async with _serve(FIXTURES_DIR / "http_app") as client:
        for method, path in [
            ("PUT", "/api/items/5"),
            ("HEAD", "/api/text"),
            ("GET", "/api/nowhere"),
            ("GET", "/api"),
        ]:
            response = await client.request(method, path)
            assert (response.status, await response.read()) == (404, b""), (method, path)


async def test_string_results_become_text_plain() -> None:
    async with _serve(FIXTURES_DIR / "http_app") as client:
        response = await client.get("/api/text")

        assert response.status == 200
        assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
        assert await response.text() == "just a string"


async def test_failures_and_unencodable_results_are_empty_500s() -> None:
    async with _serve(FIXTURES_DIR / "http_app") as client:
        for method, path in [
            ("GET", "/api/boom"),
            ("POST", "/api/boom"),
            ("GET", "/api/nothing"),
            ("GET", "/api/mapping"),
        ]:
            response = await client.request(method, path)
            assert (response.status, await response.read()) == (500, b""), (method, path)


async def test_http_response_status_headers_and_cookies_pass_through() -> None:
    async with _serve(FIXTURES_DIR / "http_app") as client:
        response = await client.get("/api/custom")

        assert response.status == 201
        assert response.headers["X-Custom"] == "yes"
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
        assert response.headers.getall("Set-Cookie") == ["a=1; Path=/", "b=2"]
        assert await response.text() == "created"


async def test_keys_are_not_required_locally_at_any_auth_level() -> None:
    async with _serve(FIXTURES_DIR / "http_app") as client:
        for kwargs in ({}, {"params": {"code": "anything"}}, {"headers": {"x-functions-key": "anything"}}):
            response = await client.get("/api/custom", **kwargs)  # type: ignore[arg-type]
            assert response.status == 201, kwargs


async def test_context_parameter_and_sibling_module() -> None:
    async with _serve(FIXTURES_DIR / "http_app") as client:
        response = await client.get("/api/whoami")

        assert await response.text() == "whoami GET handled by http_app"


async def test_request_body_limit_answers_413() -> None:
    async with _serve(FIXTURES_DIR / "http_app", max_body_bytes=10) as client:
        within = await client.post("/api/upload", data=b"x" * 10)
        assert (within.status, await within.text()) == (200, "10")
        too_big = await client.post("/api/upload", data=b"x" * 11)
        assert too_big.status == 413

        async def chunks() -> AsyncIterator[bytes]:
            for _ in range(4):
                yield b"xxxx"

        streamed = await client.post("/api/upload", data=chunks())
        assert streamed.status == 413


async def test_host_routes_ping_status_and_home_page() -> None:
    async with _serve(FIXTURES_DIR / "http_app") as client:
        for method in ("GET", "POST"):
            ping = await client.request(method, "/admin/host/ping")
            assert (ping.status, await ping.read()) == (200, b"")
        status = await client.get("/admin/host/status")
        assert status.status == 200
        assert (await status.json())["state"] == "Running"
        home = await client.get("/")
        assert home.status == 200
        assert "up and running" in await home.text()


async def test_durable_client_starter_gets_a_client_built_from_the_binding() -> None:
    async with _serve(FIXTURES_DIR / "plain_app", {"OTHER_HUB_SETTING": "OtherHub"}) as client:
        response = await client.get("/api/links/order-42")

        origin = f"http://127.0.0.1:{client.port}"
        status_uri = (
            f"{origin}/runtime/webhooks/durabletask/instances/order-42?taskHub=OtherHub&connection=Storage"
        )
        assert response.status == 202
        assert response.headers["Location"] == status_uri
        assert response.headers["Retry-After"] == "10"
        body = await response.json()
        assert body["id"] == "order-42"
        assert body["statusQueryGetUri"] == status_uri
        assert body["terminatePostUri"] == (
            f"{origin}/runtime/webhooks/durabletask/instances/order-42/terminate"
            "?reason={text}&taskHub=OtherHub&connection=Storage"
        )


async def test_starter_that_cannot_reach_the_management_api_fails_with_500() -> None:
    async with _serve(FIXTURES_DIR / "plain_app", {"OTHER_HUB_SETTING": "OtherHub"}) as client:
        response = await client.post("/api/orchestrators/hello_sequence")

        assert response.status == 500


async def test_empty_route_prefix_serves_functions_at_the_root() -> None:
    async with _serve(FIXTURES_DIR / "blueprint_app") as client:
        assert (await client.get("/start/greeting_workflow")).status == 404
        assert (await client.post("/api/start/greeting_workflow")).status == 404


def test_startup_listing_matches_func_start() -> None:
    with loaded_app(FIXTURES_DIR / "http_app") as app:
        listing = describe_functions(app.registry, "http://localhost:7071", app.settings.route_prefix)

        assert listing["echo"] == "http://localhost:7071/api/echo/{*rest}"
        assert listing["get_item"] == "[GET] http://localhost:7071/api/items/{id:int}"
        assert listing["boom"] == "[GET,POST] http://localhost:7071/api/boom"
    with loaded_app(FIXTURES_DIR / "blueprint_app") as app:
        listing = describe_functions(app.registry, "http://localhost:7071", app.settings.route_prefix)

        assert listing == {
            "start_greeting": "[POST] http://localhost:7071/start/{name}",
            "greeting_workflow": "orchestrationTrigger",
            "greet": "activityTrigger",
        }


def test_startup_listing_reports_unsupported_functions(tmp_path: Path) -> None:
    app_dir = write_app(
        tmp_path,
        """
        import azure.functions as func

        app = func.FunctionApp()


        @app.queue_trigger(arg_name="msg", queue_name="q", connection="AzureWebJobsStorage")
        def on_message(msg: func.QueueMessage) -> None:
            pass
        """,
    )
    with loaded_app(app_dir) as app:
        listing = describe_functions(app.registry, "http://localhost:7071", "api")

    assert listing == {
        "on_message": "queueTrigger (not supported: the 'queueTrigger' trigger is not implemented)"
    }


def test_listing_is_json_serialisable() -> None:
    with loaded_app(FIXTURES_DIR / "http_app") as app:
        listing = describe_functions(app.registry, "http://localhost:7071", "api")

    assert json.loads(json.dumps(listing)) == listing
