"""The dashboard at `/dashboard/`: static files for a browser UI over the public Durable management API.

The page is plain JavaScript modules (no build step, no third-party code, nothing fetched from the
network) that only call `/runtime/webhooks/durabletask/...`, so the same files work against any host
that serves that API. The files are read once, at registration, and served with explicit content
types, an ETag and a strict Content-Security-Policy: same-origin scripts, styles and requests only, no
inline code, and Trusted Types enforced so that no data string can ever be parsed as markup.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

logger = logging.getLogger(__name__)

DASHBOARD_PATH = "/dashboard"
STATIC_DIR = Path(__file__).parent / "static" / "dashboard"
INDEX_FILE = "index.html"
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
}
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
        "require-trusted-types-for 'script'",
        "trusted-types 'none'",
    )
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}


@dataclass(frozen=True)
class StaticAsset:
    """One file of the dashboard, ready to serve."""

    body: bytes
    content_type: str
    etag: str


def load_assets(directory: Path = STATIC_DIR) -> dict[str, StaticAsset]:
    """The files of `directory` with a known content type, by file name (sub-folders are not served)."""
    assets: dict[str, StaticAsset] = {}
    for path in sorted(directory.iterdir()):
        content_type = CONTENT_TYPES.get(path.suffix)
        if content_type is None or not path.is_file():
            continue
        body = path.read_bytes()
        assets[path.name] = StaticAsset(body, content_type, f'"{hashlib.sha256(body).hexdigest()[:32]}"')
    if INDEX_FILE not in assets:
        raise FileNotFoundError(f"the dashboard has no {INDEX_FILE} in {directory}")
    return assets


def add_dashboard_routes(
    app: web.Application, *, path: str = DASHBOARD_PATH, directory: Path = STATIC_DIR
) -> None:
    """Serve the dashboard under `path` (`GET path/` is the page; `GET path` redirects there).

    Register before `add_function_routes`, whose catch-all route would shadow these.
    """
    assets = load_assets(directory)
    base = "/" + path.strip("/")

    async def redirect(request: web.Request) -> web.StreamResponse:
        raise web.HTTPFound(request.rel_url.with_path(base + "/").with_query(request.rel_url.query))

    async def serve(request: web.Request) -> web.StreamResponse:
        asset = assets.get(request.match_info.get("name", INDEX_FILE))
        if asset is None:
            return web.Response(status=404, text="Not found", headers=SECURITY_HEADERS)
        headers = {**SECURITY_HEADERS, "ETag": asset.etag, "Cache-Control": "no-cache"}
        if asset.etag in request.headers.get("If-None-Match", ""):
            return web.Response(status=304, headers=headers)
        return web.Response(body=asset.body, headers={**headers, "Content-Type": asset.content_type})

    app.router.add_get(base, redirect)
    app.router.add_get(base + "/", serve)
    app.router.add_get(base + "/{name}", serve)
    logger.debug("dashboard: %d files under %s/", len(assets), base)
