"""Which control queue serves an instance: `<hub>-control-NN`, NN = FNV-1a of the instance id mod N.

As `DurableTask.AzureStorage` (`Fnv1aHashHelper.cs`, `GetControlQueueAsync`): the 32-bit FNV-1a hash
of the instance id's UTF-8 bytes, modulo the task hub's partition count (host.json
`storageProvider.partitionCount`, 4 by default); queue names are the lower-cased hub name, `-control-`
and the index in two digits.
"""

from __future__ import annotations

FNV_OFFSET_BASIS = 2166136261
FNV_PRIME = 16777619
_UINT32 = 0xFFFFFFFF


def fnv1a_32(data: bytes) -> int:
    """The 32-bit FNV-1a hash of `data`."""
    value = FNV_OFFSET_BASIS
    for byte in data:
        value = ((value ^ byte) * FNV_PRIME) & _UINT32
    return value


def partition_index(instance_id: str, partition_count: int) -> int:
    """The index of the control queue that carries `instance_id`'s messages."""
    if partition_count < 1:
        raise ValueError(f"partition count must be at least 1, not {partition_count}")
    return fnv1a_32(instance_id.encode("utf-8")) % partition_count


def control_queue_name(hub: str, index: int) -> str:
    """`<hub>-control-NN` (queue names are lower-case)."""
    return f"{hub.lower()}-control-{index:02d}"


def control_queue_names(hub: str, partition_count: int) -> list[str]:
    """Every control queue of a task hub with `partition_count` partitions."""
    return [control_queue_name(hub, index) for index in range(partition_count)]


def control_queue_for(hub: str, instance_id: str, partition_count: int) -> str:
    """The control queue a client writes `instance_id`'s messages to."""
    return control_queue_name(hub, partition_index(instance_id, partition_count))
