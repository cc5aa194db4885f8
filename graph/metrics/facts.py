"""Reading the facts `c360 metrics compute` scores, as arrays, in pages of bounded size.

Customers come in pages of consecutive ids (`id > $after AND id <= $upto`, served by the `party_id`
index; the bounds read first, so two pages are read at a time), each page one record of row lists: the customer, all its dated orders (day numbers since
1970-01-01 and amounts), its latest survey score up to the `as of` date, its interactions in the last 90
days and the 90 before, its segment; and, when the portfolio KPI aggregates are built (`kpis`), all
its survey answers (UTC day, score). The server aggregates per customer; Python receives a few columns per page
and keeps only flat numpy arrays (orders stored as day numbers and amounts, one entry each), so a
million customers with a few million orders fit in a few hundred MB.

The referral edges come in one statement, as columns: every `REFERRED` edge with the stored value
(revenue + CLV) of its end, read (alongside the customers) before the customers' new values are written.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from array import array
from collections import deque
from dataclasses import dataclass, replace
from itertools import pairwise
from typing import Any, LiteralString

import numpy as np
from neo4j import AsyncDriver, RoutingControl
from numpy.typing import NDArray

EPOCH = dt.date(1970, 1, 1)

BOUNDS: LiteralString = """
MATCH (c:Party:Customer)
WHERE $system IS NULL OR $system IN c.sources
WITH c.id AS id ORDER BY id
WITH collect(id) AS ids
RETURN [i IN range($page - 1, size(ids) - 2, $page) | ids[i]] + [ids[-1]] AS bounds
"""

# One walk over each customer's orders, interactions and survey answers (a walk per kind read the
# customer's relationships three times over: 20% slower at 1M customers); the latest answer and the
# last interaction are folded from the lists.
PAGE: LiteralString = """
MATCH (c:Party:Customer)
WHERE c.id > $after AND c.id <= $upto AND ($system IS NULL OR $system IN c.sources)
WITH c ORDER BY c.id
CALL (c) {
  OPTIONAL MATCH (c)-[r:PLACED|HAD|RESPONDED]->(x) WHERE x.endedAt IS NULL
  WITH type(r) AS kind, x
  RETURN collect(CASE WHEN kind = 'PLACED' AND x:Order AND x.date IS NOT NULL THEN x END) AS orders,
         collect(CASE WHEN kind = 'RESPONDED' AND x:SurveyResponse AND x.at IS NOT NULL THEN x END) AS answers,
         collect(CASE WHEN kind = 'HAD' AND x:Interaction AND x.at <= $asOfTime THEN x.at END) AS times
}
WITH c, orders, answers, times,
     reduce(best = null, s IN answers |
       CASE WHEN s.at <= $asOfTime AND (best IS NULL OR s.at > best.at) THEN s ELSE best END) AS latest,
     reduce(last = null, t IN times | CASE WHEN last IS NULL OR t > last THEN t ELSE last END) AS lastTime
WITH c, orders, latest, lastTime, times, CASE WHEN $kpis THEN answers ELSE [] END AS answers
RETURN collect([c.id, c.status,
                [o IN orders | duration.inDays($epoch, o.date).days],
                [o IN orders | o.amount],
                latest.score,
                size([t IN times WHERE t > $asOfTime - duration({days: 90})]),
                size([t IN times WHERE t <= $asOfTime - duration({days: 90})
                                   AND t > $asOfTime - duration({days: 180})]),
                duration.inDays($epoch, date(lastTime)).days,
                c.segment,
                [s IN answers | duration.inDays($epoch, date(datetime({epochMillis: s.at.epochMillis}))).days],
                [s IN answers | s.score],
                [o IN orders | o.currency]]) AS rows
"""

EDGES: LiteralString = """
MATCH (a)-[r:REFERRED]->(b)
RETURN collect(a.id) AS source, collect(b.id) AS target, collect(b:Customer) AS customer,
       collect(a:Broker) AS fromBroker, collect(coalesce(r.incentive, 0.0)) AS incentive,
       collect(r.date IS NULL OR r.date <= $asOf) AS counted,
       collect(coalesce(b.revenue, 0.0) + coalesce(b.clv, 0.0)) AS stored
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


class _Columns:
    """The customers' rows, page after page, as flat arrays."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.status: list[str | None] = []
        self.segment: list[str | None] = []
        self.answer_owner = array("q")
        self.answer_days = array("q")
        self.answer_scores = array("d")
        self.nps: list[float] = []
        self.recent = array("q")
        self.previous = array("q")
        self.last = array("q")
        self.owner = array("q")
        self.days = array("q")
        self.amounts = array("d")
        self.currencies: list[str | None] = []

    def add(self, rows: list[list[Any]]) -> None:
        for row in rows:
            index = len(self.ids)
            self.ids.append(row[0])
            self.status.append(row[1])
            order_days: list[int] = row[2]
            self.days.extend(order_days)
            self.amounts.extend(np.nan if a is None else a for a in row[3])
            self.currencies.extend(row[11])
            self.owner.extend([index] * len(order_days))
            self.nps.append(np.nan if row[4] is None else row[4])
            self.recent.append(row[5])
            self.previous.append(row[6])
            self.last.append(-1 if row[7] is None else row[7])
            self.segment.append(row[8])
            self.answer_days.extend(row[9])
            self.answer_scores.extend(np.nan if v is None else v for v in row[10])
            self.answer_owner.extend([index] * len(row[9]))

    def customers(self) -> Customers:
        return Customers(
            ids=self.ids,
            status=self.status,
            segment=self.segment,
            nps=np.asarray(self.nps, dtype=np.float64),
            recent=np.frombuffer(self.recent, dtype=np.int64),
            previous=np.frombuffer(self.previous, dtype=np.int64),
            last_interaction=np.frombuffer(self.last, dtype=np.int64),
            owner=np.frombuffer(self.owner, dtype=np.int64),
            days=np.frombuffer(self.days, dtype=np.int64),
            amounts=np.frombuffer(self.amounts, dtype=np.float64),
            currencies=np.array(self.currencies, dtype=object),
            answer_owner=np.frombuffer(self.answer_owner, dtype=np.int64),
            answer_days=np.frombuffer(self.answer_days, dtype=np.int64),
            answer_scores=np.frombuffer(self.answer_scores, dtype=np.float64),
        )


async def read_customers(
    driver: AsyncDriver,
    database: str,
    system: str | None,
    as_of: dt.date,
    kpis: bool = False,
    page: int = 5000,
    parallel: int = 2,
) -> Customers:
    """The customers in id order. The id range is cut into pages of `page` customers first, so
    `parallel` pages are read at a time (the server works on the next ones while Python takes in
    one), and taken in, in order."""
    as_of_time = dt.datetime.combine(as_of, dt.time.max, tzinfo=dt.UTC)
    params = {"system": system, "asOf": as_of, "asOfTime": as_of_time, "epoch": EPOCH,
              "kpis": kpis}  # fmt: skip
    records, _, _ = await driver.execute_query(
        BOUNDS, system=system, page=page, database_=database, routing_=RoutingControl.READ
    )
    # Every page's last id ([None] when there are no customers).
    bounds: list[str] = [b for b in records[0]["bounds"] if b is not None]
    ranges = list(pairwise(["", *bounds]))

    async def fetch(after: str, upto: str) -> list[list[Any]]:
        records, _, _ = await driver.execute_query(
            PAGE, {**params, "after": after, "upto": upto},
            database_=database, routing_=RoutingControl.READ,
        )  # fmt: skip
        return records[0]["rows"] if records else []

    columns = _Columns()
    reading: deque[asyncio.Task[list[list[Any]]]] = deque()
    try:
        for after, upto in ranges:
            if len(reading) >= parallel:
                columns.add(await reading.popleft())
            reading.append(asyncio.create_task(fetch(after, upto)))
        while reading:
            columns.add(await reading.popleft())
    finally:  # a failed page: the others are cancelled and awaited, not left running
        for task in reading:
            task.cancel()
        await asyncio.gather(*reading, return_exceptions=True)
    return columns.customers()


async def read_edges(driver: AsyncDriver, database: str, as_of: dt.date) -> Edges:
    """Every referral edge, as columns (one record of lists: the driver decodes a list's items
    far faster than as many records)."""
    records, _, _ = await driver.execute_query(
        EDGES, asOf=as_of, database_=database, routing_=RoutingControl.READ
    )
    found = records[0]
    return Edges(
        source=found["source"],
        target=found["target"],
        customer=np.asarray(found["customer"], dtype=bool),
        from_broker=np.asarray(found["fromBroker"], dtype=bool),
        incentive=np.asarray(found["incentive"], dtype=np.float64),
        counted=np.asarray(found["counted"], dtype=bool),
        stored=np.asarray(found["stored"], dtype=np.float64),
    )
