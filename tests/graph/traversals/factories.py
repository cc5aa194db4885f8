"""Hand-built graphs for the traversal tests, with the labels, relationship types and properties
`graph/ingest/upsert.py` and `graph/identity/store.py` write.

A `TGraph` gets a unique tag; every node id it makes is `t:<tag>-<name>`, so tests never collide
and `delete` removes only what it made. The Python lists it keeps are the truth each test computes
its expected answers from (plain BFS or networkx), independently of the Cypher under test.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from neo4j import AsyncDriver, Driver

from graph.config import Settings
from graph.driver import open_driver

T = TypeVar("T")

UTC = dt.UTC

_PARTIES = """
UNWIND $rows AS row
CREATE (n:Party {id: row.id})
SET n += row.props
WITH n, row
CALL (n, row) { WITH n, row WHERE 'Person' IN row.labels SET n:Person }
CALL (n, row) { WITH n, row WHERE 'Organization' IN row.labels SET n:Organization }
CALL (n, row) { WITH n, row WHERE 'Household' IN row.labels SET n:Household }
CALL (n, row) { WITH n, row WHERE 'Customer' IN row.labels SET n:Customer }
CALL (n, row) { WITH n, row WHERE 'Broker' IN row.labels SET n:Broker }
CALL (n, row) { WITH n, row WHERE 'Employee' IN row.labels SET n:Employee }
"""

_NODES = {
    "Product": "UNWIND $rows AS row CREATE (n:Product {id: row.id}) SET n += row.props",
    "Deal": """
UNWIND $rows AS row
MATCH (a:Party {id: row.account})
CREATE (n:Deal {id: row.id})-[:FOR_ACCOUNT]->(a) SET n += row.props
""",
    "Order": """
UNWIND $rows AS row
MATCH (c:Party {id: row.party})
CREATE (c)-[:PLACED]->(o:Order {id: row.id, date: row.date, amount: row.amount, status: row.status})
WITH o, row
UNWIND row.lines AS line
MATCH (p:Product {id: line.product})
CREATE (o)-[:HAS_LINE]->(:OrderLine {id: line.id, amount: line.amount, quantity: 1})
       -[:OF_PRODUCT]->(p)
""",
    "Interaction": """
UNWIND $rows AS row
MATCH (c:Party {id: row.party})
CREATE (c)-[:HAD]->(i:Interaction {id: row.id})
SET i += row.props
WITH i, row
CALL (i, row) {
  WITH i, row WHERE row.employee IS NOT NULL
  MATCH (e:Party {id: row.employee})
  CREATE (i)-[:HANDLED_BY]->(e)
}
""",
}

# Relationships from a party to a party (or to a deal), created by type and end label.
_EDGE = """
UNWIND $rows AS row
MATCH (a:Party {id: row.start})
MATCH (b:%s {id: row.end})
CREATE (a)-[e:%s]->(b) SET e = row.props
"""
EDGE_TYPES = (
    "REFERRED", "ON_COMMITTEE", "KNOWS", "WORKS_FOR", "REPORTS_TO", "MEMBER_OF",
    "OWNS_ACCOUNT", "SUBSIDIARY_OF",
)  # fmt: skip

_DELETE = {
    label: f"""
MATCH (n:{label}) WHERE n.id STARTS WITH $prefix
CALL (n) {{ DETACH DELETE n }} IN TRANSACTIONS OF 10000 ROWS
"""
    for label in ("Party", "Product", "Order", "OrderLine", "Interaction", "Deal")
}


@dataclass(frozen=True)
class Edge:
    type: str
    start: str
    end: str
    props: dict[str, Any]


@dataclass(frozen=True)
class Order:
    id: str
    party: str
    date: dt.date
    products: tuple[str, ...]
    status: str | None


@dataclass(frozen=True)
class Interaction:
    id: str
    party: str
    at: dt.datetime
    channel: str
    sentiment: float | None
    employee: str | None


@dataclass
class TGraph:
    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:10])
    parties: dict[str, dict[str, Any]] = field(default_factory=dict)  # id -> {labels, props}
    products: dict[str, dict[str, Any]] = field(default_factory=dict)
    deals: dict[str, str] = field(default_factory=dict)  # deal id -> account id
    edges: list[Edge] = field(default_factory=list)
    orders: list[Order] = field(default_factory=list)
    interactions: list[Interaction] = field(default_factory=list)

    @property
    def prefix(self) -> str:
        return f"t:{self.tag}-"

    def id(self, name: str) -> str:
        return self.prefix + name

    # --- parties -------------------------------------------------------------------------------
    def party(self, name: str, *labels: str, **props: Any) -> str:
        pid = self.id(name)
        kind = next(
            (k.lower() for k in ("Person", "Organization", "Household") if k in labels), None
        )
        self.parties[pid] = {
            "labels": list(labels),
            "props": {"name": name, "kind": kind, **props},
        }
        return pid

    def customer(self, name: str, status: str = "active", **props: Any) -> str:
        return self.party(name, "Person", "Customer", status=status, **props)

    def broker(self, name: str) -> str:
        return self.party(name, "Organization", "Broker", partnerType="broker")

    def person(self, name: str, **props: Any) -> str:
        return self.party(name, "Person", **props)

    def employee(self, name: str) -> str:
        return self.party(name, "Person", "Employee", title="Account Manager")

    def organization(self, name: str, **props: Any) -> str:
        return self.party(name, "Organization", "Customer", status="active", **props)

    def household(self, name: str) -> str:
        return self.party(name, "Household", "Customer", status="active")

    # --- relationships -------------------------------------------------------------------------
    def edge(self, type_: str, start: str, end: str, **props: Any) -> Edge:
        assert type_ in EDGE_TYPES
        edge = Edge(type_, start, end, props)
        self.edges.append(edge)
        return edge

    def refer(
        self,
        referrer: str,
        referred: str,
        date: dt.date,
        channel: str | None = "friend",
        incentive: float | None = None,
    ) -> Edge:
        src = self.id(f"R{len(self.edges):06d}")
        return self.edge(
            "REFERRED", referrer, referred, src=src, date=date, channel=channel,
            incentive=incentive, currency="USD" if incentive is not None else None,
        )  # fmt: skip

    def seat(
        self, person: str, target: str, roles: list[str], influence: float | None, primary: bool
    ) -> Edge:
        src = self.id(f"S{len(self.edges):06d}")
        return self.edge(
            "ON_COMMITTEE", person, target, src=src, roles=roles, influence=influence,
            primary=primary,
        )  # fmt: skip

    def knows(self, employee: str, person: str, strength: float, since: dt.date) -> Edge:
        src = self.id(f"K{len(self.edges):06d}")
        return self.edge("KNOWS", employee, person, src=src, strength=strength, since=since)

    def deal(self, name: str, account: str) -> str:
        did = self.id(name)
        self.deals[did] = account
        return did

    # --- commerce and interactions -------------------------------------------------------------
    def product(self, name: str, category: str = "General") -> str:
        pid = self.id(name)
        self.products[pid] = {"name": name, "category": category}
        return pid

    def order(
        self, party: str, date: dt.date, products: list[str], status: str | None = "completed"
    ) -> Order:
        order = Order(self.id(f"O{len(self.orders):06d}"), party, date, tuple(products), status)
        self.orders.append(order)
        return order

    def interaction(
        self,
        party: str,
        at: dt.datetime,
        sentiment: float | None = None,
        employee: str | None = None,
        channel: str = "meeting",
    ) -> Interaction:
        found = Interaction(
            self.id(f"I{len(self.interactions):06d}"), party, at, channel, sentiment, employee
        )
        self.interactions.append(found)
        return found

    # --- writing -------------------------------------------------------------------------------
    def write(self, driver: Driver, database: str) -> None:
        def run(query: str, rows: list[dict[str, Any]]) -> None:
            for start in range(0, len(rows), 5000):
                driver.execute_query(query, rows=rows[start : start + 5000], database_=database)

        run(_PARTIES, [{"id": k, **v} for k, v in self.parties.items()])
        run(_NODES["Product"], [{"id": k, "props": v} for k, v in self.products.items()])
        run(
            _NODES["Deal"],
            [{"id": k, "account": v, "props": {"name": k}} for k, v in self.deals.items()],
        )
        for type_ in EDGE_TYPES:
            for label in ("Party", "Deal"):
                rows = [
                    {"start": e.start, "end": e.end, "props": e.props}
                    for e in self.edges
                    if e.type == type_ and (e.end in self.deals) == (label == "Deal")
                ]
                if rows:
                    run(_EDGE % (label, type_), rows)
        run(
            _NODES["Order"],
            [
                {
                    "id": o.id, "party": o.party, "date": o.date, "amount": 10.0,
                    "status": o.status,
                    "lines": [
                        {"id": f"{o.id}-{i}", "product": p, "amount": 10.0}
                        for i, p in enumerate(o.products)
                    ],
                }
                for o in self.orders
            ],
        )  # fmt: skip
        run(
            _NODES["Interaction"],
            [
                {
                    "id": i.id, "party": i.party, "employee": i.employee,
                    "props": {"at": i.at, "channel": i.channel, "sentiment": i.sentiment},
                }
                for i in self.interactions
            ],
        )  # fmt: skip

    def delete(self, driver: Driver, database: str) -> None:
        delete_prefix(driver, database, self.prefix)


def delete_prefix(driver: Driver, database: str, prefix: str) -> None:
    """Delete every node (and its relationships) whose id starts with `prefix`."""
    with driver.session(database=database) as session:
        for query in _DELETE.values():
            session.run(query, prefix=prefix).consume()


def big_broker(driver: Driver, database: str, tag: str, direct: int, second: int) -> str:
    """A broker `t:<tag>-B` who referred `direct` customers `t:<tag>-c<i>` (referral date
    2020-01-01 + i % 1000 days, revenue i % 100), the first `second // 2` of whom referred two
    customers each, `t:<tag>-d<j>` (j // 2 referred d<j>, revenue 5, prospects). Built in batches
    by Cypher (the rows are generated in the database); returns the broker's id."""
    prefix = f"t:{tag}-"
    broker = prefix + "B"
    driver.execute_query(
        "CREATE (:Party:Organization:Broker {id: $id, name: 'Big Broker', kind: 'organization'})",
        id=broker,
        database_=database,
    )
    for start in range(0, direct, 20000):
        driver.execute_query(
            """
MATCH (b:Party {id: $broker})
UNWIND range($start, $end - 1) AS i
CREATE (b)-[:REFERRED {date: date('2020-01-01') + duration({days: i % 1000}),
                       channel: 'branch', src: $prefix + 'R' + toString(i)}]
       ->(:Party:Person:Customer {id: $prefix + 'c' + toString(i), kind: 'person',
                                 status: 'active', revenue: toFloat(i % 100)})
""",
            broker=broker,
            start=start,
            end=min(direct, start + 20000),
            prefix=prefix,
            database_=database,
        )
    driver.execute_query(
        """
UNWIND range(0, $second - 1) AS j
MATCH (a:Party {id: $prefix + 'c' + toString(j / 2)})
CREATE (a)-[:REFERRED {date: date('2021-01-01'), channel: 'friend', src: $prefix + 'S' + toString(j)}]
       ->(:Party:Person:Customer {id: $prefix + 'd' + toString(j), kind: 'person',
                                 status: 'prospect', revenue: 5.0})
""",
        second=second,
        prefix=prefix,
        database_=database,
    )
    return broker


# --- running the async traversals from sync tests, and reading plans ---------------------------


def call(settings: Settings, work: Callable[[AsyncDriver, str], Awaitable[T]]) -> T:
    """Run `work(driver, database)` with a fresh async driver (the API's kind) and close it."""

    async def go() -> T:
        driver = open_driver(settings)
        try:
            return await work(driver, settings.neo4j_database)
        finally:
            await driver.close()

    return asyncio.run(go())


SCANS = frozenset(
    {
        "AllNodesScan", "NodeByLabelScan", "UnionNodeByLabelsScan", "IntersectionNodeByLabelsScan",
        "NodeIndexScan", "NodeIndexContainsScan", "NodeIndexEndsWithScan",
        "DirectedRelationshipTypeScan", "UndirectedRelationshipTypeScan",
        "DirectedAllRelationshipsScan", "UndirectedAllRelationshipsScan",
        "DirectedRelationshipIndexScan", "UndirectedRelationshipIndexScan",
    }
)  # fmt: skip
SEEKS = frozenset({"NodeUniqueIndexSeek", "NodeIndexSeek"})


@dataclass(frozen=True)
class Plan:
    operators: list[str]  # every operator, depth first
    anchor: str  # the leftmost leaf: where execution starts
    anchor_details: str


def explain(driver: Driver, database: str, text: str, params: dict[str, Any]) -> Plan:
    _, summary, _ = driver.execute_query("EXPLAIN " + text, params, database_=database)
    assert summary.plan is not None
    operators: list[str] = []

    def walk(plan: dict[str, Any]) -> None:
        operators.append(plan["operatorType"].split("@")[0])
        for child in plan.get("children", []):
            walk(child)

    walk(summary.plan)
    leaf = summary.plan
    while leaf.get("children"):
        leaf = leaf["children"][0]
    return Plan(
        operators,
        leaf["operatorType"].split("@")[0],
        str(leaf.get("args", {}).get("Details", "")),
    )
