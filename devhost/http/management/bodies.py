"""Request bodies read as the extension reads them, and turned into the JSON text the engine stores.

Two Newtonsoft readers are in play:
- start (`JsonConvert.DeserializeObject`): the whole body must be one JSON value; a blank body is no
  input. The engine gets `DataConverter.Serialize(value)`: compact JSON, so the SDK's double-encoded
  body (a JSON string literal) stays a JSON string literal of the `df_dumps` text.
- raise event / signal entity (`MessagePayloadDataConverter.ConvertToJToken` = `JToken.Load`): the
  first JSON value of the body, text after it ignored; a blank body is invalid JSON.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

JSON_MEDIA_TYPE = "application/json"
_DECODER = json.JSONDecoder()


async def read_text(request: web.Request) -> str:
    """The body as text (`ReadAsStringAsync`: the declared charset, else UTF-8; a BOM is dropped)."""
    data = await request.read()
    try:
        text = data.decode(request.charset or "utf-8", errors="replace")
    except LookupError:
        text = data.decode("utf-8", errors="replace")
    return text.removeprefix("\ufeff")


def is_json_content(request: web.Request) -> bool:
    """Whether the Content-Type's media type is application/json (case-insensitive)."""
    content_type = request.headers.get("Content-Type", "")
    return content_type.split(";", 1)[0].strip().lower() == JSON_MEDIA_TYPE


def deserialize_object(text: str) -> Any:
    """`JsonConvert.DeserializeObject(text)`: None for a blank body; ValueError when not one JSON value."""
    if not text.strip():
        return None
    return json.loads(text)


def load_jtoken(text: str) -> Any:
    """`JToken.Load` over the text: the first JSON value; ValueError when there is none."""
    value, _ = _DECODER.raw_decode(text.lstrip())
    return value
