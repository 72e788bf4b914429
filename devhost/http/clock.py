"""`/admin/devhost/clock`: let tests move the devhost's clock instead of sleeping through timers.

`GET` answers `{"now", "time_skipping", "next_timer"}`. `POST` with `{"advance_seconds": N}` moves the
clock forward by N seconds, with `{"to_next_timer": true}` to the next pending durable timer; due timers
fire at once. Devhost-only: the real host has no such route.
"""

from __future__ import annotations

import json
from datetime import timedelta

from aiohttp import web

from devhost.protocol import format_timestamp
from devhost.runtime.clock import Clock
from devhost.runtime.timers import TimerService

CLOCK_PATH = "/admin/devhost/clock"


def add_clock_routes(app: web.Application, clock: Clock, timers: TimerService) -> None:
    async def show(request: web.Request) -> web.Response:
        return web.json_response(_describe(clock, timers))

    async def move(request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except json.JSONDecodeError:
            body = None
        if not isinstance(body, dict):
            return web.json_response(
                {"error": "send {'advance_seconds': N} or {'to_next_timer': true}"}, status=400
            )
        if body.get("to_next_timer"):
            target = timers.next_fire_at()
            if target is not None:
                clock.skip_to(target)
        else:
            seconds = body.get("advance_seconds")
            if not isinstance(seconds, int | float) or isinstance(seconds, bool) or seconds < 0:
                return web.json_response(
                    {"error": "advance_seconds must be a non-negative number"}, status=400
                )
            clock.skip_to(clock.now() + timedelta(seconds=seconds))
        timers.fire_due()
        timers.wake()
        return web.json_response(_describe(clock, timers))

    app.router.add_get(CLOCK_PATH, show)
    app.router.add_post(CLOCK_PATH, move)


def _describe(clock: Clock, timers: TimerService) -> dict[str, object]:
    upcoming = timers.next_fire_at()
    return {
        "now": format_timestamp(clock.now()),
        "time_skipping": clock.time_skipping,
        "next_timer": format_timestamp(upcoming) if upcoming else None,
        "pending_timers": len(timers),
    }
