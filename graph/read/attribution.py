"""The attributed broker of a customer: one definition for every reader.

A customer's referral chain follows, from the customer up, each party's *first* referral (the
`REFERRED` edge into it with the earliest date, then the smallest referrer id, then the smallest
source record id) and stops at a broker, at a party nobody referred, at a repeated party or after
`MAX_HOPS` hops (`graph.traversals.referrals`, `referralChain`). The customer's *attributed broker*
is the broker at the top of that chain when the chain ends at one within `MAX_HOPS` hops; a chain
ending anywhere else has none. Brokers are origins: the chain never passes through one.

`Customer.broker`, the `broker` filter of customers and `portfolio(groupBy: BROKER)` all use
`chain`, so a group's customers are exactly those the filter on its key finds. A caller's scope
takes part: only the referrals of parties it may see count (as in the `referralChain` it gets).

This is not a partner's *scope* (`graph/read/scope.py`): a broker's whole downstream network,
every party any referral path of at most 10 hops leads to from it, whoever referred it first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import LiteralString

MAX_HOPS = 10

Seen = Callable[[LiteralString], LiteralString]

_NEVER: LiteralString = "date('9999-12-31')"


def everyone(var: LiteralString) -> LiteralString:
    return "true"


def first_referral(
    referred: LiteralString, edge: LiteralString, referrer: LiteralString, seen: Seen
) -> LiteralString:
    """True when `edge` (from `referrer`) is the first referral into `referred` that the caller
    may see (its referrer seen)."""
    return (
        f"NOT EXISTS {{ MATCH ({referred})<-[_fe:REFERRED]-(_fz) WHERE {seen('_fz')} AND ("
        f"coalesce(_fe.date, {_NEVER}) < coalesce({edge}.date, {_NEVER}) OR "
        f"(coalesce(_fe.date, {_NEVER}) = coalesce({edge}.date, {_NEVER}) AND "
        f"(_fz.id < {referrer}.id OR (_fz = {referrer} AND _fe.src < {edge}.src)))) }}"
    )


def chain(seen: Seen = everyone) -> LiteralString:
    """A quantified path pattern of 1 to `MAX_HOPS` first referrals walking up from a party, to be
    placed between the party's node pattern and its broker's: `(c)` + chain + `(b:Broker)` binds
    `b` to the party's attributed broker, and matches one path at most (each hop is forced)."""
    return (
        "((_cy)<-[_cr:REFERRED]-(_cx) WHERE NOT _cy:Broker AND " + seen("_cx") + " AND "
        + first_referral("_cy", "_cr", "_cx", seen)
        + "){1,10}"  # MAX_HOPS
    )  # fmt: skip
