"""Timer triggers: run each timer function on its NCRONTAB or TimeSpan schedule (UTC), like the host.

Schedules follow the wall clock even in time-skipping mode: only durable timers are skipped.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

from devhost.worker import FunctionFailed, Invoker
from devhost.worker.specs import TimerSpec

logger = logging.getLogger(__name__)


async def run_schedule(spec: TimerSpec, invoker: Invoker) -> None:
    """Invoke one timer function at each occurrence of its schedule until cancelled."""
    if spec.run_on_startup:
        await _invoke(spec, invoker, past_due=False)
    last = datetime.now(UTC)
    while True:
        due = spec.schedule.next_occurrence(last)
        if due is None:
            logger.warning(
                "timer function %s: schedule %r never fires", spec.function.name, spec.schedule_expression
            )
            return
        await asyncio.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()))
        last = due
        await _invoke(spec, invoker, past_due=(datetime.now(UTC) - due).total_seconds() > 1)


async def _invoke(spec: TimerSpec, invoker: Invoker, *, past_due: bool) -> None:
    outcome = await invoker.call_timer(spec, past_due=past_due)
    if isinstance(outcome, FunctionFailed):
        logger.error(
            "timer function %s failed: %s\n%s", spec.function.name, outcome.summary, outcome.traceback
        )
    else:
        logger.info("timer function %s ran", spec.function.name)
