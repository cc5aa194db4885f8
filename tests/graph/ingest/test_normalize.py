"""The normalizers: one canonical form per value, `None` for anything unusable."""

from __future__ import annotations

import pytest

from graph.ingest import normalize


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  John.Doe@Example.COM ", "john.doe@example.com"),
        ("mailto:Ann+crm@mail.example.org", "ann+crm@mail.example.org"),
        ("n/a", None),
        ("john@", None),
        ("john@localhost", None),
        ("john doe@example.com", None),
        ("john..doe@example.com", None),
        ("a@b@example.com", None),
        ("", None),
        (None, None),
    ],
)
def test_email(raw: str | None, expected: str | None) -> None:
    assert normalize.email(raw) == expected


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("0412 345 678", "AU", "+61412345678"),
        ("(02) 6123 4567", "AU", "+61261234567"),
        ("+61 412-345-678", "AU", "+61412345678"),
        ("+44 20 7946 0958", "AU", "+442079460958"),
        ("020 7946 0958", "GB", "+442079460958"),
        ("123", "AU", None),
        ("not a number", "AU", None),
        ("   ", "AU", None),
        (None, "AU", None),
    ],
)
def test_phone(raw: str | None, region: str, expected: str | None) -> None:
    assert normalize.phone(raw, default_region=region) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("José  O'Neil-Smith", "jose oneil smith"),
        ("  MÜLLER ", "muller"),
        ("Zoë\tvan   der Berg", "zoe van der berg"),
        ("St. Kilda", "st kilda"),
        ("...", None),
        ("", None),
        (None, None),
    ],
)
def test_name(raw: str | None, expected: str | None) -> None:
    assert normalize.name(raw) == expected


def test_digits_and_postcode() -> None:
    assert normalize.digits("123-456 789") == "123456789"
    assert normalize.digits("abc") is None
    assert normalize.digits(None) is None
    assert normalize.postcode(" 2600 ") == "2600"
    assert normalize.postcode("sw1a 1aa") == "SW1A1AA"
    assert normalize.postcode(" - ") is None


@pytest.mark.parametrize(
    ("raw", "strict", "expected"),
    [
        ("19081209", True, "1908-12-09"),
        ("1908-12-09", True, "1908-12-09"),
        ("09/12/1908", True, "1908-12-09"),
        ("9.12.1908", True, "1908-12-09"),
        ("19081309", True, None),  # month 13: not a date
        ("19081309", False, "1908-13-09"),  # kept as evidence for the matcher
        ("1908129", False, None),  # seven digits are ambiguous
        ("yesterday", False, None),
        ("", True, None),
        (None, True, None),
    ],
)
def test_date(raw: str | None, strict: bool, expected: str | None) -> None:
    assert normalize.date(raw, strict=strict) == expected
