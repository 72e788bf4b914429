"""The captured queue messages (golden/) as the text the provider put on the queue."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

GOLDEN = Path(__file__).parent / "golden"


def wire_text(document: Any) -> str:
    """The queue text of a captured message: Newtonsoft writes compact JSON, non-ASCII unescaped."""
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"))


def client_messages() -> list[dict[str, Any]]:
    """Start, raise and terminate as a `TaskHubClient` writes them (instance `wf-42`)."""
    messages: list[dict[str, Any]] = json.loads((GOLDEN / "client-messages.json").read_text())
    return messages


def queue_writes(capture: str) -> list[tuple[str, dict[str, Any]]]:
    """(queue name, message) of every queue write in a `*-requests.json` capture."""
    requests = json.loads((GOLDEN / capture).read_text())
    return [
        (request["url"].split("/", 1)[0], request["message"])
        for request in requests
        if request.get("message") is not None
    ]
