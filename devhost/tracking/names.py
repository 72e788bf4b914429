"""Names of a task hub's tables, containers and blobs, as the Azure Storage provider derives them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from devhost.tracking.errors import InvalidTaskHubNameError

_VALID_HUB_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]{2,44}")


@dataclass(frozen=True)
class TaskHubNames:
    """`<Hub>History`, `<Hub>Instances` keep the hub's case; containers and blobs are lower-case."""

    hub: str
    history_table: str
    instances_table: str
    large_messages_container: str
    lease_container: str
    lease_info_blob: str

    @classmethod
    def for_hub(cls, hub: str) -> TaskHubNames:
        """The resource names of task hub `hub` (InvalidTaskHubNameError if it is not a valid name)."""
        if _VALID_HUB_NAME.fullmatch(hub) is None:
            raise InvalidTaskHubNameError(
                f"invalid task hub name {hub!r}: use 3-45 letters and digits, starting with a letter"
            )
        lower = hub.lower()
        return cls(
            hub=hub,
            history_table=f"{hub}History",
            instances_table=f"{hub}Instances",
            large_messages_container=f"{lower}-largemessages",
            lease_container=f"{lower}-applease",
            lease_info_blob=f"{lower}-appleaseinfo",
        )
