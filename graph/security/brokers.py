"""Whether the broker a partner credential names is a broker party, checked against the graph.

A partner token is signed by us or a trusted issuer, but its `broker` claim is only a string: the
party it names must be a broker (`(:Party:Broker {id})`) when the principal is built, or the
caller would see that party's referral network. Answers are cached for a TTL (the API keys' one,
`AUTH_APIKEY_CACHE_S`), the negative ones too, so a partner costs one lookup per TTL; a party
that stops being a broker (merged away, erased) is refused within that time.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

from neo4j import AsyncDriver, RoutingControl
from neo4j.exceptions import DriverError, Neo4jError

from graph.security.apikeys import BROKER_EXISTS

MAX_ENTRIES = 10_000


class BrokerCheckUnavailable(Exception):
    """The graph could not answer (no driver, or Neo4j unavailable)."""


class BrokerCheck:
    def __init__(self, ttl_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s = ttl_s
        self.clock = clock
        self._cache: OrderedDict[str, tuple[float, bool]] = OrderedDict()
        self.lookups = 0  # Neo4j round trips made, for tests

    async def is_broker(self, driver: AsyncDriver | None, database: str, broker_id: str) -> bool:
        cached = self._cache.get(broker_id)
        if cached is not None and self.clock() - cached[0] < self.ttl_s:
            self._cache.move_to_end(broker_id)
            return cached[1]
        if driver is None:
            raise BrokerCheckUnavailable("no database driver")
        try:
            records, _, _ = await driver.execute_query(
                BROKER_EXISTS,
                {"id": broker_id},
                database_=database,
                routing_=RoutingControl.READ,
            )
        except (DriverError, Neo4jError) as exc:
            raise BrokerCheckUnavailable("the database is unavailable") from exc
        finally:
            self.lookups += 1
        found = bool(records[0]["found"])
        self._cache[broker_id] = (self.clock(), found)
        self._cache.move_to_end(broker_id)
        while len(self._cache) > MAX_ENTRIES:
            self._cache.popitem(last=False)
        return found
