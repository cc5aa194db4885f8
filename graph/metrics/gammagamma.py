"""The Gamma-Gamma model of spend per transaction (Fader, Hardie & Lee 2005, "RFM and CLV:
Using Iso-Value Curves for Customer Base Analysis", JMR 42(4), 415-430; Fader & Hardie 2013,
"The Gamma-Gamma Model of Monetary Value", http://www.brucehardie.com/notes/025/).

A customer's transaction values are i.i.d. Gamma(p, nu) (shape p, rate nu), with
nu ~ Gamma(q, gamma) across customers, independent of the purchase process. The data are, for
each customer with x >= 1 repeat transactions, their mean repeat value m_x and x. The density of
m_x (from the note; written with gammaln):

    f(m_x | p, q, gamma, x) = Gamma(px+q) / (Gamma(px) Gamma(q))
                              * gamma^q m_x^(px-1) x^(px) / (gamma + m_x x)^(px+q)

and the expected mean spend of a customer given their history (the note; the iso-value paper):

    E[M | p, q, gamma, m_x, x] = p (gamma + m_x x) / (px + q - 1)
        = (q-1)/(px+q-1) * p gamma/(q-1) + px/(px+q-1) * m_x,

a weighted average of the population mean p gamma/(q-1) and the customer's own mean.
The fit maximises the sum of log f over the log-parameters by L-BFGS-B with the analytic
gradient.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.optimize import minimize
from scipy.special import digamma, gammaln

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class GammaGamma:
    """Fitted Gamma-Gamma parameters and the fit's diagnostics."""

    p: float
    q: float
    gamma: float
    log_likelihood: float
    n_customers: int
    converged: bool

    @property
    def mean_spend(self) -> float:
        """Population mean transaction value E[Z] = p gamma / (q - 1) (infinite when q <= 1)."""
        return self.p * self.gamma / (self.q - 1) if self.q > 1 else float("inf")


def _arrays(m_x: ArrayLike, x: ArrayLike) -> tuple[FloatArray, FloatArray]:
    values, counts = np.broadcast_arrays(
        np.asarray(m_x, dtype=np.float64), np.asarray(x, dtype=np.float64)
    )
    return values, counts


def log_likelihood(p: float, q: float, gamma: float, m_x: ArrayLike, x: ArrayLike) -> FloatArray:
    """Per-customer log-density of the mean repeat value m_x (x >= 1, m_x > 0)."""
    values, counts = _arrays(m_x, x)
    px = p * counts
    result: FloatArray = (
        gammaln(px + q)
        - gammaln(px)
        - gammaln(q)
        + q * np.log(gamma)
        + (px - 1) * np.log(values)
        + px * np.log(counts)
        - (px + q) * np.log(gamma + values * counts)
    )
    return result


def _objective(
    log_params: FloatArray, log_m: FloatArray, x: FloatArray, m_x: FloatArray
) -> tuple[float, FloatArray]:
    """Mean negative log-likelihood and its gradient in the log-parameters.

    Terms that depend on x alone (gammaln, digamma) are computed once per distinct x.
    """
    p, q, gamma = np.exp(log_params)
    levels, counts = np.unique(x, return_counts=True)
    px_levels = p * levels
    log_total = np.log(gamma + m_x * x)
    px = p * x
    value = (
        counts @ (gammaln(px_levels + q) - gammaln(px_levels))
        - x.size * (gammaln(q) - q * np.log(gamma))
        + np.sum((px - 1) * log_m + px * np.log(x) - (px + q) * log_total)
    )
    psi_sum = digamma(px_levels + q)
    grad_p = counts @ (levels * (psi_sum - digamma(px_levels))) + np.sum(
        x * (log_m + np.log(x) - log_total)
    )
    grad_q = counts @ psi_sum - x.size * (digamma(q) - np.log(gamma)) - np.sum(log_total)
    grad_gamma = x.size * q / gamma - np.sum((px + q) / (gamma + m_x * x))
    n = x.size
    grad = np.array([grad_p * p, grad_q * q, grad_gamma * gamma])
    return -float(value) / n, -grad / n


def fit(
    m_x: ArrayLike, x: ArrayLike, start: tuple[float, float, float] = (1.0, 1.0, 1.0)
) -> GammaGamma:
    """Maximum-likelihood fit of (p, q, gamma) over customers with x >= 1 and m_x > 0.

    Pass only such customers (e.g. ``rfm.m[rfm.repeaters]``, ``rfm.x[rfm.repeaters]``).
    """
    values, counts = _arrays(m_x, x)
    if values.size == 0:
        raise ValueError("no customers to fit")
    if np.any(counts < 1) or not np.all(values > 0):
        raise ValueError("every customer needs x >= 1 and a mean repeat value m_x > 0")
    result = minimize(
        _objective,
        np.log(start),
        args=(np.log(values), counts, values),
        jac=True,
        method="L-BFGS-B",
        bounds=[(-20.0, 20.0)] * 3,
        options={"maxiter": 1000, "ftol": 1e-14, "gtol": 1e-9},
    )
    p, q, gamma = (float(v) for v in np.exp(result.x))
    return GammaGamma(
        p=p,
        q=q,
        gamma=gamma,
        log_likelihood=float(-result.fun * values.size),
        n_customers=int(values.size),
        converged=bool(result.success),
    )


def expected_spend(model: GammaGamma, m_x: ArrayLike, x: ArrayLike) -> FloatArray:
    """E[M | m_x, x] = p (gamma + m_x x) / (px + q - 1); the population mean when x = 0.

    Customers with x = 0 (no m_x, NaN allowed) get p gamma / (q - 1). NaN where px + q <= 1:
    the spend rate's posterior is Gamma(px + q, gamma + m_x x), and the mean of its reciprocal
    is infinite there (the formula would turn negative).
    """
    values, counts = _arrays(m_x, x)
    values = np.where(counts > 0, values, 0.0)
    shape = model.p * counts + model.q
    finite = shape > 1
    result: FloatArray = np.full(values.shape, np.nan)
    np.divide(model.p * (model.gamma + values * counts), shape - 1, out=result, where=finite)
    return result
