"""Identity resolution: which source records describe the same party.

Pure Python, no database: the loaders call `find_links` on normalized `PartyRecord`s and
`clusters` on the result, then write one party per cluster.

How a pair becomes a link:

1. Exact rules: records of the same kind that share a normalized e-mail, phone, national id or
   external id are linked (`exact:email`, `exact:phone`, `exact:national_id`,
   `exact:external_id`). A value shared by more than `MatchConfig.max_exact_group` records is a
   placeholder or a switchboard and links nothing. The rest of the record can veto: people with
   clearly different given names do not merge on a shared mailbox or phone (spouses, families),
   nor on a shared national id when their surname or date of birth differs too (a mistyped or
   dummy id); companies with different names do not merge on a shared phone or mailbox.
2. Fuzzy rules, only between records that share a blocking key (`_person_keys`,
   `_organization_keys`), so the work grows with the number of records, not its square. People
   are scored Fellegi-Sunter style: each field comparison adds log2(m/u) bits, where m is the
   chance of that outcome for a true match and u for two different people; name weights depend
   on how common the name is, and the address counts as one bounded fact. A pair links
   (`fuzzy:person`) when the sum reaches `MatchConfig.person_threshold` and some personal field
   agrees (given name, national id, or date of birth / e-mail / phone when the given names do
   not clearly differ), so relatives and twins sharing surname, address and even a birthday are
   kept apart. Organizations compare names without legal forms ("pty ltd", "gmbh"), web domain,
   country (a different country is a veto) and place (`fuzzy:organization`).

Every `Link` carries its rule and its score in bits, so each merge can be explained. `clusters`
is a plain union-find over the links: no pair below the threshold is ever unioned.
"""

from __future__ import annotations

import math
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TypeVar

import numpy as np
from rapidfuzz.distance import OSA, Indel, JaroWinkler

from graph.ingest import normalize

__all__ = [
    "FieldWeights",
    "Link",
    "MatchConfig",
    "PartyRecord",
    "clusters",
    "find_links",
    "organization_name",
    "soundex",
]


@dataclass(frozen=True, slots=True)
class PartyRecord:
    """One source record about a party, with every value already normalized."""

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
    # sorted by name and each is compared with the next `window` records only.
    max_block_size: int = 100
    window: int = 10


@dataclass(frozen=True, slots=True)
class Link:
    """Two records judged to be one party: `a < b`, the rule that fired and its score in bits."""

    a: str
    b: str
    rule: str
    score: float


# --------------------------------------------------------------------------------------------
# Small string helpers


_SOUNDEX_CODES = {
    **dict.fromkeys("bfpv", "1"),
    **dict.fromkeys("cgjkqsxz", "2"),
    **dict.fromkeys("dt", "3"),
    "l": "4",
    **dict.fromkeys("mn", "5"),
    "r": "6",
}


@lru_cache(maxsize=1 << 16)
def soundex(word: str) -> str:
    """American Soundex ("robert" -> "r163"): a blocking key that survives most vowel typos."""
    letters = [c for c in word.casefold() if "a" <= c <= "z"]
    if not letters:
        return ""
    out = [letters[0]]
    last = _SOUNDEX_CODES.get(letters[0], "")
    for c in letters[1:]:
        code = _SOUNDEX_CODES.get(c, "")
        if code and code != last:
            out.append(code)
            if len(out) == 4:
                break
        if c not in "hw":
            last = code
    return "".join(out).ljust(4, "0")


_LEGAL_SUFFIXES = frozenset(
    {
        "ab",
        "ag",
        "as",
        "asa",
        "bv",
        "co",
        "company",
        "corp",
        "corporation",
        "gmbh",
        "inc",
        "incorporated",
        "kg",
        "kk",
        "limited",
        "llc",
        "llp",
        "lp",
        "ltd",
        "nv",
        "oy",
        "plc",
        "pte",
        "pty",
        "sa",
        "sarl",
        "sas",
        "spa",
        "srl",
    }
)


def organization_name(s: str | None) -> str | None:
    """A company name without case, punctuation, a leading "the" and trailing legal forms.

    "The ACME Pty. Ltd." and "Acme Limited" both become "acme": the legal form says little
    about which company is meant and sources disagree on it constantly.
    """
    folded = normalize.name(s)
    if folded is None:
        return None
    tokens = folded.split()
    if len(tokens) > 1 and tokens[0] == "the":
        tokens = tokens[1:]
    while len(tokens) > 1 and tokens[-1] in _LEGAL_SUFFIXES:
        tokens.pop()
    return " ".join(tokens) or None


def _deletions(value: str) -> list[str]:
    """Each string made by deleting one character, tagged by position.

    Two ids that differ by one substituted digit share exactly one of these, so exact-key
    blocking on them finds one-typo pairs without comparing everything with everything.
    """
    return [f"{i}:{value[:i]}{value[i + 1 :]}" for i in range(len(value))]


# --------------------------------------------------------------------------------------------
# Per-record features, computed once


@dataclass(frozen=True, slots=True)
class _Person:
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
class _Organization:
    name: str | None
    domain: str | None
    country: str | None
    locality: str | None
    postcode: str | None


def _person(record: PartyRecord) -> _Person:
    given = normalize.name(record.given_name)
    surname = normalize.name(record.surname)
    if given is None and surname is None and record.name:
        # Only a full name: the last token is the surname, the rest the given names.
        parts = (normalize.name(record.name) or "").split()
        if parts:
            surname = parts[-1]
            given = " ".join(parts[:-1]) or None
    dob = normalize.digits(record.date_of_birth)
    return _Person(
        given=given,
        surname=surname,
        given_flat=given.replace(" ", "") if given else None,
        surname_flat=surname.replace(" ", "") if surname else None,
        dob=dob if dob and len(dob) == 8 else None,
        national_id=normalize.digits(record.national_id),
        email=record.email,
        phone=record.phone,
        street_number=normalize.text(record.street_number),
        street=normalize.text(record.street),
        locality=normalize.text(record.locality),
        postcode=normalize.postcode(record.postcode),
        state=normalize.text(record.state),
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


def _organization(record: PartyRecord, free_mail: frozenset[str]) -> _Organization:
    domain = (record.domain or "").strip().lower().removeprefix("www.") or (
        record.email.rpartition("@")[2] if record.email else None
    )
    if domain in free_mail:
        domain = None
    return _Organization(
        name=organization_name(record.name),
        domain=domain,
        # Countries are compared as ISO 3166 alpha-2 codes; a company web domain under a
        # country code stands in for a missing country.
        country=normalize.text(record.country) or _domain_country(domain),
        locality=normalize.text(record.locality),
        postcode=normalize.postcode(record.postcode),
    )


# --------------------------------------------------------------------------------------------
# Field comparisons: each returns a weight in bits, 0 when either side is missing


def _text_weight(a: str | None, b: str | None, w: FieldWeights, close: float) -> float:
    if not a or not b:
        return 0.0
    if a == b:
        return w.exact
    if JaroWinkler.normalized_similarity(a, b) >= close:
        return w.close
    return w.disagree


def _code_weight(a: str | None, b: str | None, w: FieldWeights) -> float:
    """Short codes (postcodes, street numbers): close means one edit, same length."""
    if not a or not b:
        return 0.0
    if a == b:
        return w.exact
    if len(a) == len(b) and OSA.distance(a, b, score_cutoff=1) <= 1:
        return w.close
    return w.disagree


def _date_level(a: str | None, b: str | None) -> int:
    """2 = same date, 1 = one typo, one transposition or day/month swapped, 0 = different."""
    if not a or not b:
        return -1
    if a == b:
        return 2
    if OSA.distance(a, b, score_cutoff=1) <= 1:
        return 1
    if a[:4] == b[:4] and a[4:6] == b[6:8] and a[6:8] == b[4:6]:
        return 1
    return 0


def _id_level(a: str | None, b: str | None, max_edits: int, min_length: int) -> int:
    """2 = same id, 1 = within `max_edits` typos (long ids only), 0 = different, -1 missing."""
    if not a or not b:
        return -1
    if a == b:
        return 2
    if (
        min(len(a), len(b)) >= min_length
        and OSA.distance(a, b, score_cutoff=max_edits) <= max_edits
    ):
        return 1
    return 0


def _level_weight(level: int, w: FieldWeights) -> float:
    if level < 0:
        return 0.0
    return (w.disagree, w.close, w.exact)[level]


class _NameWeights:
    """Exact-agreement weights adjusted for how common each name is.

    Two records agreeing on "smith" say less than two agreeing on "sondergeld": u for an exact
    agreement is the share of people carrying the name, smoothed towards the configured default
    so a handful of records does not produce absurd weights. Given names and surnames are
    counted together, since sources swap them.
    """

    def __init__(
        self, counts: Counter[str], people: int, w: FieldWeights, config: MatchConfig
    ) -> None:
        self.counts = counts
        self.total = people
        self.w = w
        self.config = config
        self.cache: dict[str, float] = {}

    def exact(self, value: str) -> float:
        cached = self.cache.get(value)
        if cached is not None:
            return cached
        prior = self.config.name_prior_records
        u = (self.counts.get(value, 0) + prior * self.w.u_exact) / (self.total + prior)
        weight = math.log2(self.w.m_exact / max(u, self.config.name_u_min))
        self.cache[value] = weight
        return weight


# --------------------------------------------------------------------------------------------
# Person comparison


@dataclass(frozen=True, slots=True)
class _PersonScore:
    total: float
    personal: bool  # some person-specific field (given name, dob, ids, contact) agrees
    given_disagrees: bool  # both given names known and clearly different
    surname_disagrees: bool
    date_level: int  # see `_date_level`


class _PersonComparator:
    def __init__(self, people: Sequence[_Person], config: MatchConfig) -> None:
        self.config = config
        counts = Counter(n for p in people for n in {p.given_flat, p.surname_flat} if n)
        self.given = _NameWeights(counts, len(people), config.given_name, config)
        self.surname = _NameWeights(counts, len(people), config.surname, config)

    def _name(
        self, a: str | None, b: str | None, af: str | None, bf: str | None, surname: bool
    ) -> tuple[float, bool]:
        """Weight of one name comparison and whether it agrees (exactly or closely)."""
        if not a or not b or not af or not bf:
            return 0.0, False
        table = self.surname if surname else self.given
        if a == b or af == bf:
            return table.exact(af if af == bf else a), True
        if len(a) == 1 or len(b) == 1:  # an initial: consistent or not, it proves little
            return 0.0, a[0] == b[0]
        short, long = (af, bf) if len(af) <= len(bf) else (bf, af)
        if (len(short) >= 3 and long.startswith(short)) or (
            JaroWinkler.normalized_similarity(af, bf) >= self.config.name_close
        ):
            # A typo, or a short form that is the start of the full name ("jon", "jonathan").
            return table.w.close, True
        return table.w.disagree, False

    def _address(self, p: _Person, q: _Person) -> float:
        """Address evidence, bounded: number, street, locality, postcode and state are one fact.

        Summed as if independent, a full agreement would reach ~28 bits, enough on its own to
        merge two people who merely live together, and a full disagreement ~-16 bits, enough to
        keep apart one person who moved house. The place (locality, postcode, state) is bounded
        on its own too: thousands of people share a suburb.
        """
        c = self.config
        place = _text_weight(p.locality, q.locality, c.locality, c.text_close) + _code_weight(
            p.postcode, q.postcode, c.postcode
        )
        if p.state and q.state:
            place += c.state.exact if p.state == q.state else c.state.disagree
        place = max(min(place, c.place_cap), c.address_floor)
        total = (
            place
            + _code_weight(p.street_number, q.street_number, c.street_number)
            + _text_weight(p.street, q.street, c.street, c.text_close)
        )
        return max(min(total, c.address_cap), c.address_floor)

    def _names(self, p: _Person, q: _Person) -> tuple[float, bool, bool]:
        """Weight of the names and whether given name and surname agree."""
        g, g_ok = self._name(p.given, q.given, p.given_flat, q.given_flat, surname=False)
        s, s_ok = self._name(p.surname, q.surname, p.surname_flat, q.surname_flat, surname=True)
        if g_ok and s_ok:
            return g + s, g_ok, s_ok
        if not (p.given_flat and p.surname_flat and q.given_flat and q.surname_flat):
            return g + s, g_ok, s_ok
        if p.given_flat[0] != q.surname_flat[0] and p.surname_flat[0] != q.given_flat[0]:
            return g + s, g_ok, s_ok  # no swap can agree: skip the work
        # Sources swap given name and surname; take the better reading, at a small cost.
        g2, g2_ok = self._name(p.given, q.surname, p.given_flat, q.surname_flat, surname=True)
        s2, s2_ok = self._name(p.surname, q.given, p.surname_flat, q.given_flat, surname=True)
        swapped = g2 + s2 - self.config.swap_penalty
        if swapped <= g + s:
            return g + s, g_ok, s_ok
        # Which record is swapped is unknown, so neither part alone shows the given names agree.
        return swapped, g2_ok and s2_ok, g2_ok or s2_ok

    def compare(self, p: _Person, q: _Person, floor: float | None = None) -> _PersonScore | None:
        """The score of a pair; `None` if it cannot reach `floor` or lacks personal evidence.

        With a `floor`, the address, the most expensive part, is skipped when even its best
        outcome could not lift the pair to the threshold.
        """
        c = self.config
        names, given_agrees, surname_agrees = self._names(p, q)
        date_level = _date_level(p.dob, q.dob)
        id_level = _id_level(
            p.national_id, q.national_id, c.national_id_max_edits, c.national_id_min_length
        )
        email_level = -1 if not p.email or not q.email else 2 * (p.email == q.email)
        phone_level = -1 if not p.phone or not q.phone else 2 * (p.phone == q.phone)
        # Twins share surname, address and birthday, spouses a mailbox: when both given names
        # are known and clearly differ, only a national id is evidence of one person.
        given_disagrees = bool(p.given and q.given) and not given_agrees
        personal = given_agrees or id_level >= 1
        if not given_disagrees:
            personal = personal or date_level >= 1 or email_level == 2 or phone_level == 2
        total = (
            names
            + _level_weight(date_level, c.date_of_birth)
            + _level_weight(id_level, c.national_id)
            + _level_weight(email_level, c.email)
            + _level_weight(phone_level, c.phone)
        )
        if floor is not None and (not personal or total + c.address_cap < floor):
            return None
        total += self._address(p, q)
        if floor is not None and total < floor:
            return None
        surname_disagrees = bool(p.surname and q.surname) and not surname_agrees
        return _PersonScore(total, personal, given_disagrees, surname_disagrees, date_level)


# --------------------------------------------------------------------------------------------
# Organization comparison


class _OrganizationComparator:
    def __init__(self, config: MatchConfig) -> None:
        self.config = config

    def name_level(self, p: _Organization, q: _Organization) -> int:
        """2 = same name, 1 = close (typo, reordered words), 0 = different, -1 = missing."""
        if not p.name or not q.name:
            return -1
        if p.name == q.name:
            return 2
        close = self.config.organization_close
        if JaroWinkler.normalized_similarity(p.name, q.name) >= close:
            return 1
        by_words = Indel.normalized_similarity(
            " ".join(sorted(p.name.split())), " ".join(sorted(q.name.split()))
        )
        return 1 if by_words >= close else 0

    def compare(self, p: _Organization, q: _Organization, floor: float) -> float | None:
        """The score in bits, or `None` below `floor` or when the countries or web domains differ.

        Companies of one name in two countries are different legal entities, so a known
        country mismatch is a veto rather than a weight; so is a mismatch of own web domains.
        """
        c = self.config
        if p.country and q.country and p.country != q.country:
            return None
        # Two companies with their own, different web domains are different companies (firms of
        # one name are common: "Granite Consulting LLC" in many cities).
        if p.domain and q.domain and p.domain != q.domain:
            return None
        total = _level_weight(self.name_level(p, q), c.organization_name)
        if p.domain and q.domain:
            total += c.domain.exact
        if p.country and q.country:
            total += c.country.exact
        total += _text_weight(p.locality, q.locality, c.locality, c.text_close)
        total += _code_weight(p.postcode, q.postcode, c.postcode)
        return total if total >= floor else None


# --------------------------------------------------------------------------------------------
# Blocking


def _person_keys(p: _Person) -> Iterator[Hashable]:
    """Blocking keys of a person. Each tolerates typos in the fields it does not use.

    Name parts enter as an unordered set, so records with given name and surname swapped still
    share keys. No key is built from names alone: at a million records "j500 s530" would be a
    block of thousands.
    """
    names = [n for n in (p.given_flat, p.surname_flat) if n]
    initials = sorted({n[0] for n in names})
    # Sound of either name part and the place: tolerates a typo in the other part, a swap.
    if p.postcode:
        for code in sorted({soundex(n) for n in names}):
            yield ("name+postcode", code, p.postcode)
    # Narrower for the locality (soundex of one part, initial of the other), as a second chance
    # for postcode typos without a second block as large as the first.
    if p.locality and len(names) == 2:
        for a, b in ((names[0], names[1]), (names[1], names[0])):
            yield ("name+locality", soundex(a), b[0], p.locality)
    if p.dob:
        for initial in initials:
            yield ("dob+initial", p.dob, initial)
        if names:
            yield ("names+year", *sorted(n[:2] for n in names), p.dob[:4])
        # Birthday and place: for records whose names are both mistyped or missing.
        if p.postcode:
            yield ("dob+postcode", p.dob, p.postcode)
        if p.locality:
            yield ("dob+locality", p.dob, p.locality)
    if p.national_id:
        yield ("id", p.national_id)
        if len(p.national_id) >= 7:
            # One-typo ids, narrowed by a name initial: ids alone collide at scale.
            for deleted in _deletions(p.national_id):
                for initial in initials:
                    yield ("id-1", deleted, initial)
    if p.postcode and p.street:
        yield ("address", p.postcode, p.street_number or "", p.street[:3])
    if p.email:
        yield ("email", p.email)
    if p.phone:
        yield ("phone", p.phone)


def _organization_keys(o: _Organization) -> Iterator[Hashable]:
    if o.name:
        tokens = o.name.split()
        yield ("org-first", tokens[0], o.country or "")
        yield ("org-sound", soundex(o.name.replace(" ", "")), o.country or "")
        yield ("org-tokens", " ".join(sorted(tokens)))
    if o.domain:
        yield ("domain", o.domain)


def _candidate_pairs(
    keys: Sequence[Iterable[Hashable]], order: Sequence[str], config: MatchConfig
) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (i < j, each once) that share a blocking key.

    Blocks of up to `max_block_size` records are compared all-pairs. A larger block (a common
    surname in a big town) is sorted by `order` and each record is paired with the next
    `window` records only (sorted neighbourhood), so one block costs O(n * window), not O(n²).

    Keys are reduced to 64-bit hashes and grouped by sorting, in numpy: a million records have
    tens of millions of keys, too many for a dict of lists. Two different keys with the same
    hash only add candidate pairs, which scoring then rejects.
    """
    hashes = array("q")
    owners = array("q")
    for index, record_keys in enumerate(keys):
        for key in record_keys:
            hashes.append(hash(key))
            owners.append(index)
    n = len(keys)
    empty = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    if n < 2 or not hashes:
        return empty
    key_array = np.frombuffer(hashes, dtype=np.int64)
    owner_array = np.frombuffer(owners, dtype=np.int64)
    by_key = np.argsort(key_array, kind="stable")
    key_sorted, owner_sorted = key_array[by_key], owner_array[by_key]
    starts = np.flatnonzero(np.r_[True, key_sorted[1:] != key_sorted[:-1]])
    sizes = np.diff(np.r_[starts, len(key_sorted)])
    parts: list[np.ndarray] = []  # pairs encoded as low * n + high

    def add(a: np.ndarray, b: np.ndarray) -> None:
        low, high = np.minimum(a, b), np.maximum(a, b)
        parts.append((low * n + high)[low != high])

    # Small blocks, grouped by size so each size is one vectorized all-pairs expansion.
    small = (sizes >= 2) & (sizes <= config.max_block_size)
    for size in np.unique(sizes[small]).tolist():
        block_starts = starts[small & (sizes == size)]
        members = owner_sorted[block_starts[:, None] + np.arange(size)[None, :]]
        x, y = np.triu_indices(size, k=1)
        add(members[:, x].ravel(), members[:, y].ravel())
    # Large blocks: sorted neighbourhood within the block.
    big = sizes > config.max_block_size
    if big.any():
        rank = np.empty(n, dtype=np.int64)
        rank[np.array(sorted(range(n), key=order.__getitem__), dtype=np.int64)] = np.arange(n)
        for start, size in zip(starts[big].tolist(), sizes[big].tolist(), strict=True):
            members = owner_sorted[start : start + size]
            ranked = members[np.argsort(rank[members], kind="stable")]
            for offset in range(1, min(config.window, size - 1) + 1):
                add(ranked[:-offset], ranked[offset:])
    if not parts:
        return empty
    codes = np.unique(np.concatenate(parts))
    return codes // n, codes % n


# --------------------------------------------------------------------------------------------
# Rules


def _exact_values(record: PartyRecord, field_name: str) -> Iterable[str]:
    """The identifier values of one exact rule on one record (national ids as digits only)."""
    if field_name == "external_ids":
        return record.external_ids
    if field_name == "national_id":
        value = normalize.digits(record.national_id)
        return (value,) if value else ()
    value = getattr(record, field_name)
    return (value,) if value else ()


_EXACT_RULE_NAMES = {"external_ids": "external_id"}


def _exact_links(
    records: Sequence[PartyRecord],
    config: MatchConfig,
    vetoed: Callable[[int, int, str], bool],
) -> dict[tuple[int, int], Link]:
    """Links of the exact rules, keyed by index pair; the first rule to link a pair names it."""
    links: dict[tuple[int, int], Link] = {}
    for field_name in config.exact_fields:
        rule = "exact:" + _EXACT_RULE_NAMES.get(field_name, field_name)
        groups: dict[tuple[str, str], list[int]] = defaultdict(list)
        for index, record in enumerate(records):
            for value in _exact_values(record, field_name):
                groups[(record.kind, value)].append(index)
        for members in groups.values():
            if len(members) < 2 or len(members) > config.max_exact_group:
                continue
            for x, i in enumerate(members):
                for j in members[x + 1 :]:
                    pair = (i, j) if i < j else (j, i)
                    if pair in links or vetoed(pair[0], pair[1], field_name):
                        continue
                    links[pair] = _link(records, pair, rule, _exact_score(field_name, config))
    return links


def _exact_score(field_name: str, config: MatchConfig) -> float:
    """The agreement weight of the identifier, so exact and fuzzy scores share one unit (bits).

    External ids have no weight of their own and count like a national id.
    """
    weights = {
        "email": config.email,
        "phone": config.phone,
        "national_id": config.national_id,
    }.get(field_name, config.national_id)
    return round(weights.exact, 3)


def _link(records: Sequence[PartyRecord], pair: tuple[int, int], rule: str, score: float) -> Link:
    a, b = records[pair[0]].id, records[pair[1]].id
    if b < a:
        a, b = b, a
    return Link(a, b, rule, score)


_Features = TypeVar("_Features")


def _fuzzy_links(
    records: Sequence[PartyRecord],
    features: Mapping[int, _Features],
    keys: Callable[[_Features], Iterable[Hashable]],
    order: Callable[[_Features], str],
    score: Callable[[_Features, _Features], float | None],
    rule: str,
    config: MatchConfig,
    links: dict[tuple[int, int], Link],
) -> None:
    """Add a `rule` link for each candidate pair of one comparator that scores (not `None`)."""
    index = list(features)
    local = list(features.values())
    firsts, seconds = _candidate_pairs([keys(f) for f in local], [order(f) for f in local], config)
    chunk = 1 << 20  # as Python ints, tens of millions of pairs would take gigabytes
    for start in range(0, len(firsts), chunk):
        xs = firsts[start : start + chunk].tolist()
        ys = seconds[start : start + chunk].tolist()
        for x, y in zip(xs, ys, strict=True):
            i, j = index[x], index[y]
            pair = (i, j) if i < j else (j, i)
            if pair in links or records[i].kind != records[j].kind:
                continue
            total = score(local[x], local[y])
            if total is not None:
                links[pair] = _link(records, pair, rule, round(total, 3))


def find_links(records: Sequence[PartyRecord], config: MatchConfig = MatchConfig()) -> list[Link]:
    """All pairs of records judged to be the same party, each with the rule that decided it.

    A pair linked by an exact rule is reported once, under that rule, even if the fuzzy rule
    would also link it. Records of different kinds never link. The result is sorted by (a, b).
    """
    ids = [r.id for r in records]
    if len(set(ids)) != len(ids):
        raise ValueError("record ids must be unique")
    people = {i: _person(r) for i, r in enumerate(records) if r.kind in config.person_kinds}
    orgs = {
        i: _organization(r, config.free_mail_domains)
        for i, r in enumerate(records)
        if r.kind in config.organization_kinds
    }
    person_comparator = _PersonComparator(list(people.values()), config)
    org_comparator = _OrganizationComparator(config)

    def vetoed(i: int, j: int, field_name: str) -> bool:
        """Whether the rest of two records contradicts the identifier they share."""
        if field_name == "external_ids":
            return False
        if i in orgs and j in orgs:
            # Group companies share a switchboard or a mailbox; their names tell them apart.
            return field_name != "national_id" and org_comparator.name_level(orgs[i], orgs[j]) == 0
        if i not in people or j not in people:
            return False
        score = person_comparator.compare(people[i], people[j])
        assert score is not None  # without a floor there is always a score
        if field_name in ("email", "phone"):
            # Spouses share a mailbox, families a landline: different given names decide.
            return score.given_disagrees
        # A national id is personal, but ids get mistyped, recycled and filled with dummies:
        # distrust it when two of given name, surname and date of birth clearly differ, or
        # when everything else together outweighs it.
        differ = score.given_disagrees + score.surname_disagrees + (score.date_level == 0)
        return differ >= 2 or score.total < config.national_id_veto

    def person_score(p: _Person, q: _Person) -> float | None:
        score = person_comparator.compare(p, q, floor=config.person_threshold)
        return None if score is None else score.total

    def org_score(p: _Organization, q: _Organization) -> float | None:
        return org_comparator.compare(p, q, floor=config.organization_threshold)

    links = _exact_links(records, config, vetoed)
    _fuzzy_links(
        records,
        people,
        _person_keys,
        lambda p: f"{p.surname or ''} {p.given or ''}",
        person_score,
        "fuzzy:person",
        config,
        links,
    )
    _fuzzy_links(
        records,
        orgs,
        _organization_keys,
        lambda o: o.name or "",
        org_score,
        "fuzzy:organization",
        config,
        links,
    )
    return sorted(links.values(), key=lambda link: (link.a, link.b))


def clusters(ids: Iterable[str], links: Iterable[Link]) -> dict[str, str]:
    """Record id -> cluster id (the smallest record id in its cluster), by union-find.

    Every id in `ids` appears in the result, linked or not; link ends not in `ids` are added.
    """
    parent: dict[str, str] = {i: i for i in ids}

    def find(x: str) -> str:
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:  # path compression
            parent[x], x = root, parent[x]
        return root

    for link in links:
        parent.setdefault(link.a, link.a)
        parent.setdefault(link.b, link.b)
        ra, rb = find(link.a), find(link.b)
        if ra != rb:
            # The smaller id becomes the root, so a root is always its cluster's smallest id.
            if rb < ra:
                ra, rb = rb, ra
            parent[rb] = ra
    return {x: find(x) for x in parent}
