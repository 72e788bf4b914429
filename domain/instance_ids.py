"""Instance ids derived from business ids, so each workflow instance has one well-known address.

Business ids are validated `Identifier`s (see models.py), so these ids never contain the characters the
host rejects (`/ \\ # ?`, control characters, a leading `@`).
"""


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
