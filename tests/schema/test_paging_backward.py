"""Backward pages (`last`/`before`, Relay cursor connections): walking a list backward gives exactly
the forward pages in reverse, page info is right both ways, cursors round-trip between directions,
and `first` with `last` is refused. Root (`customers`) and nested (`interactions`, `timeline`)
connections, on the compiled path and on the executor."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from typing import Any

import pytest
from neo4j import Driver
from starlette.testclient import TestClient

from graph.config import Settings
from graph.read.positions import Family
from schema.ids import global_id
from tests.factories import UTC, Graph, Party
from tests.schema.conftest import post_on

SIZE = 12
PEOPLE = 60  # five pages of SIZE


@pytest.fixture(scope="module")
def crowd(driver: Driver, settings: Settings) -> Iterator[tuple[Graph, list[Party]]]:
    """60 customers with repeated and missing names and creation dates, in three segments."""
    g = Graph()
    rng = random.Random(11)
    people = []
    for i in range(PEOPLE):
        people.append(
            g.person(
                "Y", str(i),
                name=rng.choice(["Ada", "Bo", "Cy", None]),
                createdAt=rng.choice([dt.date(2020, 1, 1), dt.date(2022, 9, 9), None]),
                segment=rng.choice([f"back-{g.tag}-a", f"back-{g.tag}-b", f"back-{g.tag}-c"]),
            )
        )  # fmt: skip
    g.save(driver, settings.neo4j_database)
    try:
        yield g, people
    finally:
        g.delete(driver, settings.neo4j_database)


CUSTOMERS = """query($f: CustomerFilter, $o: CustomerOrder, $t: [CustomerOrder!], $first: Int,
  $after: String, $last: Int, $before: String) {
  customers(filter: $f, orderBy: $o, thenBy: $t, first: $first, after: $after, last: $last,
            before: $before) {
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { key } } } }"""


def mine(g: Graph) -> dict[str, Any]:
    """The filter selecting this module's customers."""
    return {"segment": [f"back-{g.tag}-{s}" for s in "abc"]}


def expected_order(people: list[Party], keys: list[tuple[str, bool]]) -> list[str]:
    """The API's order computed in Python: each key (nulls last either way), then the key asc."""
    ordered = sorted(people, key=lambda p: p.id)
    for prop, desc in reversed(keys):
        present = [p for p in ordered if p[prop] is not None]
        missing = [p for p in ordered if p[prop] is None]
        ordered = sorted(present, key=lambda p: p[prop], reverse=desc) + missing
    return [p.id for p in ordered]


def page(client: TestClient, compiled: bool, query: str, path: list[str], **v: Any) -> Any:
    body = post_on(client, compiled, query, **v)
    assert "errors" not in body, body
    found = body["data"]
    for key in path:
        found = found[key]
    return found


def walk(
    client: TestClient, compiled: bool, query: str, path: list[str], backward: bool, **v: Any
) -> list[Any]:
    """Every page of the list, in the order walked (backward: from the end)."""
    pages = []
    cursor = None
    while True:
        if backward:
            found = page(client, compiled, query, path, last=SIZE, before=cursor, **v)
        else:
            found = page(client, compiled, query, path, first=SIZE, after=cursor, **v)
        pages.append(found)
        info = found["pageInfo"]
        edges = found["edges"]
        if edges:
            assert info["startCursor"] == edges[0]["cursor"]
            assert info["endCursor"] == edges[-1]["cursor"]
        more = info["hasPreviousPage"] if backward else info["hasNextPage"]
        assert (info["hasNextPage"] if backward else info["hasPreviousPage"]) is (
            cursor is not None
        )
        if not more:
            return pages
        cursor = info["startCursor"] if backward else info["endCursor"]
        assert len(pages) < 50


SORTS = [
    ([("NAME", "DESC")], [("name", True)]),
    ([("CREATED_AT", "ASC")], [("createdAt", False)]),
    ([("SEGMENT", "DESC"), ("NAME", "ASC"), ("CREATED_AT", "DESC")],
     [("segment", True), ("name", False), ("createdAt", True)]),
    ([], []),
]  # fmt: skip


@pytest.mark.parametrize("compiled", [True, False])
@pytest.mark.parametrize(("sort", "props"), SORTS)
def test_backward_pages_are_the_forward_pages_reversed(
    client: TestClient,
    crowd: tuple[Graph, list[Party]],
    compiled: bool,
    sort: list[tuple[str, str]],
    props: list[tuple[str, bool]],
) -> None:
    g, people = crowd
    orders = [{"field": f, "direction": d} for f, d in sort]
    v = {"f": mine(g), "o": orders[0] if orders else None, "t": orders[1:]}
    forward = walk(client, compiled, CUSTOMERS, ["customers"], False, **v)
    backward = walk(client, compiled, CUSTOMERS, ["customers"], True, **v)
    expected = expected_order(people, props)
    keys = [[e["node"]["key"] for e in p["edges"]] for p in forward]
    assert [k for p in keys for k in p] == expected
    assert len(forward) == PEOPLE // SIZE
    assert [[e["node"]["key"] for e in p["edges"]] for p in backward] == keys[::-1]
    # the same items carry the same cursors whichever way they were read
    assert [p["edges"] for p in backward] == [p["edges"] for p in forward][::-1]


@pytest.mark.parametrize("compiled", [True, False])
def test_cursors_round_trip_both_ways(
    client: TestClient, crowd: tuple[Graph, list[Party]], compiled: bool
) -> None:
    g, people = crowd
    orders = [{"field": "NAME", "direction": "DESC"}, {"field": "CREATED_AT", "direction": "ASC"}]
    v = {"f": mine(g), "o": orders[0], "t": orders[1:]}
    expected = expected_order(people, [("name", True), ("createdAt", False)])
    last = page(client, compiled, CUSTOMERS, ["customers"], last=SIZE, **v)
    assert [e["node"]["key"] for e in last["edges"]] == expected[-SIZE:]
    assert last["pageInfo"]["hasPreviousPage"] is True
    assert last["pageInfo"]["hasNextPage"] is False
    for i, edge in enumerate(last["edges"]):
        at = PEOPLE - SIZE + i
        after = page(client, compiled, CUSTOMERS, ["customers"], first=2, after=edge["cursor"], **v)
        assert [e["node"]["key"] for e in after["edges"]] == expected[at + 1 : at + 3]
        assert after["pageInfo"]["hasPreviousPage"] is True
        assert after["pageInfo"]["hasNextPage"] is (at + 3 < PEOPLE)
        before = page(
            client, compiled, CUSTOMERS, ["customers"], last=3, before=edge["cursor"], **v
        )
        assert [e["node"]["key"] for e in before["edges"]] == expected[at - 3 : at]
        assert before["pageInfo"]["hasNextPage"] is True
        assert before["pageInfo"]["hasPreviousPage"] is True


@pytest.mark.parametrize("compiled", [True, False])
def test_a_window_between_two_cursors(
    client: TestClient, crowd: tuple[Graph, list[Party]], compiled: bool
) -> None:
    """`after` and `before` together bound the list; `first` or `last` then take from its ends."""
    g, people = crowd
    v = {"f": mine(g), "o": {"field": "NAME", "direction": "ASC"}}
    expected = expected_order(people, [("name", False)])
    whole = page(client, compiled, CUSTOMERS, ["customers"], first=30, **v)["edges"]
    lo, hi = whole[4]["cursor"], whole[15]["cursor"]  # the window is items 5..14 (ten)
    head = page(client, compiled, CUSTOMERS, ["customers"], first=4, after=lo, before=hi, **v)
    assert [e["node"]["key"] for e in head["edges"]] == expected[5:9]
    assert head["pageInfo"]["hasNextPage"] is True
    tail = page(client, compiled, CUSTOMERS, ["customers"], last=4, after=lo, before=hi, **v)
    assert [e["node"]["key"] for e in tail["edges"]] == expected[11:15]
    assert tail["pageInfo"]["hasPreviousPage"] is True
    assert tail["pageInfo"]["hasNextPage"] is True  # items lie at and after `before`
    every = page(client, compiled, CUSTOMERS, ["customers"], last=20, after=lo, before=hi, **v)
    assert [e["node"]["key"] for e in every["edges"]] == expected[5:15]
    assert every["pageInfo"]["hasPreviousPage"] is False
    none = page(client, compiled, CUSTOMERS, ["customers"], last=0, before=hi, **v)
    assert none["edges"] == []
    assert none["pageInfo"]["hasPreviousPage"] is True
    assert none["pageInfo"]["startCursor"] is None


@pytest.fixture(scope="module")
def busy(driver: Driver, settings: Settings) -> Iterator[tuple[Graph, Party]]:
    """A customer with 36 interactions, three at each instant (ties broken by id), and orders."""
    g = Graph()
    p = g.person("Busy", "Back")
    start = dt.datetime(2024, 3, 1, tzinfo=UTC)
    for i in range(36):
        g.interaction(p, start + dt.timedelta(hours=i // 3), ["email", "phone", "web"][i % 3])
    g.save(driver, settings.neo4j_database)
    try:
        yield g, p
    finally:
        g.delete(driver, settings.neo4j_database)


INTERACTIONS = """query($id: ID!, $first: Int, $after: String, $last: Int, $before: String) {
  customer(id: $id) { interactions(first: $first, after: $after, last: $last, before: $before) {
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { key } } } } }"""

TIMELINE = """query($id: ID!, $first: Int, $after: String, $last: Int, $before: String) {
  customer(id: $id) { timeline(first: $first, after: $after, last: $last, before: $before) {
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    edges { cursor node { node { ... on Interaction { key } } } } } } }"""


@pytest.mark.parametrize("compiled", [True, False])
@pytest.mark.parametrize(
    ("query", "field"), [(INTERACTIONS, "interactions"), (TIMELINE, "timeline")]
)
def test_nested_backward_pages(
    client: TestClient, busy: tuple[Graph, Party], compiled: bool, query: str, field: str
) -> None:
    g, p = busy
    interactions = [n for n in g.nodes.values() if n.label == "Interaction"]
    by_id = sorted(interactions, key=lambda n: n.id)
    # newest first, ties by key (the timeline's tie-break "INTERACTION:<key>" orders alike)
    expected = [n.id for n in sorted(by_id, key=lambda n: n["at"], reverse=True)]
    gid = global_id(Family.PARTY, p.id)
    forward = walk(client, compiled, query, ["customer", field], False, id=gid)
    backward = walk(client, compiled, query, ["customer", field], True, id=gid)

    def key(e: dict[str, Any]) -> str:
        node = e["node"] if field == "interactions" else e["node"]["node"]
        return str(node["key"])

    def keys(pages: list[Any]) -> list[list[str]]:
        return [[key(e) for e in pg["edges"]] for pg in pages]

    assert [k for pg in keys(forward) for k in pg] == expected
    assert len(forward) == 3
    assert keys(backward) == keys(forward)[::-1]
    assert [pg["edges"] for pg in backward] == [pg["edges"] for pg in forward][::-1]


@pytest.mark.parametrize("compiled", [True, False])
@pytest.mark.parametrize(
    ("arguments", "message"),
    [({"first": 2, "last": 2}, "not both"), ({"last": 101}, "`last` must be between 0 and 100"),
     ({"last": -1}, "`last` must be between 0 and 100"),
     ({"first": 101}, "`first` must be between 0 and 100")],
)  # fmt: skip
def test_first_with_last_and_sizes_out_of_range_are_refused(
    client: TestClient,
    busy: tuple[Graph, Party],
    compiled: bool,
    arguments: dict[str, int],
    message: str,
) -> None:
    _, p = busy
    gid = global_id(Family.PARTY, p.id)
    for query, variables in ((INTERACTIONS, {"id": gid}), (TIMELINE, {"id": gid}), (CUSTOMERS, {})):
        body = post_on(client, compiled, query, **variables, **arguments)
        assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", body
        assert message in body["errors"][0]["message"]
