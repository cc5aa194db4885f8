"""Scopes: predicates that restrict what a caller may read, injected into every statement.

A scope is applied right after each anchoring match (the root's index seek) and on every traversal
that lands on a party, so nothing outside it is returned, counted or used as a cursor. Nodes owned
by a party (orders, interactions, ...) are reached through their owner, so they are checked only
when they are an anchor themselves (`node(id)`), through their owner; a deal reached through a
committee seat (not through its account) is checked through its account too. Products are a public
catalogue. `for_principal` builds the caller's scope from its credentials.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import LiteralString, Protocol

from graph.read.positions import Position, family_of, is_party
from graph.read.writer import Writer
from graph.security.principal import Principal, Role

# How a non-party node hangs off the party that owns it (`{v}` the node, `{o}` the owner).
OWNERS: dict[Position, LiteralString] = {
    Position.INTERACTION: "({o}:Party)-[:HAD]->({v})",
    Position.ORDER: "({o}:Party)-[:PLACED]->({v})",
    Position.ORDER_LINE: "({o}:Party)-[:PLACED]->(:Order)-[:HAS_LINE]->({v})",
    Position.SURVEY_RESPONSE: "({o}:Party)-[:RESPONDED]->({v})",
    Position.SOURCE_RECORD: "({v})-[:RESOLVES_TO]->({o}:Party)",
    Position.DEAL: "({v})-[:FOR_ACCOUNT]->({o}:Party)",
}


class Scope(Protocol):
    def parties(self, var: LiteralString, w: Writer) -> LiteralString:
        """A predicate true for the parties this scope may see."""
        ...


def restriction(
    scope: Scope | None, position: Position, var: LiteralString, w: Writer, anchor: bool
) -> LiteralString | None:
    """The scope's predicate for a node landed on at `position`, or None when nothing applies."""
    if scope is None or position is Position.PRODUCT:
        return None
    if is_party(position):
        return scope.parties(var, w)
    owner: LiteralString = var + "_o"
    if position in {Position.NODE, Position.COMMITTEE_TARGET}:
        party = scope.parties(var, w)
        owned: list[LiteralString] = [
            f"({var}:{family_of(p).value} AND EXISTS {{ MATCH {pattern.format(v=var, o=owner)} "
            f"WHERE {scope.parties(owner, w)} }})"
            for p, pattern in OWNERS.items()
            if position is Position.NODE or p is Position.DEAL
        ]
        return "(" + " OR ".join([f"({var}:Party AND {party})", f"{var}:Product", *owned]) + ")"
    if not anchor:
        return None
    pattern = OWNERS[position].format(v=var, o=owner)
    return f"EXISTS {{ MATCH {pattern} WHERE {scope.parties(owner, w)} }}"


@dataclass(frozen=True, slots=True)
class BrokerNetwork:
    """A partner's view: the broker itself and the parties it brought in (referral chains)."""

    broker: str

    def parties(self, var: LiteralString, w: Writer) -> LiteralString:
        b = w.shared(self, self.broker)
        # Walk up from the party (a customer has one referrer or a few), never down from the
        # broker (its network may hold 100k parties, once per party checked): the broker end has
        # no label or indexed property the planner could start from.
        return (
            f"({var}.id = {b} OR EXISTS {{ MATCH ({var})<-[:REFERRED*1..10]-(up) "
            f"WHERE up.id = {b} AND 'Broker' IN labels(up) }})"
        )


@dataclass(frozen=True, slots=True)
class OwnedAccounts:
    """An account team restricted to its own accounts: the parties the employee owns and the people
    who work for the organisations it owns."""

    employee: str

    def parties(self, var: LiteralString, w: Writer) -> LiteralString:
        e = w.shared(self, self.employee)
        return (
            f"(EXISTS {{ MATCH (:Party {{id: {e}}})-[:OWNS_ACCOUNT]->({var}) }} OR "
            f"EXISTS {{ MATCH (:Party {{id: {e}}})-[:OWNS_ACCOUNT]->(:Organization)"
            f"<-[:WORKS_FOR]-({var}) }})"
        )


@dataclass(frozen=True, slots=True)
class Nothing:
    """Fails closed: a caller whose scope cannot be established sees no party."""

    def parties(self, var: LiteralString, w: Writer) -> LiteralString:
        return "false"


def for_principal(principal: Principal | None) -> Scope | None:
    """The read scope of an authenticated caller (None: everything)."""
    if principal is None:
        return None
    if principal.role is Role.PARTNER:
        return BrokerNetwork(principal.broker_id) if principal.broker_id else Nothing()
    if principal.role is Role.ACCOUNT_TEAM and principal.owned_accounts_only:
        return OwnedAccounts(principal.id)
    return None
