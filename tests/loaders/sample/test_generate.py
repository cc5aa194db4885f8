"""The sample generator: every row it writes loads cleanly through `mappings/demo.yaml`, the data
hangs together (references resolve, committees and households have realistic shapes), the truth
file describes the duplicates, and the same seed gives the same bytes.

No database: the files are read and validated with the loader's own reader and transform.
"""

from __future__ import annotations

import hashlib
import json
import random
import string
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import phonenumbers
import pytest

from graph.ingest.records import (
    ENTITIES,
    REFERENCE_FIELDS,
    CommitteeRecord,
    InteractionRecord,
    PersonRecord,
    Record,
    ReferralRecord,
    SurveyResponseRecord,
)
from loaders.files import rows
from loaders.mapping import Mapping, read_mapping
from loaders.sample.files import LAYOUTS
from loaders.sample.generate import SampleSummary, write_sample
from loaders.sample.people import e164, international, landline, mobile, national
from loaders.sample.words import CITIES, COUNTRIES
from loaders.transform import to_record

DEMO = Path(__file__).resolve().parents[3] / "mappings" / "demo.yaml"
CUSTOMERS = 500
SEED = 11


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SampleSummary]:
    directory = tmp_path_factory.mktemp("demo")
    return directory, write_sample(directory, CUSTOMERS, SEED)


@pytest.fixture(scope="module")
def mapping(sample: tuple[Path, SampleSummary]) -> Mapping:
    return read_mapping(DEMO, base=sample[0])


@pytest.fixture(scope="module")
def records(mapping: Mapping) -> dict[str, list[Record]]:
    """Every record of every source, by file; fails on the first rejected row."""
    found: dict[str, list[Record]] = {}
    for source in mapping.sources:
        found[source.file] = []
        for row in rows(mapping.path(source), source):
            result = to_record(source, row)
            assert not isinstance(result, list), f"{source.file}:{row.line}: {result} in {row.text}"
            found[source.file].append(result)
    return found


def _truth(directory: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((directory / "truth.json").read_text(encoding="utf-8"))
    return loaded


def _digests(directory: Path) -> dict[str, str]:
    return {
        str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def test_the_mapping_reads_every_file_and_every_column(
    sample: tuple[Path, SampleSummary], mapping: Mapping
) -> None:
    directory, _ = sample
    written = {str(p.relative_to(directory)) for p in directory.rglob("*") if p.is_file()}
    assert {s.file for s in mapping.sources} == written - {"truth.json"}
    layouts = {layout.file: layout for layout in LAYOUTS.values()}
    for source in mapping.sources:
        layout = layouts[source.file]
        assert (source.entity, source.system, source.delimiter, source.encoding) == (
            layout.entity,
            layout.system,
            layout.delimiter,
            layout.encoding,
        )
        used = {spec.column for spec in source.fields.values() if spec.column}
        for spec in source.fields.values():
            if spec.template:
                used |= {name for _, name, _, _ in string.Formatter().parse(spec.template) if name}
        assert used == set(layout.columns), source.file


def test_every_row_validates_and_the_counts_match(
    sample: tuple[Path, SampleSummary], records: dict[str, list[Record]]
) -> None:
    _, summary = sample
    assert {f: len(r) for f, r in records.items()} == dict(summary.rows)
    assert set(summary.entities) == set(ENTITIES)
    assert all(summary.rows[f] > 0 for f in summary.rows)
    ids = [r.id for rs in records.values() for r in rs]
    duplicated = [i for i, n in Counter(ids).items() if n > 1]
    assert duplicated == []


def test_references_point_at_records_that_exist(records: dict[str, list[Record]]) -> None:
    ids = {r.id for rs in records.values() for r in rs}
    dangling = [
        (r.id, name, value)
        for rs in records.values()
        for r in rs
        for name in REFERENCE_FIELDS & set(type(r).model_fields)
        if isinstance(value := getattr(r, name), str) and value not in ids
    ]
    assert dangling == []


def _kind(record_id: str) -> str:
    return "organization" if record_id.startswith("crm:O") else "person"


def test_customer_parties_add_up_to_the_requested_count(
    sample: tuple[Path, SampleSummary], records: dict[str, list[Record]]
) -> None:
    directory, summary = sample
    assert sum(summary.parties.values()) == CUSTOMERS
    clusters = _truth(directory)["clusters"]
    merged = Counter(_kind(c[0]) for c in clusters for _ in c[1:])
    people = len(records["crm/persons.csv"]) + len(records["shop/customers.jsonl.gz"])
    assert people - merged["person"] == summary.parties["person"]
    firms = len(records["crm/organizations.csv"])
    assert firms - merged["organization"] == summary.parties["organization"]
    assert len(records["crm/households.csv"]) == summary.parties["household"]
    contacts = records["crm/contacts.csv"]
    assert all(isinstance(c, PersonRecord) and not c.is_customer and c.employer for c in contacts)


def test_truth_clusters_cover_crm_and_shop_records(
    sample: tuple[Path, SampleSummary], records: dict[str, list[Record]]
) -> None:
    directory, summary = sample
    truth = _truth(directory)
    assert truth["today"] == "2025-06-30"
    clusters: list[list[str]] = truth["clusters"]
    assert len(clusters) == summary.duplicate_clusters > CUSTOMERS // 5
    members = [i for c in clusters for i in c]
    assert len(members) == len(set(members))
    parties = {
        r.id: r
        for f in ("crm/persons.csv", "shop/customers.jsonl.gz", "crm/organizations.csv")
        for r in records[f]
    }
    assert set(members) <= set(parties)
    systems = Counter(tuple(sorted({i.split(":")[0] for i in c})) for c in clusters)
    assert systems[("crm", "shop")] > CUSTOMERS // 5
    assert systems[("crm",)] > 0  # duplicates inside one system too
    for cluster in clusters:
        found = {_kind(i) for i in cluster}
        assert len(found) == 1, cluster
        dobs = {getattr(parties[i], "date_of_birth", None) for i in cluster} - {None}
        assert len(dobs) <= 1, cluster


def test_duplicates_are_dirty_but_normalize_to_the_same_values(
    sample: tuple[Path, SampleSummary], mapping: Mapping, records: dict[str, list[Record]]
) -> None:
    raw: dict[str, dict[str, Any]] = {}
    for source in mapping.sources:
        if source.file in ("crm/persons.csv", "shop/customers.jsonl.gz"):
            column = source.fields["id"].column
            for row in rows(mapping.path(source), source):
                assert row.values is not None and column is not None
                raw[f"{source.system}:{row.values[column]}"] = row.values
    parsed = {r.id: r for f in ("crm/persons.csv", "shop/customers.jsonl.gz") for r in records[f]}
    pairs = [
        (c[0], c[1])
        for c in _truth(sample[0])["clusters"]
        if c[0].startswith("crm:P") and c[1].startswith("shop:")
    ]
    recased = retyped = reformatted = 0
    for crm, shop in pairs:
        a, b = raw[crm], raw[shop]
        same_email = getattr(parsed[crm], "email", None) == getattr(parsed[shop], "email", None)
        recased += bool(a["email"] and b.get("email") and a["email"] != b["email"] and same_email)
        retyped += (a["first_name"], a["last_name"]) != (b["first_name"], b["last_name"])
        same_phone = getattr(parsed[crm], "phone", None) == getattr(parsed[shop], "phone", None)
        reformatted += bool(a["phone"] and b.get("phone") and same_phone)
    assert recased > len(pairs) // 10
    assert retyped > len(pairs) // 10
    assert reformatted > len(pairs) // 10  # national in the CRM, international in the shop


def test_households_firms_and_committees_look_real(records: dict[str, list[Record]]) -> None:
    people = [r for r in records["crm/persons.csv"] if isinstance(r, PersonRecord)]
    households: dict[str, list[PersonRecord]] = defaultdict(list)
    for p in people:
        if p.household:
            households[p.household].append(p)
    assert households
    for members in households.values():
        assert 2 <= len(members) <= 5
        assert len({(m.street_number, m.street, m.postcode) for m in members}) == 1
    seats = [r for r in records["crm/committee.csv"] if isinstance(r, CommitteeRecord)]
    by_account: dict[str, list[CommitteeRecord]] = defaultdict(list)
    for seat in seats:
        by_account[seat.account or str(seat.deal)].append(seat)
    roles = Counter(role for seat in seats for role in seat.roles)
    assert len(roles) == 7
    assert any(len(seat.roles) > 1 for seat in seats)
    for key, committee in by_account.items():
        assert 3 <= len(committee) <= 10, key
        assert sum(seat.primary for seat in committee) == 1
        assert sum(seat.influence or 0.0 for seat in committee) == pytest.approx(1.0, abs=0.01)
    parents = [r for r in records["crm/organizations.csv"] if getattr(r, "parent", None)]
    assert parents
    managers = [r for r in records["crm/contacts.csv"] if isinstance(r, PersonRecord) and r.manager]
    assert managers


def test_interactions_cover_every_channel_and_buying_is_heterogeneous(
    sample: tuple[Path, SampleSummary], records: dict[str, list[Record]]
) -> None:
    interactions = [
        r
        for f in ("crm/activities.csv", "support/tickets.tsv", "marketing/touchpoints.jsonl.gz")
        for r in records[f]
        if isinstance(r, InteractionRecord)
    ]
    channels = {"email", "phone", "web", "social", "support", "meeting", "chat", "survey"}
    assert {i.channel.value for i in interactions} == channels
    assert any(i.sentiment is not None and i.sentiment < 0 for i in interactions)
    scores = {r.score for r in records["marketing/nps.csv"] if isinstance(r, SurveyResponseRecord)}
    assert min(scores) <= 6 and max(scores) >= 9
    statuses = Counter(getattr(r, "status", None) for r in records["crm/persons.csv"])
    assert {"prospect", "active", "former"} <= {s.value for s in statuses if s}
    orders = Counter(getattr(r, "customer", "") for r in records["shop/orders.jsonl.gz"])
    mean = sum(orders.values()) / len(orders)
    assert max(orders.values()) > 5 * mean  # a few heavy buyers
    assert Counter(orders.values())[1] > len(orders) // 5  # many buy once


def test_referral_chains_match_the_truth(
    sample: tuple[Path, SampleSummary], records: dict[str, list[Record]]
) -> None:
    directory, _ = sample
    referrals = [
        r
        for f in ("partners/referrals.csv", "crm/referrals.csv")
        for r in records[f]
        if isinstance(r, ReferralRecord)
    ]
    parent: dict[str, str] = {}
    for r in referrals:
        assert r.referred not in parent  # referred once at most
        parent[r.referred] = r.referrer

    def depth(node: str) -> int:
        return 0 if node not in parent else 1 + depth(parent[node])

    found = Counter(depth(node) for node in parent)
    expected = _truth(directory)["referral_depths"]
    assert [found[d] for d in range(1, len(expected))] == expected[1:]
    assert max(found) >= 3


@pytest.mark.parametrize("country", COUNTRIES)
def test_generated_phone_numbers_are_valid(country: str) -> None:
    rng = random.Random(country)
    for serial in [*range(1, 400), *range(7_999_000, 8_000_000, 7)]:
        city = rng.choice(CITIES[country])
        for digits in (mobile(rng, country, serial, city), landline(country, serial, city)):
            for text in (
                national(country, digits),
                international(country, digits),
                e164(country, digits),
            ):
                parsed = phonenumbers.parse(text, country)
                assert phonenumbers.is_valid_number(parsed), text
                assert phonenumbers.format_number(
                    parsed, phonenumbers.PhoneNumberFormat.E164
                ) == e164(country, digits)


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    first, second, other = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    write_sample(first, 120, 5)
    write_sample(second, 120, 5)
    write_sample(other, 120, 6)
    assert _digests(first) == _digests(second)
    assert _digests(first) != _digests(other)
    for gz in first.rglob("*.gz"):
        header = gz.read_bytes()[:10]
        assert header[3] == 0 and header[4:8] == b"\0\0\0\0"  # no file name, mtime 0


@pytest.mark.parametrize("customers", [1, 2, 3, 7])
def test_tiny_samples_have_exactly_the_customers_asked_for(tmp_path: Path, customers: int) -> None:
    summary = write_sample(tmp_path, customers, 1)
    assert sum(summary.parties.values()) == customers
    assert str(summary).startswith(f"{customers} customers")
