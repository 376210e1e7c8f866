"""The per-loop deadline watch: one timer for every attempt's deadline, asyncio.timeout's rules.

Each test drives :class:`DeadlineWatch` as ``_post_once`` does (``enter``, await, ``leave``) and
checks what ``asyncio.timeout_at`` would do: the deadline's own cancellation becomes
``TimeoutError``, any other cancellation stays ``CancelledError``, nested deadlines keep the
earliest, and the watch arms one timer, not one per call. The async client's use of it is
checked over real HTTP by tests/hostile/test_deadline.py and at the end of this file.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from typing import TypeVar

import pytest

from tests.hostile.clients import API_KEY, MESSAGES, MODEL
from tests.hostile.server import Conn, HostileServer, chat_body, json_response
from wenxin_core import AsyncWenxinClient
from wenxin_core._http.deadline_watch import DeadlineWatch, running_watch
from wenxin_core.errors import DeadlineExceededError

_T = TypeVar("_T")


async def within(watch: DeadlineWatch, seconds: float, awaitable: Awaitable[_T]) -> _T:
    """Await ``awaitable`` under a deadline ``seconds`` from now, as the async client does."""
    task = watch.enter(time.monotonic() + seconds)
    assert task is not None
    try:
        result = await awaitable
    except BaseException as exc:
        watch.leave(task, exc)
        raise
    watch.leave(task, None)
    return result


async def test_a_deadline_that_passes_is_a_timeout_error_in_time() -> None:
    watch = DeadlineWatch()
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        await within(watch, 0.05, asyncio.sleep(5))
    assert 0.04 <= time.monotonic() - started < 1.0
    assert len(watch) == 0
    assert asyncio.current_task().cancelling() == 0  # type: ignore[union-attr]


async def test_a_call_done_in_time_returns_and_leaves_nothing() -> None:
    watch = DeadlineWatch()
    assert await within(watch, 5, asyncio.sleep(0.01, result="done")) == "done"
    assert len(watch) == 0


async def test_another_cancellation_stays_a_cancellation() -> None:
    watch = DeadlineWatch()
    task = asyncio.create_task(within(watch, 5, asyncio.sleep(5)))
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert len(watch) == 0


async def test_a_cancellation_racing_the_deadline_is_not_swallowed() -> None:
    watch = DeadlineWatch()

    async def call() -> None:
        await within(watch, 0.02, asyncio.sleep(5))

    task = asyncio.create_task(call())
    await asyncio.sleep(0)  # the call is waiting under its deadline
    time.sleep(0.05)  # noqa: ASYNC251 (on purpose: the deadline passes, the loop held)
    task.cancel()  # ... and someone else cancels the task in the same turn of the loop
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_nested_deadlines_keep_the_earliest_and_restore_the_outer() -> None:
    watch = DeadlineWatch()

    async def inner_then_wait() -> str:
        await within(watch, 10, asyncio.sleep(0.01))  # a later inner deadline: the outer's
        await asyncio.sleep(5)  # still under the outer one
        return "late"

    started = time.monotonic()
    with pytest.raises(TimeoutError):
        await within(watch, 0.1, inner_then_wait())
    assert time.monotonic() - started < 1.0
    assert len(watch) == 0


async def test_many_calls_share_one_timer_and_each_gets_its_own_deadline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    watch = DeadlineWatch()
    armed: list[float] = []
    original = DeadlineWatch._arm

    def counted(self: DeadlineWatch, at: float) -> None:
        armed.append(at)
        original(self, at)

    monkeypatch.setattr(DeadlineWatch, "_arm", counted)
    outcomes = await asyncio.gather(
        *(within(watch, 300, asyncio.sleep(0.01, result=i)) for i in range(200)),
        within(watch, 0.05, asyncio.sleep(5)),
        return_exceptions=True,
    )
    assert outcomes[:200] == list(range(200))
    assert isinstance(outcomes[200], TimeoutError)
    assert len(armed) <= 3  # the first deadline, the earlier 0.05 s one, the next after it
    assert len(watch) == 0


async def test_each_running_loop_has_its_own_watch() -> None:
    here = running_watch()
    assert running_watch() is here
    other = await asyncio.to_thread(lambda: asyncio.run(_watch_of_new_loop()))
    assert other != id(here)


async def _watch_of_new_loop() -> int:
    return id(running_watch())


async def test_the_client_deadline_cuts_a_slow_answer() -> None:
    async def script(conn: Conn) -> None:
        if await conn.read_request() is None:
            return
        await asyncio.sleep(3)
        await conn.send(json_response(chat_body("late")))

    with HostileServer(script) as server:
        async with AsyncWenxinClient(
            MODEL,
            api_key=API_KEY,
            base_url=server.base_url + "/v2",
            max_retries=0,
            total_timeout=0.3,
        ) as client:
            started = time.monotonic()
            with pytest.raises(DeadlineExceededError):
                await client.chat(MESSAGES)
            assert time.monotonic() - started < 2.0
            assert len(running_watch()) == 0
            assert asyncio.current_task().cancelling() == 0  # type: ignore[union-attr]
