"""Totals per currency, rounded to each currency's minor unit, without float noise."""

from __future__ import annotations

from graph.money import Amount, minor_digits, totals


def test_amounts_add_up_per_currency_only() -> None:
    found = totals([("USD", 0.1), ("EUR", 5.0), ("USD", 0.2), (None, 1.005), ("EUR", None)])
    assert found == (Amount("EUR", 5.0), Amount("USD", 0.3), Amount(None, 1.0))


def test_no_float_noise() -> None:
    parts = [62455.0 / 7] * 7  # float sum: 62455.00000000001
    assert sum(parts) != 62455.0
    assert totals(("AUD", p) for p in parts) == (Amount("AUD", 62455.0),)


def test_minor_units_come_from_iso_4217() -> None:
    assert [minor_digits(c) for c in ("EUR", "gbp", "JPY", "KWD", "ZZZ", None)] == [
        2,
        2,
        0,
        3,
        2,
        2,
    ]
    assert totals([("JPY", 1234.6), ("KWD", 1.23456), ("JPY", 0.2)]) == (
        Amount("JPY", 1235.0), Amount("KWD", 1.235),
    )  # fmt: skip
