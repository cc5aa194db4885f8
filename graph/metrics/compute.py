"""`c360 metrics compute`: fit the value models and write every per-node metric onto the graph.

Steps: read the customers with their orders, latest survey answer and interaction counts in keyset pages
(`graph.metrics.facts`: flat arrays, no per-customer objects), and the referral edges; fit BG/NBD and
Gamma-Gamma on the calibration period; score every customer as of the `as of` date (RFM, revenue,
P(alive), expected purchases, CLV, churn risk), derive spend windows, NPS, engagement, lifecycle stage
(`graph.metrics.columns`, the array form of `graph.metrics.lifecycle`), referral and network value
(`graph.metrics.referrals`) and the value quadrant, all as numpy columns; write each customer once, in
batches of columns; then the aggregates of accounts, brokers and households
(`graph.metrics.aggregates`). Products' aggregates count order lines only and run on the server
alongside all of that, from the start. The fitted models are stored as `:ValueModel` nodes.
Orders, interactions and survey answers ended by a full snapshot (`endedAt`, `graph.ingest.snapshots`)
do not count.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, LiteralString

import numpy as np
from neo4j import AsyncDriver
from numpy.typing import NDArray

from graph.driver import Bulk, in_chunks, together
from graph.metrics import aggregates, bgnbd, columns, facts, gammagamma, kpi_store, referrals
from graph.metrics.clv import customer_value
from graph.metrics.rfm import RFM, rfm_summary

FloatArray = NDArray[np.float64]

VERSION = "1"
MIN_FIT = 10  # customers a model needs (repeat buyers for Gamma-Gamma)

WRITE: LiteralString = """
UNWIND range(0, size($ids) - 1) AS i
MATCH (c:Party {id: $ids[i]})
WITH c, i, [d IN [$firstOrderDate[i], $lastOrderDate[i], $lastActivityDate[i]] |
            CASE WHEN d IS NULL THEN null ELSE $epoch + duration({days: d}) END] AS dates
SET c.revenue = $revenue[i], c.orderCount = $orderCount[i],
    c.firstOrderDate = dates[0], c.lastOrderDate = dates[1], c.lastActivityDate = dates[2],
    c.npsScore = $npsScore[i],
    c.npsCategory = $npsCategory[i], c.interactions90d = $interactions90d[i],
    c.interactionsPrev90d = $interactionsPrev90d[i], c.engagementDropped = $engagementDropped[i],
    c.lifecycleStage = $lifecycleStage[i], c.frequency = $frequency[i], c.recency = $recency[i],
    c.tenure = $tenure[i], c.pAlive = $pAlive[i], c.churnRisk = $churnRisk[i],
    c.expectedPurchases = $expectedPurchases[i], c.expectedSpend = $expectedSpend[i],
    c.clv = $clv[i], c.referralValue = $referralValue[i], c.networkValue = $networkValue[i],
    c.valueQuadrant = $valueQuadrant[i], c.metricsAt = $computedAt, c.metricsVersion = $version,
    c.metricsAsOf = $asOf, c.metricsHorizon = $horizon, c.metricsPeriodDays = $periodDays
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
    writers: int = 2  # batches written at a time

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
    why_no_clv: str | None = None  # why no model could be fitted (then every CLV stays null)


async def _write(driver: AsyncDriver, database: str, query: LiteralString, **params: Any) -> None:
    await driver.execute_query(query, params, database_=database)


async def save_model(
    driver: AsyncDriver,
    database: str,
    kind: str,
    model: Any,
    options: Options,
    extra: dict[str, Any],
) -> None:
    """Store a fitted model as its `:ValueModel` node. A figure without a finite value (the mean
    spend of a Gamma-Gamma fit with q <= 1, an infinite log-likelihood) is left out: GraphQL's
    Float has no infinity, and the API reads it as null."""
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
    finite = {k: v for k, v in props.items() if not isinstance(v, float) or math.isfinite(v)}
    await _write(driver, database, SAVE_MODEL, id=props["id"], props=finite)


async def compute(driver: AsyncDriver, database: str, options: Options) -> Summary:
    computed_at = dt.datetime.now(dt.UTC)
    # Products count order lines only: they run on the server while the customers are read,
    # scored and written here (at 1M customers, a quarter of the run's time alone).
    products = aggregates.compute(
        driver, database, options.as_of, options.system, computed_at, VERSION,
        statements=aggregates.OF_ORDERS,
    )  # fmt: skip
    _, summary = await together(products, _customers(driver, database, options, computed_at))
    assert isinstance(summary, Summary)
    return summary


async def _customers(
    driver: AsyncDriver, database: str, options: Options, computed_at: dt.datetime
) -> Summary:
    """Everything but the products' aggregates."""
    seconds: dict[str, float] = {}
    began = time.perf_counter()
    kpis = options.system is None  # the KPI aggregates cover every customer
    started = await kpi_store.now(driver, database)
    everything, edges = await together(
        facts.read_customers(driver, database, options.system, options.as_of, kpis=kpis),
        facts.read_edges(driver, database, options.as_of),
    )
    customers = everything.until(options.as_of)
    seconds["read"] = time.perf_counter() - began

    began = time.perf_counter()
    days = np.datetime64(facts.EPOCH, "D") + customers.days.astype("timedelta64[D]")
    transactions_model: bgnbd.BGNBD | None = None
    spend_model: gammagamma.GammaGamma | None = None
    scores: dict[str, FloatArray] = {}
    why: str | None = f"no orders up to {options.as_of}"
    if customers.days.size:
        calibration = rfm_summary(
            customers.owner, days, customers.amounts, options.calibration,
            period_days=options.period_days,
        )  # fmt: skip
        why = (
            f"only {calibration.n_customers} customers ordered by {options.calibration}: "
            f"BG/NBD needs {MIN_FIT}"
        )
        repeat = calibration.repeaters
        if calibration.n_customers >= MIN_FIT and not repeat.any():
            # BG/NBD learns when customers leave from their repeat purchases: without one, its a
            # and b are not identified (the fit would leave them where it started)
            why = (
                f"no customer bought again by {options.calibration}: BG/NBD needs repeat purchases"
            )
        elif calibration.n_customers >= MIN_FIT:
            transactions_model = bgnbd.fit(calibration.x, calibration.t_x, calibration.T)
            why = (
                f"only {int(repeat.sum())} customers bought again by {options.calibration}: "
                f"Gamma-Gamma needs {MIN_FIT} repeat buyers"
            )
            if repeat.sum() >= MIN_FIT:
                why = None
                spend_model = gammagamma.fit(calibration.m[repeat], calibration.x[repeat])
        now = rfm_summary(
            customers.owner, days, customers.amounts, options.as_of, period_days=options.period_days
        )
        scores = _score(now, customers.size, transactions_model, spend_model, options)
    seconds["fit"] = time.perf_counter() - began

    if transactions_model is not None:
        await save_model(driver, database, "bgnbd", transactions_model, options, {})
    if spend_model is not None:
        await save_model(
            driver, database, "gammagamma", spend_model, options,
            {"meanSpend": spend_model.mean_spend},
        )  # fmt: skip

    began = time.perf_counter()
    table = _table(customers, edges, scores, options)
    seconds["score"] = time.perf_counter() - began

    began = time.perf_counter()

    async def write(batch: Sequence[int]) -> None:
        rows = slice(batch[0], batch[-1] + 1)
        await _write(
            driver, database, WRITE, computedAt=computed_at, version=VERSION,
            asOf=options.as_of, horizon=options.horizon, periodDays=options.period_days,
            epoch=facts.EPOCH, **{k: Bulk(v[rows]) for k, v in table.items()},
        )  # fmt: skip

    async def publish() -> None:
        if not kpis:
            await kpi_store.withdraw(driver, database)
            return
        inputs = kpi_store.Inputs(
            keys={"segment": everything.segment,
                  "lifecycleStage": table["lifecycleStage"]},
            clv=scores.get("clv", np.full(customers.size, np.nan)),
            order_owner=everything.owner, order_days=everything.days,
            order_amounts=everything.amounts, order_currencies=everything.currencies,
            answer_owner=everything.answer_owner,
            answer_days=everything.answer_days, answer_scores=everything.answer_scores,
        )  # fmt: skip
        await kpi_store.publish(driver, database, inputs, started, VERSION)

    # Batches hold disjoint customers, so `writers` of them commit side by side; the KPI aggregates
    # (from the facts and the new columns) are built and written meanwhile.
    await together(
        publish(),
        in_chunks(range(customers.size), options.batch_size, options.writers, write),
    )
    seconds["write and kpis"] = time.perf_counter() - began

    began = time.perf_counter()
    networks = aggregates.OF_NETWORKS[options.system is None]
    await aggregates.compute(driver, database, options.as_of, options.system, computed_at, VERSION,
                             statements=(*aggregates.OF_CUSTOMERS, networks))  # fmt: skip
    seconds["aggregates"] = time.perf_counter() - began

    buyers = int(np.count_nonzero(np.bincount(customers.owner, minlength=customers.size)))
    return Summary(customers.size, buyers, transactions_model, spend_model, seconds, why)


def _score(
    rfm: RFM,
    n: int,
    transactions: bgnbd.BGNBD | None,
    spend: gammagamma.GammaGamma | None,
    options: Options,
) -> dict[str, FloatArray]:
    """The model scores as columns over all `n` customers; NaN for customers without one."""
    base: dict[str, FloatArray] = {
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
    found: dict[str, FloatArray] = {}
    for key, column in base.items():
        full = np.full(n, np.nan)
        full[rfm.ids] = column
        found[key] = full
    return found


SCORES = (
    "frequency", "recency", "tenure", "pAlive", "churnRisk", "expectedPurchases", "expectedSpend",
    "clv",
)  # fmt: skip


def _table(
    customers: facts.Customers,
    edges: facts.Edges,
    scores: dict[str, FloatArray],
    options: Options,
) -> dict[str, list[Any]]:
    """Every property written on the customers, one column each (None: property removed)."""
    n = customers.size
    w = columns.windows(customers, options.as_of)
    since_first = w.days_since_first(options.as_of)
    former = np.asarray([s == "former" for s in customers.status], dtype=bool)
    revenue = [round(v, 2) for v in w.revenue.tolist()]
    clv = scores.get("clv", np.full(n, np.nan))
    fresh = np.asarray(revenue, dtype=np.float64) + np.nan_to_num(clv, nan=0.0)
    referral = referrals.values(customers.ids, fresh, edges, options.network_decay)
    nps = customers.nps
    activity = np.maximum(w.last, customers.last_interaction)
    table: dict[str, list[Any]] = {
        "ids": customers.ids,
        "revenue": revenue,
        "orderCount": w.orders.tolist(),
        # Dates travel as day numbers (packing a date object costs the driver a Python call).
        "firstOrderDate": columns.optional(w.first, w.first >= 0),
        "lastOrderDate": columns.optional(w.last, w.last >= 0),
        "lastActivityDate": columns.optional(activity, activity >= 0),
        "npsScore": columns.optional(np.nan_to_num(nps).astype(np.int64), ~np.isnan(nps)),
        "npsCategory": columns.nps_category(nps).tolist(),
        "interactions90d": customers.recent.tolist(),
        "interactionsPrev90d": customers.previous.tolist(),
        "engagementDropped": columns.engagement_dropped(
            customers.recent, customers.previous
        ).tolist(),
        "lifecycleStage": columns.stage(former, w, since_first, referral.referred, nps).tolist(),
        "referralValue": referral.referral_value.tolist(),
        "networkValue": referral.network_value.tolist(),
        "valueQuadrant": columns.quadrant(
            np.nan_to_num(clv, nan=0.0), referral.referral_value
        ).tolist(),
    }
    for key in SCORES:
        column = scores.get(key, np.full(n, np.nan))
        if key == "churnRisk":
            column = np.where(former, 1.0, column)
        table[key] = columns.optional(column, np.isfinite(column))
    return table
