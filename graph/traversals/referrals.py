"""Referral chains: for a customer, the ordered path back to the origin of its referrals.

Each hop follows the party's *first* referral (`graph.read.attribution.first_referral`, shared with
the attributed broker): the `REFERRED` edge into it with the earliest date
(then the smallest referrer id, then the smallest source record id), so a customer referred twice is
attributed to whoever referred it first and the chain is one path, not a tree. The walk stops at a
broker (brokers are origins even when something refers them), at a party nobody referred, when a
party repeats (a cycle: the hop that closes it is included) or after `max_depth` hops.

One statement: a quantified path pattern whose every hop must be its target's first referral, so
the pattern can only match one path of each length; the longest (capped at `MAX_DEPTH + 1` hops,
one more than any caller may ask for, to tell a capped chain from a complete one) is trimmed here.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum
from typing import Any, LiteralString

from neo4j import AsyncDriver

from graph.read.attribution import first_referral
from graph.read.scope import Scope
from graph.traversals.common import (
    PartyRef,
    Seen,
    bounded,
    day,
    everyone,
    party_map,
    run,
    statement,
)

MAX_DEPTH = 20


class ChainEnd(Enum):
    """Why a referral chain stops where it does."""

    ORIGIN = "origin"  # a party nobody referred (the customer itself when it has no hops)
    BROKER = "broker"  # a broker: the chain's origin is a partner
    CYCLE = "cycle"  # the last hop's referrer is already on the chain
    DEPTH = "depth"  # more referrals lie beyond `max_depth` hops


@dataclass(frozen=True, slots=True)
class Referral:
    """One `REFERRED` edge: `referrer` referred the party `referred_id`."""

    referrer: PartyRef
    referred_id: str
    date: dt.date | None
    channel: str | None
    incentive: float | None
    currency: str | None
    source: str | None  # the id of the source record asserting it

    @classmethod
    def of(cls, value: dict[str, Any]) -> Referral:
        return cls(
            referrer=PartyRef.of(value["referrer"]),
            referred_id=value["referred"],
            date=day(value.get("date")),
            channel=value.get("channel"),
            incentive=value.get("incentive"),
            currency=value.get("currency"),
            source=value.get("source"),
        )


@dataclass(frozen=True, slots=True)
class ReferralChain:
    """`hops[0]` is who referred the customer, `hops[i + 1]` who referred `hops[i].referrer`."""

    customer: PartyRef
    hops: tuple[Referral, ...]
    end: ChainEnd

    @property
    def origin(self) -> PartyRef:
        """The last party of the chain (the customer itself when nobody referred it)."""
        return self.hops[-1].referrer if self.hops else self.customer


def referral_map(var: LiteralString) -> LiteralString:
    """A map projection of the `REFERRED` relationship `var`, read back by `Referral.of`."""
    return (
        f"{{referrer: {party_map('startNode(' + var + ')')}, referred: endNode({var}).id, "
        f"date: {var}.date, channel: {var}.channel, incentive: {var}.incentive, "
        f"currency: {var}.currency, source: {var}.src}}"
    )


def _chain(seen: Seen) -> LiteralString:
    return (
        "MATCH (c:Party {id: $id})\n"
        "WHERE " + seen("c") + "\n"
        "CALL (c) {\n"
        "  OPTIONAL MATCH p = (c)((y)<-[r:REFERRED]-(x)\n"
        "    WHERE NOT y:Broker AND " + seen("x") + "\n"
        "      AND " + first_referral("y", "r", "x", seen) + "){1,21}()\n"
        "  WITH p ORDER BY length(p) DESC LIMIT 1\n"
        "  RETURN CASE WHEN p IS NULL THEN [] ELSE relationships(p) END AS edges\n"
        "}\n"
        "RETURN " + party_map("c") + " AS customer,\n"
        "       [r IN edges | " + referral_map("r") + "] AS hops\n"
    )


CHAIN: LiteralString = _chain(everyone)


def trim(customer: PartyRef, found: list[Referral], max_depth: int) -> ReferralChain:
    """The chain up to its first repeated party or `max_depth` hops, and why it ends there."""
    on_chain = {customer.id}
    hops: list[Referral] = []
    for hop in found:
        if len(hops) == max_depth:
            return ReferralChain(customer, tuple(hops), ChainEnd.DEPTH)
        hops.append(hop)
        if hop.referrer.id in on_chain:
            return ReferralChain(customer, tuple(hops), ChainEnd.CYCLE)
        on_chain.add(hop.referrer.id)
    last = hops[-1].referrer if hops else customer
    end = ChainEnd.BROKER if "Broker" in last.roles else ChainEnd.ORIGIN
    return ReferralChain(customer, tuple(hops), end)


async def referral_chain(
    driver: AsyncDriver,
    database: str,
    customer_id: str,
    *,
    max_depth: int = 10,
    scope: Scope | None = None,
    timeout: float = 10.0,
) -> ReferralChain | None:
    """The referral chain of a party (None when it does not exist or the scope hides it).

    `max_depth` (1 to `MAX_DEPTH`) caps the hops returned; `end` says whether more lie beyond.
    """
    bounded("max_depth", max_depth, 1, MAX_DEPTH)
    records = await run(driver, database, statement(_chain, scope), {"id": customer_id}, timeout)
    if not records:
        return None
    record = records[0]
    hops = [Referral.of(h) for h in record["hops"]]
    return trim(PartyRef.of(record["customer"]), hops, max_depth)
