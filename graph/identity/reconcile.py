"""Build one party from its source records: the reconciliation policy.

Per field, the value comes from the record with the newest source timestamp that has one; records
without a timestamp count as oldest. Ties go to the more trusted source system (the mapping's
`priority`, most trusted first), then to the smaller record id. Exceptions: `createdAt` is the
earliest date any source gives (when the relationship began); `externalIds` is the union; `sources`
and `sourceIds` list every contributing system and record.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from typing import Any

import orjson

# Record field (snake_case, as validated) → party property (camelCase).
PROPERTIES: dict[str, str] = {
    "name": "name",
    "email": "email",
    "phone": "phone",
    "country": "country",
    "status": "status",
    "segment": "segment",
    "given_name": "givenName",
    "surname": "surname",
    "date_of_birth": "dateOfBirth",
    "street_number": "streetNumber",
    "street": "street",
    "locality": "locality",
    "postcode": "postcode",
    "state": "state",
    "national_id": "nationalId",
    "domain": "domain",
    "industry": "industry",
    "size": "size",
    "partner_type": "partnerType",
    "title": "title",
    "team": "team",
    "department": "department",
    "household_role": "householdRole",
    "household": "householdRef",
    "employer": "employerRef",
    "manager": "managerRef",
    "parent": "parentRef",
    "owner": "ownerRef",
}
DATES = frozenset({"dateOfBirth", "createdAt"})
KIND_LABEL = {"person": "Person", "organization": "Organization", "household": "Household"}


def _ts_key(ts: Any) -> float:
    """Seconds since the epoch. The graph sends them as a number (decoding a DateTime in the
    driver costs ~50 us, a party record each); a datetime is accepted too."""
    if ts is None:
        return float("-inf")
    if isinstance(ts, int | float):
        return float(ts)
    if isinstance(ts, dt.datetime):
        return ts.timestamp()
    to_native = getattr(ts, "to_native", None)  # neo4j.time.DateTime
    if to_native is not None:
        native: dt.datetime = to_native()
        return native.timestamp()
    return float("-inf")


def _rank(priority: Sequence[str]) -> dict[str, int]:
    return {system: i for i, system in enumerate(priority)}


def party(
    party_id: str, records: Sequence[dict[str, Any]], priority: Sequence[str]
) -> dict[str, Any]:
    """`{id, hash, labels, props}` for one party from `{id, system, entity, kind, ts, data}` records.

    The party's kind (person, organization, household) is that of its most authoritative record.
    """
    rank = _rank(priority)
    # Most authoritative first: newest timestamp, then trusted system, then record id.
    ordered = sorted(
        records,
        key=lambda r: (-_ts_key(r["ts"]), rank.get(r["system"], len(rank)), r["id"]),
    )
    datas = [(r, orjson.loads(r["data"])) for r in ordered]
    kind = ordered[0]["kind"]
    props: dict[str, Any] = dict.fromkeys(PROPERTIES.values())
    for field, prop in PROPERTIES.items():
        for _, data in datas:
            if data.get(field) is not None:
                props[prop] = data[field]
                break
    if props["name"] is None:
        for _, data in datas:
            full = " ".join(p for p in (data.get("given_name"), data.get("surname")) if p)
            if full:
                props["name"] = full
                break
    created = [d["created_at"] for _, d in datas if d.get("created_at")]
    props["createdAt"] = min(created) if created else None
    external = sorted({x for _, d in datas for x in d.get("external_ids", ())})
    props["externalIds"] = external or None
    props["kind"] = kind
    props["sources"] = sorted({r["system"] for r in records})
    props["sourceIds"] = sorted(r["id"] for r in records)
    for key in DATES:
        if isinstance(props[key], str):
            props[key] = dt.date.fromisoformat(props[key])
    labels = {KIND_LABEL[kind]}
    entities = {r["entity"] for r in records}
    if "broker" in entities:
        labels.add("Broker")
    if "employee" in entities:
        labels.add("Employee")
    if entities & {"organization", "household"} or any(
        r["entity"] == "person" and d.get("is_customer", True) for r, d in datas
    ):
        labels.add("Customer")
    digest = hashlib.blake2b(
        orjson.dumps([sorted(labels), props], option=orjson.OPT_SORT_KEYS, default=str),
        digest_size=16,
    ).hexdigest()
    return {"id": party_id, "hash": digest, "labels": sorted(labels), "props": props}
