"""The data version read once for all requests that ask at the same time, never staler than
the moment each of them asked."""

from __future__ import annotations

import asyncio

from app.core.direct import Rows, SharedRead


class Database:
    """A read sees the value as it was when the read started, then waits for ``go``."""

    def __init__(self) -> None:
        self.value = 0
        self.reads = 0
        self.go = asyncio.Event()

    async def read(self) -> Rows:
        self.reads += 1
        seen = self.value
        await self.go.wait()
        return [(seen,)]


async def _settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


def test_callers_arriving_during_a_read_share_the_next_one_and_see_earlier_writes():
    async def scenario() -> tuple[list[Rows], int]:
        db = Database()
        shared = SharedRead(db.read)
        first = asyncio.create_task(shared.read())
        await _settle()
        db.value = 1  # committed after the first caller asked, before the others did
        later = [asyncio.create_task(shared.read()) for _ in range(10)]
        await _settle()
        db.go.set()
        return await asyncio.gather(first, *later), db.reads

    answers, reads = asyncio.run(scenario())
    assert answers[0] == [(0,)]
    assert answers[1:] == [[(1,)]] * 10
    assert reads == 2


def test_a_cancelled_caller_does_not_strand_those_waiting_for_the_next_read():
    async def scenario() -> tuple[Rows, Rows, bool]:
        db = Database()
        shared = SharedRead(db.read)
        first = asyncio.create_task(shared.read())
        await _settle()
        waiting = asyncio.create_task(shared.read())
        await _settle()
        first.cancel()
        db.go.set()
        answer = await asyncio.wait_for(waiting, 5)
        return answer, await shared.read(), shared.busy

    answer, after, busy = asyncio.run(scenario())
    assert answer == [(0,)]
    assert after == [(0,)]
    assert busy is False
