"""Normalizers applied to every source record before matching.

Matching compares values, so each source's spelling quirks (case, accents, punctuation, phone
formats, date formats) are removed here once, and the matcher can rely on one canonical form.
Every function is pure, total (never raises on bad input) and returns `None` for a value that
carries no usable information, so "missing" and "invalid" look the same downstream.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata

import phonenumbers

__all__ = ["date", "digits", "email", "name", "phone", "postcode", "text"]

# Deliberately simple: one "@", no spaces, a dotted domain with a 2+ letter top-level label.
# Full RFC 5322 accepts strings no CRM would hold; this rejects the usual junk ("n/a", "none@").
_EMAIL = re.compile(
    r"^[a-z0-9!#$%&'*+/=?^_`{|}~.-]+@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$"
)
_NON_WORD = re.compile(r"[^\w\s]")
_NON_DIGIT = re.compile(r"[^0-9]")
_SPACES = re.compile(r"\s+")
_DATE_FORMATS = ("%Y-%m-%d", "%Y%m%d", "%Y/%m/%d", "%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y")


# Names, streets, localities and postcodes repeat across records (identity resolution normalizes
# tens of thousands per load); the pure functions below remember the latest distinct inputs.
_REMEMBERED = 1 << 16


@functools.lru_cache(maxsize=_REMEMBERED)
def text(s: str | None) -> str | None:
    """Fold accents and case, drop punctuation and collapse whitespace.

    "José  O'Neil-Smith" and "jose oneil smith" must compare equal-ish, so accents are removed
    by NFKD decomposition, apostrophes vanish (O'Neil -> oneil) and other punctuation becomes a
    space (hyphenated parts stay separate tokens).
    """
    if s is None:
        return None
    if s.isascii():  # the common case, and ten times cheaper
        folded = s.lower()
    else:
        folded = unicodedata.normalize("NFKD", s)
        folded = "".join(c for c in folded if not unicodedata.combining(c)).casefold()
    folded = folded.replace("'", "").replace("’", "")
    folded = _SPACES.sub(" ", _NON_WORD.sub(" ", folded).replace("_", " ")).strip()
    return folded or None


def name(s: str | None) -> str | None:
    """A person or company name in canonical form (see `text`)."""
    return text(s)


def email(s: str | None) -> str | None:
    """A lower-cased e-mail address, or `None` when the string is not an address.

    Addresses are compared exactly, so case and surrounding whitespace (and a leading
    "mailto:") are removed; anything that does not look like `local@domain.tld` is rejected
    rather than kept as a value that could wrongly match other junk.
    """
    if s is None:
        return None
    candidate = s.strip().casefold().removeprefix("mailto:")
    if len(candidate) > 254 or not _EMAIL.fullmatch(candidate):
        return None
    local, _, domain = candidate.partition("@")
    if local.startswith(".") or local.endswith(".") or ".." in candidate:
        return None
    return f"{local}@{domain}"


def phone(s: str | None, default_region: str = "AU") -> str | None:
    """A phone number in E.164 ("+61412345678"), or `None` when it is not a valid number.

    Numbers written without a country code are read as numbers of `default_region`.
    """
    if s is None or not s.strip():
        return None
    try:
        parsed = phonenumbers.parse(s, default_region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def digits(s: str | None) -> str | None:
    """Only the digits of an identifier ("123-456 789" -> "123456789"), or `None` if none.

    Identifiers are typed with arbitrary separators; only the digits identify.
    """
    if s is None:
        return None
    kept = s if s.isdigit() and s.isascii() else _NON_DIGIT.sub("", s)
    return kept or None


@functools.lru_cache(maxsize=_REMEMBERED)
def postcode(s: str | None) -> str | None:
    """An upper-case postcode without spaces ("sw1a 1aa" -> "SW1A1AA"), or `None`.

    Both numeric (AU "2600") and alphanumeric (UK, NL, CA) codes are kept, only the spacing and
    case that sources disagree on are removed.
    """
    if s is None:
        return None
    kept = "".join(c for c in s if c.isalnum()).upper()
    return kept or None


def date(s: str | None, *, strict: bool = True) -> str | None:
    """An ISO date "yyyy-mm-dd" from the common source formats, or `None`.

    With `strict=False`, eight digits that are not a calendar date (a typo such as month 13) are
    still returned in ISO shape: the matcher compares dates digit by digit, so a mistyped date of
    birth remains evidence instead of being thrown away.
    """
    if s is None:
        return None
    raw = s.strip()
    if not raw:
        return None
    compact = raw.isdigit()
    if compact and len(raw) != 8:
        return None
    for fmt in _DATE_FORMATS:
        if compact != (fmt == "%Y%m%d"):
            continue
        try:
            return dt.datetime.strptime(raw, fmt).date().isoformat()
        except ValueError:
            continue
    if not strict:
        only = raw.replace("-", "")
        if len(only) == 8 and only.isdigit():
            return f"{only[:4]}-{only[4:6]}-{only[6:]}"
    return None
