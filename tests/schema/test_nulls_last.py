"""Descending sorts put nulls last: "top customers by CLV" starts with customers that have one,
and paging across the boundary between values and nulls loses or repeats nobody."""

from __future__ import annotations

from typing import Any

import pytest
from neo4j import Driver
from starlette.testclient import TestClient

from graph.config import Settings
from tests.factories import Graph, Party
from tests.schema.conftest import data, post_on

QUERY = """query($f: CustomerFilter, $o: CustomerOrder, $then: [CustomerOrder!], $after: String) {
  customers(filter: $f, orderBy: $o, thenBy: $then, first: 2, after: $after) {
    edges { node { key clv } } pageInfo { hasNextPage endCursor } } }"""


@pytest.mark.parametrize("direction", ["DESC", "ASC"])
def test_nulls_come_last_in_both_directions_across_pages(
    client: TestClient, driver: Driver, settings: Settings, direction: str
) -> None:
    g = Graph()
    segment = f"nulls-{g.tag}"
    clvs = [None, 120.5, None, 30.0, 75.25]
    people = [g.person("N", f"P{i}", segment=segment, clv=clv) for i, clv in enumerate(clvs)]
    g.save(driver, settings.neo4j_database)
    try:
        variables = {"f": {"segment": [segment]}, "o": {"field": "CLV", "direction": direction}}
        keys: list[str] = []
        pages: list[list[float | None]] = []
        after = None
        while True:
            found = data(client, QUERY, variables | {"after": after})["customers"]
            pages.append([e["node"]["clv"] for e in found["edges"]])
            keys += [e["node"]["key"] for e in found["edges"]]
            if not found["pageInfo"]["hasNextPage"]:
                break
            after = found["pageInfo"]["endCursor"]
        with_clv = sorted(
            (p for p in people if p["clv"] is not None),
            key=lambda p: p["clv"],
            reverse=direction == "DESC",
        )
        without = sorted((p for p in people if p["clv"] is None), key=lambda p: p.id)
        assert keys == [p.id for p in with_clv + without]
        if direction == "DESC":
            assert pages == [[120.5, 75.25], [30.0, None], [None]]
        else:
            assert pages == [[30.0, 75.25], [120.5, None], [None]]
    finally:
        g.delete(driver, settings.neo4j_database)


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "executor"])
def test_several_sort_keys_across_pages(
    client: TestClient, driver: Driver, settings: Settings, compiled: bool
) -> None:
    g = Graph()
    segment = f"keys-{g.tag}"
    rows = [("SE", 10.0), ("NO", None), ("NO", 50.0), ("SE", 70.0), ("NO", 20.0), (None, 5.0)]
    people = [
        g.person("K", f"P{i}", segment=segment, country=country, clv=clv)
        for i, (country, clv) in enumerate(rows)
    ]
    g.save(driver, settings.neo4j_database)
    try:
        order = {"field": "COUNTRY"}
        then = [{"field": "CLV", "direction": "DESC"}]
        keys: list[str] = []
        after = None
        while True:
            body = post_on(
                client, compiled, QUERY, f={"segment": [segment]}, o=order, then=then, after=after
            )
            found = body["data"]["customers"]
            keys += [e["node"]["key"] for e in found["edges"]]
            if not found["pageInfo"]["hasNextPage"]:
                break
            after = found["pageInfo"]["endCursor"]

        def rank(p: Party) -> tuple[Any, ...]:  # country ascending, then CLV descending, nulls last
            return (p["country"] is None, p["country"] or "", p["clv"] is None, -(p["clv"] or 0))

        assert keys == [p.id for p in sorted(people, key=lambda p: (rank(p), p.id))]
        # thenBy alone is the same order.
        alone = post_on(
            client, compiled, QUERY, f={"segment": [segment]}, o=None, then=[order, *then]
        )
        assert [e["node"]["key"] for e in alone["data"]["customers"]["edges"]] == keys[:2]
        # A cursor of the one-key order is refused by the two-key order.
        single = post_on(client, compiled, QUERY, f={"segment": [segment]}, o=order)
        cursor = single["data"]["customers"]["pageInfo"]["endCursor"]
        refused = post_on(
            client, compiled, QUERY, f={"segment": [segment]}, o=order, then=then, after=cursor
        )
        assert refused["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        four = post_on(client, compiled, QUERY, f={"segment": [segment]}, o=order, then=then * 3)
        assert four["errors"][0]["message"] == "At most 3 sort keys."
    finally:
        g.delete(driver, settings.neo4j_database)


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        # a range on the sorted field: only customers with a CLV, the statement reads no others
        ({"clv": {"min": 0}}, [120.5, 75.25, 30.0]),
        ({"and": [{"clv": {"max": 100}}, {"kind": ["PERSON"]}]}, [75.25, 30.0]),
        # either branch may hold without a CLV: the customers without one still come, last
        ({"or": [{"clv": {"min": 50}}, {"kind": ["PERSON"]}]}, [120.5, 75.25, 30.0, None, None]),
        ({"not": {"clv": {"max": 50}}}, [120.5, 75.25, None, None]),
    ],
    ids=["range", "and", "or", "not"],
)
def test_a_filter_on_the_sorted_field_pages_like_the_full_list(
    client: TestClient, driver: Driver, settings: Settings, flt: dict[str, Any], expected: list[Any]
) -> None:
    g = Graph()
    segment = f"valued-{g.tag}"
    for i, clv in enumerate([None, 120.5, None, 30.0, 75.25]):
        g.person("V", f"P{i}", segment=segment, clv=clv)
    g.save(driver, settings.neo4j_database)
    try:
        variables = {
            "f": {"and": [{"segment": [segment]}, flt]},
            "o": {"field": "CLV", "direction": "DESC"},
        }
        clvs: list[Any] = []
        after = None
        while True:
            found = data(client, QUERY, variables | {"after": after})["customers"]
            clvs += [e["node"]["clv"] for e in found["edges"]]
            if not found["pageInfo"]["hasNextPage"]:
                break
            after = found["pageInfo"]["endCursor"]
        assert clvs == expected
    finally:
        g.delete(driver, settings.neo4j_database)
