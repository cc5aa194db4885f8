"""Fixtures the API tests share with the schema tests."""

import pytest

from tests.schema.conftest import counting

__all__ = ["FakeTime", "counting", "fake_time"]


class FakeTime:
    """Wall-clock time for the `limits` library's in-memory store and api/ratelimit.py, moved by
    hand. It starts 10 s into a minute (the store's windows are aligned on whole minutes)."""

    def __init__(self) -> None:
        self.now = 60_000_010.0

    def time(self) -> float:
        return self.now


@pytest.fixture
def fake_time(monkeypatch: pytest.MonkeyPatch) -> FakeTime:
    import limits.aio.storage.memory
    import limits.aio.strategies

    import api.ratelimit

    clock = FakeTime()
    for module in (limits.aio.storage.memory, limits.aio.strategies, api.ratelimit):
        monkeypatch.setattr(module, "time", clock)
    return clock
