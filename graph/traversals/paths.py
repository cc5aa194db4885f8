"""Connection paths: the k shortest paths between two parties over chosen kinds of links, to find
a warm introduction (say, from one of our employees to an account's decision maker).

Links are followed in either direction. A path is simple (no node twice) and has at most
`max_hops` relationships. "Interacted with" is not a single relationship in the graph: a party
`HAD` an `Interaction` that was `HANDLED_BY` an employee. Paths keep the interaction as a node of
their own (so a reader sees which meeting or call links the two), and it counts as two hops.
Likewise a committee seat on a deal goes through the `Deal` node.

One statement: both parties by id (unique index seeks), then `SHORTEST k` over a quantified path
pattern whose relationship types and referral kind come from the `Link` whitelist; the no-repeat
condition sits inside the selector, so it is applied before the k shortest are chosen. Paths of
equal length come in the order of their node ids, then of their relationship types.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from dataclasses import dataclass
from enum import Enum
from typing import Any, LiteralString

from neo4j import AsyncDriver

from graph.errors import InputRefused
from graph.read.scope import Scope
from graph.traversals.common import (
    KINDS,
    ROLES,
    PartyRef,
    Seen,
    bounded,
    day,
    everyone,
    hops,
    instant,
    party_map,
    run,
    statement,
)

MAX_HOPS = 6
MAX_PATHS = 10


class Link(Enum):
    """The kinds of link a connection path may follow."""

    WORKS_FOR = "works_for"  # (Person)-[:WORKS_FOR]->(Organization)
    HOUSEHOLD = "household"  # (Person)-[:MEMBER_OF]->(Household)
    REFERRED = "referred"  # a referral by a party that is not a broker
    BROKERED = "brokered"  # a referral by a broker
    KNOWS = "knows"  # (Employee)-[:KNOWS]->(Person)
    INTERACTED = "interacted"  # (Party)-[:HAD]->(Interaction)-[:HANDLED_BY]->(Employee)
    REPORTS_TO = "reports_to"  # (Person)-[:REPORTS_TO]->(Person)
    COMMITTEE = "committee"  # (Person)-[:ON_COMMITTEE]->(Organization or Deal)
    ACCOUNT_OWNER = "account_owner"  # (Employee)-[:OWNS_ACCOUNT]->(Party)
    SUBSIDIARY = "subsidiary"  # (Organization)-[:SUBSIDIARY_OF]->(Organization)


DEFAULT_LINKS: frozenset[Link] = frozenset(
    {Link.WORKS_FOR, Link.HOUSEHOLD, Link.REFERRED, Link.BROKERED, Link.KNOWS, Link.INTERACTED}
)

_TYPES: dict[Link, tuple[LiteralString, ...]] = {
    Link.WORKS_FOR: ("WORKS_FOR",),
    Link.HOUSEHOLD: ("MEMBER_OF",),
    Link.REFERRED: ("REFERRED",),
    Link.BROKERED: ("REFERRED",),
    Link.KNOWS: ("KNOWS",),
    Link.INTERACTED: ("HAD", "HANDLED_BY"),
    Link.REPORTS_TO: ("REPORTS_TO",),
    Link.COMMITTEE: ("ON_COMMITTEE",),
    Link.ACCOUNT_OWNER: ("OWNS_ACCOUNT",),
    Link.SUBSIDIARY: ("SUBSIDIARY_OF",),
}
_LINK_OF: dict[str, Link] = {
    "WORKS_FOR": Link.WORKS_FOR,
    "MEMBER_OF": Link.HOUSEHOLD,
    "KNOWS": Link.KNOWS,
    "HAD": Link.INTERACTED,
    "HANDLED_BY": Link.INTERACTED,
    "REPORTS_TO": Link.REPORTS_TO,
    "ON_COMMITTEE": Link.COMMITTEE,
    "OWNS_ACCOUNT": Link.ACCOUNT_OWNER,
    "SUBSIDIARY_OF": Link.SUBSIDIARY,
}
_SHORTEST: tuple[LiteralString, ...] = (
    "SHORTEST 1", "SHORTEST 2", "SHORTEST 3", "SHORTEST 4", "SHORTEST 5",
    "SHORTEST 6", "SHORTEST 7", "SHORTEST 8", "SHORTEST 9", "SHORTEST 10",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class PathNode:
    id: str
    label: str  # Person, Organization, Household, Interaction or Deal
    name: str | None
    roles: tuple[str, ...]  # of a party: Customer, Broker, Employee
    at: dt.datetime | None  # of an interaction
    channel: str | None  # of an interaction


@dataclass(frozen=True, slots=True)
class PathEdge:
    link: Link
    type: str  # the relationship type
    start_id: str  # the relationship's own direction
    end_id: str
    forward: bool  # followed from start to end along the path
    date: dt.date | None  # a referral's date, since when an employee knows a person
    channel: str | None  # a referral's
    incentive: float | None  # a referral's
    strength: float | None  # how well an employee knows a person
    title: str | None  # in an organization
    role: str | None  # in a household
    roles: tuple[str, ...]  # on a committee


@dataclass(frozen=True, slots=True)
class ConnectionPath:
    nodes: tuple[PathNode, ...]  # from the source to the target
    edges: tuple[PathEdge, ...]  # edges[i] links nodes[i] and nodes[i + 1]

    @property
    def hops(self) -> int:
        return len(self.edges)


@dataclass(frozen=True, slots=True)
class Connections:
    source: PartyRef
    target: PartyRef
    paths: tuple[ConnectionPath, ...]  # shortest first; empty when none within `max_hops`


def _edge_filter(links: Collection[Link]) -> LiteralString:
    """Tells a broker's referral from another party's when only one of the two is asked for."""
    if Link.REFERRED in links and Link.BROKERED not in links:
        return "(type(r) <> 'REFERRED' OR NOT startNode(r):Broker)"
    if Link.BROKERED in links and Link.REFERRED not in links:
        return "(type(r) <> 'REFERRED' OR startNode(r):Broker)"
    return "true"


def _visible(var: LiteralString, seen: Seen) -> LiteralString:
    """A node on a path is visible when it is a party the scope shows, or a deal or interaction
    whose party (the deal's account, the interaction's customer) the scope shows."""
    if seen is everyone:
        return "true"
    owner: LiteralString = var + "_o"
    return (
        f"(CASE WHEN {var}:Party THEN {seen(var)}"
        f" WHEN {var}:Deal THEN EXISTS {{ MATCH ({var})-[:FOR_ACCOUNT]->({owner}:Party)"
        f" WHERE {seen(owner)} }}"
        f" WHEN {var}:Interaction THEN EXISTS {{ MATCH ({owner}:Party)-[:HAD]->({var})"
        f" WHERE {seen(owner)} }}"
        " ELSE false END)"
    )


def _paths(links: Collection[Link], k: int, max_hops: int) -> Callable[[Seen], LiteralString]:
    types: LiteralString = "|".join(sorted({t for link in links for t in _TYPES[link]}))
    selector = _SHORTEST[k - 1]
    quantifier = hops(max_hops)
    edge_filter = _edge_filter(links)

    def build(seen: Seen) -> LiteralString:
        return (
            "MATCH (a:Party {id: $from})\n"
            "WHERE " + seen("a") + "\n"
            "MATCH (b:Party {id: $to})\n"
            "WHERE " + seen("b") + "\n"
            "OPTIONAL MATCH " + selector + " (p = (a)(()-[r:" + types + "]-(y)\n"
            "    WHERE " + edge_filter + " AND " + _visible("y", seen) + ")" + quantifier + "(b)\n"
            "  WHERE all(i IN range(0, length(p) - 1) WHERE NOT nodes(p)[i] IN nodes(p)[i + 1..]))\n"
            "WITH a, b, p\n"
            "ORDER BY length(p), [n IN nodes(p) | n.id], [e IN relationships(p) | type(e)]\n"
            "RETURN " + party_map("a") + " AS source, " + party_map("b") + " AS target,\n"
            "  collect(CASE WHEN p IS NULL THEN null ELSE {\n"
            "    nodes: [n IN nodes(p) | {id: n.id, labels: labels(n), name: n.name,\n"
            "      at: n.at, channel: n.channel}],\n"
            "    edges: [e IN relationships(p) | {type: type(e), start: startNode(e).id,\n"
            "      end: endNode(e).id, broker: startNode(e):Broker,\n"
            "      date: coalesce(e.date, e.since), channel: e.channel, incentive: e.incentive,\n"
            "      strength: e.strength, title: e.title, role: e.role, roles: e.roles}]\n"
            "  } END) AS paths\n"
        )

    return build


PATHS: LiteralString = _paths(DEFAULT_LINKS, 3, MAX_HOPS)(everyone)


def _node(value: dict[str, Any]) -> PathNode:
    labels = value["labels"]
    label = next((k for k in KINDS if k in labels), labels[0] if labels else "")
    return PathNode(
        id=value["id"],
        label=label,
        name=value.get("name"),
        roles=tuple(r for r in ROLES if r in labels),
        at=instant(value.get("at")),
        channel=value.get("channel") if label == "Interaction" else None,
    )


def _edge(value: dict[str, Any], before: str) -> PathEdge:
    kind = value["type"]
    if kind == "REFERRED":
        link = Link.BROKERED if value["broker"] else Link.REFERRED
    else:
        link = _LINK_OF[kind]
    referral = kind == "REFERRED"
    return PathEdge(
        link=link,
        type=kind,
        start_id=value["start"],
        end_id=value["end"],
        forward=value["start"] == before,
        date=day(value.get("date")),
        channel=value.get("channel") if referral else None,
        incentive=value.get("incentive"),
        strength=value.get("strength"),
        title=value.get("title"),
        role=value.get("role"),
        roles=tuple(value.get("roles") or ()),
    )


def _path(value: dict[str, Any]) -> ConnectionPath:
    found = tuple(_node(n) for n in value["nodes"])
    edges = tuple(_edge(e, found[i].id) for i, e in enumerate(value["edges"]))
    return ConnectionPath(found, edges)


async def connection_paths(
    driver: AsyncDriver,
    database: str,
    source_id: str,
    target_id: str,
    *,
    links: Collection[Link] = DEFAULT_LINKS,
    k: int = 3,
    max_hops: int = MAX_HOPS,
    scope: Scope | None = None,
    timeout: float = 10.0,
) -> Connections | None:
    """The `k` (1 to `MAX_PATHS`) shortest simple paths of at most `max_hops` (1 to `MAX_HOPS`)
    relationships from one party to another over `links` (None when either party does not
    exist or the scope hides it; no paths when they are the same party)."""
    bounded("k", k, 1, MAX_PATHS)
    bounded("max_hops", max_hops, 1, MAX_HOPS)
    chosen = frozenset(Link(link) for link in links)
    if not chosen:
        raise InputRefused("links must name at least one kind of link")
    params = {"from": source_id, "to": target_id}
    found = await run(
        driver, database, statement(_paths(chosen, k, max_hops), scope), params, timeout
    )
    if not found:
        return None
    record = found[0]
    paths = () if source_id == target_id else tuple(_path(p) for p in record["paths"])
    return Connections(PartyRef.of(record["source"]), PartyRef.of(record["target"]), paths)
