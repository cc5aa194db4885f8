"""`c360 metrics compute`: fit the value models and write every per-node metric onto the graph.

Steps: read the customers and their orders (one statement each), fit BG/NBD and Gamma-Gamma on the
calibration period, score every customer as of the `as of` date (RFM, revenue, P(alive), expected
purchases, CLV, churn risk), read the interaction, survey and referral facts, derive NPS, engagement and
lifecycle stage (`graph.metrics.lifecycle`), write them in batches; then referral value and network value
(which need the referred customers' values), the value quadrant, and the aggregates of accounts, brokers,
households and products (`graph.metrics.aggregates`). The fitted models are stored as `:ValueModel` nodes.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, LiteralString

import numpy as np
from neo4j import AsyncDriver, RoutingControl

from graph.metrics import aggregates, bgnbd, gammagamma, lifecycle
from graph.metrics.clv import customer_value
from graph.metrics.rfm import RFM, rfm_summary

VERSION = "1"

CUSTOMERS: LiteralString = """
MATCH (c:Customer)
WHERE $system IS NULL OR $system IN c.sources
RETURN c.id AS id, c.status AS status
ORDER BY id
"""

ORDERS: LiteralString = """
MATCH (c:Customer)-[:PLACED]->(o:Order)
WHERE ($system IS NULL OR $system IN c.sources) AND o.date <= $asOf
RETURN c.id AS id, toString(o.date) AS date, o.amount AS amount
"""

FACTS: LiteralString = """
UNWIND $ids AS id
MATCH (c:Party {id: id})
CALL (c) {
  OPTIONAL MATCH (c)-[:RESPONDED]->(s:SurveyResponse) WHERE s.at <= $asOfTime
  WITH s ORDER BY s.at DESC LIMIT 1
  RETURN s.score AS nps
}
CALL (c) {
  OPTIONAL MATCH (c)-[:HAD]->(i:Interaction) WHERE i.at <= $asOfTime
  RETURN count(CASE WHEN i.at > $asOfTime - duration({days: 90}) THEN 1 END) AS recent,
         count(CASE WHEN i.at <= $asOfTime - duration({days: 90})
                     AND i.at > $asOfTime - duration({days: 180}) THEN 1 END) AS previous,
         max(i.at) AS lastInteraction
}
CALL (c) {
  OPTIONAL MATCH (c)-[r:REFERRED]->(:Customer) WHERE r.date IS NULL OR r.date <= $asOf
  RETURN count(r) AS referred
}
RETURN id, nps, recent, previous, lastInteraction, referred
"""

WRITE: LiteralString = """
UNWIND $rows AS row
MATCH (c:Party {id: row.id})
SET c += row.metrics
"""

REFERRAL_VALUES: LiteralString = """
UNWIND $ids AS id
MATCH (c:Party {id: id})
CALL (c) {
  OPTIONAL MATCH (c)-[r:REFERRED]->(d:Customer)
  RETURN sum(coalesce(d.revenue, 0.0) + coalesce(d.clv, 0.0)) AS value,
         sum(coalesce(r.incentive, 0.0)) AS incentives
}
CALL (c) {
  OPTIONAL MATCH p = (c)-[:REFERRED]->{1,10}(d:Customer)
  WITH d, min(length(p)) AS depth
  RETURN sum((coalesce(d.revenue, 0.0) + coalesce(d.clv, 0.0)) * $decay ^ (depth - 1)) AS network
}
SET c.referralValue = value - incentives, c.networkValue = network
RETURN c.id AS id, coalesce(c.clv, 0.0) AS clv, c.referralValue AS crv
"""

SAVE_MODEL: LiteralString = """
MERGE (m:ValueModel {id: $id})
SET m = $props
"""


@dataclass(frozen=True)
class Options:
    as_of: dt.date
    calibration_end: dt.date | None = None  # default: the as-of date
    horizon: int = 52  # periods
    period_days: float = 7.0
    annual_discount: float = 0.10
    system: str | None = None  # only customers from this source system
    network_decay: float = 0.5
    batch_size: int = 5000

    @property
    def calibration(self) -> dt.date:
        return self.calibration_end or self.as_of

    @property
    def period_discount(self) -> float:
        return float((1 + self.annual_discount) ** (self.period_days / 365.25) - 1)

    @property
    def scope(self) -> str:
        return self.system or "all"


@dataclass(frozen=True)
class Summary:
    customers: int
    buyers: int
    bgnbd: bgnbd.BGNBD | None
    gammagamma: gammagamma.GammaGamma | None
    seconds: dict[str, float] = field(default_factory=dict)


def _batches(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


async def _read(
    driver: AsyncDriver, database: str, query: LiteralString, **params: Any
) -> list[Any]:
    records, _, _ = await driver.execute_query(
        query, params, database_=database, routing_=RoutingControl.READ
    )
    return records


async def _write(driver: AsyncDriver, database: str, query: LiteralString, **params: Any) -> None:
    await driver.execute_query(query, params, database_=database)


async def _save_model(
    driver: AsyncDriver,
    database: str,
    kind: str,
    model: Any,
    options: Options,
    extra: dict[str, Any],
) -> None:
    params = {
        k: v
        for k, v in asdict(model).items()
        if k not in {"log_likelihood", "n_customers", "converged"}
    }
    props = {
        "id": f"{kind}:{options.scope}",
        "kind": kind,
        "scope": options.scope,
        "parameterNames": list(params),
        "parameterValues": [float(v) for v in params.values()],
        "logLikelihood": float(model.log_likelihood),
        "customers": int(model.n_customers),
        "converged": bool(model.converged),
        "calibrationEnd": options.calibration,
        "asOf": options.as_of,
        "periodDays": options.period_days,
        "version": VERSION,
        "computedAt": dt.datetime.now(dt.UTC),
        **extra,
    }
    await _write(driver, database, SAVE_MODEL, id=props["id"], props=props)


def _spend_windows(
    ids: np.ndarray[Any, Any],
    days: np.ndarray[Any, Any],
    amounts: np.ndarray[Any, Any],
    as_of: dt.date,
) -> dict[str, tuple[float, float, float, int, int, str, str]]:
    """Per customer: revenue to date, last-180 and prior-180 spend, orders, days since first, first, last."""
    end = np.datetime64(as_of, "D")
    found: dict[str, tuple[float, float, float, int, int, str, str]] = {}
    if ids.size == 0:
        return found
    order = np.argsort(ids, kind="stable")
    ids, days, amounts = ids[order], days[order], amounts[order]
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
    ends = np.r_[starts[1:], ids.size]
    age = (end - days).astype(np.int64)
    for s, e in zip(starts, ends, strict=True):
        a, d = amounts[s:e], age[s:e]
        found[str(ids[s])] = (
            float(a.sum()),
            float(a[d < 180].sum()),
            float(a[(d >= 180) & (d < 360)].sum()),
            int(e - s),
            int(d.max()),
            str(days[s:e].min()),
            str(days[s:e].max()),
        )
    return found


async def compute(driver: AsyncDriver, database: str, options: Options) -> Summary:
    seconds: dict[str, float] = {}
    began = time.perf_counter()
    customers = await _read(driver, database, CUSTOMERS, system=options.system)
    orders = await _read(driver, database, ORDERS, system=options.system, asOf=options.as_of)
    seconds["read"] = time.perf_counter() - began

    began = time.perf_counter()
    ids = np.array([r["id"] for r in orders], dtype=object)
    days = np.array([r["date"] for r in orders], dtype="datetime64[D]")
    amounts = np.array([r["amount"] for r in orders], dtype=np.float64)
    transactions_model: bgnbd.BGNBD | None = None
    spend_model: gammagamma.GammaGamma | None = None
    scores: dict[str, dict[str, float]] = {}
    if ids.size:
        codes, inverse = np.unique(ids, return_inverse=True)
        calibration = rfm_summary(
            inverse, days, amounts, options.calibration, period_days=options.period_days
        )
        if calibration.n_customers >= 10:
            transactions_model = bgnbd.fit(calibration.x, calibration.t_x, calibration.T)
            repeat = calibration.repeaters
            if repeat.sum() >= 10:
                spend_model = gammagamma.fit(calibration.m[repeat], calibration.x[repeat])
        now = rfm_summary(inverse, days, amounts, options.as_of, period_days=options.period_days)
        scores = _score(now, codes, transactions_model, spend_model, options)
    seconds["fit"] = time.perf_counter() - began

    if transactions_model is not None:
        await _save_model(driver, database, "bgnbd", transactions_model, options, {})
    if spend_model is not None:
        await _save_model(
            driver,
            database,
            "gammagamma",
            spend_model,
            options,
            {"meanSpend": spend_model.mean_spend},
        )

    began = time.perf_counter()
    windows = _spend_windows(ids, days, amounts, options.as_of)
    as_of_time = dt.datetime.combine(options.as_of, dt.time.max, tzinfo=dt.UTC)
    customer_ids = [r["id"] for r in customers]
    status = {r["id"]: r["status"] for r in customers}
    computed_at = dt.datetime.now(dt.UTC)
    # What every customer's metrics describe, readable beside them (not only on the value model).
    stamp = {
        "metricsAsOf": options.as_of,
        "metricsHorizon": options.horizon,
        "metricsPeriodDays": options.period_days,
    }
    for batch in _batches(customer_ids, options.batch_size):
        facts = await _read(
            driver, database, FACTS, ids=list(batch), asOf=options.as_of, asOfTime=as_of_time
        )
        rows = [
            {
                "id": f["id"],
                "metrics": _metrics(
                    f, status[f["id"]], windows.get(f["id"]), scores.get(f["id"]), computed_at
                )
                | stamp,
            }
            for f in facts
        ]
        await _write(driver, database, WRITE, rows=rows)
    seconds["customers"] = time.perf_counter() - began

    began = time.perf_counter()
    values: list[tuple[str, float, float]] = []
    for batch in _batches(customer_ids, options.batch_size):
        found, _, _ = await driver.execute_query(
            REFERRAL_VALUES, ids=list(batch), decay=options.network_decay, database_=database
        )
        values.extend((r["id"], r["clv"], r["crv"]) for r in found)
    if values:
        clv_median = float(np.median([v[1] for v in values]))
        crv_median = float(np.median([v[2] for v in values]))
        rows = [
            {
                "id": i,
                "metrics": {"valueQuadrant": lifecycle.quadrant(c, r, clv_median, crv_median)},
            }
            for i, c, r in values
        ]
        for batch in _batches(rows, options.batch_size):
            await _write(driver, database, WRITE, rows=list(batch))
    seconds["referrals"] = time.perf_counter() - began

    began = time.perf_counter()
    await aggregates.compute(driver, database, options.as_of, options.system, computed_at, VERSION)
    seconds["aggregates"] = time.perf_counter() - began
    return Summary(len(customers), len(windows), transactions_model, spend_model, seconds)


def _score(
    rfm: RFM,
    codes: np.ndarray[Any, Any],
    transactions: bgnbd.BGNBD | None,
    spend: gammagamma.GammaGamma | None,
    options: Options,
) -> dict[str, dict[str, float]]:
    found: dict[str, dict[str, float]] = {}
    names = codes[rfm.ids]
    base = {
        "frequency": rfm.x.astype(float),
        "recency": rfm.t_x,
        "tenure": rfm.T,
    }
    if transactions is not None:
        alive = bgnbd.probability_alive(transactions, rfm.x, rfm.t_x, rfm.T)
        base["pAlive"] = alive
        base["churnRisk"] = 1.0 - alive
        base["expectedPurchases"] = bgnbd.expected_purchases(
            transactions, float(options.horizon), rfm.x, rfm.t_x, rfm.T
        )
        if spend is not None:
            m = np.where(rfm.x > 0, rfm.m, 0.0)
            value = customer_value(
                transactions, spend, rfm.x, rfm.t_x, rfm.T, m,
                horizon=options.horizon, discount_rate=options.period_discount,
            )  # fmt: skip
            base["expectedSpend"] = value.expected_spend
            base["clv"] = value.clv
    for i, name in enumerate(names):
        found[str(name)] = {k: float(v[i]) for k, v in base.items()}
    return found


def _metrics(
    facts: Any,
    status: str | None,
    window: tuple[float, float, float, int, int, str, str] | None,
    score: dict[str, float] | None,
    computed_at: dt.datetime,
) -> dict[str, Any]:
    revenue, last_180, prior_180, orders, days_since_first, first, last = window or (
        0.0, 0.0, 0.0, 0, None, None, None
    )  # fmt: skip
    nps = facts["nps"]
    last_interaction = facts["lastInteraction"]
    last_order = dt.date.fromisoformat(last) if last else None
    activity = [
        d
        for d in (last_order, last_interaction.to_native().date() if last_interaction else None)
        if d
    ]
    metrics: dict[str, Any] = {
        "revenue": round(revenue, 2),
        "orderCount": orders,
        "firstOrderDate": dt.date.fromisoformat(first) if first else None,
        "lastOrderDate": last_order,
        "lastActivityDate": max(activity) if activity else None,
        "npsScore": nps,
        "npsCategory": lifecycle.nps_category(nps),
        "interactions90d": facts["recent"],
        "interactionsPrev90d": facts["previous"],
        "engagementDropped": lifecycle.engagement_dropped(facts["recent"], facts["previous"]),
        "lifecycleStage": lifecycle.stage(
            lifecycle.Facts(
                status, orders, days_since_first, last_180, prior_180, facts["referred"], nps
            )
        ),
        "metricsAt": computed_at,
        "metricsVersion": VERSION,
    }
    for key in (
        "frequency",
        "recency",
        "tenure",
        "pAlive",
        "churnRisk",
        "expectedPurchases",
        "expectedSpend",
        "clv",
    ):
        metrics[key] = score.get(key) if score else None
    if status == "former":
        metrics["churnRisk"] = 1.0
    return metrics
