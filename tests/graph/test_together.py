"""`graph.driver.together`: steps side by side; the first failure cancels the others (a failed
write batch must not leave the rest of a metrics run writing behind it) and is raised as itself."""

from __future__ import annotations

import asyncio

import pytest

from graph.driver import together


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
