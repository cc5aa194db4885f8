"""Per-record features the comparators and blocking keys read, computed once per record from a
normalized `PartyRecord` (flattened names, birth date as digits, an organization's own web domain)."""

from __future__ import annotations

from dataclasses import dataclass

from graph.ingest import normalize
from loaders.matching.config import PartyRecord
from loaders.matching.names import organization_name


@dataclass(frozen=True, slots=True)
class Person:
    given: str | None
    surname: str | None
    given_flat: str | None  # without spaces: "wil liam" and "william" then agree
    surname_flat: str | None
    dob: str | None  # yyyymmdd digits
    national_id: str | None
    email: str | None
    phone: str | None
    street_number: str | None
    street: str | None
    locality: str | None
    postcode: str | None
    state: str | None


@dataclass(frozen=True, slots=True)
class Organization:
    name: str | None
    domain: str | None
    country: str | None
    locality: str | None
    postcode: str | None


def person_features(record: PartyRecord) -> Person:
    given, surname = record.given_name, record.surname
    if given is None and surname is None and record.name:
        # Only a full name: the last token is the surname, the rest the given names.
        parts = record.name.split()
        if parts:
            surname = parts[-1]
            given = " ".join(parts[:-1]) or None
    dob = normalize.digits(record.date_of_birth)
    return Person(
        given=given,
        surname=surname,
        given_flat=given.replace(" ", "") if given else None,
        surname_flat=surname.replace(" ", "") if surname else None,
        dob=dob if dob and len(dob) == 8 else None,
        national_id=record.national_id,
        email=record.email,
        phone=record.phone,
        street_number=record.street_number,
        street=record.street,
        locality=record.locality,
        postcode=record.postcode,
        state=record.state,
    )


# Two-letter top-level domains that are sold worldwide and say nothing about a country.
_GENERIC_TLDS = frozenset(
    {"ai", "cc", "co", "fm", "gg", "io", "la", "ly", "me", "nu", "sh", "so", "st", "tk", "to", "tv"}
)


def _domain_country(domain: str | None) -> str | None:
    """The ISO country of a country-code domain ("acme.com.au" -> "au"), if it names one."""
    if not domain:
        return None
    tld = domain.rpartition(".")[2]
    if len(tld) != 2 or tld in _GENERIC_TLDS:
        return None
    return "gb" if tld == "uk" else tld


def organization_features(record: PartyRecord, free_mail: frozenset[str]) -> Organization:
    domain = (record.domain or "").removeprefix("www.") or (
        record.email.rpartition("@")[2] if record.email else None
    )
    if domain in free_mail:
        domain = None
    return Organization(
        name=organization_name(record.name),
        domain=domain,
        # Countries are compared as ISO 3166 alpha-2 codes; a company web domain under a
        # country code stands in for a missing country.
        country=record.country or _domain_country(domain),
        locality=record.locality,
        postcode=record.postcode,
    )
