"""Abuse limits: token buckets per caller and role, query cost budgets, 429 with Retry-After."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator

import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

import api.ratelimit
from api.app import create_app
from api.auth.middleware import AuthMiddleware, sign
from api.ratelimit import CostBudget, RateLimiter, RequestLimits, retry_after
from graph.config import Settings
from graph.security.principal import Kind, Principal, Role
from tests.conftest import without_cost


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


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


def test_a_bucket_fills_to_a_minute_and_refills_evenly() -> None:
    clock = Clock()
    buckets = RateLimiter(clock)
    assert [buckets.take("k", 3) for _ in range(3)] == [0.0, 0.0, 0.0]
    assert buckets.take("k", 3) == 20.0  # one token every 20 s
    assert buckets.wait("k", 3) == 20.0
    clock.now += 5
    assert buckets.take("k", 3) == 15.0
    assert buckets.take("other", 3) == 0.0  # keys are independent
    clock.now += 15
    assert buckets.take("k", 3) == 0.0
    clock.now += 3600  # refills to the capacity, not beyond
    assert [buckets.take("k", 3) for _ in range(4)] == [0.0, 0.0, 0.0, 20.0]


def test_amounts_unlimited_and_impossible() -> None:
    buckets = RateLimiter(Clock())
    assert buckets.take("k", 100, 60) == 0.0
    assert buckets.take("k", 100, 50) == pytest.approx(6.0)  # 10 missing at 100/min
    assert buckets.take("k", 100, 101) == math.inf
    assert buckets.take("k", 0, 10**9) == 0.0  # 0: unlimited
    assert buckets.take("k", 100, 40) == 0.0  # refused requests took nothing


def test_idle_buckets_are_dropped_when_there_are_too_many(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(api.ratelimit, "MAX_KEYS", 2)
    clock = Clock()
    buckets = RateLimiter(clock)
    buckets.take("a", 1)
    clock.now += 61
    buckets.take("b", 1)
    clock.now += 1
    buckets.take("c", 1)  # "a" is full again: dropped to make room
    assert buckets.take("b", 1) == 59.0
    assert buckets.take("c", 1) == 60.0
    clock.now += 1
    buckets.take("d", 1)  # none idle: the most recent half ("c") stays
    assert buckets.take("c", 1) == 59.0
    assert buckets.take("b", 1) == 0.0  # forgotten: a fresh bucket


def test_retry_after_is_whole_seconds_at_least_one() -> None:
    assert [retry_after(s) for s in (0.001, 1.0, 1.2, 19.99, 20.0)] == ["1", "1", "2", "20", "20"]


def test_request_limits_follow_the_role(settings: Settings) -> None:
    clock = Clock()
    limits = RequestLimits(limited(settings, partner=2, analyst=4), clock)
    assert [limits.take(PARTNER) for _ in range(3)] == [0.0, 0.0, 30.0]
    assert limits.take(OTHER_PARTNER) == 0.0
    assert [limits.take(ANALYST) for _ in range(5)] == [0.0, 0.0, 0.0, 0.0, 15.0]
    same_id_other_kind = Principal("p1", Role.PARTNER, Kind.APIKEY, broker_id="partners:b1")
    assert limits.take(same_id_other_kind) == 0.0


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


def test_cost_budget(settings: Settings) -> None:
    clock = Clock()
    costs = dict.fromkeys(Role, 0) | {Role.PARTNER: 200}
    budget = CostBudget(settings.model_copy(update={"cost_limit_per_minute": costs}), clock)
    assert budget.limit(PARTNER) == 200 and budget.limit(ANALYST) == 0
    assert budget.charge(PARTNER, 150) == 0.0
    assert budget.charge(PARTNER, 100) == 15.0  # 50 left, 50 missing at 200 per minute
    assert budget.charge(PARTNER, 201) == math.inf  # never: refuse as too complex
    clock.now += 15
    assert budget.charge(PARTNER, 100) == 0.0
    assert budget.charge(ANALYST, 10**9) == 0.0


def whoami(request: Request) -> JSONResponse:
    principal: Principal = request.state.principal
    return JSONResponse({"id": principal.id, "role": principal.role})


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def limited_client(settings: Settings, clock: Clock) -> Iterator[TestClient]:
    """A bare app behind the middleware, with partners limited to 2 requests a minute."""
    app = Starlette(
        routes=[Route("/graphql", whoami, methods=["POST"])],
        middleware=[Middleware(AuthMiddleware, settings=limited(settings, partner=2), clock=clock)],
    )
    with TestClient(app) as client:
        yield client


def test_429_with_retry_after(settings: Settings, limited_client: TestClient, clock: Clock) -> None:
    partner, other = bearer(settings, PARTNER), bearer(settings, OTHER_PARTNER)
    post = limited_client.post
    assert [post("/graphql", headers=partner).status_code for _ in range(2)] == [200, 200]
    refused = post("/graphql", headers=partner | {"x-request-id": "req-429"})
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "30"
    assert refused.json() == {
        "errors": [
            {
                "message": "Too many requests; slow down.",
                "extensions": {"code": "RATE_LIMITED", "requestId": "req-429"},
            }
        ]
    }
    assert post("/graphql", headers=other).json() == {"id": "p2", "role": "partner"}
    clock.now += 29
    assert post("/graphql", headers=partner).headers["retry-after"] == "1"
    clock.now += 1
    assert post("/graphql", headers=partner).status_code == 200


def test_the_api_limits_requests(settings: Settings) -> None:
    app = create_app(limited(settings, partner=1))
    with TestClient(app) as client:
        headers = bearer(settings, PARTNER)
        first = client.post("/graphql", json={"query": "{ __typename }"}, headers=headers)
        assert (first.status_code, without_cost(first.json())) == (
            200,
            {"data": {"__typename": "Query"}},
        )
        second = client.post("/graphql", json={"query": "{ __typename }"}, headers=headers)
        assert second.status_code == 429
        assert second.headers["retry-after"] == "60"
        assert second.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
        assert client.get("/healthz").status_code == 200  # probes are never limited
