"""Portfolio KPIs answered from aggregates written by `c360 metrics compute`, not from every customer.

For each grouping (none, segment, lifecycle stage; by attributed broker the KPIs are scanned) and each of its groups, one `:KpiAggregate`
node holds day-indexed counts from which every KPI of `graph.metrics.kpis` follows for any period:
- `customers`, `clvSum`, `clvCount`: the group's size and stored CLVs (their mean is `averageClv`);
- activity: each customer's orders, taken with the `window` days each keeps it active, merge into
  disjoint intervals [start, stop); `startDays`/`startCounts` and `stopDays`/`stopCounts` count them
  per day, so the customers active at a date d are the starts on or before d minus the stops on or
  before d (S at the period's start, E at its end);
- `firstDays`/`firstCounts`: first orders per day. A customer active at the end whose first order is
  on or after the start is one whose first order lies in the period, when the period is shorter than
  the window (its first order is then inside the window): N is the first orders in the period;
- `currencies` and, for the i-th of them, `revenueDaysI`/`revenueAmountsI`: its order amounts per day
  (revenue stays per currency, docs/api.md "Money"); `surveyDays` with `promoters`, `detractors`
  and `answers`: survey answers per UTC day.

`answer` serves a request only when it can be exact: no customer filter and no caller scope (a partner's
KPIs stay computed over its own network), the default window, a period shorter than the window, and
aggregates newer than the graph's last change (`graph.ingest.changes`) by more than its slack. Otherwise
it returns None and the caller scans (`graph.metrics.kpis.portfolio`).
"""

from __future__ import annotations

import asyncio
import bisect
import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import Any, LiteralString

import numpy as np
from neo4j import AsyncDriver, RoutingControl
from numpy.typing import NDArray

from graph.driver import Bulk
from graph.ingest import changes
from graph.metrics.facts import EPOCH
from graph.read.run import read

WINDOW = 365
GROUPINGS = ("none", "segment", "lifecycleStage")  # by broker: scanned (graph.read.attribution)
BINS_PER_VALUE = 8  # day counts in bins up to this many bins per value, sorted beyond (`_per_day`)

NOW: LiteralString = "RETURN datetime.realtime() AS now"

WRITE: LiteralString = """
UNWIND $rows AS row
CREATE (a:KpiAggregate) SET a = row, a.build = $build
"""

PUBLISH: LiteralString = """
MERGE (s:KpiState {id: 'kpi'})
SET s.build = $build, s.computedAt = $computedAt, s.window = $window, s.version = $version
"""

WITHDRAW: LiteralString = "MATCH (s:KpiState {id: 'kpi'}) DETACH DELETE s"

PRUNE: LiteralString = """
MATCH (a:KpiAggregate) WHERE a.build IS NULL OR a.build <> $build
CALL (a) { DETACH DELETE a } IN TRANSACTIONS OF 5000 ROWS
"""

STATE: LiteralString = """
OPTIONAL MATCH (s:KpiState {id: 'kpi'})
OPTIONAL MATCH (g:GraphState {id: 'facts'})
RETURN s.build AS build, s.computedAt AS computedAt, s.window AS window, g.changedAt AS changedAt
"""

READ: LiteralString = """
MATCH (a:KpiAggregate {build: $build, grouping: $grouping})
RETURN a {.*} AS a
"""


@dataclass(frozen=True)
class Inputs:
    """Per customer: group keys, CLV (NaN: none); per order: owner, day, amount; per survey answer:
    owner, UTC day, score (NaN: none). Days are day numbers since 1970-01-01."""

    keys: dict[str, list[str | None]]
    clv: NDArray[np.float64]
    order_owner: NDArray[np.int64]
    order_days: NDArray[np.int64]
    order_amounts: NDArray[np.float64]
    order_currencies: NDArray[np.object_]  # each order's currency (str or None)
    answer_owner: NDArray[np.int64]
    answer_days: NDArray[np.int64]
    answer_scores: NDArray[np.float64]


def _per_day(
    group: NDArray[np.int64], days: NDArray[np.int64], weights: Sequence[NDArray[Any]], groups: int
) -> list[tuple[list[int], list[list[Any]]]]:
    """For each group: its distinct days (sorted) and, per weight array, the sums per day.

    Each (group, day) pair is one key, `group * span + day offset`. Where there are at most
    `BINS_PER_VALUE` times as many possible keys as values, the keys are counted in bins (one pass,
    the sums added in the values' order); otherwise they are sorted (stably: the same order). At 1M
    customers the bins took the KPI aggregates' day counts from 2.1 to 0.14 s (cProfile)."""
    found: list[tuple[list[int], list[list[Any]]]] = [
        ([], [[] for _ in weights]) for _ in range(groups)
    ]
    if days.size == 0:
        return found
    first = int(days.min())
    span = int(days.max()) - first + 1
    key = group * span + (days - first)
    if groups * span <= BINS_PER_VALUE * days.size:
        keys = np.flatnonzero(np.bincount(key, minlength=groups * span))
        sums = [np.bincount(key, weights=w, minlength=groups * span)[keys].astype(w.dtype)
                for w in weights]  # fmt: skip
    else:
        order = np.argsort(key, kind="stable")
        ordered = key[order]
        starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
        keys = ordered[starts]
        sums = [np.add.reduceat(w[order], starts) for w in weights]
    gs, ds = keys // span, keys % span + first
    bounds = np.flatnonzero(np.r_[True, gs[1:] != gs[:-1]])
    ends = np.r_[bounds[1:], gs.size]
    for lo, hi in zip(bounds.tolist(), ends.tolist(), strict=True):
        found[int(gs[lo])] = (ds[lo:hi].tolist(), [s[lo:hi].tolist() for s in sums])
    return found


def _intervals(
    owner: NDArray[np.int64], days: NDArray[np.int64], window: int
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Each customer's orders as disjoint active intervals [start, stop): owner, start, stop."""
    if days.size == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, empty
    order = np.lexsort((days, owner))
    o, d = owner[order], days[order]
    new = np.r_[True, (o[1:] != o[:-1]) | (d[1:] - d[:-1] >= window)]
    first = np.flatnonzero(new)
    last = np.r_[first[1:], o.size] - 1
    return o[first], d[first], d[last] + window


def _ones(n: int) -> NDArray[np.int64]:
    return np.ones(n, dtype=np.int64)


def rows(inputs: Inputs, window: int = WINDOW) -> list[dict[str, Any]]:
    """The aggregate nodes' properties, one map per (grouping, group)."""
    n = inputs.clv.size
    has_orders = inputs.order_days.size > 0
    first_day = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    if has_orders:
        np.minimum.at(first_day, inputs.order_owner, inputs.order_days)
    buyers = np.flatnonzero(first_day != np.iinfo(np.int64).max)
    i_owner, i_start, i_stop = _intervals(inputs.order_owner, inputs.order_days, window)
    scores = inputs.answer_scores
    with np.errstate(invalid="ignore"):
        promoters = (scores >= 9).astype(np.int64)
        detractors = (scores <= 6).astype(np.int64)
    currency = inputs.order_currencies
    currencies = sorted({c for c in currency.tolist() if c is not None})
    amounts = np.nan_to_num(inputs.order_amounts)
    orders = [
        (inputs.order_owner[m], inputs.order_days[m], amounts[m])
        for m in (currency == c for c in currencies)
    ]
    found: list[dict[str, Any]] = []
    for grouping in GROUPINGS:
        values = [None] * n if grouping == "none" else inputs.keys[grouping]
        names = sorted({v for v in values if v is not None})
        position = {name: i for i, name in enumerate(names)}
        null = len(names)
        code = np.fromiter((position.get(v, null) if v is not None else null for v in values),
                           dtype=np.int64, count=n)  # fmt: skip
        groups = null + 1
        size = np.bincount(code, minlength=groups)
        scored = np.isfinite(inputs.clv)  # the CLVs written on the customers
        clv_sum = np.bincount(code[scored], weights=inputs.clv[scored], minlength=groups)
        clv_count = np.bincount(code[scored], minlength=groups)
        firsts = _per_day(code[buyers], first_day[buyers], [_ones(buyers.size)], groups)
        starts = _per_day(code[i_owner], i_start, [_ones(i_owner.size)], groups)
        stops = _per_day(code[i_owner], i_stop, [_ones(i_owner.size)], groups)
        revenue = [_per_day(code[owner], days, [paid], groups) for owner, days, paid in orders]
        answers = np.ones(inputs.answer_owner.size, dtype=np.int64)
        surveys = _per_day(code[inputs.answer_owner], inputs.answer_days,
                           [promoters, detractors, answers], groups)  # fmt: skip
        for g in range(groups):
            if size[g] == 0:
                continue
            key = None if g == null else names[g]
            found.append({
                "id": f"{grouping}:{'' if key is None else key}", "grouping": grouping, "key": key,
                "window": window, "customers": int(size[g]),
                "clvSum": float(clv_sum[g]), "clvCount": int(clv_count[g]),
                "firstDays": firsts[g][0], "firstCounts": firsts[g][1][0],
                "startDays": starts[g][0], "startCounts": starts[g][1][0],
                "stopDays": stops[g][0], "stopCounts": stops[g][1][0],
                "currencies": currencies,
                **{f"revenueDays{i}": r[g][0] for i, r in enumerate(revenue)},
                **{f"revenueAmounts{i}": r[g][1][0] for i, r in enumerate(revenue)},
                "surveyDays": surveys[g][0], "promoters": surveys[g][1][0],
                "detractors": surveys[g][1][1], "answers": surveys[g][1][2],
            })  # fmt: skip
    return found


async def now(driver: AsyncDriver, database: str) -> Any:
    """The server's clock (aggregates and change stamps are compared on it)."""
    records, _, _ = await driver.execute_query(
        NOW, database_=database, routing_=RoutingControl.READ
    )
    return records[0]["now"]


async def publish(
    driver: AsyncDriver, database: str, inputs: Inputs, computed_at: Any, version: str
) -> int:
    """Write a new build of the aggregates, switch readers to it, delete the older builds."""
    build = uuid.uuid4().hex
    found = await asyncio.to_thread(rows, inputs)  # numpy, mostly: the event loop goes on meanwhile
    for start in range(0, len(found), 500):
        await driver.execute_query(WRITE, rows=Bulk(found[start : start + 500]), build=build,
                                   database_=database)  # fmt: skip
    await driver.execute_query(PUBLISH, build=build, computedAt=computed_at, window=WINDOW,
                               version=version, database_=database)  # fmt: skip
    async with driver.session(database=database) as session:
        await (await session.run(PRUNE, build=build)).consume()
    return len(found)


async def withdraw(driver: AsyncDriver, database: str) -> None:
    """Stop serving from the aggregates (a scoped metrics run changed some customers' metrics)."""
    await driver.execute_query(WITHDRAW, database_=database)


def _count(days: list[int], cumulative: list[int], at: int) -> int:
    """The sum of the counts on days up to `at`, inclusive."""
    i = bisect.bisect_right(days, at)
    return cumulative[i - 1] if i else 0


def _between(days: list[int], values: list[Any], lo: int, hi: int) -> list[Any]:
    return values[bisect.bisect_left(days, lo) : bisect.bisect_right(days, hi)]


def _prepared(a: dict[str, Any]) -> dict[str, Any]:
    """An aggregate's properties with the running sums of its interval starts and stops added
    (kept in `_BUILDS`, so a request only bisects)."""
    return {**a, "startSums": list(accumulate(a["startCounts"])),
            "stopSums": list(accumulate(a["stopCounts"]))}  # fmt: skip


def _kpi_row(a: dict[str, Any], start: int, end: int) -> dict[str, Any]:
    def active(day: int) -> int:
        return _count(a["startDays"], a["startSums"], day) - _count(
            a["stopDays"], a["stopSums"], day
        )

    survey = a["surveyDays"]
    return {
        "key": a.get("key"),
        "customers": a["customers"],
        "s": active(start),
        "e": active(end),
        "n": sum(_between(a["firstDays"], a["firstCounts"], start, end)),
        "revenue": [
            [c, sum(amounts)]
            for i, c in enumerate(a["currencies"])
            if (amounts := _between(a[f"revenueDays{i}"], a[f"revenueAmounts{i}"], start, end))
        ],
        "averageClv": a["clvSum"] / a["clvCount"] if a["clvCount"] else None,
        "promoters": sum(_between(survey, a["promoters"], start, end)),
        "detractors": sum(_between(survey, a["detractors"], start, end)),
        "answers": sum(_between(survey, a["answers"], start, end)),
    }


@dataclass(frozen=True)
class Stored:
    """KPI rows from the aggregates, when they were computed (the server's clock), and whether
    facts changed after that (`graph.ingest.changes`), so the rows may no longer be the scan's."""

    rows: list[dict[str, Any]]
    computed_at: dt.datetime
    stale: bool


# (database, build, grouping) -> prepared aggregates. A build is never changed once published (a
# new metrics run writes a new one), so its entry stays right; the oldest go past `_KEEP`.
_BUILDS: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
_KEEP = 32


async def _aggregates(
    driver: AsyncDriver, database: str, build: str, grouping: str, timeout: float | None
) -> list[dict[str, Any]] | None:
    key = (database, build, grouping)
    found = _BUILDS.get(key)
    if found is None:
        records = await read(driver, database, READ, {"build": build, "grouping": grouping},
                             timeout)  # fmt: skip
        [state] = await read(driver, database, STATE, {}, timeout)
        if state["build"] != build:
            return None  # a new build replaced this one meanwhile: what was read may be partial
        found = [_prepared(r["a"]) for r in records]
        while len(_BUILDS) >= _KEEP:
            del _BUILDS[next(iter(_BUILDS))]
        _BUILDS[key] = found
    return found


async def answer(
    driver: AsyncDriver,
    database: str,
    grouping: str,
    start: dt.date,
    end: dt.date,
    window: int,
    timeout: float | None,
    *,
    stale_ok: bool = False,
) -> Stored | None:
    """The KPI rows (as `graph.metrics.kpis` reads them) from the aggregates, or None when they
    cannot answer (absent, another window, a period as long as the window, or stale while not
    `stale_ok`)."""
    if grouping not in GROUPINGS or window != WINDOW or (end - start).days >= window:
        return None
    [state] = await read(driver, database, STATE, {}, timeout)
    if state["build"] is None or state["window"] != window:
        return None
    changed = state["changedAt"]
    computed_at = state["computedAt"].to_native()
    stale = changes.stale(None if changed is None else changed.to_native(), computed_at)
    if stale and not stale_ok:
        return None
    found = await _aggregates(driver, database, state["build"], grouping, timeout)
    if found is None:
        return None
    lo, hi = (start - EPOCH).days, (end - EPOCH).days
    rows_ = [_kpi_row(a, lo, hi) for a in found]
    rows_.sort(key=lambda r: (r["key"] is None, r["key"] or ""))
    return Stored(rows_, computed_at, stale)
