"""Abuse limits: requests and query cost per caller per minute, by role, shared by every worker.

The budgets are counted by the `limits` library (a sliding-window counter: the current minute's
count plus the previous minute's, weighted by how much of it is still inside the last 60 s) on a
shared store: Redis when `REDIS_URL` is set, so N workers or replicas together allow the budget
once; this process's memory otherwise. A request takes 1 from its caller's request budget, a query
its estimated cost (api/limits.py) from the cost budget. The limits per role come from the
settings (`RATE_LIMIT_PER_MINUTE`, `COST_LIMIT_PER_MINUTE`; 0 means unlimited).

When the store cannot be reached the request goes on (fail open: an outage of Redis must not
become an outage of the API); it is logged and counted (`c360_limit_store_errors`).
Responses carry the draft IETF `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset`
headers of the request budget; refusals add `Retry-After`.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

from limits import RateLimitItemPerMinute
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.errors import StorageError
from limits.storage import storage_from_string
from prometheus_client import Counter

from graph.config import Settings
from graph.security.principal import Principal
from graph.telemetry.metrics import REFUSALS

log = logging.getLogger("customer360.ratelimit")

STORE_ERRORS = Counter(
    "c360_limit_store_errors", "Limit checks that could not reach the store (let through)."
)


def storage_uri(settings: Settings) -> str:
    """The `limits` storage of the settings: `async+redis://...` or `async+memory://`."""
    url = settings.redis_url
    if url is None:
        return "async+memory://"
    if url.startswith(("redis://", "rediss://")):
        return "async+" + url
    raise ValueError(f"REDIS_URL must start with redis:// or rediss://, not {url.split(':')[0]!r}")


@dataclass(frozen=True, slots=True)
class Decision:
    """The answer of a budget: may the request go on, and the budget's state after it."""

    allowed: bool
    limit: int  # per minute; 0: unlimited
    remaining: int
    reset_s: float  # seconds until the budget has room again (0.0: it has some now)
    impossible: bool = False  # the amount is larger than the whole budget

    @property
    def wait(self) -> float:
        """0.0 when allowed, inf when impossible, else the seconds to wait (at least 1)."""
        if self.allowed:
            return 0.0
        return math.inf if self.impossible else max(1.0, self.reset_s)

    def headers(self) -> list[tuple[bytes, bytes]]:
        """The RateLimit-* headers (none when unlimited)."""
        if self.limit <= 0:
            return []
        return [
            (b"ratelimit-limit", str(self.limit).encode()),
            (b"ratelimit-remaining", str(self.remaining).encode()),
            (b"ratelimit-reset", str(math.ceil(self.reset_s)).encode()),
        ]


UNLIMITED = Decision(True, 0, 0, 0.0)


class Budgets:
    """Per-minute budgets by key on one `limits` storage, under a namespace."""

    def __init__(self, uri: str, namespace: str) -> None:
        self.namespace = namespace
        self.storage = storage_from_string(uri, wrap_exceptions=True)
        self.strategy = SlidingWindowCounterRateLimiter(self.storage)

    def close(self) -> None:
        """Close the store's connections (Redis; nothing to do in memory)."""
        bridge = getattr(self.storage, "bridge", None)
        pool = getattr(getattr(bridge, "storage", None), "connection_pool", None)
        if pool is not None:
            pool.disconnect()

    async def take(self, key: str, per_minute: int, amount: int = 1) -> Decision:
        """Take `amount` from `key`'s budget, or take nothing and say how long to wait."""
        return await self._decide(key, per_minute, amount, take=True)

    async def check(self, key: str, per_minute: int, amount: int = 1) -> Decision:
        """Would `take` allow it? Takes nothing."""
        return await self._decide(key, per_minute, amount, take=False)

    async def _decide(self, key: str, per_minute: int, amount: int, *, take: bool) -> Decision:
        if per_minute <= 0:
            return UNLIMITED
        if amount > per_minute:
            return Decision(False, per_minute, 0, 0.0, impossible=True)
        item = RateLimitItemPerMinute(per_minute, namespace=self.namespace)
        try:
            if take:
                allowed = await self.strategy.hit(item, key, cost=amount)
            else:
                allowed = await self.strategy.test(item, key, cost=amount)
            stats = await self.strategy.get_window_stats(item, key)
        except StorageError as exc:
            STORE_ERRORS.inc()
            log.error("limit store unreachable; letting the request through: %s", exc.storage_error)
            return UNLIMITED
        reset = max(0.0, stats.reset_time - time.time())
        return Decision(allowed, per_minute, stats.remaining, 0.0 if allowed else reset)


def retry_after(seconds: float) -> str:
    """A `Retry-After` value: whole seconds, at least 1."""
    return str(max(1, math.ceil(seconds)))


class RequestLimits:
    """Requests per minute per caller, by role."""

    def __init__(self, settings: Settings, uri: str | None = None) -> None:
        self.per_minute = settings.rate_limit_per_minute
        self.budgets = Budgets(uri or storage_uri(settings), "c360-requests")

    async def take(self, principal: Principal) -> Decision:
        decision = await self.budgets.take(principal.key, self.per_minute[principal.role])
        if not decision.allowed:
            REFUSALS.labels("requests").inc()
        return decision


class FailureLimits:
    """Failed authentications per minute per client address."""

    def __init__(self, settings: Settings, uri: str | None = None) -> None:
        self.per_minute = settings.rate_limit_auth_failures_per_minute
        self.budgets = Budgets(uri or storage_uri(settings), "c360-auth-failures")

    async def wait(self, address: str) -> float:
        """Seconds until `address` may try again (0.0: now)."""
        decision = await self.budgets.check(address, self.per_minute)
        if not decision.allowed:
            REFUSALS.labels("auth_failures").inc()
        return decision.wait

    async def failed(self, address: str) -> None:
        await self.budgets.take(address, self.per_minute)


class CostBudget:
    """Query cost per minute per caller, by role. For the GraphQL layer, after estimating a cost:

    wait = await budget.charge(principal, cost)
    if wait == math.inf: refuse with QUERY_TOO_COMPLEX (the cost exceeds the role's budget)
    elif wait > 0: refuse with RATE_LIMITED and `Retry-After: retry_after(wait)`
    """

    def __init__(self, settings: Settings, uri: str | None = None) -> None:
        self.per_minute = settings.cost_limit_per_minute
        self.budgets = Budgets(uri or storage_uri(settings), "c360-cost")

    def limit(self, principal: Principal) -> int:
        """The largest cost one query may have for this caller (0: unlimited)."""
        return self.per_minute[principal.role]

    async def remaining(self, principal: Principal) -> int:
        """Whole cost units left in this caller's budget now (the role's limit when unused)."""
        decision = await self.budgets.check(principal.key, self.limit(principal), 0)
        return decision.remaining

    async def charge(self, principal: Principal, cost: int) -> float:
        decision = await self.budgets.take(principal.key, self.limit(principal), cost)
        if not decision.allowed:
            REFUSALS.labels("too_complex" if decision.impossible else "cost").inc()
        return decision.wait


class Limiters:
    """The three budgets of one app, on one store; `close` at shutdown."""

    def __init__(self, settings: Settings) -> None:
        uri = storage_uri(settings)
        self.requests = RequestLimits(settings, uri)
        self.failures = FailureLimits(settings, uri)
        self.cost = CostBudget(settings, uri)

    def close(self) -> None:
        for budgets in (self.requests.budgets, self.failures.budgets, self.cost.budgets):
            budgets.close()
