"""The host's `functionTimeout`: stop waiting for a function that runs too long.

The Functions host fails the invocation with `FunctionTimeoutException` ("Timeout value of 00:05:00
was exceeded by function: Functions.slow") and, for an out-of-process worker, restarts the worker
process. The devhost runs functions in its own process and cannot stop a thread, so:

- an `async def` function is cancelled (`CancelledError` at its current `await`);
- a sync function's thread keeps running until the function returns; its result is discarded, and it
  holds one thread of the pool meanwhile (a function that never returns holds it for good).

The time counts from when the function starts running, not from when it was queued for a thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor
from datetime import timedelta
from typing import TypeVar

T = TypeVar("T")


class FunctionTimeoutError(Exception):
    """The function ran past `functionTimeout`; the message is the host's `FunctionTimeoutException` text."""

    def __init__(self, function_name: str, timeout_s: float) -> None:
        limit = format_timespan(timeout_s)
        super().__init__(f"Timeout value of {limit} was exceeded by function: Functions.{function_name}")


def format_timespan(seconds: float) -> str:
    """A duration as .NET prints a TimeSpan: `[d.]hh:mm:ss[.fffffff]`."""
    span = timedelta(seconds=seconds)
    minutes, secs = divmod(span.seconds, 60)
    hours, minutes = divmod(minutes, 60)
    text = f"{hours:02d}:{minutes:02d}:{secs:02d}"
    if span.days:
        text = f"{span.days}.{text}"
    if span.microseconds:
        text += f".{span.microseconds * 10:07d}"
    return text


async def within(awaitable: Awaitable[T], timeout_s: float | None, function_name: str) -> T:
    """Await `awaitable` for at most `timeout_s` (None: no limit); FunctionTimeoutError past it."""
    if timeout_s is None:
        return await awaitable
    limit = asyncio.timeout(timeout_s)
    try:
        async with limit:
            return await awaitable
    except TimeoutError:
        if limit.expired():
            raise FunctionTimeoutError(function_name, timeout_s) from None
        raise  # the function's own TimeoutError


async def in_thread(
    executor: Executor, call: Callable[[], T], timeout_s: float | None, function_name: str
) -> T:
    """Run `call` in `executor`; the time limit starts once a thread has picked it up.

    The thread notes when it starts (no wake-up of the event loop for that: one cross-thread wake-up
    per call, for the result, keeps a quick function quick); the wait is extended by the time the
    call spent queued for a thread.
    """
    loop = asyncio.get_running_loop()
    started_at: list[float] = []

    def run() -> T:
        started_at.append(loop.time())  # loop.time() is the monotonic clock, safe from any thread
        return call()

    result = loop.run_in_executor(executor, run)
    if timeout_s is None:
        return await result
    deadline = loop.time() + timeout_s
    while True:
        try:
            done, _ = await asyncio.wait([result], timeout=max(0.0, deadline - loop.time()))
        except asyncio.CancelledError:
            result.cancel()  # a call still queued for a thread never runs
            raise
        if done:
            return result.result()
        if started_at and loop.time() >= started_at[0] + timeout_s:
            raise FunctionTimeoutError(function_name, timeout_s)
        deadline = (started_at[0] if started_at else loop.time()) + timeout_s
