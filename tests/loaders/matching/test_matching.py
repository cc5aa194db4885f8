"""The matching engine: hand-built records whose links were worked out by hand, and FEBRL."""

from __future__ import annotations

from dataclasses import replace
from math import log2

import pytest

from loaders.matching import (
    Link,
    MatchConfig,
    Matcher,
    NameStats,
    PartyRecord,
    candidate_pairs,
    clusters,
    febrl,
    find_links,
    organization_name,
    soundex,
)
from loaders.matching.features import person_features
from loaders.matching.links import person_threshold, record_features

# One person three times (typos, day/month swap, transposed id digits, swapped names), plus the
# people a careless matcher merges with them: a relative at the same address sharing the family
# mailbox, and a twin (same surname, address and birthday, another given name).
JONATHAN = PartyRecord(
    id="crm:1",
    kind="person",
    given_name="jonathan",
    surname="smithers",
    email="smithers.family@example.com",
    date_of_birth="1980-02-01",
    street_number="12",
    street="rupp place",
    locality="penshurst",
    postcode="2222",
    state="nsw",
    national_id="1234567",
)
JONATHON_TYPOS = replace(
    JONATHAN,
    id="crm:2",
    given_name="jonathon",
    email=None,
    date_of_birth="1980-01-02",
    street="rup place",
    national_id="1234576",
)
SWAPPED = PartyRecord(
    id="crm:3",
    kind="person",
    given_name="smithers",
    surname="jonathan",
    date_of_birth="1980-02-01",
    street_number="12",
    street="rupp place",
    locality="penshurst",
    postcode="2222",
)
MARY_SAME_HOUSE = replace(
    JONATHAN, id="crm:4", given_name="mary", date_of_birth="1982-07-19", national_id="7654321"
)
TWIN = replace(JONATHAN, id="crm:5", given_name="oliver", email=None, national_id=None)


def pairs(links: list[Link]) -> list[tuple[str, str, str]]:
    return [(link.a, link.b, link.rule) for link in links]


def test_typos_and_swapped_names_link_but_relatives_and_twins_do_not() -> None:
    records = [JONATHAN, JONATHON_TYPOS, SWAPPED, MARY_SAME_HOUSE, TWIN]
    links = find_links(records)
    assert pairs(links) == [
        ("crm:1", "crm:2", "fuzzy:person"),
        ("crm:1", "crm:3", "fuzzy:person"),
        ("crm:2", "crm:3", "fuzzy:person"),
    ]
    assert all(link.score >= MatchConfig().person_threshold for link in links)
    assert clusters((r.id for r in records), links) == {
        "crm:1": "crm:1",
        "crm:2": "crm:1",
        "crm:3": "crm:1",
        "crm:4": "crm:4",
        "crm:5": "crm:5",
    }


def test_same_surname_and_postcode_is_not_a_match() -> None:
    other = PartyRecord(
        id="crm:9",
        kind="person",
        given_name="peter",
        surname="smithers",
        date_of_birth="1955-11-30",
        street_number="7",
        street="kent road",
        locality="penshurst",
        postcode="2222",
        state="nsw",
        national_id="9988776",
    )
    assert find_links([JONATHAN, other]) == []


def test_exact_identifier_links_within_a_kind_and_is_explained() -> None:
    moved = replace(
        JONATHAN,
        id="crm:7",
        email=None,
        street_number="3",
        street="ocean parade",
        locality="manly",
        postcode="2095",
    )
    config = MatchConfig()
    assert find_links([moved, JONATHAN]) == [
        Link("crm:1", "crm:7", "exact:national_id", round(config.national_id.exact, 3))
    ]
    company = PartyRecord(id="crm:8", kind="organization", name="Smithers", national_id="1234567")
    assert find_links([JONATHAN, company]) == []


def test_shared_mailbox_does_not_link_different_given_names() -> None:
    partner = PartyRecord(
        id="crm:6", kind="person", given_name="mary", surname="smithers", email=JONATHAN.email
    )
    same_person = PartyRecord(
        id="crm:0", kind="person", given_name="jon", surname="smithers", email=JONATHAN.email
    )
    assert pairs(find_links([JONATHAN, partner, same_person])) == [
        ("crm:0", "crm:1", "exact:email"),
    ]


def test_shared_phone_links_records_without_contradicting_names() -> None:
    a = PartyRecord(id="web:a", kind="person", name="Ann Lee", phone="+61412345678")
    b = PartyRecord(id="web:b", kind="person", phone="+61412345678")
    household = PartyRecord(id="web:h", kind="household", phone="+61412345678")
    assert pairs(find_links([a, b, household])) == [("web:a", "web:b", "exact:phone")]


def test_placeholder_identifiers_link_nothing() -> None:
    config = MatchConfig(max_exact_group=3)
    records = [
        PartyRecord(id=f"x:{i}", kind="person", given_name=name, national_id="0000000")
        for i, name in enumerate(["ann", "bob", "cyd", "dan"])
    ]
    assert find_links(records, config) == []
    assert pairs(find_links(records[:2], config)) == [("x:0", "x:1", "exact:national_id")]


def test_external_ids_link() -> None:
    a = PartyRecord(id="crm:a", kind="broker", name="Kim Ng", external_ids=("afsl:123", "x:1"))
    b = PartyRecord(id="erp:b", kind="broker", name="K Ng", external_ids=("afsl:123",))
    assert pairs(find_links([b, a])) == [("crm:a", "erp:b", "exact:external_id")]


def test_organization_names_ignore_legal_suffixes_but_not_countries() -> None:
    assert organization_name("The ACME Pty. Ltd.") == "acme"
    assert organization_name("Acme Holdings GmbH & Co. KG") == "acme holdings"
    assert organization_name("Ltd") == "ltd"
    records = [
        PartyRecord(id="org:1", kind="organization", name="acme pty ltd", country="au"),
        PartyRecord(id="org:2", kind="organization", name="Acme Limited", country="au"),
        PartyRecord(id="org:3", kind="organization", name="Acme GmbH", country="de"),
        PartyRecord(id="org:4", kind="organization", name="Apex Ltd", country="au"),
        PartyRecord(id="org:5", kind="organization", name="Acme Corp.", email="info@acme.com.au"),
    ]
    links = find_links(records)
    assert pairs(links) == [
        ("org:1", "org:2", "fuzzy:organization"),
        ("org:1", "org:5", "fuzzy:organization"),
        ("org:2", "org:5", "fuzzy:organization"),
    ]


def test_thresholds_are_configurable() -> None:
    records = [JONATHAN, JONATHON_TYPOS]
    assert pairs(find_links(records)) == [("crm:1", "crm:2", "fuzzy:person")]
    assert find_links(records, MatchConfig(person_threshold=1000.0)) == []


def test_links_from_features_given_are_the_links_from_the_records() -> None:
    """The full resolution hands over the features it holds; they must decide as the records do,
    people and organizations alike, each feature set taken as its record's."""
    org = PartyRecord(id="org:1", kind="organization", name="acme pty ltd", country="au")
    twin = replace(org, id="org:2", name="Acme Limited")
    records = [JONATHAN, org, JONATHON_TYPOS, twin]
    config = MatchConfig()
    features = [record_features(r, config) for r in records]
    expected = [
        ("crm:1", "crm:2", "fuzzy:person"),
        ("org:1", "org:2", "fuzzy:organization"),
    ]
    assert pairs(find_links(records)) == expected
    assert pairs(find_links(records, config, None, features)) == expected
    # Each feature set is taken as the record's at its position: swapped, the people's records
    # are compared as the organizations and the other way round.
    swapped = [features[1], features[0], features[3], features[2]]
    assert pairs(find_links(records, config, None, swapped)) == [
        ("crm:1", "crm:2", "fuzzy:organization"),
        ("org:1", "org:2", "fuzzy:person"),
    ]
    with pytest.raises(ValueError, match="one feature set per record"):
        find_links(records, config, None, features[:-1])


def test_duplicate_ids_are_rejected() -> None:
    with pytest.raises(ValueError, match="unique"):
        find_links([JONATHAN, JONATHAN])


def test_clusters_take_the_smallest_id_and_keep_singletons() -> None:
    links = [Link("b", "c", "exact:email", 1.0), Link("a", "c", "exact:email", 1.0)]
    assert clusters(["d", "c", "b", "a"], links) == {"a": "a", "b": "a", "c": "a", "d": "d"}
    assert clusters(["x"], [Link("y", "z", "fuzzy:person", 30.0)]) == {
        "x": "x",
        "y": "y",
        "z": "y",
    }


@pytest.mark.parametrize(
    ("word", "code"),
    [("robert", "r163"), ("rupert", "r163"), ("ashcraft", "a261"), ("pfister", "p236"), ("", "")],
)
def test_soundex(word: str, code: str) -> None:
    assert soundex(word) == code


def test_oversized_blocks_fall_back_to_sorted_neighbourhood() -> None:
    # Records 0-4 share key "big" (5 > cap of 3): sorted by name, each meets only its next
    # neighbour. Records 5-7 share "small" (3 <= cap): all three pairs. Record 8 is alone.
    keys = [["big"]] * 5 + [["small"]] * 3 + [["alone"]]
    order = ["e", "a", "d", "b", "c", "x", "y", "z", "w"]
    firsts, seconds = candidate_pairs(keys, order, MatchConfig(max_block_size=3, window=1))
    found = sorted(zip(firsts.tolist(), seconds.tolist(), strict=True))
    # Sorted: a(1) b(3) c(4) d(2) e(0) -> neighbours 1-3, 3-4, 2-4, 0-2.
    assert found == [(0, 2), (1, 3), (2, 4), (3, 4), (5, 6), (5, 7), (6, 7)]
    # The keys may come as a generator, read once (the full resolution does not hold them).
    once = candidate_pairs((k for k in keys), order, MatchConfig(max_block_size=3, window=1))
    assert sorted(zip(once[0].tolist(), once[1].tolist(), strict=True)) == found


def test_pair_scores_count_pairs_within_clusters() -> None:
    truth = {"a": "1", "b": "1", "c": "1", "d": "2"}
    predicted = {"a": "a", "b": "a", "c": "c", "d": "c"}
    scores = febrl.pair_scores(predicted, truth, seconds=1.5)
    # Predicted pairs ab and cd; true pairs ab, ac, bc. One hit.
    assert scores == febrl.Scores(
        precision=0.5, recall=1 / 3, f1=0.4, true_pairs=3, predicted_pairs=2, seconds=1.5
    )


def test_febrl_dataset1_pairwise_f1() -> None:
    scores = febrl.evaluate(febrl.DATA_DIR / "dataset1.csv")
    assert scores.true_pairs == 500
    assert scores.precision >= 0.95
    assert scores.recall >= 0.95
    assert scores.f1 >= 0.95


def test_companies_of_one_name_with_different_web_domains_stay_apart() -> None:
    a = PartyRecord(id="crm:O1", kind="organization", name="Granite Consulting LLC", country="US",
                    email="office@graniteconsulting205.com")  # fmt: skip
    b = PartyRecord(id="crm:O2", kind="organization", name="Granite Consulting Inc.", country="US",
                    email="info@graniteconsulting616.com")  # fmt: skip
    c = PartyRecord(id="crm:O3", kind="organization", name="Granite Consulting", country="US",
                    domain="www.graniteconsulting205.com")  # fmt: skip
    links = find_links([a, b, c])
    assert [(link.a, link.b, link.rule) for link in links] == [
        ("crm:O1", "crm:O3", "fuzzy:organization")
    ]


def test_a_big_city_weighs_as_little_as_it_is_common() -> None:
    """Two strangers called Oscar Lewis in London, known by name and city, are not one person.

    On the 1M sample the city weighed 7.7 bits however many people lived in it, so names plus
    London linked records with nothing else in common: 39 different Oscar Lewises were one
    party, and pair precision was 0.64. The model now counts localities as it counts names."""
    config = MatchConfig()
    people = 1_000_000
    counts = {"oscar": 5_000, "lewis": 6_000, "@london": 150_000, "@tring": 50}
    matcher = Matcher(config, NameStats(counts, people))
    a = PartyRecord(
        id="crm:1",
        kind="person",
        given_name="oscar",
        surname="lewis",
        locality="london",
        phone="+447264626682",
    )
    b = replace(a, id="crm:2", phone=None)

    def u(count: int, default: float) -> float:  # the smoothed share (1,000 prior records)
        return (count + 1000 * default) / (people + 1000)

    names = log2(0.65 / u(5_000, 0.005)) + log2(0.65 / u(6_000, 0.002))
    london = log2(0.63 / u(150_000, 0.003))

    def total(x: PartyRecord, y: PartyRecord, model: Matcher = matcher) -> float:
        found = model.people.compare(person_features(x), person_features(y))
        assert found is not None
        return found.total

    assert total(a, b) == pytest.approx(names + london)
    assert names + london < config.person_threshold
    assert matcher.person_score(person_features(a), person_features(b)) is None
    # A town of 50 says no more than the configured weight, as before: the pair links there.
    a_tring, b_tring = replace(a, locality="tring"), replace(b, locality="tring")
    assert total(a_tring, b_tring) == pytest.approx(names + config.locality.exact)
    assert names + config.locality.exact >= config.person_threshold
    # A model stored before localities were counted keeps the configured weight too.
    older = Matcher(config, NameStats({"oscar": 5_000, "lewis": 6_000}, people))
    assert total(a, b, older) == pytest.approx(names + config.locality.exact)


def test_the_person_threshold_rises_with_the_population() -> None:
    """The same pair with the same name and town shares links among 100,000 people, not among
    1.6 million: there, 16 times as many strangers share the name and the town, and the
    threshold is 4 bits (log2 16) higher."""
    config = MatchConfig()
    assert person_threshold(config, 10_000) == person_threshold(config, 100_000) == 20.0
    assert person_threshold(config, 1_600_000) == pytest.approx(24.0)
    a = PartyRecord(
        id="crm:1", kind="person", given_name="oscar", surname="lewis", locality="tring"
    )
    b = replace(a, id="crm:2", phone="+447264626682")
    small = Matcher(config, NameStats({"oscar": 500, "lewis": 600, "@tring": 3}, 100_000))
    large = Matcher(config, NameStats({"oscar": 8_000, "lewis": 9_600, "@tring": 48}, 1_600_000))
    p, q = person_features(a), person_features(b)
    totals = []
    for matcher in (small, large):
        found = matcher.people.compare(p, q)
        assert found is not None and 20.0 <= found.total < 24.0  # (names 13.8, town 7.7 bits)
        totals.append(found.total)
    assert small.person_score(p, q) == pytest.approx(totals[0])
    assert large.person_score(p, q) is None
