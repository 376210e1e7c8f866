"""A connection is never reused after an unsolicited or over-long answer.

The server answers the first request, then writes a second, unsolicited answer ("poison") on
the same keep-alive connection: in the same write (an over-long answer), or a moment later
while the connection is idle in the pool. The next call must get its own answer, on a new
connection, whether the event loop ran between the two calls or not.
"""

from __future__ import annotations

import asyncio

import pytest

from tests.hostile.clients import answer_for, measure, run_calls
from tests.hostile.server import Conn, HostileServer

POISON = "poisoned"


def poisoning(mode: str):  # type: ignore[no-untyped-def]
    async def script(conn: Conn) -> None:
        first = True
        while (request := await conn.read_request()) is not None:
            if not first:
                await conn.send(answer_for(request))
                continue
            first = False
            if mode == "same-write":
                await conn.send(answer_for(request) + answer_for(request, POISON))
            elif mode == "extra-bytes":
                await conn.send(answer_for(request) + b"HTTP/1.1 200 OK\r\nContent-Le")
            else:
                await conn.send(answer_for(request))
                await asyncio.sleep(0.01)
                await conn.send(answer_for(request, POISON))

    return script


@pytest.mark.parametrize("pause", ["sleep", "block"])
@pytest.mark.parametrize("mode", ["same-write", "idle", "extra-bytes"])
def test_an_unsolicited_answer_never_reaches_the_next_call(
    server: HostileServer, path: str, mode: str, pause: str
) -> None:
    server.serve(poisoning(mode))
    outcome = measure(lambda: run_calls(path, server.base_url, calls=2, pause=pause))
    assert outcome.error is None, repr(outcome.error)
    assert outcome.value == ["hello", "hello"]
    if mode == "extra-bytes" and path.startswith("async"):
        # aiohttp gives every request a fresh parser: the stray half line is dropped with the
        # old one, so the connection may be reused, but never to read the wrong answer.
        assert server.connections in (1, 2)
    else:
        assert server.connections == 2  # the poisoned connection was not reused
    assert outcome.seconds < 5


def test_many_calls_after_poison_all_get_their_own_answer(server: HostileServer, path: str) -> None:
    server.serve(poisoning("same-write"))
    outcome = measure(lambda: run_calls(path, server.base_url, calls=6, pause="block"))
    assert outcome.error is None, repr(outcome.error)
    assert outcome.value == ["hello"] * 6
