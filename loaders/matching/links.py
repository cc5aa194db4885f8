"""Rules: which candidate pairs become links. Exact rules on shared identifiers first, then the fuzzy
person and organization comparators within blocks (`find_links`)."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence, Set
from typing import TypeVar

from loaders.matching.blocking import candidate_pairs, exact_values, organization_keys, person_keys
from loaders.matching.compare import OrganizationComparator, PersonComparator
from loaders.matching.config import Link, MatchConfig, PartyRecord
from loaders.matching.features import Organization, Person, organization_features, person_features
from loaders.matching.names import NameStats, place

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
            for value in exact_values(record, field_name):
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
Features = Person | Organization | None


def record_features(record: PartyRecord, config: MatchConfig) -> Features:
    """A record's comparison features, by its kind: a person's, an organization's, or none."""
    if record.kind in config.person_kinds:
        return person_features(record)
    if record.kind in config.organization_kinds:
        return organization_features(record, config.free_mail_domains)
    return None


def _fuzzy_links(
    records: Sequence[PartyRecord],
    index: Sequence[int],
    local: Sequence[_Features],
    keys: Callable[[_Features], Iterable[Hashable]],
    order: Callable[[_Features], str],
    score: Callable[[_Features, _Features], float | None],
    rule: str,
    config: MatchConfig,
    links: dict[tuple[int, int], Link],
) -> None:
    """Add a `rule` link for each candidate pair of one comparator that scores (not `None`):
    `local[k]` is the features of `records[index[k]]`."""
    firsts, seconds = candidate_pairs(map(keys, local), [order(f) for f in local], config)
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


def person_threshold(config: MatchConfig, people: int) -> float:
    """The bits a person pair needs with a name model of this many people: the configured
    threshold, raised by log2(people / threshold_people) past `threshold_people`."""
    if people <= config.threshold_people:
        return config.person_threshold
    return config.person_threshold + math.log2(people / config.threshold_people)


class Matcher:
    """The pair decisions of the rules, for one configuration and one name-frequency model.

    `find_links` uses it over candidate pairs from blocking; incremental resolution uses it on the
    pairs a change can touch, so both decide every pair alike.
    """

    def __init__(self, config: MatchConfig, names: NameStats) -> None:
        self.config = config
        self.people = PersonComparator(names, config)
        self.orgs = OrganizationComparator(config)
        self.person_threshold = person_threshold(config, names.people)

    def vetoed(self, p: Features, q: Features, field_name: str) -> bool:
        """Whether the rest of two records contradicts the identifier they share."""
        if field_name == "external_ids":
            return False
        if isinstance(p, Organization) and isinstance(q, Organization):
            # Group companies share a switchboard or a mailbox; their names tell them apart.
            return field_name != "national_id" and self.orgs.name_level(p, q) == 0
        if not isinstance(p, Person) or not isinstance(q, Person):
            return False
        score = self.people.compare(p, q)
        assert score is not None  # without a floor there is always a score
        if field_name in ("email", "phone"):
            # Spouses share a mailbox, families a landline: different given names decide.
            return score.given_disagrees
        # A national id is personal, but ids get mistyped, recycled and filled with dummies:
        # distrust it when two of given name, surname and date of birth clearly differ, or
        # when everything else together outweighs it.
        differ = score.given_disagrees + score.surname_disagrees + (score.date_level == 0)
        return differ >= 2 or score.total < self.config.national_id_veto

    def person_score(self, p: Person, q: Person) -> float | None:
        score = self.people.compare(p, q, floor=self.person_threshold)
        return None if score is None else score.total

    def org_score(self, p: Organization, q: Organization) -> float | None:
        return self.orgs.compare(p, q, floor=self.config.organization_threshold)

    def link(
        self,
        x: PartyRecord,
        y: PartyRecord,
        p: Features,
        q: Features,
        exact: Set[str],
        fuzzy: bool,
    ) -> Link | None:
        """The link of two records of one kind, given the exact fields whose rule pairs them
        (`exact`: they share a value no more common than `max_exact_group`) and whether blocking
        makes them fuzzy candidates; `None` when no rule links them."""
        for field_name in self.config.exact_fields:
            if field_name in exact and not self.vetoed(p, q, field_name):
                rule = "exact:" + _EXACT_RULE_NAMES.get(field_name, field_name)
                return _ordered(x.id, y.id, rule, _exact_score(field_name, self.config))
        if not fuzzy or x.kind != y.kind:
            return None
        if isinstance(p, Person) and isinstance(q, Person):
            total, rule = self.person_score(p, q), "fuzzy:person"
        elif isinstance(p, Organization) and isinstance(q, Organization):
            total, rule = self.org_score(p, q), "fuzzy:organization"
        else:
            return None
        return None if total is None else _ordered(x.id, y.id, rule, round(total, 3))


def _ordered(a: str, b: str, rule: str, score: float) -> Link:
    return Link(a, b, rule, score) if a < b else Link(b, a, rule, score)


def person_order(p: Person) -> str:
    """The sort key of people in a large block (sorted neighbourhood)."""
    return f"{p.surname or ''} {p.given or ''}"


def organization_order(o: Organization) -> str:
    return o.name or ""


def _counted(p: Person) -> tuple[str | None, ...]:
    """What the model counts of a person: the flattened name parts and the locality."""
    return p.given_flat, p.surname_flat, place(p.locality)


def name_stats(
    records: Iterable[PartyRecord], config: MatchConfig, features: Iterable[Features] | None = None
) -> NameStats:
    """The frequency model of a set of records: their people's flattened name parts and
    localities.
    `features`, when given, are the records' (`record_features`, in the same order)."""
    if features is None:
        people: Iterable[Features] = (
            person_features(r) for r in records if r.kind in config.person_kinds
        )
    else:
        people = features
    return NameStats.of(_counted(p) for p in people if isinstance(p, Person))


_DEFAULT = MatchConfig()


def find_links(
    records: Sequence[PartyRecord],
    config: MatchConfig = _DEFAULT,
    names: NameStats | None = None,
    features: Sequence[Features] | None = None,
) -> list[Link]:
    """All pairs of records judged to be the same party, each with the rule that decided it.

    A pair linked by an exact rule is reported once, under that rule, even if the fuzzy rule
    would also link it. Records of different kinds never link. The result is sorted by (a, b).
    Name weights come from `names`, by default from the records themselves. `features`, when
    given, are the records' (`record_features`, in the same order): a caller that holds them
    already saves computing them again, and holding them twice.
    """
    ids = [r.id for r in records]
    if len(set(ids)) != len(ids):
        raise ValueError("record ids must be unique")
    if features is None:
        features = [record_features(r, config) for r in records]
    elif len(features) != len(records):
        raise ValueError("one feature set per record")
    found = features  # (a name mypy keeps narrowed inside `vetoed`)
    people = [i for i, f in enumerate(found) if isinstance(f, Person)]
    orgs = [i for i, f in enumerate(found) if isinstance(f, Organization)]
    if names is None:
        names = name_stats(records, config, found)
    matcher = Matcher(config, names)

    def vetoed(i: int, j: int, field_name: str) -> bool:
        return matcher.vetoed(found[i], found[j], field_name)

    links = _exact_links(records, config, vetoed)
    _fuzzy_links(
        records,
        people,
        [f for f in found if isinstance(f, Person)],
        person_keys,
        person_order,
        matcher.person_score,
        "fuzzy:person",
        config,
        links,
    )
    _fuzzy_links(
        records,
        orgs,
        [f for f in found if isinstance(f, Organization)],
        organization_keys,
        organization_order,
        matcher.org_score,
        "fuzzy:organization",
        config,
        links,
    )
    return sorted(links.values(), key=lambda link: (link.a, link.b))
