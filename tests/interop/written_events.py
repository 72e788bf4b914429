"""The history event types the devhost writes, read from its code rather than listed by hand.

A type counts when a public builder of `devhost.protocol.history` (a function returning `HistoryEvent`)
names it and another devhost module calls that builder. A new builder, or one newly put to use, changes
the set, so the interop test that wants every written type read back by the real client fails until
a scenario produces the new type.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import devhost
from devhost.protocol import history
from devhost.protocol.types import EventType

DEVHOST_DIR = Path(devhost.__file__).parent
HISTORY_MODULE = Path(history.__file__)


def history_builders() -> dict[str, frozenset[EventType]]:
    """Each public builder of `devhost.protocol.history` and the `EventType`s its body names."""
    tree = ast.parse(HISTORY_MODULE.read_text(encoding="utf-8"))
    builders: dict[str, frozenset[EventType]] = {}
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef) or node.name.startswith("_"):
            continue
        if node.returns is None or ast.unparse(node.returns) != "HistoryEvent":
            continue
        builders[node.name] = frozenset(
            EventType[name.attr]
            for name in ast.walk(node)
            if isinstance(name, ast.Attribute)
            and isinstance(name.value, ast.Name)
            and name.value.id == "EventType"
        )
    return builders


def called_builders() -> frozenset[str]:
    """The builders that devhost modules other than `history.py` call."""
    sources = "\n".join(
        path.read_text(encoding="utf-8")
        for path in sorted(DEVHOST_DIR.rglob("*.py"))
        if path != HISTORY_MODULE
    )
    return frozenset(name for name in history_builders() if re.search(rf"\b{name}\(", sources))


def written_event_types() -> frozenset[EventType]:
    """The event types of the builders the devhost calls."""
    builders = history_builders()
    return frozenset(event_type for name in called_builders() for event_type in builders[name])
