"""Recency-frequency-monetary summaries of a transaction log, the input of the value models.

Conventions are those of Fader, Hardie & Lee (2005), "Counting Your Customers the Easy Way",
Marketing Science 24(2), and of their iso-value paper (JMR 42(4)):

- purchases by one customer on one day are ONE transaction (their values are summed);
- a customer's clock starts at their first transaction (time 0);
- frequency ``x`` counts the REPEAT transactions in the calibration period (all but the first);
- recency ``t_x`` is the time of the last calibration transaction, ``T`` the time of the
  calibration end, both since the first transaction, in periods of ``period_days`` days;
- monetary value ``m`` is the mean value of the repeat transactions only (the first is left
  out, as in the iso-value paper); it is NaN when ``x == 0``;
- the calibration end date is inclusive; the holdout runs from the day after it to the
  holdout end date, inclusive, and counts every transaction of customers born before it.

Customers whose first transaction is after the calibration end are left out.
Everything is vectorised with numpy: sorting is the only super-linear step.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

DAY = np.timedelta64(1, "D")
DateLike = str | date | np.datetime64


@dataclass(frozen=True)
class RFM:
    """Per-customer summary; every array has one entry per customer, in the order of ``ids``."""

    ids: NDArray[Any]
    x: NDArray[np.int64]
    t_x: NDArray[np.float64]
    T: NDArray[np.float64]
    m: NDArray[np.float64]
    x_holdout: NDArray[np.int64] | None = None
    holdout_length: float | None = None

    @property
    def n_customers(self) -> int:
        return int(self.ids.shape[0])

    @property
    def repeaters(self) -> NDArray[np.bool_]:
        """Mask of the customers with at least one repeat transaction (those with an ``m``)."""
        return self.x > 0


def to_days(dates: ArrayLike) -> NDArray[np.datetime64]:
    """Dates as ``datetime64[D]``; integers are read as YYYYMMDD, anything else by numpy."""
    values = np.asarray(dates)
    if np.issubdtype(values.dtype, np.integer):
        years = (values // 10000 - 1970).astype("timedelta64[Y]")
        months = (values // 100 % 100 - 1).astype("timedelta64[M]")
        day = (values % 100 - 1).astype("timedelta64[D]")
        epoch = np.datetime64("1970", "Y")
        month = (epoch + years).astype("datetime64[M]") + months
        result: NDArray[np.datetime64] = month.astype("datetime64[D]") + day
        return result
    return values.astype("datetime64[D]")


def _day(value: DateLike) -> np.datetime64:
    """One date as ``datetime64[D]``."""
    day: np.datetime64 = to_days(np.asarray([value]))[0]
    return day


def read_cdnow(path: Path) -> tuple[NDArray[np.int64], NDArray[np.datetime64], NDArray[np.float64]]:
    """Read ``CDNOW_sample.txt`` (no header: master id, sample id, YYYYMMDD, CDs, dollars).

    Returns the sample customer ids, the dates and the dollar values, one entry per line.
    """
    table = np.loadtxt(path, dtype=np.float64, ndmin=2)
    ids = table[:, 1].astype(np.int64)
    dates = to_days(table[:, 2].astype(np.int64))
    return ids, dates, table[:, 4].copy()


def rfm_summary(
    customer_ids: ArrayLike,
    dates: ArrayLike,
    amounts: ArrayLike,
    calibration_end: DateLike,
    holdout_end: DateLike | None = None,
    period_days: float = 7.0,
) -> RFM:
    """Summarise a transaction log (one entry per purchase line) as frequency, recency, age, value.

    ``dates`` may be ``datetime64`` values, ISO strings or YYYYMMDD integers. Times are in
    periods of ``period_days`` days (7 gives weeks, the papers' unit).
    """
    cal_end = _day(calibration_end)
    ids_in = np.asarray(customer_ids)
    days_in = to_days(dates)
    values_in = np.asarray(amounts, dtype=np.float64)
    if not ids_in.shape == days_in.shape == values_in.shape or ids_in.ndim != 1:
        raise ValueError("customer_ids, dates and amounts must be 1-D arrays of one length")

    ids, code = np.unique(ids_in, return_inverse=True)
    day = (days_in - cal_end) // DAY  # integer day offsets, 0 = calibration end

    # One transaction per (customer, day): sort by customer then day, sum the values of runs.
    order = np.lexsort((day, code))
    code, day, values = code[order], day[order], values_in[order]
    starts = np.flatnonzero(np.r_[True, (code[1:] != code[:-1]) | (day[1:] != day[:-1])])
    code, day = code[starts], day[starts]
    values = np.add.reduceat(values, starts) if starts.size else values[:0]

    # Per customer (every code occurs, rows sorted by day): first day and value, then the
    # count, total value and last day of the calibration transactions.
    first_row = np.flatnonzero(np.r_[True, code[1:] != code[:-1]])
    first_day = day[first_row]
    first_value = values[first_row]
    keep = np.flatnonzero(first_day <= 0)
    n_ids = ids.shape[0]
    in_cal = day <= 0
    count = np.bincount(code[in_cal], minlength=n_ids)
    total = np.bincount(code[in_cal], weights=values[in_cal], minlength=n_ids)
    last_day = np.full(n_ids, np.iinfo(np.int64).min, dtype=np.int64)
    np.maximum.at(last_day, code[in_cal], day[in_cal])

    x = (count[keep] - 1).astype(np.int64)
    t_x = (last_day[keep] - first_day[keep]) / period_days
    age = -first_day[keep] / period_days
    with np.errstate(invalid="ignore", divide="ignore"):
        m = np.where(x > 0, (total[keep] - first_value[keep]) / x, np.nan)

    x_holdout: NDArray[np.int64] | None = None
    holdout_length: float | None = None
    if holdout_end is not None:
        end = (_day(holdout_end) - cal_end) // DAY
        in_holdout = (day > 0) & (day <= end)
        x_holdout = np.bincount(code[in_holdout], minlength=n_ids)[keep].astype(np.int64)
        holdout_length = float(end) / period_days

    return RFM(
        ids=ids[keep],
        x=x,
        t_x=t_x.astype(np.float64),
        T=age.astype(np.float64),
        m=m.astype(np.float64),
        x_holdout=x_holdout,
        holdout_length=holdout_length,
    )
