"""A task hub's state in Azure Storage, in DurableTask.AzureStorage's exact format.

`TaskHub` owns the resources; `HistoryStore` the `<Hub>History` rows (one batch per episode, sentinel
ETag for optimistic concurrency); `InstanceStore` the `<Hub>Instances` rows; `HubLease` the app lease.
"""

from devhost.tracking.errors import HistoryFormatError, HubBusyError, InvalidTaskHubNameError, TrackingError
from devhost.tracking.history import HistoryStore, LoadedHistory
from devhost.tracking.history_rows import event_to_row, row_to_event
from devhost.tracking.instances import InstanceStore, record_to_row, row_to_record
from devhost.tracking.keys import escape_partition_key, history_row_key, unescape_partition_key
from devhost.tracking.lease import HubLease
from devhost.tracking.names import TaskHubNames
from devhost.tracking.payloads import LargePayloads
from devhost.tracking.taskhub import PurgeResult, TaskHub

__all__ = [
    "HistoryFormatError",
    "HistoryStore",
    "HubBusyError",
    "HubLease",
    "InstanceStore",
    "InvalidTaskHubNameError",
    "LargePayloads",
    "LoadedHistory",
    "PurgeResult",
    "TaskHub",
    "TaskHubNames",
    "TrackingError",
    "escape_partition_key",
    "event_to_row",
    "history_row_key",
    "record_to_row",
    "row_to_event",
    "row_to_record",
    "unescape_partition_key",
]
