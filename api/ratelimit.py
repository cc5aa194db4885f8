"""Abuse limits: token buckets per caller, for requests and for query cost.

A bucket holds up to `per_minute` tokens and refills at `per_minute / 60` per second; a request
takes one token, a query takes its estimated cost (api/limits.py). The limits per role come from
the settings (`RATE_LIMIT_PER_MINUTE`, `COST_LIMIT_PER_MINUTE`; 0 means unlimited).

The buckets live in this process's memory: with several workers or hosts each one allows the full
rate, so a multi-process deployment that needs exact limits must keep the buckets in a shared
store (Redis or the like) behind the same `take` interface.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from graph.config import Settings
from graph.security.principal import Principal

MAX_KEYS = 100_000


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """Token buckets by key."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._buckets: dict[str, _Bucket] = {}

    def wait(self, key: str, per_minute: int, amount: float = 1.0) -> float:
        """Seconds until `amount` tokens are there (0.0: now; inf: never, above the capacity)."""
        if per_minute <= 0:
            return 0.0
        if amount > per_minute:
            return math.inf
        bucket = self._bucket(key, per_minute)
        return max(0.0, (amount - bucket.tokens) * 60.0 / per_minute)

    def level(self, key: str, per_minute: int) -> float:
        """Tokens in the bucket now (a full bucket for a new key; inf when unlimited)."""
        if per_minute <= 0:
            return math.inf
        return self._bucket(key, per_minute).tokens

    def take(self, key: str, per_minute: int, amount: float = 1.0) -> float:
        """Take `amount` tokens and return 0.0, or take nothing and return `wait`'s answer."""
        waiting = self.wait(key, per_minute, amount)
        if waiting == 0.0 and per_minute > 0:
            self._buckets[key].tokens -= amount
        return waiting

    def _bucket(self, key: str, per_minute: int) -> _Bucket:
        now = self.clock()
        bucket = self._buckets.get(key)
        if bucket is None:
            if len(self._buckets) >= MAX_KEYS:
                self._forget_full(now)
            bucket = self._buckets[key] = _Bucket(float(per_minute), now)
        else:
            refill = (now - bucket.updated) * per_minute / 60.0
            bucket.tokens = min(float(per_minute), bucket.tokens + refill)
            bucket.updated = now
        return bucket

    def _forget_full(self, now: float) -> None:
        """Drop buckets idle for a minute or more (full again, as good as new); if there are still
        too many, keep the most recently used half."""
        kept = {k: b for k, b in self._buckets.items() if now - b.updated < 60.0}
        if len(kept) >= MAX_KEYS:
            newest = sorted(kept.items(), key=lambda item: item[1].updated)[-(MAX_KEYS // 2) :]
            kept = dict(newest)
        self._buckets = kept


def retry_after(seconds: float) -> str:
    """A `Retry-After` value: whole seconds, at least 1."""
    return str(max(1, math.ceil(seconds)))


class RequestLimits:
    """Requests per minute per caller, by role."""

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = settings.rate_limit_per_minute
        self.buckets = RateLimiter(clock)

    def take(self, principal: Principal) -> float:
        """0.0 when the request may go on, else the seconds to wait."""
        return self.buckets.take(principal.key, self.per_minute[principal.role])


class CostBudget:
    """Query cost per minute per caller, by role. For the GraphQL layer, after estimating a cost:

    wait = budget.charge(principal, cost)
    if wait == math.inf: refuse with QUERY_TOO_COMPLEX (the cost exceeds the role's budget)
    elif wait > 0: refuse with RATE_LIMITED and `Retry-After: retry_after(wait)`
    """

    def __init__(self, settings: Settings, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = settings.cost_limit_per_minute
        self.buckets = RateLimiter(clock)

    def limit(self, principal: Principal) -> int:
        """The largest cost one query may have for this caller (0: unlimited)."""
        return self.per_minute[principal.role]

    def remaining(self, principal: Principal) -> int:
        """Whole cost units left in this caller's budget now (the role's limit when unused)."""
        return math.floor(self.buckets.level(principal.key, self.per_minute[principal.role]))

    def charge(self, principal: Principal, cost: int) -> float:
        return self.buckets.take(principal.key, self.per_minute[principal.role], float(cost))
