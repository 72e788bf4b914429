"""Table keys as DurableTask.AzureStorage writes them (`Tracking/KeySanitation.cs`, `ToString("X16")`).

Instance ids become PartitionKeys with `^` as escape character: `^`->`^^`, `/`->`^0`, `\\`->`^1`,
`#`->`^2`, `?`->`^3`, and control characters (U+0000-U+001F, U+007F-U+009F) -> `^` + the character
shifted by U+00C0 ('À'). Everything else, unicode included, is kept as is.
"""

from __future__ import annotations

import re

SENTINEL_ROW_KEY = "sentinel"

_ESCAPE = "^"
_SHIFT = 0xC0
_NEEDS_ESCAPE = re.compile(r"[\^/\\#?\x00-\x1f\x7f-\x9f]")
_ESCAPED = re.compile(r"\^(.)", re.DOTALL)
_ESCAPES = {"^": "^^", "/": "^0", "\\": "^1", "#": "^2", "?": "^3"}
_UNESCAPES = {"^": "^", "0": "/", "1": "\\", "2": "#", "3": "?"}


def escape_partition_key(instance_id: str) -> str:
    """The PartitionKey of an instance id (`KeySanitation.EscapePartitionKey`)."""
    if _NEEDS_ESCAPE.search(instance_id) is None:
        return instance_id
    return _NEEDS_ESCAPE.sub(_escape_char, instance_id)


def unescape_partition_key(partition_key: str) -> str:
    """The instance id of a PartitionKey (`KeySanitation.UnescapePartitionKey`)."""
    if _ESCAPE not in partition_key:
        return partition_key
    return _ESCAPED.sub(_unescape_char, partition_key)


def history_row_key(sequence_number: int) -> str:
    """The RowKey of the event at `sequence_number` in its execution's history: 16 upper-case hex digits."""
    return f"{sequence_number:016X}"


def _escape_char(match: re.Match[str]) -> str:
    char = match.group()
    return _ESCAPES.get(char) or _ESCAPE + chr(ord(char) + _SHIFT)


def _unescape_char(match: re.Match[str]) -> str:
    char = match.group(1)
    known = _UNESCAPES.get(char)
    if known is not None:
        return known
    # Like the provider: a shifted control character goes back down, anything below the shift stays.
    code = ord(char)
    return char if code < _SHIFT else chr(code - _SHIFT)
