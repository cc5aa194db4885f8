"""Keyset pages: walking a connection page by page yields each item once, in order, and a late
page costs about what the first one costs."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from typing import Any

import pytest
from neo4j import Driver
from starlette.testclient import TestClient

from graph.config import Settings
from graph.read.criteria import CustomerField, Range, Within
from graph.read.ir import Edges, HasNext, Key, Page, Traversal
from graph.read.positions import Family
from graph.read.render import render
from schema.enums import CustomerSortField, SortDirection
from schema.ids import global_id
from schema.inputs import CustomerOrder
from schema.query import customers_relation
from tests.factories import UTC, Graph, Party
from tests.schema.conftest import data


@pytest.fixture(scope="module")
def busy(driver: Driver, settings: Settings) -> Iterator[tuple[Graph, Party]]:
    """A customer with 1,000 interactions, four at each instant."""
    g = Graph()
    p = g.person("Busy", "Bee")
    start = dt.datetime(2024, 1, 1, tzinfo=UTC)
    channels = ["email", "phone", "web", "chat", "meeting"]
    for i in range(1000):
        g.interaction(p, start + dt.timedelta(minutes=7 * (i // 4)), channels[i % 5])
    g.save(driver, settings.neo4j_database)
    try:
        yield g, p
    finally:
        g.delete(driver, settings.neo4j_database)


def walk(
    client: TestClient, query: str, variables: dict[str, Any], path: list[str]
) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    after = None
    pages = 0
    while True:
        found = data(client, query, variables | {"after": after})
        for key in path:
            found = found[key]
        items += [e["node"] for e in found["edges"]]
        pages += 1
        assert found["pageInfo"]["hasPreviousPage"] is (after is not None)
        if not found["pageInfo"]["hasNextPage"]:
            break
        assert found["pageInfo"]["endCursor"] == found["edges"][-1]["cursor"]
        after = found["pageInfo"]["endCursor"]
        assert pages < 200
    return items


INTERACTIONS = """query($id: ID!, $after: String) { customer(id: $id) {
  interactions(first: 37, after: $after) {
    totalCount pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { cursor node { key at } } } } }"""


def test_walk_1000_interactions(client: TestClient, busy: tuple[Graph, Party]) -> None:
    g, p = busy
    items = walk(
        client, INTERACTIONS, {"id": global_id(Family.PARTY, p.id)}, ["customer", "interactions"]
    )
    interactions = [n for n in g.nodes.values() if n.label == "Interaction"]
    expected = sorted(sorted(interactions, key=lambda n: n.id), key=lambda n: n["at"], reverse=True)
    assert [i["key"] for i in items] == [n.id for n in expected]
    assert len({i["key"] for i in items}) == 1000


@pytest.fixture(scope="module")
def crowd(driver: Driver, settings: Settings) -> Iterator[tuple[Graph, list[Party]]]:
    """250 customers with repeated and missing names, creation dates and segments."""
    g = Graph()
    rng = random.Random(7)
    people = []
    for i in range(250):
        name = rng.choice(["Ada", "Bo", "Cy", "Dee", None])
        created = rng.choice([dt.date(2020, 1, 1), dt.date(2021, 5, 5), dt.date(2022, 9, 9), None])
        people.append(
            g.person("X", str(i), name=name, createdAt=created, segment=f"crowd-{g.tag}-{i % 3}")
        )
    g.save(driver, settings.neo4j_database)
    try:
        yield g, people
    finally:
        g.delete(driver, settings.neo4j_database)


CUSTOMERS = """query($f: CustomerFilter, $o: CustomerOrder, $after: String) {
  customers(filter: $f, orderBy: $o, first: 17, after: $after) {
    pageInfo { hasNextPage hasPreviousPage endCursor }
    edges { cursor node { key name createdAt } } } }"""


def api_order(people: list[Party], prop: str, descending: bool) -> list[str]:
    """The API's order: the value (nulls last in both directions), then the key ascending."""
    by_key = sorted(people, key=lambda p: p.id)
    present = [p for p in by_key if p[prop] is not None]
    missing = [p for p in by_key if p[prop] is None]
    ordered = sorted(present, key=lambda p: p[prop], reverse=descending)
    return [p.id for p in ordered + missing]


@pytest.mark.parametrize(
    ("field", "prop", "descending"),
    [("NAME", "name", True), ("NAME", "name", False), ("CREATED_AT", "createdAt", False),
     ("CREATED_AT", "createdAt", True), ("ID", "id", True)],
)  # fmt: skip
def test_walk_customers_in_each_order(
    client: TestClient, crowd: tuple[Graph, list[Party]], field: str, prop: str, descending: bool
) -> None:
    g, people = crowd
    variables = {
        "f": {"segment": [f"crowd-{g.tag}-{i}" for i in range(3)]},
        "o": {"field": field, "direction": "DESC" if descending else "ASC"},
    }
    items = walk(client, CUSTOMERS, variables, ["customers"])
    if prop == "id":
        expected = sorted((p.id for p in people), reverse=True)
    else:
        expected = api_order(people, prop, descending)
    assert [i["key"] for i in items] == expected


def test_a_cursor_belongs_to_its_order(
    client: TestClient, crowd: tuple[Graph, list[Party]]
) -> None:
    g, _ = crowd
    f = {"segment": [f"crowd-{g.tag}-0"]}
    first = data(client, CUSTOMERS, {"f": f, "o": {"field": "NAME"}, "after": None})
    cursor = first["customers"]["pageInfo"]["endCursor"]
    response = client.post(
        "/graphql",
        json={
            "query": CUSTOMERS,
            "variables": {"f": f, "o": {"field": "CREATED_AT"}, "after": cursor},
        },
    )
    body = response.json()
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert body["errors"][0]["path"] == ["customers"]


def operators(driver: Driver, database: str, root: Traversal) -> list[dict[str, Any]]:
    """The profiled plan of the root's statement, every operator of it."""
    text, params = render(root)
    _, summary, _ = driver.execute_query("PROFILE " + text, params, database_=database)
    assert summary.profile is not None
    found, stack = [], [summary.profile]
    while stack:
        plan = stack.pop()
        found.append(plan)
        stack += plan.get("children", [])
    return found


def db_hits(driver: Driver, database: str, root: Traversal) -> int:
    return sum(plan.get("dbHits", 0) for plan in operators(driver, database, root))


def test_a_top_page_of_customers_with_the_sorted_value_is_sorted_once(
    driver: Driver, settings: Settings
) -> None:
    """The page "active customers by revenue, highest first" filters on a revenue range, so
    every row has a revenue: the rows the revenue index gives in order are the page, and nothing
    sorts them again (collecting, unwinding and sorting them again took about a fifth of the
    statement's time in Neo4j)."""
    order = CustomerOrder(field=CustomerSortField.REVENUE, direction=SortDirection.DESC)
    _, relation = customers_relation(order)
    root = Traversal(
        relation,
        criteria=Within(CustomerField.REVENUE, Range(low=0.01)),
        page=Page(20, None),
        conn=(Edges((Key(),)), HasNext()),
    )
    names = [
        plan["operatorType"].split("@")[0]
        for plan in operators(driver, settings.neo4j_database, root)
    ]
    sorts = [name for name in names if name in {"Sort", "PartialSort", "Top", "PartialTop"}]
    assert len(sorts) == 1, sorts  # the order and its answers: test_nulls_last.py


def test_a_late_page_costs_what_the_first_costs(
    driver: Driver, settings: Settings, crowd: tuple[Graph, list[Party]]
) -> None:
    _, people = crowd
    _, relation = customers_relation(None)
    keys = sorted(p.id for p in people)
    pages = []
    for after in (None, keys[200]):  # the first page, and a page 200 customers in
        page = Page(20, None if after is None else (after,))
        pages.append(
            db_hits(
                driver,
                settings.neo4j_database,
                Traversal(relation, page=page, conn=(Edges((Key(),)), HasNext())),
            )
        )
    first, late = pages
    assert late <= first * 1.5 + 50, pages


def test_the_first_page_of_customers_walks_customers_only(
    driver: Driver, settings: Settings
) -> None:
    """At 1M customers the first page of 50 took 72 ms: the root walked every party's id in
    order, and 314,509 contacts (not customers) sort before the first customer. Here 2,000
    parties that are not customers sort before everything, then 2,000 customers (enough that the
    planner walks an id index in order rather than sorting them); the first page must not read
    the 2,000."""
    database = settings.neo4j_database
    tag = Graph().tag
    others = [f"!{tag}-a{i:04d}" for i in range(2000)]
    mine = [f"!{tag}-b{i:04d}" for i in range(2000)]
    driver.execute_query(
        "UNWIND $others AS id CREATE (:Party:Person {id: id, kind: 'person'}) "
        "WITH count(*) AS done UNWIND $mine AS id "
        "CREATE (:Party:Person:Customer {id: id, kind: 'person', name: id})",
        others=others,
        mine=mine,
        database_=database,
    )
    try:
        _, relation = customers_relation(None)
        root = Traversal(relation, page=Page(20, None), conn=(Edges((Key(),)), HasNext()))
        text, params = render(root)
        records, _, _ = driver.execute_query(text, params, database_=database)
        edges, _ = records[0]["data"]  # [edges, hasNextPage], each edge [key]
        keys = [edge[0] for edge in edges][:3]
        assert keys == mine[:3]
        assert db_hits(driver, database, root) < 2000, "the page walked the non-customers"
    finally:
        driver.execute_query(
            "UNWIND $ids AS id MATCH (p:Party {id: id}) DELETE p",
            ids=others + mine,
            database_=database,
        )
