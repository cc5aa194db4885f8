"""The matcher's data: `PartyRecord` (its input), `FieldWeights` and `MatchConfig` (its knobs), `Link`
(its output)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from graph.ingest import normalize


@dataclass(frozen=True, slots=True)
class PartyRecord:
    """One source record about a party, with every value already normalized (`of` builds one from
    a source record's validated fields; the matcher never normalizes again)."""

    id: str  # source record id, e.g. "febrl:rec-12-org"
    kind: str  # "person" | "organization" | "household" | "broker" | "employee"
    given_name: str | None = None
    surname: str | None = None
    name: str | None = None  # full or company name
    email: str | None = None  # already normalized
    phone: str | None = None  # already E.164
    date_of_birth: str | None = None  # ISO yyyy-mm-dd
    street_number: str | None = None
    street: str | None = None
    locality: str | None = None  # suburb / city
    postcode: str | None = None
    state: str | None = None
    country: str | None = None
    national_id: str | None = None
    external_ids: tuple[str, ...] = ()
    domain: str | None = None  # an organization's own web domain

    @classmethod
    def of(cls, record_id: str, kind: str, data: Mapping[str, Any]) -> PartyRecord:
        """The record of validated source fields (`graph.ingest.records`), normalized: names and
        address parts folded (`normalize.text`), postcodes and national ids canonical; e-mail,
        phone (E.164) and dates are normalized by validation already."""
        return cls(
            id=record_id,
            kind=kind,
            given_name=normalize.name(data.get("given_name")),
            surname=normalize.name(data.get("surname")),
            name=normalize.name(data.get("name")),
            email=data.get("email"),
            phone=data.get("phone"),
            date_of_birth=data.get("date_of_birth"),
            street_number=normalize.text(data.get("street_number")),
            street=normalize.text(data.get("street")),
            locality=normalize.text(data.get("locality")),
            postcode=normalize.postcode(data.get("postcode")),
            state=normalize.text(data.get("state")),
            country=normalize.text(data.get("country")),
            national_id=normalize.digits(data.get("national_id")),
            external_ids=tuple(data.get("external_ids", ())),
            domain=(data.get("domain") or "").strip().lower() or None,
        )


@dataclass(frozen=True, slots=True)
class FieldWeights:
    """m and u probabilities of one field comparison; the weights are their log2 ratios.

    m_* is how often a true match shows that outcome (exact or close agreement), u_* how often a
    random non-matching pair does. Disagreement gets the remaining probability mass of each.
    """

    m_exact: float
    u_exact: float
    m_close: float = 0.0
    u_close: float = 0.0
    # Derived once: the comparison loop reads them millions of times.
    exact: float = field(init=False, repr=False, compare=False)
    close: float = field(init=False, repr=False, compare=False)
    disagree: float = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        close = 0.0
        if self.m_close > 0.0 and self.u_close > 0.0:
            close = math.log2(self.m_close / self.u_close)
        disagree = math.log2(
            (1.0 - self.m_exact - self.m_close) / (1.0 - self.u_exact - self.u_close)
        )
        object.__setattr__(self, "exact", math.log2(self.m_exact / self.u_exact))
        object.__setattr__(self, "close", close)
        object.__setattr__(self, "disagree", disagree)


@dataclass(frozen=True)
class MatchConfig:
    """Thresholds, weights and blocking limits. The defaults suit typo-laden CRM-like data.

    The m values assume roughly one field in five is mistyped, missing or replaced in a duplicate;
    the u values are the chance two different parties agree by accident. Scores are in bits
    (log2 likelihood ratios): +10 bits makes a match about 1000 times likelier.
    """

    # Exact rules: which identifiers link on equality, and when a value is too common to trust.
    exact_fields: tuple[str, ...] = ("email", "phone", "national_id", "external_ids")
    max_exact_group: int = 20
    # Which kinds get which fuzzy comparator; other kinds (households) link on exact rules only.
    person_kinds: tuple[str, ...] = ("person", "broker", "employee")
    organization_kinds: tuple[str, ...] = ("organization",)
    person_threshold: float = 20.0
    # The person threshold holds up to `threshold_people` people in the name model; past that it
    # rises by log2 of how many times more there are. The prior odds that two records sharing a
    # name and a city are one person fall as the population grows: on the 1M sample (1.7M people)
    # names, city and one more weak agreement still linked strangers at a fixed 20 bits.
    threshold_people: int = 100_000
    organization_threshold: float = 12.0
    # Names: exact agreement weight comes from the value's frequency (`name_prior_records`
    # pseudo-records at the default u smooth small inputs); close = Jaro-Winkler >= name_close.
    given_name: FieldWeights = FieldWeights(m_exact=0.65, u_exact=0.005, m_close=0.2, u_close=0.01)
    surname: FieldWeights = FieldWeights(m_exact=0.65, u_exact=0.002, m_close=0.2, u_close=0.01)
    name_close: float = 0.88
    name_prior_records: int = 1000
    name_u_min: float = 1e-4
    swap_penalty: float = 1.0
    # Date of birth: close = one edit, one transposition, or day and month swapped.
    date_of_birth: FieldWeights = FieldWeights(
        m_exact=0.86, u_exact=5e-5, m_close=0.05, u_close=1e-3
    )
    # National ids: close = within `national_id_max_edits` edits, for ids of 7+ digits only.
    national_id: FieldWeights = FieldWeights(m_exact=0.85, u_exact=1e-5, m_close=0.08, u_close=1e-4)
    national_id_max_edits: int = 1
    # A shared national id does not link a pair whose whole score (the id included) stays
    # below this: the other fields outweigh the id.
    national_id_veto: float = 8.0
    national_id_min_length: int = 7
    # m: how often two records of one person that both carry an e-mail (phone) carry the same one
    # once normalised. Set high because a CRM's e-mail is usually the login the shop uses too, so
    # different addresses and phones on both sides are real evidence of two people: on the 100k
    # demo sample this took person-pair precision from 0.75 to 0.96 at recall 0.93 (FEBRL, which
    # has neither field, is unaffected).
    email: FieldWeights = FieldWeights(m_exact=0.95, u_exact=1e-6)
    phone: FieldWeights = FieldWeights(m_exact=0.9, u_exact=1e-5)
    street_number: FieldWeights = FieldWeights(
        m_exact=0.75, u_exact=0.03, m_close=0.05, u_close=0.05
    )
    street: FieldWeights = FieldWeights(m_exact=0.55, u_exact=0.005, m_close=0.3, u_close=0.01)
    locality: FieldWeights = FieldWeights(m_exact=0.63, u_exact=0.003, m_close=0.27, u_close=0.01)
    postcode: FieldWeights = FieldWeights(m_exact=0.76, u_exact=0.003, m_close=0.2, u_close=0.02)
    state: FieldWeights = FieldWeights(m_exact=0.92, u_exact=0.2)
    text_close: float = 0.85
    address_cap: float = 14.0  # the address is one fact: it adds at most this many bits
    address_floor: float = -6.0  # and moving house costs at most this many
    place_cap: float = 8.0  # of which locality + postcode + state add at most this many
    # Organizations.
    organization_name: FieldWeights = FieldWeights(
        m_exact=0.7, u_exact=1e-4, m_close=0.25, u_close=1e-3
    )
    organization_close: float = 0.92
    domain: FieldWeights = FieldWeights(m_exact=0.6, u_exact=1e-5)
    country: FieldWeights = FieldWeights(m_exact=0.95, u_exact=0.3)
    free_mail_domains: frozenset[str] = field(
        default_factory=lambda: frozenset(
            {
                "aol.com",
                "bigpond.com",
                "bigpond.net.au",
                "gmail.com",
                "gmx.de",
                "gmx.net",
                "googlemail.com",
                "hotmail.com",
                "icloud.com",
                "live.com",
                "mail.com",
                "me.com",
                "msn.com",
                "optusnet.com.au",
                "outlook.com",
                "proton.me",
                "protonmail.com",
                "web.de",
                "yahoo.com",
                "yandex.ru",
            }
        )
    )
    # Blocking: a block larger than `max_block_size` is not compared all-pairs; its records are
    # sorted by name and each is compared with the next `window` records only. At 100, a block of
    # 100 cost five times one of 101 (4,950 pairs against about 1,000): on the 1M sample, blocks
    # of 31 to 100 people gave 44 of the 74 million candidate pairs before deduplication. At 30
    # its recall is the same and its precision better (BENCHMARKS.md, "Identity at 1M").
    max_block_size: int = 30
    window: int = 10


@dataclass(frozen=True, slots=True)
class Link:
    """Two records judged to be one party: `a < b`, the rule that fired and its score in bits."""

    a: str
    b: str
    rule: str
    score: float
