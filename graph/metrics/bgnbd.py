"""The BG/NBD model of repeat buying (Fader, Hardie & Lee 2005, "Counting Your Customers the
Easy Way: An Alternative to the Pareto/NBD Model", Marketing Science 24(2), 275-284).

While alive a customer buys as a Poisson process of rate lambda ~ Gamma(r, alpha); after each
repeat transaction they drop out with probability p ~ Beta(a, b). Equation numbers below are
the paper's. Inputs are the RFM summary of ``graph.metrics.rfm``: ``x`` repeat transactions,
the last at ``t_x``, observed to ``T`` (all times since the first transaction).

Log-likelihood of one customer (eq. 6, written with gammaln so large x does not overflow):

    L = B(a, b+x)/B(a, b) * Gamma(r+x) alpha^r / (Gamma(r) (alpha+T)^(r+x))
        + [x > 0] B(a+1, b+x-1)/B(a, b) * Gamma(r+x) alpha^r / (Gamma(r) (alpha+t_x)^(r+x))

and B(a+1, b+x-1)/B(a, b+x) = a/(b+x-1), so both terms share one factor. The fit maximises
the sum over customers in the logs of the four parameters with L-BFGS-B and the analytic
gradient (digamma), so it needs no finite differences and scales to millions of customers.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import minimize
from scipy.special import digamma, expit, gammaln, hyp2f1

FloatArray = NDArray[np.float64]

NEAR_ONE = 1e-4  # a this close to 1: eq. 10 interpolated (`_expected_alive`)


@dataclass(frozen=True)
class BGNBD:
    """Fitted BG/NBD parameters and the fit's diagnostics."""

    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float
    n_customers: int
    converged: bool


def _arrays(x: ArrayLike, t_x: ArrayLike, T: ArrayLike) -> tuple[FloatArray, ...]:
    xs, ts, ages = np.broadcast_arrays(
        np.asarray(x, dtype=np.float64),
        np.asarray(t_x, dtype=np.float64),
        np.asarray(T, dtype=np.float64),
    )
    return xs, ts, ages


@dataclass(frozen=True)
class _Data:
    """Customers' (x, t_x, T) with the distinct x (``levels``), each customer's level
    (``index``) and the customers per level (``counts``): terms that depend on x alone are
    computed once per level."""

    x: FloatArray
    t_x: FloatArray
    T: FloatArray
    levels: FloatArray
    index: NDArray[np.intp]
    counts: NDArray[np.intp]

    @classmethod
    def of(cls, x: ArrayLike, t_x: ArrayLike, T: ArrayLike) -> _Data:
        xs, ts, ages = (v.ravel() for v in _arrays(x, t_x, T))
        levels, index, counts = np.unique(xs, return_inverse=True, return_counts=True)
        return cls(xs, ts, ages, levels, index, counts)


def _log_terms(
    r: float, alpha: float, a: float, b: float, data: _Data
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """The pieces of eq. 6: the shared log factor per level of x, the log of the sum of the two
    terms per customer, and the weight of the second (dropped out after the last purchase) term,
    0 when x = 0."""
    x, levels = data.x, data.levels
    shared = (
        gammaln(r + levels)
        - gammaln(r)
        + r * np.log(alpha)
        + gammaln(a + b)
        + gammaln(b + levels)
        - gammaln(b)
        - gammaln(a + b + levels)
    )
    alive_term = -(r + x) * np.log(alpha + data.T)
    repeat = x > 0
    dead_term = np.where(
        repeat,
        np.log(a) - np.log(np.where(repeat, b + x - 1, 1.0)) - (r + x) * np.log(alpha + data.t_x),
        -np.inf,
    )
    total = np.logaddexp(alive_term, dead_term)
    weight = np.exp(dead_term - total)
    return shared, total, weight


def log_likelihood(
    r: float, alpha: float, a: float, b: float, x: ArrayLike, t_x: ArrayLike, T: ArrayLike
) -> FloatArray:
    """Per-customer log-likelihood (eq. 6), flattened to one dimension."""
    data = _Data.of(x, t_x, T)
    shared, total, _ = _log_terms(r, alpha, a, b, data)
    result: FloatArray = shared[data.index] + total
    return result


def _objective(log_params: FloatArray, data: _Data) -> tuple[float, FloatArray]:
    """Mean negative log-likelihood and its gradient in the log-parameters."""
    r, alpha, a, b = np.exp(log_params)
    x, t_x, T, levels, counts = data.x, data.t_x, data.T, data.levels, data.counts
    shared, total, w = _log_terms(r, alpha, a, b, data)
    n = x.shape[0]
    d_r = digamma(r + levels) - digamma(r)
    d_ab = digamma(a + b) - digamma(a + b + levels)
    d_b = digamma(b + levels) - digamma(b)
    repeat = x > 0
    inv_b = np.where(repeat, 1.0 / np.where(repeat, b + x - 1, 1.0), 0.0)
    grad_r = (
        counts @ d_r
        + n * np.log(alpha)
        - np.sum((1 - w) * np.log(alpha + T) + w * np.log(alpha + t_x))
    )
    grad_alpha = n * r / alpha - np.sum((r + x) * ((1 - w) / (alpha + T) + w / (alpha + t_x)))
    grad_a = counts @ d_ab + np.sum(w) / a
    grad_b = counts @ (d_ab + d_b) - np.sum(w * inv_b)
    value = float(counts @ shared + np.sum(total))
    grad = np.array([grad_r * r, grad_alpha * alpha, grad_a * a, grad_b * b])
    return -value / n, -grad / n


def fit(
    x: ArrayLike,
    t_x: ArrayLike,
    T: ArrayLike,
    start: tuple[float, float, float, float] = (1.0, 1.0, 1.0, 1.0),
) -> BGNBD:
    """Maximum-likelihood fit of (r, alpha, a, b) by L-BFGS-B over the log-parameters.

    The objective is the mean log-likelihood (so tolerances do not depend on the number of
    customers) with its analytic gradient; ``converged`` is scipy's success flag.
    """
    data = _Data.of(x, t_x, T)
    if data.x.size == 0:
        raise ValueError("no customers to fit")
    result = minimize(
        _objective,
        np.log(start),
        args=(data,),
        jac=True,
        method="L-BFGS-B",
        bounds=[(-20.0, 20.0)] * 4,
        options={"maxiter": 1000, "ftol": 1e-14, "gtol": 1e-9},
    )
    r, alpha, a, b = (float(v) for v in np.exp(result.x))
    return BGNBD(
        r=r,
        alpha=alpha,
        a=a,
        b=b,
        log_likelihood=float(-result.fun * data.x.size),
        n_customers=int(data.x.size),
        converged=bool(result.success),
    )


def _log_odds_dead(model: BGNBD, x: FloatArray, t_x: FloatArray, T: FloatArray) -> FloatArray:
    """log of [x > 0] a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x); -inf when x = 0."""
    repeat = x > 0
    b_x = np.where(repeat, model.b + x - 1, 1.0)
    log_ratio = np.log(model.alpha + T) - np.log(model.alpha + t_x)
    value = np.log(model.a) - np.log(b_x) + (model.r + x) * log_ratio
    return np.where(repeat, value, -np.inf)


def probability_alive(model: BGNBD, x: ArrayLike, t_x: ArrayLike, T: ArrayLike) -> FloatArray:
    """P(alive at T | x, t_x, T) = 1 / (1 + [x > 0] a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x)).

    Fader, Hardie & Lee, "Computing P(alive) Using the BG/NBD Model" (brucehardie.com note); the
    reciprocal of eq. 10's denominator. A customer with x = 0 is alive with probability 1: in
    the BG/NBD, dropping out can happen only just after a repeat purchase.
    """
    xs, ts, ages = _arrays(x, t_x, T)
    result: FloatArray = expit(-_log_odds_dead(model, xs, ts, ages))
    return result


def _expected_alive(model: BGNBD, t: FloatArray, x: FloatArray, T: FloatArray) -> FloatArray:
    """(a+b+x-1)/(a-1) [1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; z)],
    z = t/(alpha+T+t): eq. 10's numerator, the expectation for a customer known to be alive.

    Computed after Euler's transformation 2F1(A, B; C; z) = (1-z)^(C-A-B) 2F1(C-A, C-B; C; z):
    the bracket becomes 1 - u^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z) with u = 1 - z, whose series
    converges fast for any x (the untransformed one has parameters growing with x).

    At a = 1 the formula is 0/0, its limit finite and smooth in a: within `NEAR_ONE` of 1 the
    value is interpolated between a = 1 - NEAR_ONE and 1 + NEAR_ONE (an error of order
    NEAR_ONE squared, where the formula itself would lose digits to the cancellation).
    """
    if abs(model.a - 1) >= NEAR_ONE:
        return _eq10(model, t, x, T)
    below = _eq10(replace(model, a=1 - NEAR_ONE), t, x, T)
    above = _eq10(replace(model, a=1 + NEAR_ONE), t, x, T)
    share = (model.a - 1 + NEAR_ONE) / (2 * NEAR_ONE)
    mixed: FloatArray = below + share * (above - below)
    return mixed


def _eq10(model: BGNBD, t: FloatArray, x: FloatArray, T: FloatArray) -> FloatArray:
    r, alpha, a, b = model.r, model.alpha, model.a, model.b
    u = (alpha + T) / (alpha + T + t)
    series = hyp2f1(a + b - 1 - r, a - 1, a + b + x - 1, 1 - u)
    result: FloatArray = (a + b + x - 1) / (a - 1) * (1 - u ** (a - 1) * series)
    return result


def expected_purchases_alive(model: BGNBD, t: ArrayLike, x: ArrayLike, T: ArrayLike) -> FloatArray:
    """E[Y(t) | x, T, alive]: the expected repeat purchases in the next ``t`` periods of a customer
    known to be alive (eq. 10 without P(alive)); it depends on x and T, not on t_x."""
    xs, ages = np.broadcast_arrays(np.asarray(x, dtype=np.float64), np.asarray(T, dtype=np.float64))
    return _expected_alive(model, np.asarray(t, dtype=np.float64), xs, ages)


def expected_purchases(
    model: BGNBD, t: ArrayLike, x: ArrayLike, t_x: ArrayLike, T: ArrayLike
) -> FloatArray:
    """E[Y(t) | x, t_x, T]: expected repeat purchases in the next ``t`` periods (eq. 10).

        E = (a+b+x-1)/(a-1) [1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; z)]
            / (1 + [x > 0] a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x)),   z = t/(alpha+T+t),

    that is the alive customer's expectation times P(alive).
    """
    xs, ts, ages = _arrays(x, t_x, T)
    horizon = np.asarray(t, dtype=np.float64)
    return _expected_alive(model, horizon, xs, ages) * probability_alive(model, xs, ts, ages)


def expected_purchases_new(model: BGNBD, t: ArrayLike) -> FloatArray:
    """E[X(t)]: expected repeat purchases in (0, t] of a customer just acquired (eq. 9),

        E[X(t)] = (a+b-1)/(a-1) [1 - (alpha/(alpha+t))^r 2F1(r, b; a+b-1; t/(alpha+t))],

    which is eq. 10 at x = t_x = T = 0.
    """
    horizon = np.asarray(t, dtype=np.float64)
    zero = np.zeros_like(horizon)
    return _expected_alive(model, horizon, zero, zero)
