"""What every management handler needs: the engine's operations and the hub the links name."""

from __future__ import annotations

from dataclasses import dataclass

from devhost.runtime.operations import Operations


@dataclass(frozen=True)
class ApiContext:
    """One registration of the management routes.

    Attributes:
        operations: the engine's client operations.
        hub_name: the task hub named in management links when the request names none.
        connection_name: the storage connection named in management links when the request names none.
    """

    operations: Operations
    hub_name: str
    connection_name: str
