"""Name helpers of the matcher: Soundex, company names without legal forms, one-deletion variants
of identifiers, and name weights that follow how common a name is (`NameStats`, `NameWeights`)."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

from graph.ingest import normalize
from loaders.matching.config import FieldWeights, MatchConfig

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


def deletions(value: str) -> list[str]:
    """Each string made by deleting one character, tagged by position.

    Two ids that differ by one substituted digit share exactly one of these, so exact-key
    blocking on them finds one-typo pairs without comparing everything with everything.
    """
    return [f"{i}:{value[:i]}{value[i + 1 :]}" for i in range(len(value))]


PLACE = "@"  # a locality's count in the model is under this prefix (folded names never hold it)


def place(locality: str | None) -> str | None:
    """A locality as the model counts it."""
    return PLACE + locality if locality else None


@dataclass(frozen=True)
class NameStats:
    """How many people carry each name (given names and surnames counted together, each name once
    per person) and live in each locality (`place`), and how many people were counted: the
    frequency model behind name and locality weights."""

    counts: Mapping[str, int]
    people: int

    @classmethod
    def of(cls, names: Iterable[Iterable[str | None]]) -> NameStats:
        """From each person's name parts (flattened: without spaces) and `place`."""
        counts: Counter[str] = Counter()
        people = 0
        for parts in names:
            people += 1
            counts.update({n for n in parts if n})
        return cls(counts, people)


class NameWeights:
    """Exact-agreement weights adjusted for how common each name is.

    Two records agreeing on "smith" say less than two agreeing on "sondergeld": u for an exact
    agreement is the share of people carrying the name, smoothed towards the configured default
    so a handful of records does not produce absurd weights. Given names and surnames are
    counted together, since sources swap them.
    """

    def __init__(self, stats: NameStats, w: FieldWeights, config: MatchConfig) -> None:
        self.counts = stats.counts
        self.total = stats.people
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


class PlaceWeights(NameWeights):
    """Locality agreement weights: the name weights' rule over the people's localities, never
    more than the configured weight. Thousands of people share a city: at a million records,
    agreeing on "london" alone outweighed nothing, and names plus the city linked dozens of
    different people into one party. A locality the model did not count (a model stored before
    localities were counted) keeps the configured weight."""

    def exact(self, value: str) -> float:
        key = PLACE + value
        if self.counts.get(key, 0) == 0:
            return self.w.exact
        return min(super().exact(key), self.w.exact)
