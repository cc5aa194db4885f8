"""Expected answers computed from the factory's objects, independently of the API's Cypher."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.factories import Edge, Graph, Node, Party


def iso_date(value: dt.date | None) -> str | None:
    return None if value is None else value.isoformat()


def iso_instant(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    utc = value.astimezone(dt.UTC)
    fraction = f"{utc.microsecond:06d}".rstrip("0")
    return utc.strftime("%Y-%m-%dT%H:%M:%S") + (f".{fraction}" if fraction else "") + "Z"


def upper(value: str | None) -> str | None:
    return None if value is None else value.upper()


def party(p: Party, gid: str) -> dict[str, Any]:
    return {
        "id": gid,
        "key": p.id,
        "kind": p.kind.upper(),
        "roles": p.roles,
        "name": p["name"],
        "email": p["email"],
        "phone": p["phone"],
        "country": p["country"],
        "sources": p["sources"],
    }


def customer(p: Party, gid: str) -> dict[str, Any]:
    return party(p, gid) | {
        "status": upper(p["status"]),
        "segment": p["segment"],
        "createdAt": iso_date(p["createdAt"]),
        "externalIds": p["externalIds"],
    }


def person(p: Party, gid: str) -> dict[str, Any]:
    return customer(p, gid) | {
        "givenName": p["givenName"],
        "surname": p["surname"],
        "dateOfBirth": iso_date(p["dateOfBirth"]),
        "streetNumber": p["streetNumber"],
        "street": p["street"],
        "locality": p["locality"],
        "postcode": p["postcode"],
        "state": p["state"],
    }


def interaction(n: Node) -> dict[str, Any]:
    return {
        "key": n.id,
        "at": iso_instant(n["at"]),
        "channel": upper(n["channel"]),
        "direction": upper(n["direction"]),
        "type": n["type"],
        "outcome": n["outcome"],
        "sentiment": n["sentiment"],
    }


def newest_interactions(g: Graph, p: Party) -> list[Node]:
    found = [g.nodes[e.end] for e in g.out("HAD", p.id)]
    ordered = sorted(found, key=lambda n: n.id)
    return sorted(ordered, key=lambda n: n["at"], reverse=True)


def newest_orders(g: Graph, p: Party) -> list[Node]:
    found = sorted((g.nodes[e.end] for e in g.out("PLACED", p.id)), key=lambda n: n.id)
    return sorted(found, key=lambda n: n["date"], reverse=True)


def lines(g: Graph, order: Node) -> list[Node]:
    return sorted(
        (g.nodes[e.end] for e in g.out("HAS_LINE", order.id)), key=lambda n: (n["lineNo"], n.id)
    )


def product_of(g: Graph, line: Node) -> Node:
    return g.nodes[g.out("OF_PRODUCT", line.id)[0].end]


def products_owned(g: Graph, p: Party) -> list[Node]:
    found = {
        product_of(g, line).id: product_of(g, line)
        for order in newest_orders(g, p)
        for line in lines(g, order)
    }
    return [found[k] for k in sorted(found)]


def last_activity(g: Graph, p: Party) -> str | None:
    days = [n["at"].astimezone(dt.UTC).date() for n in newest_interactions(g, p)]
    days += [n["date"] for n in newest_orders(g, p)]
    return iso_date(max(days)) if days else None


def referrals_in(g: Graph, p: Party) -> list[Edge]:
    found = [e for e in g.into("REFERRED", p.id) if e.start in g.parties]
    return sorted(sorted(found, key=lambda e: e["src"]), key=lambda e: e["date"], reverse=True)


def referrals_out(g: Graph, p: Party) -> list[Edge]:
    found = sorted(g.out("REFERRED", p.id), key=lambda e: e["src"])
    return sorted(found, key=lambda e: e["date"], reverse=True)


def network(g: Graph, broker: Party) -> list[Party]:
    """Customers reachable over 1 to 10 referrals, by key."""
    seen: set[str] = set()
    frontier = {broker.id}
    for _ in range(10):
        frontier = {e.end for e in g.edges if e.type == "REFERRED" and e.start in frontier}
        seen |= frontier
    return [
        g.parties[k] for k in sorted(seen) if k in g.parties and "Customer" in g.parties[k].labels
    ]


def top_broker(g: Graph, p: Party) -> Party | None:
    """The attributed broker (docs/api.md): from the customer up, each party's first referral
    (earliest date, then smallest referrer key, then smallest source record), at most 10 hops,
    stopping at a broker (the answer), a party nobody referred or a repeated party (none)."""
    firsts = {
        end: min(into, key=lambda e: (e["date"] or dt.date.max, e.start, e["src"]))
        for end in {e.end for e in g.edges if e.type == "REFERRED"}
        for into in [[e for e in g.edges if e.type == "REFERRED" and e.end == end]]
    }
    found = attributed(p.id, {k: e.start for k, e in firsts.items()}, brokers(g))
    return None if found is None else g.parties[found]


def brokers(g: Graph) -> set[str]:
    return {k for k, q in g.parties.items() if "Broker" in q.labels}


def attributed(party: str, first_referrer: dict[str, str], brokers: set[str]) -> str | None:
    """The broker at the top of `party`'s chain of first referrers (`first_referrer`), if any."""
    if party in brokers:
        return None
    here, seen = party, {party}
    for _ in range(10):
        up = first_referrer.get(here)
        if up is None or up in seen:
            return None
        if up in brokers:
            return up
        seen.add(up)
        here = up
    return None
