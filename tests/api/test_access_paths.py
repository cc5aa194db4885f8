"""Authorization follows the data, not the entry point: a proof by walking the schema.

The guarded data are written out below (`GUARDED`, by schema coordinate, with the roles that may
read them) independently of `schema/access.py`. For every guarded coordinate, every root field of
`Query` whose type graph reaches it, and every way of selecting it (plain, aliased, through an
inline fragment, through a named fragment), the walk builds the shortest document and checks, for
every role: `guarded` names the coordinate (all four ways, statically), and the API answers 403
FORBIDDEN naming it or, for an allowed role, an answer with no FORBIDDEN (one way per root, in
turn, over HTTP). A second walk checks that no field of the schema returns a type that carries a
guarded datum (a committee's members, a party's referrals, ...) without being guarded itself.
A hand-built account then shows the scoped answer: an account team reads through
`customer { ... on Organization { committee } }` and `node(id)` the members `buyingCommittee`
lists, a frontend is refused on every path.
"""

from __future__ import annotations

import datetime as dt
import heapq
import itertools
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    Undefined,
    get_named_type,
    get_operation_ast,
    is_composite_type,
    parse,
    validate,
)
from neo4j import Driver
from starlette.testclient import TestClient

from graph.config import Settings
from graph.read.positions import Family
from graph.security.principal import WRITE, Role
from schema.access import RULES, guarded
from schema.ids import global_id
from schema.schema import schema as strawberry_schema
from tests.api.mutation_helpers import client_for, codes
from tests.factories import Graph, Party

SCHEMA: GraphQLSchema = strawberry_schema._schema
A, N, T, F, P = Role.ADMIN, Role.ANALYST, Role.ACCOUNT_TEAM, Role.FRONTEND, Role.PARTNER
COMMITTEES = {A, N, T}
NETWORKS = {A, N, T, P}
BOOKS = {A, N, P}

# Every guarded datum, by coordinate, and who may read it (README's and docs/api.md's table).
GUARDED: dict[str, set[Role]] = {
    "Query.server": {A, N},
    "Query.valueModel": {A, N},
    "Query.loads": {A},  # the load history
    "Query.portfolio": {A, N, T, P},
    # buying committees, their figures included
    "Query.buyingCommittee": COMMITTEES,
    "Query.dealCommittee": COMMITTEES,
    "Organization.committee": COMMITTEES,
    "Deal.committee": COMMITTEES,
    "Person.committeeSeats": COMMITTEES,
    "Organization.committeeSize": COMMITTEES,
    "Organization.committeeEngaged": COMMITTEES,
    "Organization.committeeEngagement": COMMITTEES,
    "Organization.healthScore": COMMITTEES,
    # brokers, referral trees, who knows whom
    "Query.broker": NETWORKS,
    "Query.brokers": NETWORKS,
    "Query.referralTree": NETWORKS,
    "Query.connectionPaths": NETWORKS,
    "Customer.referrals": NETWORKS,
    "Customer.referralValue": NETWORKS,
    "Customer.networkValue": NETWORKS,
    "Broker.referrals": NETWORKS,
    "Broker.customersBrought": NETWORKS,
    "Broker.bookValue": NETWORKS,
    "Broker.conversionRate": NETWORKS,
    "Broker.retentionRate": NETWORKS,
    "Employee.knows": NETWORKS,
    # a broker's whole network
    "Query.partnerNetwork": BOOKS,
    "Broker.network": BOOKS,
    "Broker.networkSize": BOOKS,
    "Broker.networkValue": BOOKS,
}
WAYS = ("plain", "alias", "inline", "fragment")
NOBODY = global_id(Family.PARTY, "nosuch:paths")


def test_the_table_is_the_rules() -> None:
    assert {c: set(r) for c, r in RULES.items()} == GUARDED


# ---- the walk --------------------------------------------------------------------------------


def dummy(t: GraphQLInputType) -> str:
    """A literal of an input type (ids of nobody: the guard runs before any read)."""
    named = get_named_type(t)
    if isinstance(named, GraphQLEnumType):
        return str(next(iter(named.values)))
    if isinstance(named, GraphQLInputObjectType):
        needed = [
            f"{n}: {dummy(f.type)}"
            for n, f in named.fields.items()
            if isinstance(f.type, GraphQLNonNull) and f.default_value is Undefined
        ]
        return "{" + ", ".join(needed) + "}"
    return {
        "ID": f'"{NOBODY}"',
        "Int": "1",
        "Float": "1.0",
        "Boolean": "false",
        "String": '"x"',
        "Date": '"2026-01-01"',
        "DateTime": '"2026-01-01T00:00:00Z"',
    }[named.name]


def arguments(args: dict[str, GraphQLArgument]) -> str:
    needed = [
        f"{n}: {dummy(a.type)}"
        for n, a in args.items()
        if isinstance(a.type, GraphQLNonNull) and a.default_value is Undefined
    ]
    return f"({', '.join(needed)})" if needed else ""


@dataclass(frozen=True)
class Step:
    text: str  # `name(args)` or `... on Type`
    field: bool
    guards: frozenset[str] = frozenset()  # the guarded coordinates this step selects


def guards_of(t: GraphQLObjectType | GraphQLInterfaceType, name: str) -> frozenset[str]:
    """The guarded coordinates selecting `name` on `t` reads: its own, its interfaces', and for an
    interface its implementations'."""
    owners = [t.name, *(i.name for i in t.interfaces)]
    if isinstance(t, GraphQLInterfaceType):
        owners += [x.name for x in SCHEMA.get_possible_types(t)]
    return frozenset(c for o in owners if (c := f"{o}.{name}") in GUARDED)


def neighbours(named: GraphQLNamedType) -> Iterator[tuple[Step, GraphQLNamedType]]:
    if isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
        for name, f in named.fields.items():
            target = get_named_type(f.type)
            if is_composite_type(target) and not name.startswith("__"):
                yield Step(name + arguments(f.args), True, guards_of(named, name)), target
        for i in named.interfaces:
            yield Step(f"... on {i.name}", False), i
    if isinstance(named, GraphQLInterfaceType | GraphQLUnionType):
        for t in SCHEMA.get_possible_types(named):
            yield Step(f"... on {t.name}", False), t


def shortest(start: GraphQLNamedType, goal: str) -> list[Step] | None:
    """The selection path from `start` to a selection set of type `goal` through the fewest
    guarded fields, then the fewest steps (Dijkstra)."""
    best = {start.name: (0, 0)}
    queue: list[tuple[int, int, int, GraphQLNamedType, list[Step]]] = [(0, 0, 0, start, [])]
    tie = itertools.count(1)
    while queue:
        guarded_steps, length, _, here, path = heapq.heappop(queue)
        if here.name == goal:
            return path
        for step, there in neighbours(here):
            cost = (guarded_steps + bool(step.guards), length + 1)
            if cost < best.get(there.name, (1 << 30, 0)):
                best[there.name] = cost
                heapq.heappush(queue, (*cost, next(tie), there, [*path, step]))
    return None


def leaf(coordinate: str) -> str:
    type_name, field_name = coordinate.split(".")
    owner = SCHEMA.get_type(type_name)
    assert isinstance(owner, GraphQLObjectType | GraphQLInterfaceType)
    f = owner.fields[field_name]
    sub = " { __typename }" if is_composite_type(get_named_type(f.type)) else ""
    return f"{field_name}{arguments(f.args)}{sub}"


def document(root: str, path: list[Step], coordinate: str, way: str, on: str) -> str:
    """A query selecting `coordinate` through root field `root` along `path` (which lands on its
    type), one of `WAYS`; `on` is the type the last selection is made on (an implementation of an
    interface's field too)."""
    aliases = itertools.count()

    def name(step: Step) -> str:
        return f"a{next(aliases)}: {step.text}" if way == "alias" and step.field else step.text

    end = leaf(coordinate)
    if way == "alias":
        end = f"a{next(aliases)}: {end}"
    if way == "inline" or on != coordinate.split(".")[0]:
        end = f"... on {on} {{ {end} }}"
    fragment = ""
    if way == "fragment":
        fragment = f" fragment G on {on} {{ {end} }}"
        end = "...G"
    body = end
    for step in reversed(path):
        body = f"{name(step)} {{ {body} }}"
    query = SCHEMA.query_type
    assert query is not None
    head = f"{root}{arguments(query.fields[root].args)}"
    if way == "alias":
        head = f"r: {head}"
    return f"query {{ {head} {{ {body} }} }}{fragment}"


@dataclass(frozen=True)
class Probe:
    coordinate: str
    root: str
    way: str
    text: str
    allowed: frozenset[Role]  # the roles allowed every guarded field the document selects


def probes() -> list[Probe]:
    """Every (guarded coordinate, root field reaching it) pair, in every way; a coordinate of an
    interface also through each type implementing it."""
    found: list[Probe] = []
    query = SCHEMA.query_type
    assert query is not None
    for coordinate in sorted(GUARDED):
        owner, field_name = coordinate.split(".")
        if owner == "Query":
            found += [
                Probe(coordinate, field_name, w, root_document(field_name, w), frozenset(GUARDED[coordinate]))
                for w in WAYS
            ]  # fmt: skip
            continue
        owner_type = SCHEMA.get_type(owner)
        ons = [owner]
        if isinstance(owner_type, GraphQLInterfaceType):
            ons += [t.name for t in SCHEMA.get_possible_types(owner_type)]
        for root, f in query.fields.items():
            path = shortest(get_named_type(f.type), owner)
            if path is None:
                continue
            on_path = {c for s in path for c in s.guards} | guards_of(query, root)
            allowed = frozenset(
                set(GUARDED[coordinate]).intersection(*(GUARDED[c] for c in on_path))
            )
            for on in ons:
                ways = WAYS if on == owner else ("inline",)
                found += [
                    Probe(coordinate, root, w, document(root, path, coordinate, w, on), allowed)
                    for w in ways
                ]
    return found


def root_document(root: str, way: str) -> str:
    selection = leaf(f"Query.{root}")
    if way == "alias":
        return f"query {{ r: {selection} }}"
    if way == "inline":
        return f"query {{ ... on Query {{ {selection} }} }}"
    if way == "fragment":
        return f"query {{ ...G }} fragment G on Query {{ {selection} }}"
    return f"query {{ {selection} }}"


PROBES = probes()


def test_the_walk_reaches_every_guarded_field_from_every_entry_point() -> None:
    reached = {p.coordinate for p in PROBES}
    assert reached == set(GUARDED)
    roots = {(p.coordinate, p.root) for p in PROBES}
    # the committee of an account is reached from every root that can land on a party
    for root in ("customer", "customers", "search", "node", "nodes", "account", "broker"):
        assert ("Organization.committee", root) in roots
    assert ("Deal.committee", "node") in roots and ("Customer.referrals", "nodes") in roots
    assert len(PROBES) > 700


def test_every_probe_is_valid_and_its_guard_names_the_coordinate() -> None:
    for probe in PROBES:
        parsed = parse(probe.text)
        assert validate(SCHEMA, parsed) == [], probe
        operation = get_operation_ast(parsed)
        assert operation is not None
        fragments = [d for d in parsed.definitions if d.kind == "fragment_definition"]
        found = guarded(SCHEMA, operation, fragments)  # type: ignore[arg-type]
        assert probe.coordinate in found, (probe, found)


# Types that carry nothing but a guarded datum (returned by a guarded field, not a node, not
# returned by an open root such as `customers`, not a plain value such as `Money`): whatever
# field returns one must be guarded too.
def carriers() -> dict[str, set[Role]]:
    query = SCHEMA.query_type
    assert query is not None
    open_roots = {
        get_named_type(f.type).name for n, f in query.fields.items() if f"Query.{n}" not in GUARDED
    }
    found: dict[str, set[Role]] = {}
    for coordinate, roles in GUARDED.items():
        owner, field_name = coordinate.split(".")
        t = SCHEMA.get_type(owner)
        assert isinstance(t, GraphQLObjectType | GraphQLInterfaceType)
        target = get_named_type(t.fields[field_name].type)
        if (
            isinstance(target, GraphQLObjectType)
            and not any(i.name == "Node" for i in target.interfaces)
            and target.name not in open_roots
            and any(is_composite_type(get_named_type(f.type)) for f in target.fields.values())
        ):
            found[target.name] = found.get(target.name, set()) | roles
    return found


def test_no_unguarded_field_returns_a_guarded_datum() -> None:
    carried = carriers()
    assert {"BuyingCommittee", "CommitteeMemberConnection", "ReferralConnection"} <= set(carried)
    for t in SCHEMA.type_map.values():
        if not isinstance(t, GraphQLObjectType | GraphQLInterfaceType) or t.name.startswith("__"):
            continue
        for name, f in t.fields.items():
            target = get_named_type(f.type).name
            if target in carried:
                coordinate = f"{t.name}.{name}"
                interfaces = [f"{i.name}.{name}" for i in t.interfaces]
                rule = next((c for c in (coordinate, *interfaces) if c in GUARDED), None)
                assert rule is not None, f"{coordinate} returns {target} unguarded"
                assert GUARDED[rule] <= carried[target], (coordinate, GUARDED[rule])


# ---- over HTTP, every role ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def role_clients(settings: Settings, driver: Driver) -> Iterator[dict[Role, TestClient]]:
    g = Graph()
    broker = g.broker(f"Paths Broker {g.tag}")
    g.save(driver, settings.neo4j_database)
    made = {
        role: client_for(
            settings,
            role,
            subject=f"paths-{role.value}",
            broker_id=broker.id if role is Role.PARTNER else None,
        )
        for role in Role
    }
    for client in made.values():
        client.__enter__()
    try:
        yield made
    finally:
        for client in made.values():
            client.__exit__(None, None, None)
        g.delete(driver, settings.neo4j_database)


def ask(client: TestClient, query: str, **variables: Any) -> dict[str, Any]:
    """The body and status of a request asking for GraphQL-over-HTTP answers (403 on refusal)."""
    response = client.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"accept": "application/graphql-response+json"},
    )
    body: dict[str, Any] = response.json()
    body["status"] = response.status_code
    return body


def over_http() -> list[Probe]:
    """One way per (coordinate, root) pair, the ways taken in turn."""
    pairs: dict[tuple[str, str], list[Probe]] = {}
    for p in PROBES:
        pairs.setdefault((p.coordinate, p.root), []).append(p)
    return [ways[i % len(WAYS)] for i, ways in enumerate(pairs.values())]


@pytest.mark.parametrize("role", list(Role), ids=[r.value for r in Role])
def test_every_path_to_a_guarded_field_is_refused_or_answered(
    role_clients: dict[Role, TestClient], role: Role
) -> None:
    client = role_clients[role]
    for probe in over_http():
        body = ask(client, probe.text)
        if role in probe.allowed:
            assert "FORBIDDEN" not in codes(body), (probe, body)
            assert body["status"] == 200 and "data" in body, (probe, body)
        else:
            assert body["status"] == 403, (probe, body)
            assert codes(body) == ["FORBIDDEN"], (probe, body)
            assert "data" not in body
            if role not in GUARDED[probe.coordinate]:
                assert f"`{probe.coordinate}`" in body["errors"][0]["message"], (probe, body)


# ---- the scoped answer on a hand-built account -------------------------------------------------


@dataclass
class Account:
    g: Graph
    firm: Party
    buyer: Party
    user: Party


@pytest.fixture(scope="module")
def account(settings: Settings, driver: Driver) -> Iterator[Account]:
    g = Graph()
    firm = g.organization(f"Paths Firm {g.tag}")
    buyer = g.person("Bea", f"Buyer{g.tag}")
    user = g.person("Uli", f"User{g.tag}")
    g.works_for(buyer, firm, "CFO", "Finance")
    g.committee(buyer, firm, ["economic_buyer"], 0.8, True)
    g.committee(user, firm, ["user"], 0.3)
    g.deal(firm, f"Paths Deal {g.tag}", "proposal", 10.0, dt.date(2024, 1, 1))
    g.save(driver, settings.neo4j_database)
    try:
        yield Account(g, firm, buyer, user)
    finally:
        g.delete(driver, settings.neo4j_database)


NESTED = """
query($id: ID!) {
  viaCustomer: customer(id: $id) { ... on Organization { committee(first: 5) { totalCount edges { node { key } } } } }
  viaNode: node(id: $id) { ...C }
  viaNodes: nodes(ids: [$id]) { ... on Organization { seats: committee(first: 5) { edges { node { key } } } } }
}
fragment C on Organization { committee(first: 5) { edges { node { key } } } }
"""


def test_a_frontend_is_refused_the_committee_on_every_path_a_team_reads_it_on_all(
    role_clients: dict[Role, TestClient], account: Account
) -> None:
    gid = global_id(Family.PARTY, account.firm.id)
    members = sorted([account.buyer.id, account.user.id])
    refused = ask(role_clients[F], NESTED, id=gid)
    assert refused["status"] == 403 and codes(refused) == ["FORBIDDEN"]
    assert "`Organization.committee`" in refused["errors"][0]["message"]
    root = ask(
        role_clients[T], "query($id: ID!) { buyingCommittee(account: $id) { members { person { key } } } }", id=gid
    )  # fmt: skip
    assert sorted(m["person"]["key"] for m in root["data"]["buyingCommittee"]["members"]) == members
    nested = ask(role_clients[T], NESTED, id=gid)
    assert "errors" not in nested, nested
    data = nested["data"]
    assert data["viaCustomer"]["committee"]["totalCount"] == 2
    for found in (data["viaCustomer"]["committee"], data["viaNode"]["committee"], data["viaNodes"][0]["seats"]):  # fmt: skip
        assert sorted(e["node"]["key"] for e in found["edges"]) == members
    seats = "query($id: ID!) { node(id: $id) { ... on Person { committeeSeats { totalCount } } } }"
    bea = global_id(Family.PARTY, account.buyer.id)
    assert codes(ask(role_clients[F], seats, id=bea)) == ["FORBIDDEN"]
    assert ask(role_clients[T], seats, id=bea)["data"]["node"]["committeeSeats"]["totalCount"] == 1


def test_a_mutation_payload_is_guarded_like_a_read(settings: Settings, driver: Driver) -> None:
    """A frontend may upsert a customer, not read its committee through the payload: refused
    before the mutation runs, so nothing is written."""
    marker = f"api-paths-{uuid.uuid4().hex}"
    document = (
        'mutation { upsertCustomer(input: {clientMutationId: "' + marker + '", kind: ORGANIZATION, '
        'name: "'
        + marker
        + '"}) { customer { ... on Organization { committee { totalCount } } } } }'
    )
    parsed = parse(document)
    operation = get_operation_ast(parsed)
    assert operation is not None
    assert "Organization.committee" in guarded(SCHEMA, operation, [])
    with client_for(settings, F, subject="paths-writer", scopes=frozenset({WRITE})) as client:
        body = ask(client, document)
    assert body["status"] == 403 and codes(body) == ["FORBIDDEN"]
    assert "`Organization.committee`" in body["errors"][0]["message"]
    written, _, _ = driver.execute_query(
        "MATCH (n) WHERE n.name = $m RETURN count(n) AS n", {"m": marker},
        database_=settings.neo4j_database,
    )  # fmt: skip
    assert written[0]["n"] == 0
