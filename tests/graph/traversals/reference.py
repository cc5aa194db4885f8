"""The demo sample's facts read straight from its source files, for reference implementations.

Records are read and validated with the loaders' own readers (the files' formats are not what is
under test); every party reference is then mapped to the party it resolves to through the graph's
`SourceRecord -[:RESOLVES_TO]-> Party` edges (identity resolution merges some records), so the
references compare on party ids. Node attributes the traversals only pass through (a party's
labels, status and stored `revenue`) are read from the graph by plain look-ups.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from neo4j import Driver

from graph.config import PROJECT_ROOT
from graph.ingest.records import (
    CommitteeRecord,
    InteractionRecord,
    KnowsRecord,
    OrderLineRecord,
    OrderRecord,
    PersonRecord,
    Record,
    ReferralRecord,
)
from loaders.files import rows
from loaders.mapping import read_mapping
from loaders.transform import to_record


def records(folder: Path) -> Iterator[tuple[str, Record]]:
    """(entity, record) for every valid row of the demo mapping's files."""
    mapping = read_mapping(PROJECT_ROOT / "mappings" / "demo.yaml", base=folder)
    for source in mapping.sources:
        for row in rows(mapping.path(source), source):
            found = to_record(source, row)
            if not isinstance(found, list):
                yield source.entity, found


@dataclass(frozen=True)
class Referral:
    src: str
    referrer: str
    referred: str
    date: dt.date
    channel: str | None
    incentive: float | None


@dataclass(frozen=True)
class Seat:
    src: str
    person: str
    target: str  # an organization's party id or a deal's id
    roles: tuple[str, ...]
    influence: float | None
    primary: bool


@dataclass(frozen=True)
class Knows:
    src: str
    employee: str
    person: str
    strength: float | None
    since: dt.date | None


@dataclass(frozen=True)
class Touch:
    id: str
    party: str
    at: dt.datetime
    sentiment: float | None
    employee: str | None


@dataclass(frozen=True)
class Purchase:
    order: str
    party: str
    date: dt.date
    status: str | None
    products: tuple[str, ...]


@dataclass
class Sample:
    party_of: dict[str, str]  # source record id -> party id
    records_of: dict[str, list[str]]  # party id -> its party source record ids
    labels: dict[str, set[str]]
    status: dict[str, str | None]
    revenue: dict[str, float]
    referrals: list[Referral]
    seats: list[Seat]
    knows: list[Knows]
    touches: list[Touch]
    purchases: list[Purchase]
    contacts: dict[str, PersonRecord]  # contact record id -> its record (title, manager)


def load_sample(driver: Driver, database: str, folder: Path) -> Sample:
    found, _, _ = driver.execute_query(
        "MATCH (s:SourceRecord)-[:RESOLVES_TO]->(p:Party) "
        "RETURN s.id AS record, p.id AS party, s.kind IS NOT NULL AS own",
        database_=database,
    )
    party_of = {r["record"]: r["party"] for r in found}
    records_of: dict[str, list[str]] = {}
    for r in found:
        if r["own"]:
            records_of.setdefault(r["party"], []).append(r["record"])
    parties, _, _ = driver.execute_query(
        "MATCH (p:Party) RETURN p.id AS id, labels(p) AS labels, p.status AS status, "
        "p.revenue AS revenue",
        database_=database,
    )
    sample = Sample(
        party_of=party_of,
        records_of=records_of,
        labels={p["id"]: set(p["labels"]) for p in parties},
        status={p["id"]: p["status"] for p in parties},
        revenue={p["id"]: float(p["revenue"] or 0.0) for p in parties},
        referrals=[],
        seats=[],
        knows=[],
        touches=[],
        purchases=[],
        contacts={},
    )
    orders: dict[str, OrderRecord] = {}
    lines: dict[str, list[str]] = {}
    for _, record in records(folder):
        match record:
            case ReferralRecord():
                sample.referrals.append(
                    Referral(
                        record.id,
                        party_of[record.referrer],
                        party_of[record.referred],
                        record.date,
                        record.channel,
                        record.incentive,
                    )
                )
            case CommitteeRecord():
                target = party_of[record.account] if record.account else record.deal
                assert target is not None
                sample.seats.append(
                    Seat(
                        record.id,
                        party_of[record.person],
                        target,
                        tuple(r.value for r in record.roles),
                        record.influence,
                        record.primary,
                    )
                )
            case KnowsRecord():
                sample.knows.append(
                    Knows(
                        record.id,
                        party_of[record.employee],
                        party_of[record.person],
                        record.strength,
                        record.since,
                    )
                )
            case InteractionRecord():
                employee = party_of[record.employee] if record.employee else None
                sample.touches.append(
                    Touch(
                        record.id,
                        party_of[record.customer],
                        record.at,
                        record.sentiment,
                        employee,
                    )
                )
            case OrderRecord():
                orders[record.id] = record
            case OrderLineRecord():
                lines.setdefault(record.order, []).append(record.product)
            case PersonRecord() if record.id.startswith("crm:C"):
                sample.contacts[record.id] = record
    sample.purchases = [
        Purchase(o.id, party_of[o.customer], o.date, o.status, tuple(lines.get(o.id, ())))
        for o in orders.values()
    ]
    return sample
