"""Pure, synchronous pieces of the Durable protocol: history events, episodes, status rendering.

Nothing here performs I/O or imports aiohttp or the storage SDKs. Entry points:

- `run_episode` (episode.py): one orchestrator episode through the SDK's own replay -> `EpisodeResult`.
- `history` constructors for every event the runtime creates (start, completions, raise, terminate...).
- `activities` / `entities`: activity results and failures, entity requests, batches and replies.
- `render_status` / `status_http_code` (status.py): the status API's JSON and code.
- `pending_work` (recovery.py): outstanding work recomputed from a history, inputs by a replay
  (`replayed_inputs.scheduled_inputs`).
"""

from devhost.protocol.activities import (
    activity_completed,
    activity_failed,
    activity_result,
)
from devhost.protocol.context import ExecutionInfo, context_json
from devhost.protocol.entities import (
    EntityBatchOutcome,
    EntityRequest,
    EntityResponse,
    apply_entity_batch,
    entity_batch_request,
    scheduler_id,
    split_scheduler_id,
)
from devhost.protocol.episode import next_execution_started, run_episode
from devhost.protocol.errors import HistoryError, PayloadError, ProtocolError
from devhost.protocol.functions import HTTP_ACTIVITY_NAME, FunctionKind, RegisteredFunctions
from devhost.protocol.history import HistoryEvent, ParentInstance
from devhost.protocol.payloads import parse_to_jtoken, quote_json_string, recompact_json, to_compact_json
from devhost.protocol.recovery import PendingWork, pending_work
from devhost.protocol.replay import OrchestratorHandle
from devhost.protocol.status import render_history_events, render_status, status_http_code
from devhost.protocol.timefmt import format_status_time, format_timestamp, parse_timestamp
from devhost.protocol.types import ACTIVITY_RESULTS, EventType, InstanceRecord, RuntimeStatus
from devhost.protocol.work import (
    ActivityWork,
    EntityMessageWork,
    EpisodeResult,
    ParentNotification,
    SubOrchestrationWork,
    TimerWork,
)

__all__ = [
    "ACTIVITY_RESULTS",
    "HTTP_ACTIVITY_NAME",
    "ActivityWork",
    "EntityBatchOutcome",
    "EntityMessageWork",
    "EntityRequest",
    "EntityResponse",
    "EpisodeResult",
    "EventType",
    "ExecutionInfo",
    "FunctionKind",
    "HistoryError",
    "HistoryEvent",
    "InstanceRecord",
    "OrchestratorHandle",
    "ParentInstance",
    "ParentNotification",
    "PayloadError",
    "PendingWork",
    "ProtocolError",
    "RegisteredFunctions",
    "RuntimeStatus",
    "SubOrchestrationWork",
    "TimerWork",
    "activity_completed",
    "activity_failed",
    "activity_result",
    "apply_entity_batch",
    "context_json",
    "entity_batch_request",
    "format_status_time",
    "format_timestamp",
    "next_execution_started",
    "parse_timestamp",
    "parse_to_jtoken",
    "pending_work",
    "quote_json_string",
    "recompact_json",
    "render_history_events",
    "render_status",
    "run_episode",
    "scheduler_id",
    "split_scheduler_id",
    "status_http_code",
    "to_compact_json",
]
