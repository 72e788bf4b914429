"""Retention: every night, purge finished instances older than `RETENTION_DAYS`, so history stays bounded."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import azure.durable_functions as df
import azure.functions as func

from domain.settings import retention_days

bp = df.Blueprint()
logger = logging.getLogger(__name__)

# The filtered purge API requires a lower bound on the creation time; nothing is older than this.
EARLIEST_CREATED = datetime(2000, 1, 1, tzinfo=UTC)
FINISHED = [
    df.OrchestrationRuntimeStatus.Completed,
    df.OrchestrationRuntimeStatus.Failed,
    df.OrchestrationRuntimeStatus.Terminated,
]


def purge_cutoff(now: datetime, days: int) -> datetime:
    return now - timedelta(days=days)


@bp.timer_trigger(schedule="0 30 3 * * *", arg_name="timer", run_on_startup=False, use_monitor=True)
@bp.durable_client_input(client_name="client")
async def purge_finished_instances(timer: func.TimerRequest, client: df.DurableOrchestrationClient) -> None:
    cutoff = purge_cutoff(datetime.now(UTC), retention_days())
    result = await client.purge_instance_history_by(
        created_time_from=EARLIEST_CREATED, created_time_to=cutoff, runtime_status=FINISHED
    )
    logger.info("Retention purge: %s finished instances created before %s", result.instances_deleted, cutoff)
