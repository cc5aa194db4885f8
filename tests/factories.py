"""Hand-built graphs for tests, written exactly as `graph/ingest/upsert.py` and `graph/identity/store.py` write
them: the same labels, relationship types and properties.

A `Graph` gets a unique tag; every id it makes is `system:<tag>-<n>`, so tests never collide and
`delete` removes only what it made. The Python objects are the truth the tests compute their
expected answers from, independently of the API and its Cypher.
"""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import orjson
from neo4j import Driver

UTC = dt.UTC

PARTY_PROPS = (
    "name", "email", "phone", "country", "status", "segment", "givenName", "surname",
    "dateOfBirth", "streetNumber", "street", "locality", "postcode", "state", "nationalId",
    "domain", "industry", "size", "partnerType", "title", "team", "department", "householdRole",
    "householdRef", "employerRef", "managerRef", "parentRef", "ownerRef", "createdAt",
    "externalIds",
)  # fmt: skip


@dataclass
class Record:
    """A party's source record and how identity resolution matched it."""

    id: str
    system: str
    entity: str
    kind: str
    data: dict[str, Any]
    rule: str = "source"
    score: float = 1.0
    at: dt.datetime | None = None
    source_ts: dt.datetime | None = None
    loaded_at: dt.datetime = dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)

    @property
    def record_id(self) -> str:
        return self.id.split(":", 1)[1]


@dataclass
class Party:
    id: str
    kind: str
    labels: set[str]
    props: dict[str, Any]
    records: list[Record] = field(default_factory=list)

    def __getitem__(self, name: str) -> Any:
        return self.props.get(name)

    @property
    def roles(self) -> list[str]:
        return [r.upper() for r in ("Customer", "Broker", "Employee") if r in self.labels]


@dataclass
class Node:
    """Any non-party node: `label` and its properties (`id` among them)."""

    label: str
    props: dict[str, Any]

    @property
    def id(self) -> str:
        return str(self.props["id"])

    def __getitem__(self, name: str) -> Any:
        return self.props.get(name)


@dataclass
class Edge:
    type: str
    start: str
    end: str
    props: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Any:
        return self.props.get(name)


class Graph:
    def __init__(self) -> None:
        self.tag = uuid.uuid4().hex[:10]
        self.parties: dict[str, Party] = {}
        self.nodes: dict[str, Node] = {}
        self.edges: list[Edge] = []
        self._n = itertools.count(1)

    # ---- ids ----

    def new_id(self, system: str) -> str:
        return f"{system}:{self.tag}-{next(self._n):05d}"

    # ---- parties ----

    def _party(
        self,
        kind: str,
        labels: set[str],
        system: str,
        entity: str,
        props: dict[str, Any],
        merged: int = 0,
    ) -> Party:
        pid = self.new_id(system)
        record_data = {k: v for k, v in props.items() if v is not None}
        records = [Record(pid, system, entity, kind, {"id": pid, **_json(record_data)})]
        for i in range(merged):  # other records of the same party, matched by a rule
            rid = self.new_id("web")
            records.append(
                Record(
                    rid, "web", entity, kind, {"id": rid, "email": props.get("email")},
                    rule="exact:email" if i == 0 else "fuzzy:person", score=1.0 if i == 0 else 0.91,
                    at=dt.datetime(2024, 2, 1, 9, 30, tzinfo=UTC),
                    source_ts=dt.datetime(2023, 12, 24, 18, 0, 0, 123000, tzinfo=UTC),
                )
            )  # fmt: skip
        full = dict.fromkeys(PARTY_PROPS) | props
        full["kind"] = kind
        full["sources"] = sorted({r.system for r in records})
        full["sourceIds"] = sorted(r.id for r in records)
        party = Party(pid, kind, {"Party", *labels}, full, records)
        self.parties[pid] = party
        return party

    def person(
        self,
        given: str,
        surname: str,
        *,
        customer: bool = True,
        employee: bool = False,
        broker: bool = False,
        merged: int = 0,
        system: str = "crm",
        **props: Any,
    ) -> Party:
        labels = {"Person"} | ({"Customer"} if customer else set())
        labels |= ({"Employee"} if employee else set()) | ({"Broker"} if broker else set())
        base: dict[str, Any] = {
            "givenName": given,
            "surname": surname,
            "name": f"{given} {surname}",
        }
        if customer:
            base |= {"status": "active", "country": "US", "createdAt": dt.date(2021, 3, 4)}
        entity = "employee" if employee else ("broker" if broker else "person")
        return self._party("person", labels, system, entity, base | props, merged)

    def organization(
        self, name: str, *, customer: bool = True, broker: bool = False, **props: Any
    ) -> Party:
        labels = {"Organization"} | ({"Customer"} if customer else set())
        labels |= {"Broker"} if broker else set()
        base: dict[str, Any] = {"name": name}
        if customer:
            base |= {"status": "active", "country": "DE", "createdAt": dt.date(2020, 1, 15)}
        if broker:
            base["partnerType"] = "broker"
        entity = "broker" if broker and not customer else "organization"
        return self._party("organization", labels, "crm", entity, base | props)

    def household(self, name: str, **props: Any) -> Party:
        base = {"name": name, "status": "active", "country": "US", "createdAt": dt.date(2019, 6, 1)}
        return self._party("household", {"Household", "Customer"}, "crm", "household", base | props)

    def broker(self, name: str, *, partner_type: str = "broker", **props: Any) -> Party:
        base = {"name": name, "partnerType": partner_type, "country": "GB"}
        return self._party(
            "organization", {"Organization", "Broker"}, "partners", "broker", base | props
        )

    def employee(self, name: str, title: str, team: str, **props: Any) -> Party:
        given, surname = name.split(" ", 1)
        return self.person(
            given,
            surname,
            customer=False,
            employee=True,
            system="hr",
            title=title,
            team=team,
            **props,
        )

    def stub_party(self) -> str:
        """A party referenced but never loaded: only an id (and its stub record)."""
        pid = self.new_id("crm")
        self.nodes[pid] = Node("StubParty", {"id": pid})
        return pid

    # ---- other nodes ----

    def _node(self, label: str, system: str, props: dict[str, Any]) -> Node:
        nid = self.new_id(system)
        node = Node(label, {"id": nid, **props, "sources": [system], "sourceIds": [nid]})
        self.nodes[nid] = node
        return node

    def product(self, name: str, category: str, price: float, currency: str = "USD") -> Node:
        return self._node(
            "Product",
            "erp",
            {"name": name, "category": category, "price": price, "currency": currency},
        )

    def order(
        self,
        customer: Party,
        date: dt.date,
        lines: list[tuple[Node, int, float]] = (),  # type: ignore[assignment]
        *,
        status: str | None = "completed",
        currency: str = "USD",
    ) -> Node:
        amount = round(sum(a for _, _, a in lines), 2)
        quantity = sum(q for _, q, _ in lines)
        order = self._node(
            "Order", "erp",
            {"date": date, "amount": amount, "currency": currency, "quantity": quantity,
             "status": status, "customerRef": customer.id},
        )  # fmt: skip
        self.edges.append(Edge("PLACED", customer.id, order.id))
        for n, (product, qty, line_amount) in enumerate(lines, start=1):
            line = self._node(
                "OrderLine", "erp",
                {"lineNo": n, "quantity": qty, "amount": line_amount, "currency": currency},
            )  # fmt: skip
            self.edges.append(Edge("HAS_LINE", order.id, line.id))
            self.edges.append(Edge("OF_PRODUCT", line.id, product.id))
        return order

    def interaction(
        self,
        customer: Party,
        at: dt.datetime,
        channel: str,
        *,
        direction: str | None = "inbound",
        type: str | None = "question",
        outcome: str | None = "resolved",
        sentiment: float | None = 0.5,
        employee: Party | None = None,
        product: Node | None = None,
    ) -> Node:
        node = self._node(
            "Interaction", "support",
            {"at": at, "channel": channel, "direction": direction, "type": type,
             "outcome": outcome, "sentiment": sentiment, "customerRef": customer.id,
             "employeeRef": employee.id if employee else None},
        )  # fmt: skip
        self.edges.append(Edge("HAD", customer.id, node.id))
        if employee:
            self.edges.append(Edge("HANDLED_BY", node.id, employee.id))
        if product:
            self.edges.append(Edge("ABOUT", node.id, product.id))
        return node

    def survey(
        self,
        customer: Party,
        at: dt.datetime,
        score: int,
        survey: str = "nps",
        comment: str | None = None,
    ) -> Node:
        node = self._node(
            "SurveyResponse", "survey",
            {"at": at, "score": score, "survey": survey, "comment": comment, "customerRef": customer.id},
        )  # fmt: skip
        self.edges.append(Edge("RESPONDED", customer.id, node.id))
        return node

    def deal(self, account: Party, name: str, stage: str, amount: float, opened: dt.date) -> Node:
        node = self._node(
            "Deal", "crm",
            {"name": name, "stage": stage, "amount": amount, "currency": "EUR", "openedAt": opened,
             "accountRef": account.id},
        )  # fmt: skip
        self.edges.append(Edge("FOR_ACCOUNT", node.id, account.id))
        return node

    # ---- relationships ----

    def _record_edge(self, type: str, start: str, end: str, props: dict[str, Any]) -> Edge:
        src = self.new_id("rel")
        self.nodes[src] = Node("RelRecord", {"id": src, "fromRef": start, "toRef": end})
        edge = Edge(type, start, end, {"src": src, **props})
        self.edges.append(edge)
        return edge

    def referral(
        self,
        referrer: Party,
        referred: Party,
        date: dt.date,
        *,
        channel: str | None = "partner",
        incentive: float | None = None,
        currency: str | None = None,
    ) -> Edge:
        props = {"date": date, "channel": channel, "incentive": incentive, "currency": currency}
        return self._record_edge("REFERRED", referrer.id, referred.id, props)

    def committee(
        self,
        person: Party,
        target: Party | Node,
        roles: list[str],
        influence: float | None = None,
        primary: bool = False,
    ) -> Edge:
        props = {"roles": roles, "influence": influence, "primary": primary}
        return self._record_edge("ON_COMMITTEE", person.id, target.id, props)

    def knows(self, employee: Party, person: Party, strength: float, since: dt.date) -> Edge:
        return self._record_edge(
            "KNOWS", employee.id, person.id, {"strength": strength, "since": since}
        )

    def member(self, person: Party, household: Party, role: str | None) -> Edge:
        person.props |= {"householdRef": household.id, "householdRole": role}
        edge = Edge("MEMBER_OF", person.id, household.id, {"role": role})
        self.edges.append(edge)
        return edge

    def works_for(
        self, person: Party, org: Party, title: str | None, department: str | None
    ) -> Edge:
        person.props |= {"employerRef": org.id, "title": title, "department": department}
        edge = Edge("WORKS_FOR", person.id, org.id, {"title": title, "department": department})
        self.edges.append(edge)
        return edge

    def reports_to(self, person: Party, manager: Party) -> None:
        person.props["managerRef"] = manager.id
        self.edges.append(Edge("REPORTS_TO", person.id, manager.id))

    def subsidiary(self, org: Party, parent: Party) -> None:
        org.props["parentRef"] = parent.id
        self.edges.append(Edge("SUBSIDIARY_OF", org.id, parent.id))

    def owns(self, employee: Party, party: Party) -> None:
        party.props["ownerRef"] = employee.id
        self.edges.append(Edge("OWNS_ACCOUNT", employee.id, party.id))

    # ---- writing ----

    def save(self, driver: Driver, database: str) -> None:
        by_labels: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
        for party in self.parties.values():
            by_labels[tuple(sorted(party.labels))].append(party.props | {"id": party.id})
        records = [
            {"party": p.id, "rule": r.rule, "score": r.score, "at": r.at,
             "props": {"id": r.id, "system": r.system, "recordId": r.record_id, "entity": r.entity,
                       "kind": r.kind, "hash": uuid.uuid5(uuid.NAMESPACE_OID, r.id).hex,
                       "sourceTs": r.source_ts, "data": orjson.dumps(r.data).decode(),
                       "loadedAt": r.loaded_at}}
            for p in self.parties.values() for r in p.records
        ]  # fmt: skip
        nodes: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for node in self.nodes.values():
            nodes[node.label].append(node.props)
        edges: dict[tuple[str, str, str], list[dict[str, Any]]] = defaultdict(list)
        for edge in self.edges:
            key = (edge.type, self._label(edge.start), self._label(edge.end))
            edges[key].append({"a": edge.start, "b": edge.end, "props": edge.props})

        def work(tx: Any) -> None:
            for labels, rows in by_labels.items():
                label_text = ":".join(labels)
                tx.run(
                    f"UNWIND $rows AS row CREATE (p:{label_text}) SET p = row", rows=rows
                ).consume()
            tx.run(
                "UNWIND $rows AS row MATCH (p:Party {id: row.party}) "
                "CREATE (s:SourceRecord)-[r:RESOLVES_TO {rule: row.rule, score: row.score}]->(p) "
                "SET s = row.props, r.at = row.at",
                rows=records,
            ).consume()
            for label, rows in nodes.items():
                if label == "StubParty":  # a party referenced by a record never loaded
                    tx.run(
                        "UNWIND $rows AS row CREATE (s:SourceRecord {id: row.id, stub: true})"
                        "-[:RESOLVES_TO {rule: 'source', score: 1.0}]->(:Party {id: row.id})",
                        rows=rows,
                    ).consume()
                elif label == "RelRecord":
                    tx.run(
                        "UNWIND $rows AS row CREATE (s:SourceRecord) SET s = row, "
                        "s.system = 'rel', s.entity = 'relationship', s.data = '{}'",
                        rows=rows,
                    ).consume()
                else:
                    tx.run(
                        f"UNWIND $rows AS row CREATE (n:{label}) SET n = row", rows=rows
                    ).consume()
            for (type_, start, end), rows in edges.items():
                tx.run(
                    f"UNWIND $rows AS row MATCH (a:{start} {{id: row.a}}) MATCH (b:{end} {{id: row.b}}) "
                    f"CREATE (a)-[r:{type_}]->(b) SET r = row.props",
                    rows=rows,
                ).consume()

        with driver.session(database=database) as session:
            session.execute_write(work)

    def _label(self, node_id: str) -> str:
        if node_id in self.parties or self.nodes[node_id].label == "StubParty":
            return "Party"
        return self.nodes[node_id].label

    def delete(self, driver: Driver, database: str) -> None:
        ids = [*self.parties, *self.nodes] + [
            r.id for p in self.parties.values() for r in p.records
        ]
        driver.execute_query(
            "UNWIND $ids AS id CALL (id) { OPTIONAL MATCH (n:Party {id: id}) DETACH DELETE n } "
            "CALL (id) { OPTIONAL MATCH (n:SourceRecord {id: id}) DETACH DELETE n } "
            "CALL (id) { OPTIONAL MATCH (n:Product {id: id}) DETACH DELETE n } "
            "CALL (id) { OPTIONAL MATCH (n:Order {id: id}) DETACH DELETE n } "
            "CALL (id) { OPTIONAL MATCH (n:OrderLine {id: id}) DETACH DELETE n } "
            "CALL (id) { OPTIONAL MATCH (n:Interaction {id: id}) DETACH DELETE n } "
            "CALL (id) { OPTIONAL MATCH (n:SurveyResponse {id: id}) DETACH DELETE n } "
            "CALL (id) { OPTIONAL MATCH (n:Deal {id: id}) DETACH DELETE n }",
            ids=ids,
            database_=database,
        )

    # ---- truth helpers ----

    def out(self, type_: str, start: str) -> list[Edge]:
        return [e for e in self.edges if e.type == type_ and e.start == start]

    def into(self, type_: str, end: str) -> list[Edge]:
        return [e for e in self.edges if e.type == type_ and e.end == end]


def _json(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, dt.date) else v for k, v in data.items()}
