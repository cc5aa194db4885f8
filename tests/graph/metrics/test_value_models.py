"""The value models (graph.metrics) against hand-worked cases and the published CDNOW figures.

Published references: BG/NBD on the CDNOW sample, Fader, Hardie & Lee (2005), Marketing Science
24(2): r = 0.243, alpha = 4.414, a = 0.793, b = 2.426, LL = -9582.4. Gamma-Gamma, Fader & Hardie
(2013), "The Gamma-Gamma Model of Monetary Value": p = 6.25, q = 3.74, gamma = 15.44 on the 946
customers with repeat purchases.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import integrate, stats
from scipy.optimize import approx_fprime
from scipy.special import hyp2f1

from graph.config import PROJECT_ROOT
from graph.metrics import bgnbd, gammagamma
from graph.metrics.clv import churn_risk, customer_value, discounted_transactions
from graph.metrics.rfm import RFM, read_cdnow, rfm_summary, to_days

CDNOW = PROJECT_ROOT.parent / "shared" / "data" / "cdnow" / "CDNOW_sample.txt"

# Parameters chosen so the hypergeometric functions vanish: with r = a + b - 1 the Euler form
# 2F1(a+b-1-r, a-1; .; z) is 1, so E[X(t)] = (a+b-1)/(a-1) (1 - (alpha/(alpha+t))^(a-1)),
# here 2.5 (1 - 1/(1+t)) = 2.5 t / (1 + t).
EASY = bgnbd.BGNBD(
    r=2.5, alpha=1.0, a=2.0, b=1.5, log_likelihood=0.0, n_customers=0, converged=True
)
SPEND = gammagamma.GammaGamma(
    p=2.0, q=3.0, gamma=4.0, log_likelihood=0.0, n_customers=0, converged=True
)


@pytest.fixture(scope="module")
def cdnow() -> RFM:
    ids, dates, amounts = read_cdnow(CDNOW)
    return rfm_summary(ids, dates, amounts, "1997-09-30", holdout_end="1998-06-30")


@pytest.fixture(scope="module")
def cdnow_bgnbd(cdnow: RFM) -> bgnbd.BGNBD:
    return bgnbd.fit(cdnow.x, cdnow.t_x, cdnow.T)


# --- RFM ----------------------------------------------------------------------------------


def test_rfm_merges_same_day_purchases_and_keeps_repeat_values_only() -> None:
    # Calibration ends Wed 1997-02-12, holdout to 1997-03-12. Lines are deliberately unsorted.
    # "ann": day 0 ($10 + $5 -> one $15), day 14 ($20), day 28 ($30 + $10 -> one $40), then two
    #   lines on day 56 (1997-02-26) -> one holdout transaction.
    #   x = 2 repeats, t_x = 28/7 = 4 weeks, T = 42/7 = 6 weeks, m = (20 + 40) / 2 = 30.
    # "bob": one purchase on day 7 (1997-01-08): x = 0, t_x = 0, T = 35/7 = 5, m undefined.
    # "cyd": first purchase after the calibration end: not a calibration customer.
    lines = [
        ("ann", "1997-01-29", 30.0),
        ("bob", "1997-01-08", 12.0),
        ("ann", "1997-01-01", 10.0),
        ("cyd", "1997-02-20", 99.0),
        ("ann", "1997-02-26", 1.0),
        ("ann", "1997-01-15", 20.0),
        ("ann", "1997-01-01", 5.0),
        ("ann", "1997-01-29", 10.0),
        ("ann", "1997-02-26", 2.0),
    ]
    ids, dates, amounts = zip(*lines, strict=True)
    summary = rfm_summary(ids, dates, amounts, "1997-02-12", holdout_end="1997-03-12")

    assert summary.ids.tolist() == ["ann", "bob"]
    assert summary.x.tolist() == [2, 0]
    assert summary.t_x.tolist() == [4.0, 0.0]
    assert summary.T.tolist() == [6.0, 5.0]
    assert summary.m[0] == 30.0
    assert math.isnan(summary.m[1])
    assert summary.x_holdout is not None
    assert summary.x_holdout.tolist() == [1, 0]
    assert summary.holdout_length == 4.0  # 28 days
    assert summary.repeaters.tolist() == [True, False]

    in_days = rfm_summary(ids, dates, amounts, "1997-02-12", period_days=1.0)
    assert in_days.t_x.tolist() == [28.0, 0.0]
    assert in_days.T.tolist() == [42.0, 35.0]
    assert in_days.x_holdout is None


def test_rfm_includes_purchases_on_the_calibration_end_day() -> None:
    summary = rfm_summary(
        [1, 1, 1], ["1997-01-01", "1997-01-08", "1997-01-15"], [1.0, 2.0, 4.0], "1997-01-08"
    )
    assert summary.x.tolist() == [1]
    assert summary.t_x.tolist() == [1.0]
    assert summary.m.tolist() == [2.0]


def test_yyyymmdd_integers_become_dates() -> None:
    days = to_days([19970101, 19980630, 20000229])
    expected = np.array(["1997-01-01", "1998-06-30", "2000-02-29"], dtype="datetime64[D]")
    assert (days == expected).all()


def test_cdnow_summary(cdnow: RFM) -> None:
    # Counts cross-checked outside numpy (awk + sort -u on the raw file): 4,814 distinct
    # (customer, day) pairs to 1997-09-30, so 4,814 - 2,357 = 2,457 repeat transactions;
    # 1,882 distinct pairs in 1997-10-01..1998-06-30.
    assert cdnow.n_customers == 2357
    assert int(cdnow.x.sum()) == 2457
    assert int(cdnow.repeaters.sum()) == 946
    assert cdnow.x_holdout is not None
    assert int(cdnow.x_holdout.sum()) == 1882
    assert cdnow.holdout_length == 39.0  # 273 days
    # Customer 0001: 1997-01-01 $29.33, 01-18 $29.73, 08-02 $14.96, then 12-12 $26.48 (holdout).
    assert cdnow.ids[0] == 1
    assert cdnow.x[0] == 2
    assert cdnow.t_x[0] == pytest.approx(213 / 7)
    assert cdnow.T[0] == pytest.approx(272 / 7)
    assert cdnow.m[0] == pytest.approx((29.73 + 14.96) / 2)
    assert cdnow.x_holdout[0] == 1
    # The cohort was acquired in Q1 1997; the sample's first purchases run from 1997-01-01
    # (272 days before the calibration end) to 1997-03-25 (189 days, checked with awk).
    assert cdnow.T.min() == pytest.approx(189 / 7)
    assert cdnow.T.max() == pytest.approx(272 / 7)


# --- BG/NBD -------------------------------------------------------------------------------


def test_bgnbd_reproduces_the_published_cdnow_fit(cdnow_bgnbd: bgnbd.BGNBD) -> None:
    fit = cdnow_bgnbd
    assert fit.converged
    assert fit.n_customers == 2357
    published = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    for name, value in published.items():
        assert getattr(fit, name) == pytest.approx(value, rel=0.01), name
        # ... and agrees to the three decimals printed in the paper.
        assert round(getattr(fit, name), 3) == value, name
    assert fit.log_likelihood == pytest.approx(-9582.4, rel=0.01)
    assert fit.log_likelihood == pytest.approx(-9582.4, abs=0.05)


def test_bgnbd_log_likelihood_by_hand() -> None:
    r, alpha, a, b = 0.5, 2.0, 1.5, 3.0
    # x = 0: B(a,b)/B(a,b) Gamma(r) alpha^r / (Gamma(r) (alpha+T)^r) = (alpha/(alpha+T))^r.
    # x = 1: B(a,b+1)/B(a,b) = b/(a+b) and B(a+1,b)/B(a,b) = a/(a+b), Gamma(r+1)/Gamma(r) = r:
    #   L = r alpha^r / (a+b) * (b/(alpha+T)^(r+1) + a/(alpha+t_x)^(r+1)).
    got = bgnbd.log_likelihood(r, alpha, a, b, x=[0, 1], t_x=[0.0, 4.0], T=[10.0, 10.0])
    no_repeat = r * math.log(alpha / (alpha + 10.0))
    one_repeat = math.log(r * alpha**r / (a + b) * (b / 12.0 ** (r + 1) + a / 6.0 ** (r + 1)))
    assert got.tolist() == pytest.approx([no_repeat, one_repeat], rel=1e-12)


def test_bgnbd_gradient_matches_finite_differences(cdnow: RFM) -> None:
    point = np.log([0.3, 4.0, 0.8, 2.0])
    data = bgnbd._Data.of(cdnow.x, cdnow.t_x, cdnow.T)
    _, gradient = bgnbd._objective(point, data)
    numeric = approx_fprime(point, lambda p: bgnbd._objective(p, data)[0], 1e-7)
    assert gradient == pytest.approx(numeric, rel=1e-4, abs=1e-7)


def test_probability_alive_is_one_without_repeat_purchases(cdnow_bgnbd: bgnbd.BGNBD) -> None:
    # In the BG/NBD a customer can drop out only just after a repeat purchase, so with x = 0
    # they are alive for sure, however long ago the first purchase was.
    alive = bgnbd.probability_alive(cdnow_bgnbd, x=[0, 0, 0], t_x=[0.0, 0.0, 0.0], T=[0, 39, 1e6])
    assert alive.tolist() == [1.0, 1.0, 1.0]
    assert churn_risk(cdnow_bgnbd, 0, 0.0, 39.0) == 0.0


def test_probability_alive_by_hand() -> None:
    # P = 1 / (1 + a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x)); r=0.5, alpha=2, a=1.5, b=3, x=1,
    # t_x=4, T=10: 1 / (1 + 0.5 * 2^1.5) = 1 / (1 + sqrt 2) = sqrt 2 - 1.
    model = bgnbd.BGNBD(
        r=0.5, alpha=2.0, a=1.5, b=3.0, log_likelihood=0.0, n_customers=0, converged=True
    )
    assert bgnbd.probability_alive(model, 1, 4.0, 10.0) == pytest.approx(math.sqrt(2) - 1)
    # A purchase at T itself leaves the odds a/(b+x-1): 1 / (1 + 1.5/3).
    assert bgnbd.probability_alive(model, 1, 10.0, 10.0) == pytest.approx(2 / 3)


def test_expected_purchases_by_hand() -> None:
    # E[X(t)] = 2.5 t / (1 + t) for EASY (see its comment): 1.25 at t = 1, 2.5 * 3/4 at t = 3.
    assert bgnbd.expected_purchases_new(EASY, [0.0, 1.0, 3.0]).tolist() == pytest.approx(
        [0.0, 1.25, 1.875]
    )
    # Conditional, x = 2, t_x = T = 1 (just bought, so P(alive) = 1 / (1 + a/(b+1)) = 5/9):
    # (a+b+x-1)/(a-1) (1 - (alpha+T)/(alpha+T+t)) = 4.5 t/(2+t); at t = 2: 2.25 * 5/9 = 1.25.
    assert bgnbd.expected_purchases(EASY, 2.0, 2, 1.0, 1.0) == pytest.approx(1.25)


def test_expected_purchases_match_the_papers_formulas(cdnow: RFM, cdnow_bgnbd: bgnbd.BGNBD) -> None:
    # The module evaluates eq. 9 and 10 after Euler's transformation; compare with them as printed.
    r, alpha, a, b = cdnow_bgnbd.r, cdnow_bgnbd.alpha, cdnow_bgnbd.a, cdnow_bgnbd.b
    x, t_x, age, t = cdnow.x, cdnow.t_x, cdnow.T, 39.0
    z = t / (alpha + age + t)
    bracket = 1 - ((alpha + age) / (alpha + age + t)) ** (r + x) * hyp2f1(
        r + x, b + x, a + b + x - 1, z
    )
    alive_odds = np.where(x > 0, a / (b + x - 1), 0.0) * ((alpha + age) / (alpha + t_x)) ** (r + x)
    eq10 = (a + b + x - 1) / (a - 1) * bracket / (1 + alive_odds)
    got = bgnbd.expected_purchases(cdnow_bgnbd, t, x, t_x, age)
    assert got == pytest.approx(eq10, rel=1e-9)

    times = np.array([1.0, 39.0, 78.0, 520.0])
    eq9 = (
        (a + b - 1)
        / (a - 1)
        * (1 - (alpha / (alpha + times)) ** r * hyp2f1(r, b, a + b - 1, times / (alpha + times)))
    )
    assert bgnbd.expected_purchases_new(cdnow_bgnbd, times) == pytest.approx(eq9, rel=1e-9)


def test_expected_purchases_stay_finite_for_heavy_buyers(cdnow_bgnbd: bgnbd.BGNBD) -> None:
    x = np.array([100, 1000, 10000])
    got = bgnbd.expected_purchases(cdnow_bgnbd, 39.0, x, 38.0, 38.86)
    assert np.isfinite(got).all()
    assert (got >= 0).all()
    # Extra sanity: a heavy buyer seen at T buys more than one whose last purchase was long ago.
    recent = bgnbd.expected_purchases(cdnow_bgnbd, 39.0, 20, 38.8, 38.86)
    lapsed = bgnbd.expected_purchases(cdnow_bgnbd, 39.0, 20, 20.0, 38.86)
    assert recent > lapsed


def test_expected_purchases_at_a_equal_to_one_are_the_formulas_limit() -> None:
    """Eq. 10 divides by a - 1 and its bracket vanishes at a = 1. There the value is the limit,
    -(b+x) [ln u + sum_{n>=1} (b-r)_n / ((b+x)_n n) z^n] with u = (alpha+T)/(alpha+T+t) and
    z = 1 - u (the terms of first order in a - 1 of u^(a-1) and of 2F1(b-r, a-1; b+x; z)),
    summed here term by term."""
    r, alpha, b = 0.24, 4.4, 2.4
    x, age, t = np.array([0.0, 3.0, 40.0]), np.array([30.0, 40.0, 60.0]), 52.0
    u = (alpha + age) / (alpha + age + t)
    z = 1 - u
    series, term = np.zeros_like(x), np.ones_like(x)
    for n in range(1, 2000):
        term = term * (b - r + n - 1) / (b + x + n - 1) * z
        series += term / n
    limit = -(b + x) * (np.log(u) + series)
    for a in (1.0, 1 + 1e-9, 1 - 1e-9, 1 + 1e-5):
        model = bgnbd.BGNBD(
            r=r, alpha=alpha, a=a, b=b, log_likelihood=0.0, n_customers=0, converged=True
        )
        with np.errstate(all="raise"):
            got = bgnbd.expected_purchases_alive(model, t, x, age)
        assert got == pytest.approx(limit, rel=1e-4 if a == 1 + 1e-5 else 1e-7), a


# --- Gamma-Gamma --------------------------------------------------------------------------


def test_gammagamma_reproduces_the_published_cdnow_fit(cdnow: RFM) -> None:
    keep = cdnow.repeaters
    fit = gammagamma.fit(cdnow.m[keep], cdnow.x[keep])
    assert fit.converged
    assert fit.n_customers == 946
    for name, value in {"p": 6.25, "q": 3.74, "gamma": 15.44}.items():
        assert getattr(fit, name) == pytest.approx(value, rel=0.01), name
        assert round(getattr(fit, name), 2) == value, name


def test_gammagamma_density_integrates_the_gamma_mixture() -> None:
    # m_x | nu is the mean of x Gamma(p, rate nu) values: Gamma(px, rate x nu); nu ~ Gamma(q, rate
    # gamma). Integrate the mixture numerically and compare with the closed form.
    p, q, gamma, x, m = 2.0, 3.0, 4.0, 3, 5.0
    mixture, _ = integrate.quad(
        lambda nu: (
            stats.gamma.pdf(m, p * x, scale=1 / (x * nu)) * stats.gamma.pdf(nu, q, scale=1 / gamma)
        ),
        0,
        np.inf,
    )
    got = gammagamma.log_likelihood(p, q, gamma, m, x)
    assert float(got) == pytest.approx(math.log(mixture), rel=1e-8)


def test_gammagamma_gradient_matches_finite_differences(cdnow: RFM) -> None:
    keep = cdnow.repeaters
    m, x = cdnow.m[keep], cdnow.x[keep].astype(np.float64)
    point = np.log([5.0, 3.0, 12.0])
    _, gradient = gammagamma._objective(point, np.log(m), x, m)
    numeric = approx_fprime(point, lambda p: gammagamma._objective(p, np.log(m), x, m)[0], 1e-7)
    assert gradient == pytest.approx(numeric, rel=1e-4, abs=1e-7)


def test_expected_spend_by_hand() -> None:
    # p (gamma + m x) / (px + q - 1) = 2 (4 + 10 * 2) / (4 + 2) = 8
    # = 2/6 * population mean (p gamma / (q-1) = 4) + 4/6 * 10.
    got = gammagamma.expected_spend(SPEND, [10.0, np.nan], [2, 0])
    assert got.tolist() == pytest.approx([8.0, 4.0])
    assert SPEND.mean_spend == 4.0


def test_expected_spend_is_null_where_its_expectation_is_infinite() -> None:
    """The posterior of a customer's spend rate is Gamma(px + q, gamma + m x); the mean of its
    reciprocal, the expected spend, is finite only when px + q > 1. With q = 0.8 and p = 0.1 that
    fails for x = 0 (the population mean, infinite) and x = 1, and holds for x = 3:
    0.1 (4 + 10 * 3) / (0.3 + 0.8 - 1) = 34."""
    heavy = gammagamma.GammaGamma(
        p=0.1, q=0.8, gamma=4.0, log_likelihood=0.0, n_customers=0, converged=True
    )
    with np.errstate(all="raise"):
        got = gammagamma.expected_spend(heavy, [np.nan, 10.0, 10.0], [0, 1, 3])
    assert np.isnan(got[:2]).all()
    assert got[2] == pytest.approx(34.0)
    assert heavy.mean_spend == float("inf")


def test_gammagamma_rejects_customers_without_repeat_value() -> None:
    with pytest.raises(ValueError, match="x >= 1"):
        gammagamma.fit([10.0, 0.0], [1, 2])
    with pytest.raises(ValueError, match="x >= 1"):
        gammagamma.fit([10.0, 5.0], [1, 0])


# --- CLV ----------------------------------------------------------------------------------


def test_clv_by_hand() -> None:
    # EASY, new customer (x = t_x = T = 0): E[Y(t)] = 2.5 t/(1+t): 1.25 after one period, 5/3
    # after two; at 10 % a period: 1.25/1.1 + (5/3 - 1.25)/1.21. Spend: population mean 4.
    value = customer_value(
        EASY,
        SPEND,
        x=[0],
        t_x=[0.0],
        T=[0.0],
        m_x=[np.nan],
        horizon=2,
        discount_rate=0.1,
        margin=0.5,
    )
    discounted = 1.25 / 1.1 + (5 / 3 - 1.25) / 1.21
    assert value.expected_transactions.tolist() == pytest.approx([5 / 3])
    assert value.discounted_transactions.tolist() == pytest.approx([discounted])
    assert value.expected_spend.tolist() == pytest.approx([4.0])
    assert value.clv.tolist() == pytest.approx([0.5 * 4.0 * discounted])
    assert value.probability_alive.tolist() == [1.0]
    assert value.churn_risk.tolist() == [0.0]


def test_clv_without_discount_is_the_expected_purchases(
    cdnow: RFM, cdnow_bgnbd: bgnbd.BGNBD
) -> None:
    # The period increments telescope: with d = 0 the sum is E[Y(horizon * period)].
    total, discounted = discounted_transactions(
        cdnow_bgnbd, cdnow.x, cdnow.t_x, cdnow.T, horizon=3, discount_rate=0.0, period=13.0
    )
    expected = bgnbd.expected_purchases(cdnow_bgnbd, 39.0, cdnow.x, cdnow.t_x, cdnow.T)
    assert total == pytest.approx(expected, rel=1e-12)
    assert discounted == pytest.approx(expected, rel=1e-12)
    # Extra sanity: discounting lowers every customer's value.
    _, lower = discounted_transactions(
        cdnow_bgnbd, cdnow.x, cdnow.t_x, cdnow.T, horizon=3, discount_rate=0.05, period=13.0
    )
    assert (lower < discounted).all()


def test_discounting_per_distinct_x_and_age_equals_it_per_customer(
    cdnow: RFM, cdnow_bgnbd: bgnbd.BGNBD
) -> None:
    # The sum is taken per distinct (x, T) and scaled by each customer's P(alive); spelled out
    # per customer and period with E[Y(t) | x, t_x, T], it must be the same.
    _, discounted = discounted_transactions(
        cdnow_bgnbd, cdnow.x, cdnow.t_x, cdnow.T, horizon=5, discount_rate=0.02, period=4.0
    )
    steps = [
        bgnbd.expected_purchases(cdnow_bgnbd, 4.0 * k, cdnow.x, cdnow.t_x, cdnow.T)
        for k in range(6)
    ]
    by_hand = sum((steps[k] - steps[k - 1]) / 1.02**k for k in range(1, 6))
    assert len({(x, t) for x, t in zip(cdnow.x.tolist(), cdnow.T.tolist(), strict=True)}) < len(
        cdnow.x
    )  # some customers share (x, T)
    assert discounted == pytest.approx(by_hand, rel=1e-12)
