"""Which durable functions exist, looked up like the extension does (case-insensitive names).

The extension refuses to schedule an activity, sub-orchestrator or entity it does not know and fails the
orchestration with `ThrowIfFunctionDoesNotExist`'s message; `missing_function_message` reproduces it.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field

HTTP_ACTIVITY_NAME = "BuiltIn::HttpActivity"
"""Reserved activity the extension runs for `call_http`; always known."""


class FunctionKind(enum.Enum):
    """The durable trigger kinds, with the word the extension's messages use."""

    ORCHESTRATOR = "orchestrator"
    ACTIVITY = "activity"
    ENTITY = "entity"


@dataclass(frozen=True)
class RegisteredFunctions:
    """The app's durable function names per kind, in registration order (as the messages list them)."""

    orchestrators: tuple[str, ...] = ()
    activities: tuple[str, ...] = ()
    entities: tuple[str, ...] = ()
    _lowered: dict[FunctionKind, frozenset[str]] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        lowered = {kind: frozenset(name.lower() for name in self.names(kind)) for kind in FunctionKind}
        object.__setattr__(self, "_lowered", lowered)

    @classmethod
    def of(
        cls,
        *,
        orchestrators: Iterable[str] = (),
        activities: Iterable[str] = (),
        entities: Iterable[str] = (),
    ) -> RegisteredFunctions:
        return cls(tuple(orchestrators), tuple(activities), tuple(entities))

    def names(self, kind: FunctionKind) -> tuple[str, ...]:
        if kind is FunctionKind.ORCHESTRATOR:
            return self.orchestrators
        if kind is FunctionKind.ACTIVITY:
            return self.activities
        return self.entities

    def has(self, kind: FunctionKind, name: str) -> bool:
        """Whether `name` is registered as `kind` (the HTTP activity counts as a registered activity)."""
        if kind is FunctionKind.ACTIVITY and name == HTTP_ACTIVITY_NAME:
            return True
        return name.lower() in self._lowered[kind]

    def missing_function_message(self, kind: FunctionKind, name: str) -> str:
        """The extension's `GetInvalid<Kind>FunctionMessage(name)` text."""
        word = kind.value
        message = f"The function '{name}' doesn't exist, is disabled, or is not an {word} function. "
        message += "Additional info: "
        known = self.names(kind)
        if known:
            listed = "', '".join(known)
            return message + f"The following are the known {word} functions: '{listed}'."
        return message + f"No {word} functions are currently registered!"
