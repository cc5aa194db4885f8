"""Never a 500 at the edges of the domain: dates at 0001-01-01 and 9999-12-31, foreign and
non-finite cursors, very wide filters and very long texts are refused with a coded error (or
answered), on the real API and Neo4j, on graphs each test builds."""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from neo4j import Driver
from starlette.testclient import TestClient

from graph.config import Settings
from graph.read.positions import Family
from schema.ids import global_id
from tests.graph.traversals.factories import TGraph
from tests.schema.conftest import CountingDriver, run

D = dt.date


@pytest.fixture
def graph(driver: Driver, settings: Settings) -> Iterator[TGraph]:
    g = TGraph()
    yield g
    g.delete(driver, settings.neo4j_database)


def gid(key: str, family: Family = Family.PARTY) -> str:
    return global_id(family, key)


def codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", ())]


# ---- dates at the domain's edges ----------------------------------------------------------------

COMMITTEES = """
query($account: ID!, $deal: ID!, $asOf: Date) {
  buyingCommittee(account: $account, asOf: $asOf) { key asOf members { person { name } } }
  dealCommittee(deal: $deal, asOf: $asOf) { key asOf }
}
"""


def test_committees_as_of_the_first_days_of_year_one_are_bad_user_input(
    graph: TGraph, driver: Driver, settings: Settings, client: TestClient
) -> None:
    acme = graph.organization("Acme")
    deal = graph.deal("D", acme)
    pat = graph.person("Pat")
    graph.seat(pat, acme, ["champion"], 0.5, True)
    graph.write(driver, settings.neo4j_database)
    ids = {"account": gid(acme), "deal": gid(deal, Family.DEAL)}
    for as_of in ("0001-01-01", "0001-03-15", "0001-06-29"):  # its windows start 180 days before
        body = run(client, COMMITTEES, {**ids, "asOf": as_of})
        assert body["data"] == {"buyingCommittee": None, "dealCommittee": None}, as_of
        assert codes(body) == ["BAD_USER_INPUT", "BAD_USER_INPUT"], as_of
        assert body["errors"][0]["message"] == (
            "asOf must be on or after 0001-06-30 (its windows start 180 days before it)"
        )
    for as_of in ("0001-06-30", "9999-12-31"):
        body = run(client, COMMITTEES, {**ids, "asOf": as_of})
        assert "errors" not in body, body
        assert body["data"] == {
            "buyingCommittee": {"key": acme, "asOf": f"{as_of}T23:59:59.999999Z",
                                "members": [{"person": {"name": "Pat"}}]},
            "dealCommittee": {"key": deal, "asOf": f"{as_of}T23:59:59.999999Z"},
        }  # fmt: skip


def test_an_expected_purchase_beyond_9999_12_31_is_capped_there(
    graph: TGraph, driver: Driver, settings: Settings, client: TestClient
) -> None:
    first, then = graph.product("First"), graph.product("Then")
    a, b, late = graph.customer("a"), graph.customer("b"), graph.customer("late")
    graph.order(a, D(2020, 1, 1), [first])
    graph.order(a, D(2020, 1, 31), [then])  # 30 days later
    graph.order(b, D(2020, 2, 1), [first])
    graph.order(b, D(2020, 3, 2), [then])  # 30 days later
    graph.order(late, D(9999, 12, 20), [first])  # + 30 days is past the last date
    graph.write(driver, settings.neo4j_database)
    query = """query($c: ID!) { likelyNextProducts(customer: $c) {
      suggestions { product { key } boughtOn medianDays expectedOn } } }"""
    body = run(client, query, {"c": gid(late)})
    assert "errors" not in body, body
    assert body["data"]["likelyNextProducts"]["suggestions"] == [
        {"product": {"key": then}, "boughtOn": "9999-12-20", "medianDays": 30.0,
         "expectedOn": "9999-12-31"}
    ]  # fmt: skip


# ---- cursors ----------------------------------------------------------------------------------

TREE = """query($root: ID!, $after: String) {
  referralTree(root: $root, first: 1, after: $after) { nodes { party { key } } endCursor } }"""
NETWORK = """query($root: ID!, $after: String) {
  partnerNetwork(broker: $root, first: 1, after: $after, order: DEPTH) {
    customers { party { key } } endCursor } }"""


def b64(value: Any) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(value)).decode().rstrip("=")


def raw_b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def test_a_tree_cursor_belongs_to_one_roots_list_and_is_finite(
    graph: TGraph, driver: Driver, settings: Settings, client: TestClient
) -> None:
    one, two = graph.broker("one"), graph.broker("two")
    kids = {b: [graph.customer(f"{n}-{i}") for i in range(3)] for b, n in ((one, "a"), (two, "b"))}
    for broker, customers in kids.items():
        for day, c in enumerate(customers, start=1):
            graph.refer(broker, c, D(2020, 1, day))
    graph.write(driver, settings.neo4j_database)

    first = run(client, TREE, {"root": gid(one)})["data"]["referralTree"]
    assert first["nodes"] == [{"party": {"key": kids[one][0]}}]
    cursor = first["endCursor"]
    second = run(client, TREE, {"root": gid(one), "after": cursor})["data"]["referralTree"]
    assert second["nodes"] == [{"party": {"key": kids[one][1]}}]  # its own list pages on

    refused = [
        (TREE, gid(two), cursor),  # another root's tree
        (NETWORK, gid(one), cursor),  # the same root's partner network: another list
        (TREE, gid(one), b64(["depth", f"tree:{one}", "x", kids[one][0]])),  # a key not a number
        (TREE, gid(one), b64(["depth", f"tree:{one}", 1.0, None])),
        (TREE, gid(one), raw_b64(f'["depth","tree:{one}",NaN,"{kids[one][0]}"]')),
        (TREE, gid(one), raw_b64(f'["depth","tree:{one}",Infinity,"{kids[one][0]}"]')),
        (TREE, gid(one), raw_b64(f'["depth",NaN,"{kids[one][0]}"]')),  # the old shape
        (TREE, gid(one), raw_b64(f'["depth","tree:{one}",1e999,"{kids[one][0]}"]')),
    ]
    for query, root, after in refused:
        body = run(client, query, {"root": root, "after": after})
        assert codes(body) == ["BAD_USER_INPUT"], (root, after, body)
        assert next(iter(body["data"].values())) is None

    network = run(client, NETWORK, {"root": gid(two)})["data"]["partnerNetwork"]
    assert network["customers"] == [{"party": {"key": kids[two][0]}}]
    body = run(client, TREE, {"root": gid(two), "after": network["endCursor"]})
    assert codes(body) == ["BAD_USER_INPUT"]  # a network cursor on the tree of the same broker
    body = run(client, NETWORK, {"root": gid(two), "after": network["endCursor"]})
    assert body["data"]["partnerNetwork"]["customers"] == [{"party": {"key": kids[two][1]}}]


def test_a_connection_cursor_holds_scalar_sort_keys_ending_with_an_id(
    graph: TGraph, driver: Driver, settings: Settings, client: TestClient
) -> None:
    firm = graph.organization("Cursor Firm")
    people = sorted(graph.person(f"p{i}") for i in range(3))
    for p in people:
        graph.edge("WORKS_FOR", p, firm, title="Clerk")
    graph.write(driver, settings.neo4j_database)
    query = """query($id: ID!, $after: String) { customer(id: $id) { ... on Organization {
      contacts(first: 1, after: $after) { edges { cursor node { key } } } } } }"""
    page = run(client, query, {"id": gid(firm)})["data"]["customer"]["contacts"]["edges"]
    assert [e["node"]["key"] for e in page] == people[:1]
    tag, *keys = orjson.loads(base64.urlsafe_b64decode(page[0]["cursor"] + "=="))
    assert keys[-1] == people[0]
    after = run(client, query, {"id": gid(firm), "after": page[0]["cursor"]})
    assert [e["node"]["key"] for e in after["data"]["customer"]["contacts"]["edges"]] == people[1:2]
    for last in ([1, 2], {"x": 1}, None, True, 7, 1.5, {"t": "9999-12-31T00:00:00Z"}, 2**63):
        bad = b64([tag, *keys[:-1], last])
        body = run(client, query, {"id": gid(firm), "after": bad})
        assert codes(body) == ["BAD_USER_INPUT"], (last, body)
    for text in ("NaN", "Infinity", "-Infinity", "1e999"):
        body = run(client, query, {"id": gid(firm), "after": raw_b64(f'["{tag}",{text}]')})
        assert codes(body) == ["BAD_USER_INPUT"], (text, body)


# ---- filter width -----------------------------------------------------------------------------

WIDE = """query($f: CustomerFilter) {
  customers(filter: $f, first: 5) { edges { node { key } } } }"""


def ors(n: int, country: str) -> dict[str, Any]:
    return {"or": [{"country": [country]} for _ in range(n)]}


def test_wide_filters_are_refused_before_anything_runs(
    client: TestClient, counting: CountingDriver
) -> None:
    """A 3,000-condition `or` (71 kB) ran 22 s past the 10 s timeout; it is refused at once."""
    body = run(client, WIDE, {"f": ors(3000, "CN")})
    assert [e["message"] for e in body["errors"]] == [
        "The filters hold 3001 conditions; the limit is 20. Use lists (`country: [..]`) "
        "instead of `or`.",
        "The filters hold 6000 list items; the limit is 1000.",  # 3,000 in `or`, one per country
    ]
    assert codes(body) == ["QUERY_TOO_COMPLEX", "QUERY_TOO_COMPLEX"]
    conditions = ", ".join(['{country: ["CN"]}'] * 20)  # and `or`: 21
    inline = "{ customers(filter: {or: [" + conditions + "]}, first: 1) { totalCount } }"
    assert codes(run(client, inline)) == ["QUERY_TOO_COMPLEX"]  # literals count as variables do
    many = {"country": [f"C{i}" for i in range(1001)]}
    body = run(client, WIDE, {"f": many})
    assert body["errors"][0]["message"] == "The filters hold 1001 list items; the limit is 1000."
    deep: dict[str, Any] = {"country": ["CN"]}
    for _ in range(60):
        deep = {"not": deep}
    assert codes(run(client, WIDE, {"f": deep})) == ["QUERY_TOO_COMPLEX"]
    assert counting.count == 0

    within = run(client, WIDE, {"f": ors(19, "QZ")})  # 20 conditions: the limit
    assert "errors" not in within, within
    assert within == run(client, WIDE, {"f": {"country": ["QZ"]}})


def test_instants_beyond_the_years_1_to_9999_in_utc_are_bad_user_input(
    client: TestClient,
) -> None:
    """9999-12-31T23:59:59-14:00 is in year 10000 in UTC: the driver's conversion raised and the
    request answered INTERNAL_SERVER_ERROR."""
    query = """query($at: DateTime) { customers(first: 1) { edges { node {
      interactions(first: 1, filter: {at: {from: $at}}) { totalCount } } } } }"""
    for at in ("9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+00:01"):
        body = run(client, query, {"at": at})
        assert codes(body) == ["BAD_USER_INPUT"], body
        assert "a DateTime lies in the years 0001 to 9999 in UTC" in body["errors"][0]["message"]
    inline = query.replace("($at: DateTime)", "").replace("$at", '"9999-12-31T23:59:59-14:00"')
    assert codes(run(client, inline)) == ["GRAPHQL_VALIDATION_FAILED"]  # a literal: validation
    for at in ("9999-12-31T23:59:59Z", "9999-12-31T23:59:59+14:00", "0001-01-01T00:00:00Z"):
        assert "errors" not in run(client, query, {"at": at}), at
