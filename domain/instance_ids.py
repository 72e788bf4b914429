"""Instance ids derived from business ids, so each workflow instance has one well-known address.

Business ids are validated `Identifier`s (see models.py), so these ids never contain the characters the
host rejects (`/ \\ # ?`, control characters, a leading `@`).
"""

from domain import names

# Instances the API starts carry their workflow in their id, so a list by workflow can filter by prefix
# in storage rather than after a page was read.
_WORKFLOW_PREFIXES = {
    names.ORDER_WORKFLOW: "order-",
    names.INGESTION_WORKFLOW: "ingest-",
    names.DEVICE_MONITOR: "monitor-",
}


def order_instance_id(order_id: str) -> str:
    return f"order-{order_id}"


def approval_instance_id(order_instance_id: str) -> str:
    """The approval sub-orchestration of an order: known in advance, so decisions can be routed to it."""
    return f"{order_instance_id}:approval"


def monitor_instance_id(device_id: str) -> str:
    """One monitor per device: starting a second one for the same device is a conflict."""
    return f"monitor-{device_id}"


def ingestion_batch_instance_id(parent_instance_id: str, batch_index: int) -> str:
    return f"{parent_instance_id}:batch-{batch_index:05d}"


def workflow_id_prefix(workflow: str | None) -> str | None:
    """The id prefix of the instances the API starts for `workflow`, if it has one."""
    return _WORKFLOW_PREFIXES.get(workflow or "")
