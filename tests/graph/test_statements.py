"""Statements cached by shape: the same text for roots that differ only in a lookup's key or a
root page's cursor values, and each request's own values in the parameters; run on Neo4j, a
cached statement answers what a fresh rendering does."""

from __future__ import annotations

import uuid

import pytest
from neo4j import Driver

from graph.config import Settings
from graph.read.ir import Cursor, Edges, Key, Lookup, LookupBy, Page, Prop, Target, Traversal
from graph.read.ir import NodeShape as Shape
from graph.read.positions import Family, Position
from graph.read.relations import Relation, SortKey
from graph.read.render import render
from graph.read.scope import BrokerNetwork
from graph.read.statements import _rendered, statement

ITEMS = (Key(), Prop("name"))


def lookup(key: str) -> Lookup:
    return Lookup(Family.PARTY, LookupBy.ID, key, Position.PERSON, ITEMS)


BY_NAME = Relation(
    "({t}:Party:Customer)", Position.CUSTOMER, (SortKey("{t}.name"), SortKey("{t}.id"))
)


def by_name(after: tuple[object, ...] | None) -> Traversal:
    conn = (Edges((Cursor(), Target(Shape(Position.CUSTOMER, (Key(),))))),)
    return Traversal(BY_NAME, page=Page(2, after), conn=conn)


def test_lookups_share_their_text_and_keep_their_keys() -> None:
    a, b = statement(lookup("p-1")), statement(lookup("p-2"))
    assert a[0] == b[0] == render(lookup("p-1"))[0]
    assert a[1] == render(lookup("p-1"))[1] and a[1]["key"] == "p-1"
    assert b[1] == render(lookup("p-2"))[1] and b[1]["key"] == "p-2"


@pytest.mark.parametrize(
    "after", [None, ("Ann", "c-1"), ("Bob", "c-9"), (None, "c-2"), ("O'Hara }) //", "c-3")]
)
def test_a_page_after_any_cursor_is_what_render_makes(after: tuple[object, ...] | None) -> None:
    for scope in (None, BrokerNetwork("b-1")):
        for masked in (frozenset(), frozenset({"email"})):
            assert statement(by_name(after), scope, masked) == render(by_name(after), scope, masked)


def test_cursors_with_values_share_one_text_and_a_null_changes_it() -> None:
    first = statement(by_name(("Ann", "c-1")))[0]
    assert statement(by_name(("Zed", "c-7")))[0] == first
    assert statement(by_name((None, "c-7")))[0] != first  # `IS NULL` is in the text


def test_a_cached_statement_answers_what_a_fresh_one_does(
    driver: Driver, settings: Settings
) -> None:
    tag = uuid.uuid4().hex[:8]
    names: list[str | None] = ["Ann", "Bob", "Bob", "Cy", None]
    ids = [f"st-{tag}-{i}" for i in range(len(names))]
    driver.execute_query(
        "UNWIND $rows AS row CREATE (c:Party:Customer:Person {id: row.id, name: row.name, "
        "kind: 'person'})",
        rows=[{"id": i, "name": n} for i, n in zip(ids, names, strict=True)],
        database_=settings.neo4j_database,
    )
    try:
        # every cursor of this test's customers (others' may be in the graph: compare, not count)
        for after in [("Ann", ids[0]), ("Bob", ids[1]), ("Cy", ids[3])]:
            root = by_name(after)
            cached, fresh = statement(root), render(root)
            got = [
                driver.execute_query(text, params, database_=settings.neo4j_database).records[0]
                for text, params in (cached, fresh)
            ]
            assert got[0]["data"] == got[1]["data"]
        for key, name in zip(ids, names, strict=True):
            text, params = statement(lookup(key))
            found = driver.execute_query(text, params, database_=settings.neo4j_database)
            assert found.records[0]["data"] == [key, name]
    finally:
        driver.execute_query(
            "UNWIND $ids AS id MATCH (c:Party {id: id}) DETACH DELETE c",
            ids=ids,
            database_=settings.neo4j_database,
        )


def search(text: str, after: tuple[object, ...] | None = None) -> Traversal:
    conn = (Edges((Cursor(), Target(Shape(Position.CUSTOMER, (Key(),))))),)
    return Traversal(BY_NAME, page=Page(2, after), conn=conn, text=text)


@pytest.mark.parametrize(
    "masked", [frozenset(), frozenset({"email"}), frozenset({"email", "phone"})]
)
def test_searches_share_their_text_and_keep_their_queries(masked: frozenset[str]) -> None:
    """Full-text roots are cached too: the query (restricted to the unmasked fields) is a
    parameter, so searches for other words ask the same statement."""
    for scope in (None, BrokerNetwork("b-1")):
        texts = set()
        for words, after in [("ada", None), ("lovelace~", None), ("O'Hara }) //", ("x", "c-1"))]:
            cached, fresh = (
                statement(search(words, after), scope, masked),
                render(search(words, after), scope, masked),
            )
            assert cached == fresh
            texts.add((cached[0], after is None))
        assert len({t for t, first in texts if first}) == 1  # two words, one statement
        hits = _rendered.cache_info().hits
        statement(search("someone else"), scope, masked)
        assert _rendered.cache_info().hits == hits + 1  # from the cache, not rendered again
