"""Portfolio KPIs from the aggregates `c360 metrics compute` writes equal those of scanning every
customer, on the demo sample, for every grouping and several periods; requests the aggregates cannot
answer (a filter, a long period) fall back to the scan and stay exact; after a change, the aggregates'
figures are served marked stale, and the scan on request has the change."""

from __future__ import annotations

import asyncio
import datetime as dt
import time
import uuid
from typing import Any

import pytest
from neo4j import Driver

from graph.driver import open_driver
from graph.ingest.upsert import write_batch
from graph.metrics import kpi_store
from graph.metrics.compute import Options, compute
from graph.metrics.kpis import GroupBy, Kpis, portfolio
from tests.conftest import DemoData

END = dt.date(2025, 6, 30)
PERIODS = [
    (dt.date(2024, 7, 1), END),  # the trailing year
    (dt.date(2025, 4, 1), END),  # a quarter
    (dt.date(2023, 1, 1), dt.date(2023, 12, 31)),  # an earlier year, before the as-of date's
    (dt.date(2025, 6, 30), END),  # one day
]


def go(demo: DemoData, work: Any) -> Any:
    async def run() -> Any:
        driver = open_driver(demo.settings)
        try:
            return await work(driver, demo.settings.neo4j_database)
        finally:
            await driver.close()

    return asyncio.run(run())


def kpis(
    demo: DemoData, start: dt.date, end: dt.date, group: GroupBy, scan: bool, **kw: Any
) -> list[Kpis]:
    return list(go(demo, lambda d, db: portfolio(d, db, start, end, group=group, scan=scan, **kw)))


def stored(demo: DemoData, start: dt.date, end: dt.date, group: GroupBy) -> Any:
    return go(demo, lambda d, db: kpi_store.answer(d, db, group.value, start, end, 365, None))


def same(found: list[Kpis], expected: list[Kpis]) -> None:
    assert [k.key for k in found] == [k.key for k in expected]
    for a, b in zip(found, expected, strict=True):
        assert (a.customers, a.active_at_start, a.active_at_end, a.new, a.survey_answers) == (
            b.customers, b.active_at_start, b.active_at_end, b.new, b.survey_answers
        )  # fmt: skip
        assert [r.currency for r in a.revenue] == [r.currency for r in b.revenue]
        assert [r.amount for r in a.revenue] == pytest.approx(
            [r.amount for r in b.revenue], abs=0.011
        )
        for x, y in ((a.retention_rate, b.retention_rate), (a.nps, b.nps),
                     (a.average_clv, b.average_clv)):  # fmt: skip
            assert (x is None) == (y is None)
            if x is not None:
                assert x == pytest.approx(y, rel=1e-9)


@pytest.fixture(scope="module")
def built(demo_loaded: DemoData) -> DemoData:
    time.sleep(1.1)  # past the change stamp's one-second slack of the load's last write
    go(demo_loaded, lambda d, db: compute(d, db, Options(as_of=END)))
    return demo_loaded


@pytest.mark.parametrize("group", [GroupBy(g) for g in kpi_store.GROUPINGS])
@pytest.mark.parametrize(("start", "end"), PERIODS)
def test_aggregates_answer_as_the_scan_does(
    built: DemoData, group: GroupBy, start: dt.date, end: dt.date
) -> None:
    assert stored(built, start, end, group) is not None  # served by the aggregates
    found = kpis(built, start, end, group, scan=False)
    expected = kpis(built, start, end, group, scan=True)
    assert sum(k.customers for k in expected) >= 500 and max(k.active_at_end for k in expected) > 0
    same(found, expected)


def test_what_the_aggregates_cannot_answer_is_scanned(built: DemoData) -> None:
    start, end = PERIODS[0]
    assert stored(built, dt.date(2023, 7, 1), END, GroupBy.SEGMENT) is None  # two years
    assert stored(built, start, end, GroupBy.BROKER) is None  # attributed broker: scanned
    same(
        kpis(built, dt.date(2023, 7, 1), END, GroupBy.SEGMENT, scan=False),
        kpis(built, dt.date(2023, 7, 1), END, GroupBy.SEGMENT, scan=True),
    )
    us = kpis(built, start, end, GroupBy.NONE, scan=False,
              predicate="c.country = $country", params={"country": "US"})  # fmt: skip
    every = kpis(built, start, end, GroupBy.NONE, scan=False)
    assert 0 < us[0].customers < every[0].customers
    same(us, kpis(built, start, end, GroupBy.NONE, scan=True,
                  predicate="c.country = $country", params={"country": "US"}))  # fmt: skip


def test_a_change_after_the_metrics_is_served_marked_stale_and_scanned_on_request(
    built: DemoData, driver: Driver
) -> None:
    start, end = PERIODS[0]
    db = built.settings.neo4j_database
    at = "MATCH (s:KpiState {id: 'kpi'}) RETURN s.computedAt AS at"
    computed = driver.execute_query(at, database_=db).records[0]["at"].to_native()
    [before] = kpis(built, start, end, GroupBy.NONE, scan=False)
    assert (before.as_of, before.stale) == (computed, False)
    customer = driver.execute_query(
        "MATCH (c:Customer)<-[:RESOLVES_TO]-(s:SourceRecord) RETURN s.id AS id ORDER BY id LIMIT 1",
        database_=db,
    ).records[0]["id"]
    order = f"test:{uuid.uuid4().hex[:8]}"
    row = {"id": order, "system": "test", "recordId": order, "entity": "order", "hash": "h",
           "ts": None, "customer": customer,
           "props": {"date": dt.date(2025, 6, 1), "amount": 1234.5, "currency": "USD",
                     "quantity": 1, "status": "completed"}}  # fmt: skip
    try:
        go(built, lambda d, db_: write_batch(d, db_, "order", [row]))
        assert stored(built, start, end, GroupBy.NONE) is None  # not when fresh figures are asked
        # Served from the aggregates all the same: the figures of the metrics run, marked stale.
        [served] = kpis(built, start, end, GroupBy.NONE, scan=False)
        assert (served.as_of, served.stale) == (computed, True)
        same([served], [before])
        began = dt.datetime.now(dt.UTC)
        [after] = kpis(built, start, end, GroupBy.NONE, scan=True)
        assert after.stale is False and began <= after.as_of <= dt.datetime.now(dt.UTC)
        usd = {a.currency: a.amount for a in before.revenue}.get("USD", 0.0)
        assert {a.currency: a.amount for a in after.revenue}["USD"] == pytest.approx(
            usd + 1234.5, abs=0.011
        )
    finally:
        driver.execute_query("MATCH (o:Order {id: $id}) DETACH DELETE o", id=order, database_=db)


def test_activity_intervals_and_day_counts_worked_by_hand() -> None:
    """Customer 0 ordered on days 0 and 100 (one interval [0, 465)) and on day 1000 (a second,
    [1000, 1365)); customer 1 on day 50 only; customer 2 never. Two answers: a 9 and a 3."""
    import numpy as np

    inputs = kpi_store.Inputs(
        keys={"segment": ["a", "a", None], "lifecycleStage": ["x", "y", "y"]},
        clv=np.array([10.0, np.nan, 2.0]),
        order_owner=np.array([0, 0, 0, 1]), order_days=np.array([100, 0, 1000, 50]),
        order_amounts=np.array([5.0, 1.0, 7.0, np.nan]),
        order_currencies=np.array(["EUR", "EUR", "USD", "EUR"], dtype=object),
        answer_owner=np.array([0, 1]), answer_days=np.array([50, 50]),
        answer_scores=np.array([9.0, 3.0]),
    )  # fmt: skip
    found = {row["id"]: row for row in kpi_store.rows(inputs)}
    assert set(found) == {"none:", "segment:a", "segment:", "lifecycleStage:x",
                          "lifecycleStage:y"}  # fmt: skip
    a = found["segment:a"]
    assert (a["customers"], a["clvSum"], a["clvCount"]) == (2, 10.0, 1)
    assert (a["startDays"], a["startCounts"]) == ([0, 50, 1000], [1, 1, 1])
    assert (a["stopDays"], a["stopCounts"]) == ([415, 465, 1365], [1, 1, 1])
    assert (a["firstDays"], a["firstCounts"]) == ([0, 50], [1, 1])
    assert a["currencies"] == ["EUR", "USD"]
    assert (a["revenueDays0"], a["revenueAmounts0"]) == ([0, 50, 100], [1.0, 0.0, 5.0])
    assert (a["revenueDays1"], a["revenueAmounts1"]) == ([1000], [7.0])
    assert (a["surveyDays"], a["promoters"], a["detractors"], a["answers"]) == (
        [50], [1], [1], [2]
    )  # fmt: skip
    assert found["segment:"]["customers"] == 1 and found["segment:"]["startDays"] == []


def test_clv_sums_count_the_stored_clvs_only() -> None:
    """The aggregates' CLV sum and count are those of the CLVs written on the customers, which are
    the finite ones (`graph.metrics.compute._table`): an infinite CLV is not stored, so it counts
    neither here (an infinite sum would reach the API as a Float it cannot serialize)."""
    import numpy as np

    inputs = kpi_store.Inputs(
        keys={"segment": ["a", "a", "a"], "lifecycleStage": ["x", "x", "x"]},
        clv=np.array([10.0, np.inf, np.nan]),
        order_owner=np.array([0]), order_days=np.array([0]), order_amounts=np.array([5.0]),
        order_currencies=np.array(["EUR"], dtype=object),
        answer_owner=np.array([], dtype=np.int64), answer_days=np.array([], dtype=np.int64),
        answer_scores=np.array([]),
    )  # fmt: skip
    found = {row["id"]: row for row in kpi_store.rows(inputs)}
    assert (found["segment:a"]["clvSum"], found["segment:a"]["clvCount"]) == (10.0, 1)


@pytest.mark.parametrize("spread", [30, 10_000_000])  # counted in bins / sorted (`BINS_PER_VALUE`)
def test_day_counts_equal_a_dictionary_count_of_every_group_and_day(spread: int) -> None:
    """`_per_day` against a plain count: 2,000 random values in 7 groups, over 30 days (few
    possible keys: the bins) or 10 million (too many: the sort), with a count and an amount."""
    import numpy as np

    rng = np.random.default_rng(spread)
    group = rng.integers(0, 7, 2000)
    days = rng.integers(-5, spread, 2000)
    ones = np.ones(2000, dtype=np.int64)
    amounts = rng.integers(0, 10_000, 2000) / 4  # quarters: every sum is exact in any order
    expected: dict[int, dict[int, list[float]]] = {}
    for g, d, a in zip(group.tolist(), days.tolist(), amounts.tolist(), strict=True):
        count, total = expected.setdefault(g, {}).get(d, [0, 0.0])
        expected[g][d] = [count + 1, total + a]
    found = kpi_store._per_day(group, days, [ones, amounts], 8)
    assert found[7] == ([], [[], []])  # a group without values
    for g in range(7):
        got_days, (counts, sums) = found[g]
        assert got_days == sorted(expected[g])
        assert counts == [expected[g][d][0] for d in got_days]
        assert all(isinstance(c, int) for c in counts)
        assert sums == [expected[g][d][1] for d in got_days]
