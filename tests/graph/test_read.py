"""The read layer: keyset predicates, what reaches a statement's text, and error translation."""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import weakref
from typing import Any

import pytest
from neo4j import AsyncGraphDatabase, AsyncSession, Driver
from neo4j.exceptions import ClientError

from graph.config import Settings
from graph.read import keyset
from graph.read.criteria import (
    AllOf,
    AnyOf,
    CustomerField,
    Not,
    OneOf,
    Range,
    Within,
    valued_fields,
)
from graph.read.instants import utc_text
from graph.read.ir import Edges, Key, Lookup, LookupBy, Page, Total, Traversal
from graph.read.positions import Family, Position
from graph.read.relations import RELATIONS, Criteria, Relation, SortKey
from graph.read.render import render
from graph.read.run import GraphUnavailable, ReadTimeout, read
from graph.read.writer import Writer
from schema.scalars import format_date, format_datetime
from schema.search import SEARCH

ROWS = [  # (sort value, id): nulls come last whether the value ascends or descends
    (None, "a"), (None, "d"), (1, "b"), (1, "c"), (2, "a"), (3, "e"),
]  # fmt: skip


def expected_order(desc: bool) -> list[tuple[Any, str]]:
    present = sorted((r for r in ROWS if r[0] is not None), key=lambda r: r[1])
    present.sort(key=lambda r: r[0] or 0, reverse=desc)
    missing = sorted((r for r in ROWS if r[0] is None), key=lambda r: r[1])
    return present + missing  # nulls last both ways


@pytest.mark.parametrize("desc", [False, True])
def test_after_is_exactly_the_rows_after_the_cursor(
    driver: Driver, settings: Settings, desc: bool
) -> None:
    ordered = expected_order(desc)
    for i, cursor in enumerate(ordered):
        w = Writer()
        predicate = keyset.after([("row.v", desc), ("row.id", False)], cursor, w)
        rows = [{"v": v, "id": k} for v, k in ROWS]
        order = keyset.order_by([("row.v", desc), ("row.id", False)])
        records, _, _ = driver.execute_query(
            f"UNWIND $rows AS row WITH row WHERE {predicate} "
            f"RETURN row.v AS v, row.id AS id ORDER BY {order}",
            {"rows": rows, **w.params},
            database_=settings.neo4j_database,
        )
        assert [(r["v"], r["id"]) for r in records] == ordered[i + 1 :], (cursor, predicate)
        records, _, _ = driver.execute_query(
            f"UNWIND $rows AS row WITH row WHERE NOT ({predicate}) RETURN count(*) AS n",
            {"rows": rows, **w.params},
            database_=settings.neo4j_database,
        )
        assert records[0]["n"] == i + 1  # the rest: the cursor's row and those before it


def test_user_values_never_reach_the_text() -> None:
    hostile = "x'}) DETACH DELETE n //"
    text, params = render(
        Lookup(Family.PARTY, LookupBy.EMAIL, hostile, Position.CUSTOMER, (Key(),))
    )
    assert hostile not in text and hostile in params.values()
    page = Page(5, (dt.datetime(2024, 1, 1, tzinfo=dt.UTC), hostile))
    text, params = render(Traversal(RELATIONS["interactions"], page=page, conn=()))
    assert hostile not in text


CLV = Within(CustomerField.CLV, Range(low=0))
PEOPLE = OneOf(CustomerField.KIND, ("person",))


def test_the_fields_a_filter_leaves_no_customer_without() -> None:
    assert valued_fields(None) == frozenset()
    assert valued_fields(CLV) == {CustomerField.CLV}
    assert valued_fields(PEOPLE) == {CustomerField.KIND}
    assert valued_fields(OneOf(CustomerField.SEGMENT, ("a", None))) == frozenset()
    assert valued_fields(AllOf((CLV, PEOPLE))) == {CustomerField.CLV, CustomerField.KIND}
    assert valued_fields(AnyOf((CLV, PEOPLE))) == frozenset()
    assert valued_fields(AnyOf((CLV, AllOf((CLV, PEOPLE))))) == {CustomerField.CLV}
    assert valued_fields(AnyOf(())) == frozenset()
    assert valued_fields(Not(CLV)) == frozenset()


@pytest.mark.parametrize(
    ("criteria", "reads_missing"),
    [(None, True), (CLV, False), (AllOf((PEOPLE, CLV)), False), (AnyOf((CLV, PEOPLE)), True)],
)
def test_a_descending_page_reads_rows_without_the_value_only_when_the_filter_lets_them(
    criteria: Any, reads_missing: bool
) -> None:
    by_clv = Relation(
        "({t}:Party:Customer)",
        Position.CUSTOMER,
        (SortKey("{t}.clv", descending=True), SortKey("{t}.id")),
        criteria=Criteria.CUSTOMERS,
    )
    text, _ = render(Traversal(by_clv, page=Page(20), conn=(Edges(()),), criteria=criteria))
    assert ("clv IS NULL AND" in text) is reads_missing, text
    assert "clv IS NOT NULL" in text  # the rows with a value come in the index's order


@pytest.mark.parametrize(("after", "reads"), [(None, 2), (("x", 1.5, "crm:P1"), 3)])
def test_a_search_reads_its_best_hits_before_every_hit(after: Any, reads: int) -> None:
    """Forward, a page reads the index's best hits (a limit), then every hit only if they do not
    decide it; on the first page that read also counts them (`totalCount`), after a cursor the
    count is a read of its own (of every hit, not only those after the cursor). Backward
    (`last`), the hits are read once to count and page them."""
    page = Page(10, after[1:] if after else None)
    text, _ = render(Traversal(SEARCH, page=page, conn=(Total(), Edges(())), text="(smith)"))
    assert text.count("db.index.fulltext.queryNodes") == reads, text
    assert text.count("{limit: ") == 1, text
    back = Page(10, backward=True)
    text, _ = render(Traversal(SEARCH, page=back, conn=(Total(), Edges(())), text="(smith)"))
    assert text.count("db.index.fulltext.queryNodes") == 1 and "{limit: " not in text, text


def test_a_search_page_without_its_count_streams_every_hit_to_the_top_n() -> None:
    """Without `totalCount`, the hits of the second read go straight to the page's top-N: they
    are not collected into a list and unwound again (at 1M, a common surname's thousands of
    ties cost a tenth more that way)."""
    text, _ = render(Traversal(SEARCH, page=Page(10), conn=(Edges(()),), text="(smith)"))
    second = text.split("db.index.fulltext.queryNodes")[2]
    assert "collect(" not in second.split("ORDER BY")[0], text
    assert "IS NULL," not in text  # a score is never null: no nulls-last term to sort on


def test_a_key_never_null_sorts_on_its_value_alone() -> None:
    keys = [("s", True), ("t.v", True), ("t.id", False)]
    assert keyset.order_by(keys, present={"s"}) == "s DESC, t.v IS NULL, t.v DESC, t.id"
    assert keyset.order_by(keys, True, {"s"}) == "s, t.v IS NULL DESC, t.v, t.id DESC"


def test_a_statement_over_its_time_budget(settings: Settings) -> None:
    async def run() -> None:
        driver = AsyncGraphDatabase.driver(settings.bolt_uri, auth=settings.auth)
        try:
            heavy = "UNWIND range(1, 100000000) AS i WITH i WHERE i % 7 = 3 RETURN count(*) AS n"
            with pytest.raises(ReadTimeout):
                await read(driver, settings.neo4j_database, heavy, {}, timeout=0.2)
        finally:
            await driver.close()

    asyncio.run(run())


def test_an_unreachable_database(settings: Settings) -> None:
    async def run() -> None:
        driver = AsyncGraphDatabase.driver(
            "bolt://127.0.0.1:9",
            auth=settings.auth,
            connection_timeout=1,
            max_transaction_retry_time=0,
        )
        try:
            with pytest.raises(GraphUnavailable):
                await read(driver, settings.neo4j_database, "RETURN 1", {}, timeout=1)
        finally:
            await driver.close()

    asyncio.run(run())


def test_reads_reuse_sessions_but_never_one_whose_read_failed(settings: Settings) -> None:
    async def run() -> None:
        driver = AsyncGraphDatabase.driver(settings.bolt_uri, auth=settings.auth)
        made: list[AsyncSession] = []
        new_session = [driver.session]

        def counted(**config: Any) -> AsyncSession:
            made.append(new_session[0](**config))
            return made[-1]

        driver.session = counted  # type: ignore[method-assign]
        db = settings.neo4j_database
        try:
            for n in range(3):
                assert (await read(driver, db, "RETURN $n AS n", {"n": n}, timeout=5))[0]["n"] == n
            assert len(made) == 1
            with pytest.raises(ClientError):
                await read(driver, db, "RETURN nonsense(1)", {}, timeout=5)
            assert (await read(driver, db, "RETURN 4 AS n", {}, timeout=5))[0]["n"] == 4
            assert len(made) == 2  # the failed read's session was dropped, not put back
            heavy = "UNWIND range(1, 100000000) AS i WITH i WHERE i % 7 = 3 RETURN count(*) AS n"
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(read(driver, db, heavy, {}, timeout=30), 0.3)
            assert (await read(driver, db, "RETURN 5 AS n", {}, timeout=5))[0]["n"] == 5
            assert len(made) == 3  # nor was the cancelled one's
            answers = await asyncio.gather(
                *(read(driver, db, "RETURN $n AS n", {"n": n}, timeout=5) for n in range(6))
            )
            assert [a[0]["n"] for a in answers] == list(range(6))
            assert len(made) <= 8  # at most one new session per concurrent read, one reused
            before = len(made)
            for n in range(6):
                await read(driver, db, "RETURN $n AS n", {"n": n}, timeout=5)
            assert len(made) == before
        finally:
            await driver.close()
        gone = weakref.ref(driver)
        new_session.clear()
        del driver
        gc.collect()
        assert gone() is None  # idle sessions do not keep their driver alive
        assert [session.closed() for session in made] == [True] * len(made)  # closed with it

    asyncio.run(run())


@pytest.mark.parametrize(
    "instant",
    [
        "datetime('2026-11-20T09:30:00Z')",
        "datetime('2026-11-20T09:30:05.12Z')",
        "datetime('2026-11-20T09:30:05.000001+02:00')",
        "datetime('2026-11-20T23:59:59.999999999-05:00')",
        "datetime('2026-03-29T02:30:00.5[Europe/Paris]')",
        "localdatetime('2026-11-20T09:30:07.25')",
        "datetime('0999-01-01T00:00:00Z')",
    ],
)
def test_instants_as_text_match_the_api_format(driver: Driver, instant: str) -> None:
    """`utc_text` in Cypher writes what `format_datetime` writes from the driver's value."""
    query = "WITH " + instant + " AS x RETURN x, " + utc_text("x") + " AS text"
    found = driver.execute_query(query).records[0]
    assert found["text"] == format_datetime(found["x"])


@pytest.mark.parametrize("day", ["date('2026-11-21')", "date('0999-01-02')", "null"])
def test_dates_as_text_match_the_api_format(driver: Driver, day: str) -> None:
    found = driver.execute_query("WITH " + day + " AS x RETURN x, toString(x) AS text").records[0]
    assert found["text"] == (None if found["x"] is None else format_date(found["x"]))
