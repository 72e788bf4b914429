"""JSON payload text as the extension (Newtonsoft) produces and reads it.

The host keeps payloads as JSON *text*. Where it re-serializes a value it writes compact JSON
(`{"a":1}`, no spaces) without escaping non-ASCII; where it serializes a .NET string it writes a JSON
string literal of that text (the source of the SDK's "double encoding").
"""

from __future__ import annotations

import json
from typing import Any


def to_compact_json(value: Any) -> str:
    """`JToken.ToString(Formatting.None)` of a JSON value."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def recompact_json(text: str) -> str:
    """Parse JSON text and write it back compactly, as the host does with worker results."""
    return to_compact_json(json.loads(text))


def quote_json_string(text: str) -> str:
    """`JsonConvert.SerializeObject(string)`: the JSON string literal of `text`."""
    return json.dumps(text, ensure_ascii=False)


def parse_to_jtoken(text: str | None) -> Any:
    """The extension's `ParseToJToken`: JSON value of stored text, or the trimmed text when not JSON.

    `None` stays `None` (JSON null) and blank text becomes `""`, as in `DurableClient.ParseToJToken`.
    """
    if text is None:
        return None
    trimmed = text.strip()
    if not trimmed:
        return ""
    try:
        return json.loads(trimmed)
    except ValueError:
        return trimmed
