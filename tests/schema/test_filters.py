"""`customers` filters and sorts match a reference computed in Python from the factory's data."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from neo4j import Driver
from starlette.testclient import TestClient

from graph.config import Settings
from graph.read.positions import Family
from schema.ids import global_id
from tests.factories import UTC, Graph, Party
from tests.schema import expect as x
from tests.schema.conftest import data


class Crowd:
    def __init__(self, g: Graph, customers: list[Party], brokers: list[Party]) -> None:
        self.g = g
        self.customers = customers
        self.brokers = brokers
        self.segments = [f"f-{g.tag}-{s}" for s in "abc"]

    def last(self, p: Party) -> dt.date | None:
        found = x.last_activity(self.g, p)
        return None if found is None else dt.date.fromisoformat(found)

    def channels(self, p: Party) -> set[str]:
        return {self.g.nodes[e.end]["channel"] for e in self.g.out("HAD", p.id)}


@pytest.fixture(scope="module")
def crowd(driver: Driver, settings: Settings) -> Iterator[Crowd]:
    g = Graph()
    rng = random.Random(42)
    segments = [f"f-{g.tag}-{s}" for s in "abc"]
    brokers = [g.broker("First Brokers"), g.broker("Second Brokers")]
    customers: list[Party] = []
    for i in range(60):
        props: dict[str, Any] = {
            "segment": rng.choice(segments),
            "status": rng.choice(["prospect", "active", "former", None]),
            "country": rng.choice(["US", "DE", "FR", None]),
            "createdAt": rng.choice(
                [None, dt.date(2020, 1, 1) + dt.timedelta(days=rng.randrange(1200))]
            ),
        }
        kind = rng.choice(["person", "person", "household", "organization"])
        if kind == "person":
            p = g.person(rng.choice(["Al", "Bea", "Cid"]), f"N{i:02d}", **props)
        elif kind == "household":
            p = g.household(f"House {i:02d}", **props)
        else:
            p = g.organization(rng.choice(["Acme", "Bolt", "Core"]) + f" {i:02d}", **props)
        customers.append(p)
        for _ in range(rng.randrange(4)):
            at = dt.datetime(2023, 6, 1, tzinfo=UTC) + dt.timedelta(hours=rng.randrange(24 * 400))
            g.interaction(p, at, rng.choice(["email", "phone", "chat", "meeting", "web"]))
        if rng.random() < 0.4:
            g.order(p, dt.date(2023, 1, 1) + dt.timedelta(days=rng.randrange(500)))
    for i, p in enumerate(customers):
        if i % 4 == 0:  # a broker's direct referral
            g.referral(brokers[i % 8 // 4], p, dt.date(2022, 1, 1))
        elif i % 4 == 1:  # referred by the previous customer: a chain up to a broker
            g.referral(customers[i - 1], p, dt.date(2022, 2, 1))
    g.save(driver, settings.neo4j_database)
    try:
        yield Crowd(g, customers, brokers)
    finally:
        g.delete(driver, settings.neo4j_database)


QUERY = """query($f: CustomerFilter, $o: CustomerOrder) {
  customers(filter: $f, orderBy: $o, first: 100) { totalCount edges { node { key } } } }"""


def ask(
    client: TestClient, crowd: Crowd, f: dict[str, Any], o: dict[str, Any] | None = None
) -> tuple[int, list[str]]:
    base = {"and": [{"segment": crowd.segments}, f]}
    found = data(client, QUERY, {"f": base, "o": o})["customers"]
    return found["totalCount"], [e["node"]["key"] for e in found["edges"]]


def within(value: Any, low: Any = None, high: Any = None) -> bool:
    return value is not None and (low is None or value >= low) and (high is None or value <= high)


def cases(c: Crowd) -> list[tuple[dict[str, Any], Callable[[Party], bool]]]:
    b0 = c.brokers[0]
    return [
        ({"kind": ["PERSON"]}, lambda p: p.kind == "person"),
        ({"status": ["ACTIVE", "FORMER"]}, lambda p: p["status"] in {"active", "former"}),
        ({"country": ["DE"], "segment": [c.segments[0]]}, lambda p: p["country"] == "DE" and p["segment"] == c.segments[0]),
        ({"createdAt": {"from": "2021-01-01", "to": "2022-06-30"}},
         lambda p: within(p["createdAt"], dt.date(2021, 1, 1), dt.date(2022, 6, 30))),
        ({"lastActivity": {"from": "2024-02-01"}}, lambda p: within(c.last(p), dt.date(2024, 2, 1))),
        ({"lastActivity": {"to": "2023-12-31"}}, lambda p: within(c.last(p), None, dt.date(2023, 12, 31))),
        ({"channel": ["CHAT", "MEETING"]}, lambda p: bool(c.channels(p) & {"chat", "meeting"})),
        ({"broker": global_id(Family.PARTY, b0.id)}, lambda p: x.top_broker(c.g, p) is b0),
        ({"or": [{"status": ["PROSPECT"]}, {"country": ["FR"]}]},
         lambda p: p["status"] == "prospect" or p["country"] == "FR"),
        ({"not": {"status": ["ACTIVE"]}}, lambda p: p["status"] != "active"),
        ({"and": [{"kind": ["ORGANIZATION", "HOUSEHOLD"]}, {"not": {"createdAt": {"to": "2021-12-31"}}}]},
         lambda p: p.kind != "person" and not within(p["createdAt"], None, dt.date(2021, 12, 31))),
        ({"not": {"or": [{"channel": ["EMAIL"]}, {"lastActivity": {}}]}},
         lambda p: "email" not in c.channels(p) and c.last(p) is None),
    ]  # fmt: skip


def test_filters(client: TestClient, crowd: Crowd) -> None:
    by_key = sorted(crowd.customers, key=lambda p: p.id)
    for f, keep in cases(crowd):
        expected = [p.id for p in by_key if keep(p)]
        total, keys = ask(client, crowd, f)
        assert (total, keys) == (len(expected), expected), f
    assert (
        0 < len([p for p in crowd.customers if x.top_broker(crowd.g, p) is crowd.brokers[0]]) < 60
    )


SORTS: dict[str, Callable[[Crowd, Party], Any]] = {
    "NAME": lambda c, p: p["name"],
    "KIND": lambda c, p: p.kind,
    "STATUS": lambda c, p: p["status"],
    "SEGMENT": lambda c, p: p["segment"],
    "COUNTRY": lambda c, p: p["country"],
    "CREATED_AT": lambda c, p: p["createdAt"],
    "LAST_ACTIVITY": lambda c, p: c.last(p),
}


@pytest.mark.parametrize("field", list(SORTS))
@pytest.mark.parametrize("direction", ["ASC", "DESC"])
def test_sorts(client: TestClient, crowd: Crowd, field: str, direction: str) -> None:
    value = SORTS[field]
    f = {"not": {"status": ["FORMER"]}}
    chosen = sorted((p for p in crowd.customers if p["status"] != "former"), key=lambda p: p.id)
    present = [p for p in chosen if value(crowd, p) is not None]
    missing = [p for p in chosen if value(crowd, p) is None]
    desc = direction == "DESC"
    ordered = sorted(present, key=lambda p: value(crowd, p), reverse=desc)
    expected = [p.id for p in ordered + missing]  # nulls last whichever the direction
    total, keys = ask(client, crowd, f, {"field": field, "direction": direction})
    assert keys == expected
    assert total == len(expected)


def test_network_filter(client: TestClient, crowd: Crowd) -> None:
    b0 = crowd.brokers[0]
    query = """query($id: ID!, $f: CustomerFilter) { broker(id: $id) {
      network(filter: $f, first: 100) { totalCount edges { node { key } } } } }"""
    found = data(client, query, {"id": global_id(Family.PARTY, b0.id), "f": {"status": ["ACTIVE"]}})
    expected = [p.id for p in x.network(crowd.g, b0) if p["status"] == "active"]
    assert found["broker"]["network"] == {
        "totalCount": len(expected),
        "edges": [{"node": {"key": k}} for k in expected],
    }
