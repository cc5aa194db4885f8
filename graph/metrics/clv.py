"""Customer lifetime value from the BG/NBD (transactions) and Gamma-Gamma (spend) models.

Formula. With E[Y(t) | x, t_x, T] the BG/NBD expected number of repeat transactions in the next
t time units (``graph.metrics.bgnbd.expected_purchases``, eq. 10 of Fader, Hardie & Lee 2005),
the horizon cut into ``horizon`` periods of ``period`` time units each, and ``discount_rate``
d per period, the expected discounted number of transactions is

    DT = sum_{k=1..horizon} (E[Y(k period)] - E[Y((k-1) period)]) / (1 + d)^k,

i.e. the expected transactions of period k, discounted as if all were made at the end of that
period. The value is

    CLV = margin * E[M | m_x, x] * DT,

with E[M | m_x, x] the Gamma-Gamma expected spend per transaction (customers with x = 0 get the
population mean p gamma / (q - 1)). Multiplying the two expectations is valid because the
Gamma-Gamma model assumes spend independent of the purchase process (Fader, Hardie & Lee 2005,
"RFM and CLV", JMR 42(4)). The discrete sum is a choice: that paper uses the continuous-time
discounted expected transactions (DET) of the Pareto/NBD, which the BG/NBD paper does not give;
the period sum approaches a continuous discounted integral as the periods shrink, needs only
eq. 10, and matches how a business states a horizon ("12 months at 1 % a month"). With d = 0
it is E[Y(horizon period)]. Churn risk is 1 - P(alive | x, t_x, T) under the BG/NBD, so 0 for a customer with no
repeat purchase (the model lets customers drop out only after a purchase).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from graph.metrics.bgnbd import BGNBD, expected_purchases_alive, probability_alive
from graph.metrics.gammagamma import GammaGamma, expected_spend

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class CustomerValue:
    """Per-customer predictions, one entry per customer of the input arrays."""

    expected_transactions: FloatArray
    discounted_transactions: FloatArray
    expected_spend: FloatArray
    clv: FloatArray
    probability_alive: FloatArray
    churn_risk: FloatArray


def discounted_transactions(
    model: BGNBD,
    x: ArrayLike,
    t_x: ArrayLike,
    T: ArrayLike,
    horizon: int,
    discount_rate: float,
    period: float = 1.0,
) -> tuple[FloatArray, FloatArray]:
    """(undiscounted, discounted) expected repeat transactions over ``horizon`` periods.

    ``period`` is the length of one discounting period in the model's time unit (1 for weekly
    periods on a weekly model, 365.25 / 12 / 7 for months on a weekly model); ``discount_rate``
    is per period. Loops over periods, each step vectorised over customers, so memory stays
    O(customers). E[Y(t)] = E[Y(t) | alive] P(alive), and only the first factor varies with t: it
    is computed per distinct (x, T), of which there are far fewer than customers (x counts
    purchases, T whole days), and P(alive) once per customer.
    """
    if horizon < 0 or period <= 0 or discount_rate <= -1:
        raise ValueError("need horizon >= 0, period > 0 and discount_rate > -1")
    xs, ts, ages = np.broadcast_arrays(
        np.asarray(x, dtype=np.float64),
        np.asarray(t_x, dtype=np.float64),
        np.asarray(T, dtype=np.float64),
    )
    alive = probability_alive(model, xs, ts, ages)
    pairs, where = np.unique(np.stack([xs.ravel(), ages.ravel()], axis=1), axis=0,
                             return_inverse=True)  # fmt: skip
    previous = np.zeros(len(pairs))
    discounted = np.zeros_like(previous)
    for k in range(1, horizon + 1):
        current = expected_purchases_alive(model, k * period, pairs[:, 0], pairs[:, 1])
        discounted += (current - previous) / (1.0 + discount_rate) ** k
        previous = current
    shape = xs.shape
    where = where.reshape(-1)
    return (
        (previous[where] * alive.ravel()).reshape(shape),
        (discounted[where] * alive.ravel()).reshape(shape),
    )


def churn_risk(model: BGNBD, x: ArrayLike, t_x: ArrayLike, T: ArrayLike) -> FloatArray:
    """1 - P(alive | x, t_x, T)."""
    return 1.0 - probability_alive(model, x, t_x, T)


def customer_value(
    transactions: BGNBD,
    spend: GammaGamma,
    x: ArrayLike,
    t_x: ArrayLike,
    T: ArrayLike,
    m_x: ArrayLike,
    horizon: int,
    discount_rate: float,
    period: float = 1.0,
    margin: float = 1.0,
) -> CustomerValue:
    """CLV = margin * E[M | m_x, x] * DT over ``horizon`` periods (see the module docstring)."""
    total, discounted = discounted_transactions(
        transactions, x, t_x, T, horizon, discount_rate, period
    )
    spend_per_transaction = expected_spend(spend, m_x, x)
    alive = probability_alive(transactions, x, t_x, T)
    return CustomerValue(
        expected_transactions=total,
        discounted_transactions=discounted,
        expected_spend=spend_per_transaction,
        clv=margin * spend_per_transaction * discounted,
        probability_alive=alive,
        churn_risk=1.0 - alive,
    )
