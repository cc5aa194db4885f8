"""The world the schema tests query: one hand-built graph with every node and relationship type,
and clients for the compiled path and the executor."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from neo4j import Driver
from starlette.testclient import TestClient

from api.graphql import GraphQLApp
from graph.config import Settings
from graph.read.positions import Family
from schema.ids import global_id
from tests.conftest import DemoData, without_cost
from tests.factories import UTC, Edge, Graph, Node, Party


@dataclass
class World:
    g: Graph
    eve: Party  # employee, owns john and acme
    sam: Party  # employee
    brokerage: Party  # organization broker
    solo: Party  # individual broker
    smiths: Party  # household
    john: Party  # person customer, merged from 3 records, in the smiths, works for acme
    jane: Party  # person customer, in the smiths, referred by a stub party
    kid: Party  # person customer referred by john
    carol: Party  # contact at acme (not a customer)
    parent: Party  # acme's parent company
    acme: Party  # organization customer (account)
    widget: Node
    gadget: Node
    gizmo: Node
    deal: Node
    orders: list[Node]
    interactions: list[Node]
    surveys: list[Node]
    referrals: list[Edge]

    def gid(self, x: Party | Node) -> str:
        if isinstance(x, Party):
            return global_id(Family.PARTY, x.id)
        return global_id(Family(x.label), x.id)


def build_world() -> World:
    g = Graph()
    eve = g.employee("Eve Agent", "Account Manager", "Sales", email="eve@example.com")
    sam = g.employee("Sam Helper", "Support Engineer", "Support")
    brokerage = g.broker("Brokerage Partners Ltd", email="desk@brokerage.example")
    solo = g.person(
        "Bob", "Solo", customer=False, broker=True, system="partners", partnerType="partner"
    )
    smiths = g.household("The Smiths", segment="family")
    john = g.person(
        "John", "Smith", email="john.smith@example.com", phone="+15551230001", merged=2,
        segment="gold", externalIds=["legacy:77", "web:abc"], dateOfBirth=dt.date(1980, 2, 29),
        streetNumber="12", street="Main St", locality="Springfield", postcode="12345", state="IL",
        nationalId="123-45-6789",
    )  # fmt: skip
    jane = g.person("Jane", "Smith", email="jane.smith@example.com", status="prospect")
    kid = g.person("Kid", "Smith", status="former", country="CA", createdAt=dt.date(2023, 7, 1))
    carol = g.person("Carol", "Decider", customer=False, email="carol@acme.example")
    parent = g.organization("Acme Holding AG", industry="holding")
    acme = g.organization(
        "Acme GmbH", domain="acme.example", industry="tools", size=250, segment="enterprise"
    )
    g.member(john, smiths, "head")
    g.member(jane, smiths, "spouse")
    g.member(kid, smiths, None)
    g.works_for(john, acme, "Engineer", "R&D")
    g.works_for(carol, acme, "CFO", "Finance")
    g.reports_to(john, carol)
    g.subsidiary(acme, parent)
    g.owns(eve, john)
    g.owns(eve, acme)
    g.knows(eve, carol, 0.7, dt.date(2020, 1, 1))
    deal = g.deal(acme, "Renewal 2024", "negotiation", 120000.0, dt.date(2024, 1, 10))
    g.committee(carol, acme, ["decision_maker", "economic_buyer"], 0.8, True)
    g.committee(john, acme, ["user", "champion"], 0.4)
    g.committee(carol, deal, ["decision_maker"], 0.9, True)
    referrals = [
        g.referral(brokerage, john, dt.date(2022, 1, 10), incentive=50.0, currency="EUR"),
        g.referral(john, kid, dt.date(2023, 3, 1), channel="friend"),
        g.referral(
            solo, acme, dt.date(2021, 6, 1), channel="event", incentive=500.0, currency="USD"
        ),
    ]
    stub = g.stub_party()
    g.edges.append(
        Edge("REFERRED", stub, jane.id, {"src": g.new_id("rel"), "date": dt.date(2020, 1, 1)})
    )
    widget = g.product("Widget", "tools", 9.5)
    gadget = g.product("Gadget", "tools", 120.0, "EUR")
    gizmo = g.product("Gizmo", "toys", 3.25)
    orders = [
        g.order(john, dt.date(2024, 1, 5), [(widget, 2, 19.0), (gadget, 1, 120.0)]),
        g.order(john, dt.date(2024, 3, 9), [(widget, 1, 9.5)], status="refunded"),
        g.order(acme, dt.date(2023, 11, 30), [(gizmo, 100, 325.0)], currency="EUR"),
    ]
    at = dt.datetime(2024, 2, 1, 9, 0, tzinfo=UTC)
    interactions = [
        g.interaction(john, at, "email", employee=eve, product=widget),
        g.interaction(john, at + dt.timedelta(days=1, microseconds=123456), "phone", direction="outbound",
                      type="call", outcome=None, sentiment=-0.25, employee=sam),
        g.interaction(john, at + dt.timedelta(days=1, microseconds=123456), "chat", sentiment=None),
        g.interaction(john, at + dt.timedelta(days=40), "web", direction=None, type=None),
        g.interaction(acme, at - dt.timedelta(days=3), "meeting", employee=eve, product=gizmo),
        g.interaction(jane, dt.datetime(2022, 5, 5, 12, 30, tzinfo=UTC), "social"),
    ]  # fmt: skip
    surveys = [
        g.survey(john, at + dt.timedelta(days=2), 9, comment="great"),
        g.survey(john, at + dt.timedelta(days=60), 6),
    ]
    return World(
        g, eve, sam, brokerage, solo, smiths, john, jane, kid, carol, parent, acme, widget,
        gadget, gizmo, deal, orders, interactions, surveys, referrals,
    )  # fmt: skip


@pytest.fixture(scope="session")
def world(
    driver: Driver, settings: Settings, demo_loaded: DemoData, cdnow_loaded: Settings
) -> Iterator[World]:
    """Built after the session's loads (demo and CDNOW): a load resolves identities over every
    party record in the graph, and would re-match the world's hand-made records (their rules and
    scores), whichever test happened to trigger it first."""
    w = build_world()
    w.g.save(driver, settings.neo4j_database)
    try:
        yield w
    finally:
        w.g.delete(driver, settings.neo4j_database)


def graphql_app(client: TestClient) -> GraphQLApp:
    for route in client.app.routes:  # type: ignore[attr-defined]
        if getattr(route, "path", None) == "/graphql":
            found = route.endpoint
            assert isinstance(found, GraphQLApp)
            return found
    raise AssertionError("no /graphql route")


@pytest.fixture
def executor(client: TestClient) -> Iterator[TestClient]:
    """The API with the compiler switched off: every operation runs on Strawberry's executor."""
    app = graphql_app(client)
    app.compiled = False
    try:
        yield client
    finally:
        app.compiled = True


def run(client: TestClient, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    """POST an operation; the body (status 200 expected)."""
    response = client.post("/graphql", json={"query": query, "variables": variables or {}})
    assert response.status_code == 200, response.text
    return without_cost(response.json())


def data(client: TestClient, query: str, variables: dict[str, Any] | None = None) -> Any:
    body = run(client, query, variables)
    assert "errors" not in body, body
    return body["data"]


def post_on(client: TestClient, compiled: bool, query: str, **variables: Any) -> dict[str, Any]:
    """The body of one request on the chosen path (compiled or executor), request ids removed."""
    app = graphql_app(client)
    app.compiled = compiled
    try:
        response = client.post("/graphql", json={"query": query, "variables": variables})
    finally:
        app.compiled = True
    assert response.status_code == 200, response.text
    body = without_cost(response.json())
    for error in body.get("errors", ()):
        error["extensions"].pop("requestId")
    return body


class CountingDriver:
    """Counts the statements the API runs: reads are auto-commit `session.run` calls
    (`graph/read/run.py`); other code may use `execute_query`."""

    def __init__(self, driver: Any) -> None:
        self.driver = driver
        self.count = 0

    async def execute_query(self, *args: Any, **kwargs: Any) -> Any:
        self.count += 1
        return await self.driver.execute_query(*args, **kwargs)

    def session(self, **kwargs: Any) -> CountingSession:
        return CountingSession(self, self.driver.session(**kwargs))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.driver, name)


class CountingSession:
    def __init__(self, owner: CountingDriver, session: Any) -> None:
        self.owner = owner
        self.session = session

    async def __aenter__(self) -> CountingSession:
        await self.session.__aenter__()
        return self

    async def __aexit__(self, *exc: Any) -> Any:
        return await self.session.__aexit__(*exc)

    async def run(self, *args: Any, **kwargs: Any) -> Any:
        self.owner.count += 1
        return await self.session.run(*args, **kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.session, name)


@pytest.fixture
def counting(client: TestClient) -> Iterator[CountingDriver]:
    state = client.app.state  # type: ignore[attr-defined]
    original = state.driver
    state.driver = CountingDriver(original)
    try:
        yield state.driver
    finally:
        state.driver = original
