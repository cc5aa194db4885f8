"""Fixtures the API tests share with the schema tests."""

from collections.abc import Iterator

import pytest
from neo4j import Driver

from graph.config import Settings
from tests.factories import Graph
from tests.schema.conftest import counting

__all__ = ["FakeTime", "broker_id", "counting", "fake_time"]


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


@pytest.fixture(scope="module")
def broker_id(driver: Driver, settings: Settings) -> Iterator[str]:
    """The id of a broker that exists (the middleware checks a partner token's broker claim)."""
    g = Graph()
    broker = g.broker(f"Api Broker {g.tag}")
    g.save(driver, settings.neo4j_database)
    yield broker.id
    g.delete(driver, settings.neo4j_database)
