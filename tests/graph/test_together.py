"""`graph.driver.together`, and `in_chunks` on it: steps side by side; the first failure cancels the others (a failed
write batch must not leave the rest of a metrics run writing behind it) and is raised as itself."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from graph.driver import in_chunks, together


def test_results_come_back_in_order() -> None:
    async def value(x: int, delay: float) -> int:
        await asyncio.sleep(delay)
        return x

    assert asyncio.run(together(value(1, 0.02), value(2, 0.0), value(3, 0.01))) == [1, 2, 3]


def test_the_first_failure_cancels_the_others_and_is_raised() -> None:
    finished: list[str] = []
    cancelled: list[str] = []

    async def slow(name: str) -> None:
        try:
            await asyncio.sleep(5)
            finished.append(name)
        except asyncio.CancelledError:
            cancelled.append(name)
            raise

    async def failing() -> None:
        await asyncio.sleep(0.01)
        raise ValueError("batch 3 failed")

    async def run() -> None:
        with pytest.raises(ValueError, match="batch 3 failed"):
            await together(slow("a"), failing(), slow("b"))
        # Already cancelled and awaited when `together` raised (plain `gather` leaves them running
        # until the event loop shuts down).
        assert sorted(cancelled) == ["a", "b"]

    asyncio.run(run())
    assert finished == []


def test_chunks_run_at_most_parallel_at_a_time_and_come_back_in_order() -> None:
    running = [0]
    most = [0]

    async def work(part: Sequence[int]) -> list[int]:
        running[0] += 1
        most[0] = max(most[0], running[0])
        await asyncio.sleep(0.01 * (3 - part[0] % 3))  # later chunks finish first
        running[0] -= 1
        return list(part)

    found = asyncio.run(in_chunks(range(10), 3, 2, work))
    assert found == [[0, 1, 2], [3, 4, 5], [6, 7, 8], [9]] and most[0] == 2
