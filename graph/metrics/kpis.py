"""Portfolio KPIs for a period and a set of customers, optionally grouped.

Definitions (documented in docs/metrics.md):
- A customer is *active* at a date when it placed an order in the `window_days` (default 365) before it,
  that date included. S = customers active at the period start, E = active at the period end, N = those
  active at the end whose first order falls inside the period (new).
- Customer retention rate CRR = (E - N) / S; churn rate = 1 - CRR (null when S = 0).
- NPS = % promoters (9-10) - % detractors (0-6) over the survey answers given in the period, x100.
- Revenue = the amounts of orders dated in the period, per currency (`graph/money.py`); average CLV =
  mean stored `clv` of the customers.
- Groups: `segment`, `lifecycleStage`, or `broker` (the customer's attributed broker, at the top of
  its referral chain: `graph/read/attribution.py`; customers whose chain ends elsewhere form the
  group `null`).

The customer set is every `:Customer` matching `predicate`, a Cypher boolean over `c` built by the caller
from whitelisted fields with parameters (the GraphQL filter compiler), so KPIs obey the same filters and
authorization scopes as customer lists.

Unfiltered and unscoped, the KPIs come from the aggregates of `graph.metrics.kpi_store` when those can
answer (a period shorter than the window, not grouped by broker): the scan's figures as of the last
`c360 metrics compute`, marked stale when facts changed since; `scan` reads the customers instead.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, LiteralString

from neo4j import AsyncDriver

from graph.metrics import kpi_store
from graph.money import Amount, totals
from graph.read.attribution import chain
from graph.read.run import read


class GroupBy(StrEnum):
    NONE = "none"
    SEGMENT = "segment"
    LIFECYCLE_STAGE = "lifecycleStage"
    BROKER = "broker"


_GROUP_KEYS: dict[GroupBy, LiteralString] = {
    GroupBy.NONE: "null",
    GroupBy.SEGMENT: "c.segment",
    GroupBy.LIFECYCLE_STAGE: "c.lifecycleStage",
    GroupBy.BROKER: "broker",
}


def _broker(hops: LiteralString) -> LiteralString:
    """The customer's attributed broker: the top of its referral chain (`hops`, the chain's
    pattern from `graph.read.attribution.chain` with the caller's scope)."""
    return (
        "CALL (c) {\n"
        "  OPTIONAL MATCH (c)" + hops + "(b:Broker)\n"
        "  RETURN b.id AS broker LIMIT 1\n"
        "}\n"
    )


_PER_CUSTOMER: LiteralString = """
CALL (c) {
  OPTIONAL MATCH (c)-[:PLACED]->(o:Order) WHERE o.date <= $end AND o.endedAt IS NULL
  RETURN min(o.date) AS first,
         count(CASE WHEN o.date <= $start AND o.date > $start - duration({days: $window})
               THEN 1 END) > 0 AS atStart,
         count(CASE WHEN o.date > $end - duration({days: $window}) THEN 1 END) > 0 AS atEnd
}
CALL (c) {
  MATCH (c)-[:PLACED]->(o:Order) WHERE o.date >= $start AND o.date <= $end AND o.endedAt IS NULL
  WITH o.currency AS currency, sum(o.amount) AS amount
  RETURN collect([currency, amount]) AS revenue
}
CALL (c) {
  OPTIONAL MATCH (c)-[:RESPONDED]->(s:SurveyResponse)
  WHERE s.at >= $startTime AND s.at <= $endTime AND s.endedAt IS NULL
  RETURN count(CASE WHEN s.score >= 9 THEN 1 END) AS promoters,
         count(CASE WHEN s.score <= 6 THEN 1 END) AS detractors,
         count(s) AS answers
}
"""


def statement(
    group: GroupBy, predicate: LiteralString = "true", hops: LiteralString | None = None
) -> LiteralString:
    """The KPI statement for a grouping and a customer predicate (over `c`, parameters only);
    grouped by broker, by the attributed broker along `hops` (the referral chain's pattern with
    the caller's scope; default: unscoped)."""
    broker: LiteralString = _broker(hops or chain()) if group is GroupBy.BROKER else ""
    return (
        "MATCH (c:Customer) WHERE "
        + predicate
        + "\n"
        + broker
        + _PER_CUSTOMER
        + "WITH "
        + _GROUP_KEYS[group]
        + " AS key, c, first, atStart, atEnd, revenue, promoters, detractors, answers\n"
        + """
WITH key,
     count(c) AS customers,
     count(CASE WHEN atStart THEN 1 END) AS s,
     count(CASE WHEN atEnd THEN 1 END) AS e,
     count(CASE WHEN atEnd AND first >= $start THEN 1 END) AS n,
     reduce(acc = [], part IN collect(revenue) | acc + part) AS revenue,
     avg(c.clv) AS averageClv,
     sum(promoters) AS promoters, sum(detractors) AS detractors, sum(answers) AS answers
RETURN key, customers, s, e, n, revenue, averageClv, promoters, detractors, answers
ORDER BY key
"""
    )


@dataclass(frozen=True)
class Kpis:
    key: str | None
    customers: int
    active_at_start: int
    active_at_end: int
    new: int
    retention_rate: float | None
    churn_rate: float | None
    nps: float | None
    survey_answers: int
    revenue: tuple[Amount, ...]  # per currency
    average_clv: float | None
    as_of: dt.datetime  # when the figures were computed (the aggregates' build, or the scan)
    stale: bool  # facts changed after `as_of` (aggregates only; a scan is never stale)


def _kpis(row: dict[str, Any], as_of: dt.datetime, stale: bool = False) -> Kpis:
    s, e, n = row["s"], row["e"], row["n"]
    crr = (e - n) / s if s else None
    answers = row["answers"]
    nps = 100.0 * (row["promoters"] - row["detractors"]) / answers if answers else None
    return Kpis(
        key=row["key"],
        customers=row["customers"],
        active_at_start=s,
        active_at_end=e,
        new=n,
        retention_rate=crr,
        churn_rate=None if crr is None else 1.0 - crr,
        nps=nps,
        survey_answers=answers,
        revenue=totals((c, a) for c, a in row["revenue"]),
        average_clv=row["averageClv"],
        as_of=as_of,
        stale=stale,
    )


async def portfolio(
    driver: AsyncDriver,
    database: str,
    start: dt.date,
    end: dt.date,
    *,
    group: GroupBy = GroupBy.NONE,
    predicate: LiteralString = "true",
    hops: LiteralString | None = None,
    params: dict[str, Any] | None = None,
    window_days: int = 365,
    timeout: float | None = None,
    scan: bool = False,
) -> list[Kpis]:
    """One `Kpis` per group (a single one with key None when not grouped). Read errors (the
    transaction `timeout` in seconds, an unavailable server) raise `graph.read.run.ReadError`.

    Unfiltered, unscoped requests (`predicate` "true", no `hops`) are answered from the aggregates
    `c360 metrics compute` keeps (`graph.metrics.kpi_store`) when those can answer the period and
    grouping, stale or not: each `Kpis` says when its figures were computed and whether facts
    changed since. The rest, or all with `scan`, read every customer matching the predicate."""
    if end < start:
        raise ValueError("the period ends before it starts")
    if not scan and predicate == "true" and hops is None:
        stored = await kpi_store.answer(
            driver, database, group.value, start, end, window_days, timeout, stale_ok=True
        )
        if stored is not None:
            return [_kpis(r, stored.computed_at, stored.stale) for r in stored.rows]
    began = dt.datetime.now(dt.UTC)
    bounds = {
        "start": start,
        "end": end,
        "startTime": dt.datetime.combine(start, dt.time.min, tzinfo=dt.UTC),
        "endTime": dt.datetime.combine(end, dt.time.max, tzinfo=dt.UTC),
        "window": window_days,  # (date - window, date]: window_days days
    }
    records = await read(
        driver,
        database,
        statement(group, predicate, hops),
        {**(params or {}), **bounds},
        timeout,
    )
    return [_kpis(r.data(), began) for r in records]
