"""API keys on the request path: parse, look up (cached), compare in constant time.

A key's record is kept for `AUTH_APIKEY_CACHE_S` seconds (30 by default) after it is read from
Neo4j, so a busy caller costs one lookup per TTL, not one per request. The consequence: a key
revoked by another process (`c360 apikey revoke`) still works here for at most that long; a
revocation through `forget` in this process is immediate. Unknown ids are cached too, so guessing
does not cost Neo4j a round trip per request either. Expiry is checked on every request.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import OrderedDict
from collections.abc import Callable

from neo4j import AsyncDriver

from api.auth.errors import AuthError, AuthUnavailable
from graph.errors import GraphError
from graph.security import apikeys
from graph.security.apikeys import ApiKey
from graph.security.principal import Principal

MAX_ENTRIES = 10_000


class KeyStore:
    def __init__(
        self,
        pepper: str,
        ttl_s: float,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self.pepper = pepper
        self.ttl_s = ttl_s
        self.clock = clock
        self.now = now
        self._cache: OrderedDict[str, tuple[float, ApiKey | None]] = OrderedDict()
        self.lookups = 0  # Neo4j round trips made, for tests and metrics

    async def verify(self, driver: AsyncDriver | None, database: str, text: str) -> Principal:
        parsed = apikeys.parse_key(text)
        if parsed is None:
            raise AuthError("The API key is malformed.")
        key_id, secret = parsed
        key = await self._get(driver, database, key_id)
        if key is None or not apikeys.matches(key, secret, self.pepper):
            raise AuthError("The API key is invalid.")
        if key.revoked_at is not None:
            raise AuthError("The API key has been revoked.")
        if self.now() >= key.expires_at:
            raise AuthError("The API key has expired.")
        return key.principal()

    def forget(self, key_id: str) -> None:
        """Drop a key from the cache (after revoking it in this process)."""
        self._cache.pop(key_id, None)

    async def _get(self, driver: AsyncDriver | None, database: str, key_id: str) -> ApiKey | None:
        cached = self._cache.get(key_id)
        if cached is not None and self.clock() - cached[0] < self.ttl_s:
            self._cache.move_to_end(key_id)
            return cached[1]
        if driver is None:
            raise AuthUnavailable("API keys cannot be checked: no database driver")
        try:
            key = await apikeys.get(driver, database, key_id)
        except GraphError as exc:
            raise AuthUnavailable(
                "API keys cannot be checked: the database is unavailable"
            ) from exc
        finally:
            self.lookups += 1
        self._cache[key_id] = (self.clock(), key)
        self._cache.move_to_end(key_id)
        while len(self._cache) > MAX_ENTRIES:
            self._cache.popitem(last=False)
        return key
