"""The per-customer metrics as columns: numpy over every customer at once, no per-customer loop.

Each function is the array form of a rule of `graph.metrics.lifecycle` (which documents them); `None`
in a column is a property left unset. Day values are day numbers since 1970-01-01.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from graph.metrics.facts import EPOCH, Customers

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class Windows:
    """Per customer: revenue to date, spend in the last 180 days and the 180 before, orders,
    first and last order day (-1: none) and days since the first order."""

    revenue: FloatArray
    last_180: FloatArray
    prior_180: FloatArray
    orders: IntArray
    first: IntArray
    last: IntArray

    def days_since_first(self, as_of: dt.date) -> IntArray:
        return np.where(self.orders > 0, _day(as_of) - self.first, -1)


def _day(value: dt.date) -> int:
    return (value - EPOCH).days


def windows(customers: Customers, as_of: dt.date) -> Windows:
    n = customers.size
    owner, days, amounts = customers.owner, customers.days, customers.amounts
    age = _day(as_of) - days
    recent = age < 180
    prior = (age >= 180) & (age < 360)
    first = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    last = np.full(n, -1, dtype=np.int64)
    np.minimum.at(first, owner, days)
    np.maximum.at(last, owner, days)
    orders = np.bincount(owner, minlength=n).astype(np.int64)
    first[orders == 0] = -1
    return Windows(
        revenue=np.bincount(owner, weights=amounts, minlength=n).astype(np.float64),
        last_180=np.bincount(owner[recent], weights=amounts[recent], minlength=n).astype(
            np.float64
        ),
        prior_180=np.bincount(owner[prior], weights=amounts[prior], minlength=n).astype(np.float64),
        orders=orders,
        first=first,
        last=last,
    )


def nps_category(nps: FloatArray) -> NDArray[Any]:
    with np.errstate(invalid="ignore"):
        found = np.select([nps >= 9, nps >= 7], ["promoter", "passive"], "detractor").astype(object)
    found[np.isnan(nps)] = None
    return found


def engagement_dropped(recent: IntArray, previous: IntArray) -> NDArray[np.bool_]:
    return (previous >= 2) & (recent * 2 <= previous)


def stage(
    former: NDArray[np.bool_],
    w: Windows,
    days_since_first: IntArray,
    referred: IntArray,
    nps: FloatArray,
) -> NDArray[Any]:
    with np.errstate(invalid="ignore"):
        promoter = nps >= 9
    return np.select(
        [
            former,
            w.orders == 0,
            (referred > 0) | promoter,
            (w.orders == 1) | ((days_since_first >= 0) & (days_since_first < 90)),
            w.last_180 > w.prior_180,
        ],
        ["lapsed", "acquisition", "advocacy", "nurturing", "expansion"],
        "retention",
    ).astype(object)


def quadrant(clv: FloatArray, crv: FloatArray) -> NDArray[Any]:
    """Value quadrant against the medians of the customers scored."""
    if clv.size == 0:
        return np.empty(0, dtype=object)
    clv_median, crv_median = float(np.median(clv)), float(np.median(crv))
    high_clv = (clv > clv_median) & (clv > 0)
    high_crv = (crv > crv_median) & (crv > 0)
    return np.select(
        [high_clv & high_crv, high_clv, high_crv], ["champion", "affluent", "advocate"], "miser"
    ).astype(object)


def optional(values: NDArray[Any], present: NDArray[np.bool_]) -> list[Any]:
    """A column as a list, None where not `present`."""
    found = values.astype(object)
    found[~present] = None
    result: list[Any] = found.tolist()
    return result
