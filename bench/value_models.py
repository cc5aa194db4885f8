"""Benchmark of the value models on synthetic customers drawn from the CDNOW fit.

Fits the BG/NBD and Gamma-Gamma models on the CDNOW sample, simulates cohorts of 100,000 and
1,000,000 customers from those parameters (seeded), and for each cohort times: the simulation,
the RFM summary of the simulated transaction log, the two fits and a 12-month CLV, and prints
the recovered parameters beside the true ones.

Simulation (the models' own stories). Each customer is born on a day of Q1 1997 (uniform),
observed to 1997-09-30, so T = (days to the calibration end) / 7 weeks. lambda ~ Gamma(r, alpha),
p ~ Beta(a, b); the number of repeat purchases after which the customer drops out is
Geometric(p) on {1, 2, ...}, the underlying Poisson count in (0, T] is n ~ Poisson(lambda T), so
x = min(n, dropout); the x-th of n uniform event times is T * Beta(x, n - x + 1), and the earlier
x - 1 repeat times are uniform on (0, t_x). Transaction values are Gamma(p_s, rate nu) with
nu ~ Gamma(q, rate gamma). The fits use the exact (x, t_x, T, m); the log (times rounded down to
days, so a few same-day purchases merge) is only for timing ``rfm_summary``.

Run: .venv/bin/python bench/value_models.py
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from graph.config import PROJECT_ROOT
from graph.metrics import bgnbd, gammagamma
from graph.metrics.clv import customer_value
from graph.metrics.rfm import read_cdnow, rfm_summary

CDNOW = PROJECT_ROOT.parent / "shared" / "data" / "cdnow" / "CDNOW_sample.txt"
COHORT_START = np.datetime64("1997-01-01")
CALIBRATION_END = np.datetime64("1997-09-30")
SIZES = (100_000, 1_000_000)
WEEKS_PER_MONTH = 365.25 / 12 / 7


@dataclass(frozen=True)
class Cohort:
    """Exact per-customer summaries and the transaction log they came from."""

    x: NDArray[np.int64]
    t_x: NDArray[np.float64]
    T: NDArray[np.float64]
    m: NDArray[np.float64]
    log_ids: NDArray[np.int64]
    log_dates: NDArray[np.datetime64]
    log_values: NDArray[np.float64]


def simulate(n: int, buy: bgnbd.BGNBD, spend: gammagamma.GammaGamma, seed: int) -> Cohort:
    rng = np.random.default_rng(seed)
    birth = rng.integers(0, 90, n)  # day of Q1 1997
    horizon_days = (CALIBRATION_END - COHORT_START) // np.timedelta64(1, "D")
    age = (horizon_days - birth) / 7.0
    rate = rng.gamma(buy.r, 1.0 / buy.alpha, n)
    dropout = rng.geometric(rng.beta(buy.a, buy.b, n))
    events = rng.poisson(rate * age)
    x = np.minimum(events, dropout).astype(np.int64)
    repeat = x > 0
    t_x = np.zeros(n)
    t_x[repeat] = age[repeat] * rng.beta(x[repeat], events[repeat] - x[repeat] + 1)

    # Transaction log: the first purchase at 0, the x-th repeat at t_x, x - 1 uniform before.
    customer = np.arange(n)
    earlier = np.repeat(customer, np.maximum(x - 1, 0))
    ids = np.concatenate([customer, customer[repeat], earlier])
    times = np.concatenate([np.zeros(n), t_x[repeat], rng.uniform(0.0, 1.0, earlier.size)])
    times[n + repeat.sum() :] *= t_x[earlier]
    nu = rng.gamma(spend.q, 1.0 / spend.gamma, n)
    values = rng.gamma(spend.p, 1.0 / nu[ids])
    is_repeat = np.arange(ids.size) >= n
    total = np.bincount(ids[is_repeat], weights=values[is_repeat], minlength=n)
    m = np.full(n, np.nan)
    m[repeat] = total[repeat] / x[repeat]
    days = birth[ids] + np.floor(times * 7.0).astype(np.int64)
    return Cohort(
        x=x,
        t_x=t_x,
        T=age,
        m=m,
        log_ids=ids,
        log_dates=COHORT_START + days.astype("timedelta64[D]"),
        log_values=values,
    )


def main() -> None:
    ids, dates, amounts = read_cdnow(CDNOW)
    summary = rfm_summary(ids, dates, amounts, CALIBRATION_END)
    buy = bgnbd.fit(summary.x, summary.t_x, summary.T)
    repeaters = summary.repeaters
    spend = gammagamma.fit(summary.m[repeaters], summary.x[repeaters])
    print(f"CDNOW fit: {buy}")
    print(f"CDNOW fit: {spend}")

    for n in SIZES:
        print(f"\n== {n:,} customers ==")
        start = time.perf_counter()
        cohort = simulate(n, buy, spend, seed=n)
        print(f"simulate          {time.perf_counter() - start:7.2f} s")

        start = time.perf_counter()
        rfm = rfm_summary(cohort.log_ids, cohort.log_dates, cohort.log_values, CALIBRATION_END)
        elapsed = time.perf_counter() - start
        same = np.mean(rfm.x == cohort.x)
        print(
            f"rfm_summary       {elapsed:7.2f} s  ({cohort.log_ids.size:,} log lines;"
            f" x equal to the exact x for {same:.2%}, the rest merged same-day)"
        )

        start = time.perf_counter()
        fitted = bgnbd.fit(cohort.x, cohort.t_x, cohort.T)
        print(
            f"BG/NBD fit        {time.perf_counter() - start:7.2f} s  converged={fitted.converged}"
        )
        for name in ("r", "alpha", "a", "b"):
            true, got = getattr(buy, name), getattr(fitted, name)
            print(f"  {name:6} true {true:8.4f}  fitted {got:8.4f}  ({got / true - 1:+.2%})")

        start = time.perf_counter()
        keep = cohort.x > 0
        fitted_spend = gammagamma.fit(cohort.m[keep], cohort.x[keep])
        print(
            f"Gamma-Gamma fit   {time.perf_counter() - start:7.2f} s  converged="
            f"{fitted_spend.converged}  ({int(keep.sum()):,} repeat customers)"
        )
        for name in ("p", "q", "gamma"):
            true, got = getattr(spend, name), getattr(fitted_spend, name)
            print(f"  {name:6} true {true:8.4f}  fitted {got:8.4f}  ({got / true - 1:+.2%})")

        start = time.perf_counter()
        value = customer_value(
            fitted,
            fitted_spend,
            cohort.x,
            cohort.t_x,
            cohort.T,
            cohort.m,
            horizon=12,
            discount_rate=0.01,
            period=WEEKS_PER_MONTH,
        )
        print(
            f"CLV 12 months     {time.perf_counter() - start:7.2f} s  "
            f"mean CLV {value.clv.mean():.2f}, mean churn risk {value.churn_risk.mean():.3f}"
        )


if __name__ == "__main__":
    main()
