"""Validated records → the row maps `graph.ingest.upsert` statements take."""

from __future__ import annotations

import hashlib
from typing import Any

import orjson

from graph.ingest.records import (
    BrokerRecord,
    CommitteeRecord,
    DealRecord,
    InteractionRecord,
    KnowsRecord,
    OrderLineRecord,
    OrderRecord,
    ProductRecord,
    Record,
    ReferralRecord,
    SurveyResponseRecord,
    dump,
)


def record_hash(entity: str, values: dict[str, Any]) -> str:
    """The hash of a record's values (its `dump`)."""
    payload = orjson.dumps([entity, values], option=orjson.OPT_SORT_KEYS)
    return hashlib.blake2b(payload, digest_size=16).hexdigest()


def party_kind(entity: str, record: Record) -> str:
    if entity == "broker":
        assert isinstance(record, BrokerRecord)
        return "organization" if record.organization else "person"
    if entity == "employee":
        return "person"
    return entity


def statement_for(entity: str, record: Record) -> str:
    """Which `graph.ingest.upsert.STATEMENTS` entry writes this record."""
    if entity in {"person", "organization", "household", "broker", "employee"}:
        return "party"
    if isinstance(record, CommitteeRecord):
        return "committee_account" if record.account else "committee_deal"
    return entity


def row(entity: str, system: str, record: Record) -> dict[str, Any]:
    party = statement_for(entity, record) == "party"
    dumped = dump(record)  # a party's row carries it whole; its hash needs it either way
    base: dict[str, Any] = {
        "id": record.id,
        "system": system,
        "recordId": record.id.split(":", 1)[1],
        "entity": entity,
        "hash": record_hash(entity, dumped),
        "ts": record.source_ts,
    }
    if party:
        base["kind"] = party_kind(entity, record)
        base["data"] = orjson.dumps(dumped).decode()
        return base
    return base | _specific(record)


def _specific(record: Record) -> dict[str, Any]:
    props: dict[str, Any]
    match record:
        case ProductRecord():
            props = {"name": record.name, "category": record.category, "price": record.price,
                     "currency": record.currency}  # fmt: skip
            return {"props": props}
        case OrderRecord():
            props = {"date": record.date, "amount": record.amount, "currency": record.currency,
                     "quantity": record.quantity, "status": record.status}  # fmt: skip
            return {"props": props, "customer": record.customer}
        case OrderLineRecord():
            props = {"lineNo": record.line_no, "quantity": record.quantity, "amount": record.amount,
                     "currency": record.currency}  # fmt: skip
            return {"props": props, "order": record.order, "product": record.product}
        case InteractionRecord():
            props = {"at": record.at, "channel": record.channel.value,
                     "direction": record.direction.value if record.direction else None,
                     "type": record.type, "outcome": record.outcome, "sentiment": record.sentiment}  # fmt: skip
            return {"props": props, "customer": record.customer, "employee": record.employee,
                    "product": record.product}  # fmt: skip
        case SurveyResponseRecord():
            props = {"at": record.at, "score": record.score, "survey": record.survey,
                     "comment": record.comment}  # fmt: skip
            return {"props": props, "customer": record.customer}
        case DealRecord():
            props = {"name": record.name, "stage": record.stage, "amount": record.amount,
                     "currency": record.currency, "openedAt": record.opened_at}  # fmt: skip
            return {"props": props, "account": record.account}
        case ReferralRecord():
            props = {"date": record.date, "channel": record.channel, "incentive": record.incentive,
                     "currency": record.currency}  # fmt: skip
            return _relationship(record, record.referrer, record.referred, props)
        case KnowsRecord():
            props = {"strength": record.strength, "since": record.since}
            return _relationship(record, record.employee, record.person, props)
        case CommitteeRecord():
            props = {"roles": [r.value for r in record.roles], "influence": record.influence,
                     "primary": record.primary}  # fmt: skip
            found = _relationship(record, record.person, record.account, props)
            found["deal"] = record.deal
            return found
    raise TypeError(f"no row shape for {type(record).__name__}")


def _relationship(
    record: Record, start: str, end: str | None, props: dict[str, Any]
) -> dict[str, Any]:
    data = orjson.dumps(dump(record)).decode()
    return {"from": start, "to": end, "props": props, "data": data}
