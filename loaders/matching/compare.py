"""Pair comparisons: field weights in bits (Fellegi-Sunter log2(m/u)), people scored with bounded
address evidence and name-swap tolerance, organizations with country and web-domain vetoes."""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz.distance import OSA, Indel, JaroWinkler

from loaders.matching.config import FieldWeights, MatchConfig
from loaders.matching.features import Organization, Person
from loaders.matching.names import NameStats, NameWeights, PlaceWeights


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


@dataclass(frozen=True, slots=True)
class PersonScore:
    total: float
    personal: bool  # some person-specific field (given name, dob, ids, contact) agrees
    given_disagrees: bool  # both given names known and clearly different
    surname_disagrees: bool
    date_level: int  # see `_date_level`


class PersonComparator:
    def __init__(self, names: NameStats, config: MatchConfig) -> None:
        self.config = config
        self.given = NameWeights(names, config.given_name, config)
        self.surname = NameWeights(names, config.surname, config)
        self.place = PlaceWeights(names, config.locality, config)

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

    def _address(self, p: Person, q: Person) -> float:
        """Address evidence, bounded: number, street, locality, postcode and state are one fact.

        Summed as if independent, a full agreement would reach ~28 bits, enough on its own to
        merge two people who merely live together, and a full disagreement ~-16 bits, enough to
        keep apart one person who moved house. The place (locality, postcode, state) is bounded
        on its own too: thousands of people share a suburb.
        """
        c = self.config
        if p.locality and p.locality == q.locality:
            place = self.place.exact(p.locality)  # as common as the locality is
        else:
            place = _text_weight(p.locality, q.locality, c.locality, c.text_close)
        place += _code_weight(p.postcode, q.postcode, c.postcode)
        if p.state and q.state:
            place += c.state.exact if p.state == q.state else c.state.disagree
        place = max(min(place, c.place_cap), c.address_floor)
        total = (
            place
            + _code_weight(p.street_number, q.street_number, c.street_number)
            + _text_weight(p.street, q.street, c.street, c.text_close)
        )
        return max(min(total, c.address_cap), c.address_floor)

    def _names(self, p: Person, q: Person) -> tuple[float, bool, bool]:
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

    def compare(self, p: Person, q: Person, floor: float | None = None) -> PersonScore | None:
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
        return PersonScore(total, personal, given_disagrees, surname_disagrees, date_level)


# --------------------------------------------------------------------------------------------
# Organization comparison


class OrganizationComparator:
    def __init__(self, config: MatchConfig) -> None:
        self.config = config

    def name_level(self, p: Organization, q: Organization) -> int:
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

    def compare(self, p: Organization, q: Organization, floor: float) -> float | None:
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
