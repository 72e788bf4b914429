"""The dashboard's static routes: content types, security headers, caching, and nothing outside its folder.
Also static guards on its sources: no markup parsing APIs, nothing fetched from another origin."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from devhost.http.dashboard import CONTENT_SECURITY_POLICY, STATIC_DIR, add_dashboard_routes, load_assets

EXPECTED_TYPES = {
    "index.html": "text/html; charset=utf-8",
    "app.js": "text/javascript; charset=utf-8",
    "timeline.js": "text/javascript; charset=utf-8",
    "style.css": "text/css; charset=utf-8",
    "favicon.svg": "image/svg+xml",
}
# Ways to turn a string into markup or code; the dashboard builds DOM nodes only.
FORBIDDEN_JS = re.compile(
    r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function|createContextualFragment"
)
URL = re.compile(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", re.IGNORECASE)


@pytest.fixture
async def client() -> AsyncIterator[TestClient[web.Request, web.Application]]:
    app = web.Application()
    add_dashboard_routes(app)

    async def fallback(request: web.Request) -> web.Response:
        return web.Response(text="function route")

    app.router.add_route("*", "/{path:.*}", fallback)  # like the devhost's catch-all function route
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


@pytest.mark.parametrize(("name", "content_type"), EXPECTED_TYPES.items())
async def test_files_are_served_with_their_content_type_and_a_strict_policy(
    client: TestClient[web.Request, web.Application], name: str, content_type: str
) -> None:
    response = await client.get(f"/dashboard/{name}")

    assert response.status == 200
    assert response.headers["Content-Type"] == content_type
    assert await response.read() == (STATIC_DIR / name).read_bytes()
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-cache"


def test_the_policy_allows_only_same_origin_code_and_no_markup_sinks() -> None:
    directives = dict(item.split(" ", 1) for item in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["default-src"] == "'none'"
    for directive in ("script-src", "style-src", "connect-src", "img-src"):
        assert directives[directive] == "'self'", directive
    assert directives["require-trusted-types-for"] == "'script'"
    assert directives["trusted-types"] == "'none'"
    assert "unsafe" not in CONTENT_SECURITY_POLICY


async def test_the_page_is_at_dashboard_slash(client: TestClient[web.Request, web.Application]) -> None:
    redirect = await client.get("/dashboard?taskHub=Other", allow_redirects=False)
    assert redirect.status == 302
    assert redirect.headers["Location"] == "/dashboard/?taskHub=Other"

    page = await client.get("/dashboard/")
    assert page.status == 200
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert await page.read() == (STATIC_DIR / "index.html").read_bytes()


async def test_unknown_and_outside_files_are_not_found(
    client: TestClient[web.Request, web.Application],
) -> None:
    for path in ("/dashboard/missing.js", "/dashboard/..%2Fdashboard.py", "/dashboard/%2e%2e%2fhost.py"):
        response = await client.get(path)
        assert response.status == 404, path
        assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    deeper = await client.get("/dashboard/static/app.js")
    assert await deeper.text() == "function route"  # not a dashboard file: left to the app's routes


async def test_an_unchanged_file_answers_304(client: TestClient[web.Request, web.Application]) -> None:
    first = await client.get("/dashboard/app.js")
    etag = first.headers["ETag"]

    again = await client.get("/dashboard/app.js", headers={"If-None-Match": etag})
    changed = await client.get("/dashboard/app.js", headers={"If-None-Match": '"other"'})

    assert again.status == 304
    assert await again.read() == b""
    assert changed.status == 200


async def test_head_requests_are_answered(client: TestClient[web.Request, web.Application]) -> None:
    response = await client.head("/dashboard/style.css")
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/css; charset=utf-8"


def test_only_known_file_types_are_served(tmp_path: Path) -> None:
    (tmp_path / "index.html").write_text("<!doctype html>")
    (tmp_path / "notes.txt").write_text("not served")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "deep.js").write_text("export {};")

    assert set(load_assets(tmp_path)) == {"index.html"}
    (tmp_path / "index.html").unlink()
    with pytest.raises(FileNotFoundError, match=r"no index\.html"):
        load_assets(tmp_path)


def test_scripts_never_parse_strings_as_markup_or_code() -> None:
    offending = {path.name: FORBIDDEN_JS.findall(path.read_text()) for path in STATIC_DIR.glob("*.js")}
    assert {name: found for name, found in offending.items() if found} == {}


def test_nothing_is_loaded_from_another_origin() -> None:
    for path in STATIC_DIR.iterdir():
        text = path.read_text()
        urls = [url for url in URL.findall(text) if url != "http://www.w3.org"]  # the SVG namespace name
        assert urls == [], f"{path.name} names {urls}"
    imports = re.findall(r"from \"([^\"]+)\"", "".join(p.read_text() for p in STATIC_DIR.glob("*.js")))
    assert imports
    assert all(module.startswith("./") for module in imports), imports
