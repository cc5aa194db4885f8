"""Reading the facts `c360 metrics compute` scores, as arrays, in pages of bounded size.

Customers come in keyset pages (`id > $after ORDER BY id LIMIT $page`, served by the `party_id`
index), each page one record of row lists: the customer, all its dated orders (day numbers since
1970-01-01 and amounts), its latest survey score up to the `as of` date, its interactions in the last 90
days and the 90 before, its segment; and, when the portfolio KPI aggregates are built (`kpis`), all
its survey answers (UTC day, score). The server aggregates per customer; Python receives a few columns per page
and keeps only flat numpy arrays (orders stored as day numbers and amounts, one entry each), so a
million customers with a few million orders fit in a few hundred MB.

The referral edges come in one streamed statement: every `REFERRED` edge with the stored value
(revenue + CLV) of its end, read before the customers' new values are written.
"""

from __future__ import annotations

import datetime as dt
from array import array
from dataclasses import dataclass, replace
from typing import Any, LiteralString

import numpy as np
from neo4j import AsyncDriver, RoutingControl
from numpy.typing import NDArray

EPOCH = dt.date(1970, 1, 1)

PAGE: LiteralString = """
MATCH (c:Party:Customer)
WHERE c.id > $after AND ($system IS NULL OR $system IN c.sources)
WITH c ORDER BY c.id LIMIT $page
CALL (c) {
  OPTIONAL MATCH (c)-[:PLACED]->(o:Order) WHERE o.date IS NOT NULL AND o.endedAt IS NULL
  WITH collect(o) AS orders
  RETURN [o IN orders | duration.inDays($epoch, o.date).days] AS days,
         [o IN orders | o.amount] AS amounts,
         [o IN orders | o.currency] AS currencies
}
CALL (c) {
  OPTIONAL MATCH (c)-[:RESPONDED]->(s:SurveyResponse) WHERE s.at <= $asOfTime AND s.endedAt IS NULL
  WITH s ORDER BY s.at DESC LIMIT 1
  RETURN s.score AS nps
}
CALL (c) {
  OPTIONAL MATCH (c)-[:HAD]->(i:Interaction) WHERE i.at <= $asOfTime AND i.endedAt IS NULL
  RETURN count(CASE WHEN i.at > $asOfTime - duration({days: 90}) THEN 1 END) AS recent,
         count(CASE WHEN i.at <= $asOfTime - duration({days: 90})
                     AND i.at > $asOfTime - duration({days: 180}) THEN 1 END) AS previous,
         duration.inDays($epoch, date(max(i.at))).days AS lastInteraction
}
CALL (c) {
  OPTIONAL MATCH (c)-[:RESPONDED]->(s:SurveyResponse) WHERE $kpis AND s.at IS NOT NULL AND s.endedAt IS NULL
  WITH collect(s) AS answers
  RETURN [s IN answers | duration.inDays($epoch, date(datetime({epochMillis: s.at.epochMillis}))).days]
           AS answerDays,
         [s IN answers | s.score] AS scores
}
RETURN collect([c.id, c.status, days, amounts, nps, recent, previous, lastInteraction, c.segment,
                answerDays, scores, currencies]) AS rows
"""

EDGES: LiteralString = """
MATCH (a)-[r:REFERRED]->(b)
RETURN a.id AS source, b.id AS target, b:Customer AS customer, a:Broker AS fromBroker,
       coalesce(r.incentive, 0.0) AS incentive,
       (r.date IS NULL OR r.date <= $asOf) AS counted,
       coalesce(b.revenue, 0.0) + coalesce(b.clv, 0.0) AS stored
"""


@dataclass(frozen=True)
class Customers:
    """One entry per customer (sorted by id) and one per order (`owner` = the customer's index)."""

    ids: list[str]
    status: list[str | None]
    segment: list[str | None]
    nps: NDArray[np.float64]  # NaN: no answer
    recent: NDArray[np.int64]
    previous: NDArray[np.int64]
    last_interaction: NDArray[np.int64]  # day number; -1: none
    owner: NDArray[np.int64]
    days: NDArray[np.int64]  # day numbers since 1970-01-01
    amounts: NDArray[np.float64]
    currencies: NDArray[np.object_]  # each order's currency (str or None)
    answer_owner: NDArray[np.int64]
    answer_days: NDArray[np.int64]  # UTC day of each survey answer
    answer_scores: NDArray[np.float64]  # NaN: no score

    @property
    def size(self) -> int:
        return len(self.ids)

    def until(self, as_of: dt.date) -> Customers:
        """The same customers with only their orders dated on or before `as_of`."""
        keep = self.days <= (as_of - EPOCH).days
        return replace(
            self,
            owner=self.owner[keep],
            days=self.days[keep],
            amounts=self.amounts[keep],
            currencies=self.currencies[keep],
        )


@dataclass(frozen=True)
class Edges:
    source: list[str]
    target: list[str]
    customer: NDArray[np.bool_]
    from_broker: NDArray[np.bool_]
    incentive: NDArray[np.float64]
    counted: NDArray[np.bool_]
    stored: NDArray[np.float64]


async def read_customers(
    driver: AsyncDriver,
    database: str,
    system: str | None,
    as_of: dt.date,
    kpis: bool = False,
    page: int = 5000,
) -> Customers:
    as_of_time = dt.datetime.combine(as_of, dt.time.max, tzinfo=dt.UTC)
    ids: list[str] = []
    status: list[str | None] = []
    segment: list[str | None] = []
    answer_owner = array("q")
    answer_days = array("q")
    answer_scores = array("d")
    nps: list[float] = []
    recent = array("q")
    previous = array("q")
    last = array("q")
    owner = array("q")
    days = array("q")
    amounts = array("d")
    currencies: list[str | None] = []
    after = ""
    while True:
        records, _, _ = await driver.execute_query(
            PAGE,
            {"after": after, "system": system, "page": page, "asOf": as_of,
             "asOfTime": as_of_time, "epoch": EPOCH, "kpis": kpis},
            database_=database,
            routing_=RoutingControl.READ,
        )  # fmt: skip
        rows: list[list[Any]] = records[0]["rows"] if records else []
        if not rows:
            break
        for row in rows:
            index = len(ids)
            ids.append(row[0])
            status.append(row[1])
            order_days: list[int] = row[2]
            days.extend(order_days)
            amounts.extend(np.nan if a is None else a for a in row[3])
            currencies.extend(row[11])
            owner.extend([index] * len(order_days))
            nps.append(np.nan if row[4] is None else row[4])
            recent.append(row[5])
            previous.append(row[6])
            last.append(-1 if row[7] is None else row[7])
            segment.append(row[8])
            answer_days.extend(row[9])
            answer_scores.extend(np.nan if v is None else v for v in row[10])
            answer_owner.extend([index] * len(row[9]))
        after = ids[-1]
        if len(rows) < page:
            break
    return Customers(
        ids=ids,
        status=status,
        segment=segment,
        nps=np.asarray(nps, dtype=np.float64),
        recent=np.frombuffer(recent, dtype=np.int64),
        previous=np.frombuffer(previous, dtype=np.int64),
        last_interaction=np.frombuffer(last, dtype=np.int64),
        owner=np.frombuffer(owner, dtype=np.int64),
        days=np.frombuffer(days, dtype=np.int64),
        amounts=np.frombuffer(amounts, dtype=np.float64),
        currencies=np.array(currencies, dtype=object),
        answer_owner=np.frombuffer(answer_owner, dtype=np.int64),
        answer_days=np.frombuffer(answer_days, dtype=np.int64),
        answer_scores=np.frombuffer(answer_scores, dtype=np.float64),
    )


async def read_edges(driver: AsyncDriver, database: str, as_of: dt.date) -> Edges:
    source: list[str] = []
    target: list[str] = []
    customer: list[bool] = []
    from_broker: list[bool] = []
    incentive = array("d")
    counted: list[bool] = []
    stored = array("d")
    async with driver.session(database=database, default_access_mode="READ") as session:
        result = await session.run(EDGES, asOf=as_of)
        async for r in result:
            source.append(r[0])
            target.append(r[1])
            customer.append(r[2])
            from_broker.append(r[3])
            incentive.append(r[4])
            counted.append(r[5])
            stored.append(r[6])
    return Edges(
        source=source,
        target=target,
        customer=np.asarray(customer, dtype=bool),
        from_broker=np.asarray(from_broker, dtype=bool),
        incentive=np.frombuffer(incentive, dtype=np.float64),
        counted=np.asarray(counted, dtype=bool),
        stored=np.frombuffer(stored, dtype=np.float64),
    )
