"""Abuse limits: budgets per caller and role on the `limits` library's store, query cost budgets,
429 with Retry-After, RateLimit-* headers (tests/api/test_shared_limits.py: shared by two apps)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import math
from collections.abc import AsyncIterator, Iterator

import pytest
from neo4j import Driver
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from api.app import create_app
from api.auth.middleware import AuthMiddleware, sign
from api.ratelimit import Budgets, CostBudget, RequestLimits, retry_after, storage_uri
from graph.config import Settings
from graph.driver import open_driver
from graph.security.principal import Kind, Principal, Role
from graph.telemetry.metrics import REFUSALS
from tests.api.conftest import FakeTime
from tests.conftest import without_cost
from tests.factories import Graph


def limited(settings: Settings, **per_minute: int) -> Settings:
    """The test settings with request limits for some roles (the others unlimited)."""
    limits = dict.fromkeys(Role, 0) | {Role(r): n for r, n in per_minute.items()}
    return settings.model_copy(update={"rate_limit_per_minute": limits})


PARTNER = Principal("p1", Role.PARTNER, Kind.TOKEN, broker_id="partners:b1")
OTHER_PARTNER = Principal("p2", Role.PARTNER, Kind.TOKEN, broker_id="partners:b2")
ANALYST = Principal("a1", Role.ANALYST, Kind.TOKEN)


def bearer(settings: Settings, who: Principal) -> dict[str, str]:
    token, _ = sign(settings, who, dt.timedelta(minutes=10))
    return {"authorization": f"Bearer {token}"}


def test_a_budget_is_a_sliding_minute(fake_time: FakeTime) -> None:
    async def go() -> None:
        budgets = Budgets("async+memory://", "t")
        taken = [await budgets.take("k", 3) for _ in range(4)]
        assert [d.allowed for d in taken] == [True, True, True, False]
        assert [d.remaining for d in taken] == [2, 1, 0, 0]
        assert taken[3].reset_s == 50.0  # 10 s into the minute: its count ends in 50 s
        assert taken[3].wait == 50.0
        assert (await budgets.take("other", 3)).allowed  # keys are independent
        fake_time.now += 50.5  # the next minute: the previous one's 3 weigh 3 x 59.5/60
        assert (await budgets.take("k", 3)).allowed
        assert not (await budgets.take("k", 3)).allowed
        fake_time.now += 60  # two minutes on: everything forgotten
        assert [(await budgets.take("k", 3)).allowed for _ in range(4)] == [True] * 3 + [False]

    asyncio.run(go())


def test_amounts_unlimited_and_impossible(fake_time: FakeTime) -> None:
    async def go() -> None:
        budgets = Budgets("async+memory://", "t")
        assert (await budgets.take("k", 100, 60)).allowed
        refused = await budgets.take("k", 100, 50)  # 40 left
        assert (refused.allowed, refused.remaining, refused.wait) == (False, 40, 50.0)
        impossible = await budgets.take("k", 100, 101)
        assert impossible.impossible and impossible.wait == math.inf
        assert (await budgets.take("k", 0, 10**9)).allowed  # 0: unlimited
        assert (await budgets.take("k", 100, 40)).allowed  # refused requests took nothing

    asyncio.run(go())


def test_headers_of_a_decision(fake_time: FakeTime) -> None:
    async def go() -> None:
        budgets = Budgets("async+memory://", "t")
        first = await budgets.take("k", 2)
        assert first.headers() == [
            (b"ratelimit-limit", b"2"),
            (b"ratelimit-remaining", b"1"),
            (b"ratelimit-reset", b"0"),
        ]
        assert (await budgets.take("k", 0)).headers() == []

    asyncio.run(go())


def test_retry_after_is_whole_seconds_at_least_one() -> None:
    assert [retry_after(s) for s in (0.001, 1.0, 1.2, 19.99, 20.0)] == ["1", "1", "2", "20", "20"]


def test_the_store_follows_redis_url(settings: Settings) -> None:
    assert storage_uri(settings.model_copy(update={"redis_url": None})) == "async+memory://"
    shared = settings.model_copy(update={"redis_url": "redis://127.0.0.1:6390/2"})
    assert storage_uri(shared) == "async+redis://127.0.0.1:6390/2"
    with pytest.raises(ValueError, match="redis://"):
        storage_uri(settings.model_copy(update={"redis_url": "http://x"}))


def test_request_limits_follow_the_role(settings: Settings, fake_time: FakeTime) -> None:
    async def go() -> None:
        limits = RequestLimits(limited(settings, partner=2, analyst=4), "async+memory://")
        assert [(await limits.take(PARTNER)).wait for _ in range(3)] == [0.0, 0.0, 50.0]
        assert (await limits.take(OTHER_PARTNER)).allowed
        analyst = [(await limits.take(ANALYST)).allowed for _ in range(5)]
        assert analyst == [True, True, True, True, False]
        same_id_other_kind = Principal("p1", Role.PARTNER, Kind.APIKEY, broker_id="partners:b1")
        assert (await limits.take(same_id_other_kind)).allowed

    before = REFUSALS.labels("requests")._value.get()
    asyncio.run(go())
    assert REFUSALS.labels("requests")._value.get() == before + 2


def test_the_default_limits_per_role() -> None:
    defaults = Settings(_env_file=None)
    assert defaults.rate_limit_per_minute == {
        Role.ADMIN: 1200,
        Role.ANALYST: 600,
        Role.ACCOUNT_TEAM: 600,
        Role.FRONTEND: 1200,
        Role.PARTNER: 120,
    }
    partial = Settings(_env_file=None, cost_limit_per_minute={Role.PARTNER: 1000})
    assert partial.cost_limit_per_minute == {
        Role.ADMIN: 2_000_000,
        Role.ANALYST: 2_000_000,
        Role.ACCOUNT_TEAM: 500_000,
        Role.FRONTEND: 1_000_000,
        Role.PARTNER: 1000,
    }


def test_cost_budget(settings: Settings, fake_time: FakeTime) -> None:
    async def go() -> None:
        costs = dict.fromkeys(Role, 0) | {Role.PARTNER: 200}
        budget = CostBudget(
            settings.model_copy(update={"cost_limit_per_minute": costs}), "async+memory://"
        )
        assert budget.limit(PARTNER) == 200 and budget.limit(ANALYST) == 0
        assert await budget.charge(PARTNER, 150) == 0.0
        assert await budget.charge(PARTNER, 100) == 50.0  # 50 left: wait for the window's end
        assert await budget.charge(PARTNER, 201) == math.inf  # never: refuse as too complex
        fake_time.now += 60  # 10 s into the next minute: 150 x 50/60 = 125 still count
        assert await budget.charge(PARTNER, 75) == 0.0
        assert await budget.charge(PARTNER, 1) > 0
        assert await budget.charge(ANALYST, 10**9) == 0.0

    before = [REFUSALS.labels(k)._value.get() for k in ("cost", "too_complex")]
    asyncio.run(go())
    after = [REFUSALS.labels(k)._value.get() for k in ("cost", "too_complex")]
    assert after == [before[0] + 2, before[1] + 1]


def whoami(request: Request) -> JSONResponse:
    principal: Principal = request.state.principal
    return JSONResponse({"id": principal.id, "role": principal.role})


@pytest.fixture(scope="module")
def partners(driver: Driver, settings: Settings) -> Iterator[tuple[Principal, Principal]]:
    """PARTNER and OTHER_PARTNER with brokers that exist (the middleware checks the claim)."""
    g = Graph()
    b1, b2 = g.broker(f"Limits One {g.tag}"), g.broker(f"Limits Two {g.tag}")
    g.save(driver, settings.neo4j_database)
    yield (
        dataclasses.replace(PARTNER, broker_id=b1.id),
        dataclasses.replace(OTHER_PARTNER, broker_id=b2.id),
    )
    g.delete(driver, settings.neo4j_database)


@pytest.fixture
def limited_client(settings: Settings, fake_time: FakeTime) -> Iterator[TestClient]:
    """A bare app behind the middleware, with partners limited to 2 requests a minute."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.driver = open_driver(settings)
        try:
            yield
        finally:
            await app.state.driver.close()

    app = Starlette(
        routes=[Route("/graphql", whoami, methods=["POST"])],
        lifespan=lifespan,
        middleware=[Middleware(AuthMiddleware, settings=limited(settings, partner=2))],
    )
    with TestClient(app) as client:
        yield client


def test_429_with_retry_after_and_ratelimit_headers(
    settings: Settings,
    limited_client: TestClient,
    fake_time: FakeTime,
    partners: tuple[Principal, Principal],
) -> None:
    partner, other = bearer(settings, partners[0]), bearer(settings, partners[1])
    post = limited_client.post
    answers = [post("/graphql", headers=partner) for _ in range(2)]
    assert [a.status_code for a in answers] == [200, 200]
    assert [a.headers["ratelimit-remaining"] for a in answers] == ["1", "0"]
    assert {a.headers["ratelimit-limit"] for a in answers} == {"2"}
    refused = post("/graphql", headers=partner | {"x-request-id": "req-429"})
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "50"
    assert refused.headers["ratelimit-remaining"] == "0"
    assert refused.headers["ratelimit-reset"] == "50"
    assert refused.json() == {
        "errors": [
            {
                "message": "Too many requests; slow down.",
                "extensions": {"code": "RATE_LIMITED", "requestId": "req-429"},
            }
        ]
    }
    assert post("/graphql", headers=other).json() == {"id": "p2", "role": "partner"}
    fake_time.now += 49
    assert post("/graphql", headers=partner).headers["retry-after"] == "1"
    fake_time.now += 31  # 20 s into the next minute: the 2 of the last weigh 2 x 40/60
    assert post("/graphql", headers=partner).status_code == 200


def test_the_api_limits_requests(
    settings: Settings, fake_time: FakeTime, partners: tuple[Principal, Principal]
) -> None:
    app = create_app(limited(settings, partner=1))
    with TestClient(app) as client:
        headers = bearer(settings, partners[0])
        first = client.post("/graphql", json={"query": "{ __typename }"}, headers=headers)
        assert (first.status_code, without_cost(first.json())) == (
            200,
            {"data": {"__typename": "Query"}},
        )
        assert first.headers["ratelimit-limit"] == "1"
        second = client.post("/graphql", json={"query": "{ __typename }"}, headers=headers)
        assert second.status_code == 429
        assert second.headers["retry-after"] == "50"
        assert second.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
        assert client.get("/healthz").status_code == 200  # probes are never limited
