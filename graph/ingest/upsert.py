"""Batched, idempotent upserts of validated source records.

Every batch runs in one managed write transaction, in three steps:
1. read the stored hash and source timestamp of the batch's ids (one index seek each);
2. resolve the party references of the rows to write (`customer`, `referrer`, ...: source record ids)
   to the party each resolves to, creating a stub `SourceRecord` and `Party` for a record not loaded yet
   (identity resolution later folds it into the right party, so files load in any order);
3. `UNWIND ... CREATE` the new rows and `UNWIND ... MATCH ... SET` the changed ones.

A row is written only when it is new, was a stub, or its hash changed and it is not older than what is
stored (newest source timestamp wins); so loading the same files again writes nothing. The loader is the
only writer of these nodes while it runs (one load at a time).

A row whose id is an erased record (a tombstone left by `graph.identity.erase`) is never written: it comes back
in `Written.erased` for the caller to reject. A row attached to an erased party is written without its
free text (`ANONYMOUS_DROPPED`: a survey answer's comment), as the erasure left that party's facts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, LiteralString

from neo4j import AsyncDriver

from graph.driver import Bulk
from graph.ingest import changes
from graph.telemetry import tracing
from graph.telemetry.metrics import LOADER_BATCHES
from graph.telemetry.statements import timed

_NODE_PROPS: LiteralString = (
    "n.hash = row.hash, n.sourceTs = datetime(row.ts), n.sources = [row.system], "
    "n.sourceIds = [row.id]"
)

_SOURCE_RECORD_PROPS: LiteralString = """
SET n.system = row.system, n.recordId = row.recordId, n.entity = row.entity, n.hash = row.hash,
    n.sourceTs = datetime(row.ts), n.data = row.data, n.loadedAt = datetime(), n.stub = null
"""

_AT: LiteralString = "n.at = datetime(row.atTime)"

# A stored source timestamp as seconds since the epoch: a number, which the driver decodes for
# nothing (a DateTime costs ~50 us, for every row of a reloaded file).
STORED_TS: LiteralString = "n.sourceTs.epochSeconds + n.sourceTs.nanosecond / 1000000000.0 AS ts"


# Per-row answers come back as one list (`[[ref, party, erased], ...]`): the driver spends ~16 us
# on each record it decodes, next to nothing on a list's items.
RESOLVE: LiteralString = """
UNWIND $refs AS ref
OPTIONAL MATCH (:SourceRecord {id: ref})-[:RESOLVES_TO]->(p:Party)
RETURN collect([ref, p.id, p:Erased]) AS found
"""

STUBS: LiteralString = """
UNWIND $refs AS ref
MERGE (rs:SourceRecord {id: ref}) ON CREATE SET rs.stub = true
MERGE (rs)-[rr:RESOLVES_TO]->(rp:Party)
  ON CREATE SET rp.id = rs.id, rr.rule = 'source', rr.score = 1.0
RETURN collect([ref, rp.id]) AS made
"""


@dataclass(frozen=True)
class Spec:
    """How one kind of row is stored: the keyed label, its create and update statements, and which
    row keys hold party references (resolved into `<key>Party` before the statements run)."""

    label: LiteralString
    create: LiteralString
    update: LiteralString
    parties: tuple[str, ...] = ()
    times: tuple[str, ...] = ()  # datetime props, sent as text in `<key>Time` (see `_wire`)

    @property
    def existing(self) -> LiteralString:
        return (
            "UNWIND $ids AS id MATCH (n:" + self.label + " {id: id}) WITH n, " + STORED_TS + " "
            "RETURN collect([n.id, n.hash, ts, n.erased]) AS stored"
        )


# A party record written is `:Pending` identity resolution (`graph.identity.progress`) in the
# same transaction, so a load killed before resolving leaves it for the next run to finish.
PARTY_RECORDS = Spec(
    label="SourceRecord",
    create="UNWIND $rows AS row CREATE (n:SourceRecord:Pending {id: row.id})"
    + _SOURCE_RECORD_PROPS
    + ", n.kind = row.kind\n"
    + "MERGE (p:Party {id: row.id}) CREATE (n)-[:RESOLVES_TO {rule: 'source', score: 1.0}]->(p)",
    update="UNWIND $rows AS row MATCH (n:SourceRecord {id: row.id})"
    + _SOURCE_RECORD_PROPS
    + ", n.kind = row.kind SET n:Pending",
)

PRODUCTS = Spec(
    label="Product",
    create="UNWIND $rows AS row CREATE (n:Product {id: row.id}) SET n += row.props, " + _NODE_PROPS,
    update="UNWIND $rows AS row MATCH (n:Product {id: row.id}) SET n += row.props, " + _NODE_PROPS,
)


def _single_party_node(
    label: LiteralString,
    ref: LiteralString,
    rel: LiteralString,
    party_is_start: bool,
    at: bool = False,
) -> Spec:
    """A node with one party reference stored as `<ref>Ref` and one edge to that party (and an
    `at` datetime when `at`)."""
    edge: LiteralString = (
        f"CREATE (c)-[:{rel}]->(n)" if party_is_start else f"CREATE (n)-[:{rel}]->(c)"
    )
    old: LiteralString = f"(n)<-[e:{rel}]-()" if party_is_start else f"(n)-[e:{rel}]->()"
    set_props: LiteralString = f"SET n += row.props, n.{ref}Ref = row.{ref}, " + _NODE_PROPS
    if at:
        set_props += ", " + _AT
    return Spec(
        label=label,
        create=f"UNWIND $rows AS row MATCH (c:Party {{id: row.{ref}Party}}) "
        f"CREATE (n:{label} {{id: row.id}}) " + set_props + "\n" + edge,
        update=f"UNWIND $rows AS row MATCH (n:{label} {{id: row.id}}) " + set_props + "\n"
        f"WITH n, row CALL (n) {{ OPTIONAL MATCH {old} DELETE e }}\n"
        f"MATCH (c:Party {{id: row.{ref}Party}}) " + edge,
        parties=(ref,),
        times=("at",) if at else (),
    )


ORDERS = _single_party_node("Order", "customer", "PLACED", True)
SURVEY_RESPONSES = _single_party_node("SurveyResponse", "customer", "RESPONDED", True, at=True)
DEALS = _single_party_node("Deal", "account", "FOR_ACCOUNT", False)

_LINE_EDGES: LiteralString = """
MERGE (o:Order {id: row.order})
MERGE (p:Product {id: row.product})
CREATE (o)-[:HAS_LINE]->(n)-[:OF_PRODUCT]->(p)
"""

ORDER_LINES = Spec(
    label="OrderLine",
    create="UNWIND $rows AS row CREATE (n:OrderLine {id: row.id}) SET n += row.props, "
    + _NODE_PROPS
    + "\nWITH n, row"
    + _LINE_EDGES,
    update="UNWIND $rows AS row MATCH (n:OrderLine {id: row.id}) SET n += row.props, "
    + _NODE_PROPS
    + "\nWITH n, row CALL (n) { OPTIONAL MATCH (n)-[e:OF_PRODUCT]->() DELETE e }"
    + "\nCALL (n) { OPTIONAL MATCH (n)<-[e:HAS_LINE]-() DELETE e }\nWITH n, row"
    + _LINE_EDGES,
)

_INTERACTION_SET: LiteralString = (
    "SET n += row.props, n.customerRef = row.customer, n.employeeRef = row.employee, "
    + _NODE_PROPS
    + ", "
    + _AT
)
_INTERACTION_EDGES: LiteralString = """
WITH n, row
MATCH (c:Party {id: row.customerParty})
CREATE (c)-[:HAD]->(n)
WITH n, row
CALL (n, row) {
  WITH n, row WHERE row.employeeParty IS NOT NULL
  MATCH (e:Party {id: row.employeeParty})
  CREATE (n)-[:HANDLED_BY]->(e)
}
CALL (n, row) {
  WITH n, row WHERE row.product IS NOT NULL
  MERGE (p:Product {id: row.product})
  CREATE (n)-[:ABOUT]->(p)
}
"""

INTERACTIONS = Spec(
    label="Interaction",
    create="UNWIND $rows AS row CREATE (n:Interaction {id: row.id}) "
    + _INTERACTION_SET
    + _INTERACTION_EDGES,
    update="UNWIND $rows AS row MATCH (n:Interaction {id: row.id}) "
    + _INTERACTION_SET
    + "\nWITH n, row CALL (n) { OPTIONAL MATCH (n)-[e:HANDLED_BY|ABOUT]->() DELETE e }"
    + "\nCALL (n) { OPTIONAL MATCH (n)<-[e:HAD]-() DELETE e }"
    + _INTERACTION_EDGES,
    parties=("customer", "employee"),
    times=("at",),
)


def _relationship_record(rel: LiteralString, end: LiteralString) -> Spec:
    """A relationship record (referral, knows, committee seat): a SourceRecord plus the edge it
    asserts, tagged `src` with the record's id so identity changes can move it."""
    set_record: LiteralString = (
        _SOURCE_RECORD_PROPS + ", n.fromRef = row.from, n.toRef = row.to, n.dealRef = row.deal\n"
    )
    edge: LiteralString = (
        "WITH n, row MATCH (a:Party {id: row.fromParty}) " + end + "\n"
        f"CREATE (a)-[e:{rel} {{src: n.id}}]->(b) SET e += row.props"
    )
    return Spec(
        label="SourceRecord",
        create="UNWIND $rows AS row CREATE (n:SourceRecord {id: row.id})" + set_record + edge,
        update="UNWIND $rows AS row MATCH (n:SourceRecord {id: row.id})"
        + set_record
        + f"WITH n, row CALL (n) {{ OPTIONAL MATCH ()-[e:{rel} {{src: n.id}}]->() DELETE e }}\n"
        + edge,
        parties=("from", "to"),
    )


_TO_PARTY: LiteralString = "MATCH (b:Party {id: row.toParty})"
REFERRALS = _relationship_record("REFERRED", _TO_PARTY)
KNOWS = _relationship_record("KNOWS", _TO_PARTY)
COMMITTEE_ACCOUNT = _relationship_record("ON_COMMITTEE", _TO_PARTY)
COMMITTEE_DEAL = _relationship_record("ON_COMMITTEE", "MERGE (b:Deal {id: row.deal})")

SPECS: dict[str, Spec] = {
    "party": PARTY_RECORDS,
    "product": PRODUCTS,
    "order": ORDERS,
    "order_line": ORDER_LINES,
    "interaction": INTERACTIONS,
    "survey_response": SURVEY_RESPONSES,
    "deal": DEALS,
    "referral": REFERRALS,
    "knows": KNOWS,
    "committee_account": COMMITTEE_ACCOUNT,
    "committee_deal": COMMITTEE_DEAL,
}


@dataclass(frozen=True)
class Written:
    created: int
    updated: int
    ids: list[str]  # ids of the rows written (created or updated)
    erased: list[str] = field(default_factory=list)  # ids of rows not written: erased on request


# Row properties not written for a party erased on request.
ANONYMOUS_DROPPED = frozenset({"comment"})


def not_older(new: dt.datetime | None, stored: float | None) -> bool:
    """Whether a row's source timestamp is not older than the stored one (`STORED_TS`); when
    either is unknown, it is."""
    if new is None or stored is None:
        return True
    return (new if new.tzinfo else new.replace(tzinfo=dt.UTC)).timestamp() >= stored


def _must_write(row: dict[str, Any], stored: tuple[Any, Any]) -> bool:
    hash_, ts = stored
    if hash_ is None:  # a stub made by a reference: its record arrives now
        return True
    if hash_ == row["hash"]:
        return False
    return not_older(row["ts"], ts)


async def _resolve(tx: Any, refs: set[str]) -> tuple[dict[str, str], set[str]]:
    """The party each reference resolves to, and which of those parties are erased."""
    if not refs:
        return {}, set()
    resolved = (await (await tx.run(RESOLVE, refs=Bulk(sorted(refs)))).single(strict=True))["found"]
    found = {ref: party for ref, party, _ in resolved}
    erased = {party for _, party, gone in resolved if gone}
    missing = sorted(ref for ref, party in found.items() if party is None)
    if missing:
        made = (await (await tx.run(STUBS, refs=Bulk(missing))).single(strict=True))["made"]
        found.update(dict(made))
    return found, erased


def _text(value: Any) -> Any:
    """A datetime as ISO 8601 text, for Cypher's `datetime()` (naive ones are UTC, as the loaders
    read them); anything else as it is."""
    if isinstance(value, dt.datetime):
        return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).isoformat()
    return value


def _wire(spec: Spec, rows: Sequence[dict[str, Any]]) -> Bulk[dict[str, Any]]:
    """The rows as sent: datetimes as text, which the statements turn back with `datetime()`.
    The driver packs a Python datetime in Python (~120 us each, measured), which made a batch of
    party records 5x dearer to send than to write; text costs next to nothing either side."""
    sent: Bulk[dict[str, Any]] = Bulk()
    for row in rows:
        out = {**row, "ts": _text(row.get("ts"))}
        if spec.times:
            props = dict(row["props"])
            for key in spec.times:
                out[f"{key}Time"] = _text(props.pop(key, None))
            out["props"] = props
        sent.append(out)
    return sent


async def write_rows(tx: Any, statement: str, rows: Sequence[dict[str, Any]]) -> Written:
    """Write rows (ids unique among them) with one spec's statements, in the caller's transaction."""
    spec = SPECS[statement]
    result = await tx.run(spec.existing, ids=Bulk(row["id"] for row in rows))
    existing = (await result.single(strict=True))["stored"]
    erased = {id_ for id_, _, _, gone in existing if gone}
    stored = {id_: (hash_, ts) for id_, hash_, ts, gone in existing if not gone}
    rows = [row for row in rows if row["id"] not in erased]
    new = [row for row in rows if row["id"] not in stored]
    changed = [row for row in rows if row["id"] in stored and _must_write(row, stored[row["id"]])]
    refs = {row[key] for row in new + changed for key in spec.parties if row.get(key)}
    parties, anonymous = await _resolve(tx, refs)
    for row in new + changed:
        for key in spec.parties:
            row[f"{key}Party"] = parties.get(row.get(key) or "")
            if row[f"{key}Party"] in anonymous and "props" in row:
                row["props"] = {k: v for k, v in row["props"].items() if k not in ANONYMOUS_DROPPED}
    if new:
        await (await tx.run(spec.create, rows=_wire(spec, new))).consume()
    if changed:
        await (await tx.run(spec.update, rows=_wire(spec, changed))).consume()
    if new or changed:
        await changes.mark(tx)
    stubs = sum(1 for row in changed if stored[row["id"]][0] is None)  # first real load
    ids = [row["id"] for row in new + changed]
    return Written(len(new) + stubs, len(changed) - stubs, ids, sorted(erased))


async def write_batch(
    driver: AsyncDriver, database: str, statement: str, rows: Sequence[dict[str, Any]]
) -> Written:
    """Write one batch (ids unique within it) in a managed write transaction, retried when transient."""

    async def work(tx: Any) -> Written:
        return await write_rows(tx, statement, rows)

    name = f"write:{statement}"  # the spec's name: party, product, order...
    with tracing.span("loader.batch", rows=len(rows)), timed(name, {"rows": rows}):
        LOADER_BATCHES.labels(name).inc()
        async with driver.session(database=database) as session:
            written: Written = await session.execute_write(work)
            return written
