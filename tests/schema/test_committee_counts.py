"""Committee counts say what they count: `committee { totalCount }` counts seats (one per seat
record), `committeeSize` and `buyingCommittee.members` count people (a person's seats merged).

Bea sits on the firm's committee twice (two sources seated her), Uli once: 3 seats, 2 people.
The stored `committeeSize` is computed here by the accounts aggregate, on this firm only.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from neo4j import Driver
from starlette.testclient import TestClient

from graph.config import Settings
from graph.driver import open_driver
from graph.metrics import aggregates
from graph.read.positions import Family
from schema.ids import global_id
from tests.factories import Graph, Party
from tests.schema.conftest import data


@dataclass
class Firm:
    g: Graph
    firm: Party
    bea: Party
    uli: Party


@pytest.fixture(scope="module")
def firm(driver: Driver, settings: Settings) -> Iterator[Firm]:
    g = Graph()
    firm = g.organization(f"Counts Firm {g.tag}")
    firm.props["sources"] = [f"counts{g.tag}"]  # the aggregate below runs on this system only
    bea, uli = g.person("Bea", f"Counts{g.tag}"), g.person("Uli", f"Counts{g.tag}")
    g.committee(bea, firm, ["economic_buyer"], 0.8, True)
    g.committee(bea, firm, ["decision_maker"], 0.6)
    g.committee(uli, firm, ["user"], 0.2)
    g.save(driver, settings.neo4j_database)

    async def aggregate() -> None:
        d = open_driver(settings)
        try:
            await aggregates.compute(
                d, settings.neo4j_database, dt.date(2025, 6, 30), f"counts{g.tag}",
                dt.datetime.now(dt.UTC), "test",
            )  # fmt: skip
        finally:
            await d.close()

    asyncio.run(aggregate())
    try:
        yield Firm(g, firm, bea, uli)
    finally:
        g.delete(driver, settings.neo4j_database)


QUERY = """query($id: ID!) {
  account(id: $id) { committeeSize committee { totalCount edges { node { key } roles } } }
  buyingCommittee(account: $id) { members { person { key } seats } }
}"""


def test_seats_and_people_are_counted_by_their_names(client: TestClient, firm: Firm) -> None:
    found = data(client, QUERY, {"id": global_id(Family.PARTY, firm.firm.id)})
    account, committee = found["account"], found["buyingCommittee"]
    assert account["committee"]["totalCount"] == 3  # seats
    assert sorted(e["node"]["key"] for e in account["committee"]["edges"]) == sorted(
        [firm.bea.id, firm.bea.id, firm.uli.id]
    )
    assert account["committeeSize"] == 2  # people
    people = {m["person"]["key"]: len(m["seats"]) for m in committee["members"]}
    assert people == {firm.bea.id: 2, firm.uli.id: 1}
