"""One timer for the deadlines of every concurrent attempt on an event loop.

``asyncio.timeout_at`` arms a timer per attempt: a ``Timeout`` object, a bound method and a
``TimerHandle`` pushed on the loop's heap (ordered by Python-level comparisons), cancelled when
the attempt ends and left on the heap until the loop sweeps it. At hundreds of calls in flight
that is a measurable share of each call's CPU, and objects the garbage collector promotes.

A :class:`DeadlineWatch` keeps each watched task's deadline in a dict. One timer, due at the
earliest deadline, cancels the tasks whose time has passed; the attempt then turns that
cancellation into ``TimeoutError`` as ``asyncio.timeout`` does (``Task.uncancel``), so a
cancellation from anywhere else still propagates as ``CancelledError``. With the default
``total_timeout`` (300 s) a call adds a dict entry and removes it: no timer of its own.

Python 3.11+ (``Task.uncancel``); the 3.10 path keeps :meth:`Deadline.run`.
"""

from __future__ import annotations

import asyncio
import math
import time
import weakref

__all__ = ["DeadlineWatch", "running_watch"]

_Entry = tuple[float, "_Entry | None", int]
"""A watched task's deadline (loop clock), its entry before (nested watches), and the number
of cancellation requests it had when watched."""


class DeadlineWatch:
    """The deadlines of the tasks of one event loop, and the one timer that enforces them."""

    __slots__ = ("__weakref__", "_due", "_fired", "_timer", "_timer_at")

    def __init__(self) -> None:
        self._due: dict[asyncio.Task[object], _Entry] = {}
        self._fired: set[asyncio.Task[object]] = set()
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = math.inf

    def __len__(self) -> int:
        """How many tasks are watched now."""
        return len(self._due)

    def enter(self, ends: float) -> asyncio.Task[object] | None:
        """Watch the current task until ``ends`` (``time.monotonic()``); return the task.

        ``None`` (nothing watched) outside a task. Every :meth:`enter` that returns a task is
        paired with one :meth:`leave` of it (nested watches of one task keep the earliest
        deadline and are restored in turn).
        """
        task: asyncio.Task[object] | None = asyncio.current_task()
        if task is None:
            return None
        at = asyncio.get_running_loop().time() + (ends - time.monotonic())
        previous = self._due.get(task)
        if previous is not None and previous[0] < at:
            at = previous[0]
        self._due[task] = (at, previous, task.cancelling())
        if at < self._timer_at:
            self._arm(at)
        return task

    def leave(self, task: asyncio.Task[object], exc: BaseException | None) -> None:
        """Stop watching ``task``; ``exc``: the exception its attempt is leaving with, if any.

        Raises:
            TimeoutError: the deadline fired and ``exc`` is the cancellation it caused.

        """
        _, previous, cancelling = self._due.pop(task)
        if previous is not None:
            self._due[task] = previous
        if task not in self._fired:
            return
        self._fired.discard(task)
        if task.uncancel() <= cancelling and isinstance(exc, asyncio.CancelledError):
            raise TimeoutError("total_timeout passed") from None

    def _arm(self, at: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer = asyncio.get_running_loop().call_at(at, self._fire)
        self._timer_at = at

    def _fire(self) -> None:
        """Cancel every task whose deadline passed; set the timer for the next deadline."""
        self._timer, self._timer_at = None, math.inf
        now = asyncio.get_running_loop().time()
        earliest = math.inf
        for task, (at, _, _) in list(self._due.items()):
            if at <= now:
                if task not in self._fired:
                    self._fired.add(task)
                    task.cancel()
            elif at < earliest:
                earliest = at
        if earliest < math.inf:
            self._arm(earliest)


_WATCHES: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, DeadlineWatch] = (
    weakref.WeakKeyDictionary()
)


def running_watch() -> DeadlineWatch:
    """The running event loop's :class:`DeadlineWatch` (made on first use, gone with the loop)."""
    loop = asyncio.get_running_loop()
    watch = _WATCHES.get(loop)
    if watch is None:
        watch = _WATCHES[loop] = DeadlineWatch()
    return watch
