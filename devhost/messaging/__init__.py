"""What the devhost reads from the Azure Storage provider's queues: real clients' control-queue messages.

`envelope` parses and writes the provider's `MessageData` JSON, `partitions` picks an instance's
control queue, `polling` is the idle back-off, `inbound` turns a message into the devhost's events,
`dispatch` into engine calls, and `ControlQueueReader` polls `<hub>-control-NN` and deletes each
message once what it asked for has committed.
"""

from devhost.messaging.control_queues import ControlQueueReader
from devhost.messaging.dispatch import Disposition, MessageDispatcher
from devhost.messaging.envelope import (
    MessageData,
    TaskMessage,
    build_message,
    large_message_blob_name,
    large_message_wrapper,
    needs_large_message_blob,
    parse_message,
    serialize_message,
)
from devhost.messaging.errors import InvalidMessageError, MessagingError
from devhost.messaging.partitions import (
    control_queue_for,
    control_queue_name,
    control_queue_names,
    fnv1a_32,
    partition_index,
)
from devhost.messaging.polling import Backoff, PollingOptions

__all__ = [
    "Backoff",
    "ControlQueueReader",
    "Disposition",
    "InvalidMessageError",
    "MessageData",
    "MessageDispatcher",
    "MessagingError",
    "PollingOptions",
    "TaskMessage",
    "build_message",
    "control_queue_for",
    "control_queue_name",
    "control_queue_names",
    "fnv1a_32",
    "large_message_blob_name",
    "large_message_wrapper",
    "needs_large_message_blob",
    "parse_message",
    "partition_index",
    "serialize_message",
]
