"""Identity in the graph: which party each source record resolves to, and the party built from them.

`move_records` re-points records to the party identity resolution chose (a merge, or a split when
rules or data change) and carries with them every edge that was derived from those records: orders,
interactions, survey answers, deals and relationship records that referenced them, and embedded edges
of other parties pointing at them. `reconcile` then writes each affected party's properties, labels and its own embedded edges
(household, employer, manager, parent firm, account owner), all computed by the loaders from the records.

Each also has a form that runs in the caller's managed write transaction (`move_records_in`,
`set_rules_in`, `records_in`, `reconcile_in`), so a manual merge or split (`graph/identity/merges.py`) is
one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, LiteralString

from neo4j import AsyncDriver, AsyncManagedTransaction

from graph.driver import Bulk

# (label of the node holding the reference, its reference property, relationship, direction)
# for nodes whose edge to a party is derived from a source record id they store.
_NODE_REFS: tuple[tuple[LiteralString, LiteralString, LiteralString, bool], ...] = (
    ("Order", "customerRef", "PLACED", True),
    ("Interaction", "customerRef", "HAD", True),
    ("SurveyResponse", "customerRef", "RESPONDED", True),
    ("Interaction", "employeeRef", "HANDLED_BY", False),
    ("Deal", "accountRef", "FOR_ACCOUNT", False),
)

# Parties' embedded references: (relationship, the referencing party's property, party is the start).
_EMBEDDED: tuple[tuple[LiteralString, LiteralString, bool], ...] = (
    ("MEMBER_OF", "householdRef", True),
    ("WORKS_FOR", "employerRef", True),
    ("REPORTS_TO", "managerRef", True),
    ("SUBSIDIARY_OF", "parentRef", True),
    ("OWNS_ACCOUNT", "ownerRef", False),
)

_RELATIONSHIP_RECORDS: tuple[LiteralString, ...] = ("REFERRED", "KNOWS", "ON_COMMITTEE")


def _node_ref_moves() -> LiteralString:
    parts: LiteralString = ""
    for label, prop, rel, party_is_start in _NODE_REFS:
        if party_is_start:
            match: LiteralString = f"MATCH (from)-[e:{rel}]->(x:{label}) WHERE x.{prop} = s.id "
            make: LiteralString = f"MERGE (to)-[:{rel}]->(x)"
        else:
            match = f"MATCH (x:{label})-[e:{rel}]->(from) WHERE x.{prop} = s.id "
            make = f"MERGE (x)-[:{rel}]->(to)"
        parts += f"CALL (s, from, to) {{ {match}DELETE e {make} }}\n"
    return parts


def _relationship_moves() -> LiteralString:
    parts: LiteralString = ""
    for rel in _RELATIONSHIP_RECORDS:
        parts += (
            f"CALL (s, from, to) {{ MATCH (from)-[e:{rel}]->(x) "
            "MATCH (rs:SourceRecord {id: e.src}) WHERE rs.fromRef = s.id "
            f"CREATE (to)-[e2:{rel}]->(x) SET e2 = properties(e) DELETE e }}\n"
            f"CALL (s, from, to) {{ MATCH (x)-[e:{rel}]->(from) "
            "MATCH (rs:SourceRecord {id: e.src}) WHERE rs.toRef = s.id "
            f"CREATE (x)-[e2:{rel}]->(to) SET e2 = properties(e) DELETE e }}\n"
        )
    return parts


def _embedded_moves() -> LiteralString:
    parts: LiteralString = ""
    for rel, prop, party_is_start in _EMBEDDED:
        if party_is_start:  # another party x points at `from` through its reference `prop`
            parts += (
                f"CALL (s, from, to) {{ MATCH (x)-[e:{rel}]->(from) WHERE x.{prop} = s.id "
                f"CREATE (x)-[e2:{rel}]->(to) SET e2 = properties(e) DELETE e }}\n"
            )
        else:
            parts += (
                f"CALL (s, from, to) {{ MATCH (from)-[e:{rel}]->(x) WHERE x.{prop} = s.id "
                f"CREATE (to)-[e2:{rel}]->(x) SET e2 = properties(e) DELETE e }}\n"
            )
    return parts


MOVE_RECORDS: LiteralString = (
    """
UNWIND $moves AS m
MATCH (s:SourceRecord {id: m.record})-[old:RESOLVES_TO]->(from:Party)
WHERE from.id <> m.to AND s.erased IS NULL AND NOT from:Erased
MERGE (to:Party {id: m.to})
DELETE old
CREATE (s)-[r:RESOLVES_TO]->(to)
SET r.rule = m.rule, r.score = m.score, r.at = datetime()
WITH s, from, to
"""
    + _node_ref_moves()
    + _relationship_moves()
    + _embedded_moves()
    + "RETURN collect(DISTINCT from.id) AS froms\n"
)

SET_RULES: LiteralString = """
UNWIND $moves AS m
MATCH (:SourceRecord {id: m.record})-[r:RESOLVES_TO]->(:Party {id: m.to})
WHERE r.rule <> m.rule OR r.score <> m.score
SET r.rule = m.rule, r.score = m.score, r.at = datetime()
"""

DROP_EMPTY: LiteralString = """
UNWIND $ids AS id
MATCH (p:Party {id: id})
WHERE NOT (p)<-[:RESOLVES_TO]-()
DETACH DELETE p
RETURN count(*) AS dropped
"""


async def move_records(
    driver: AsyncDriver, database: str, moves: Sequence[dict[str, Any]]
) -> list[str]:
    """Re-point records to their party (`{record, to, rule, score}`); returns the parties they left."""
    async with driver.session(database=database) as session:
        froms: list[str] = await session.execute_write(move_records_in, moves)
        return froms


async def move_records_in(
    tx: AsyncManagedTransaction, moves: Sequence[dict[str, Any]]
) -> list[str]:
    """`move_records` in the caller's transaction; parties left without records are deleted."""
    result = await tx.run(MOVE_RECORDS, moves=Bulk(moves))
    record = await result.single(strict=True)
    froms: list[str] = list(record["froms"])
    await (await tx.run(DROP_EMPTY, ids=Bulk(froms))).consume()
    return froms


async def set_rules(driver: AsyncDriver, database: str, moves: Sequence[dict[str, Any]]) -> None:
    """Record the evidence (rule, score) on records that stay where they are."""
    await driver.execute_query(SET_RULES, moves=Bulk(moves), database_=database)


async def set_rules_in(tx: AsyncManagedTransaction, moves: Sequence[dict[str, Any]]) -> None:
    """`set_rules` in the caller's transaction."""
    await (await tx.run(SET_RULES, moves=Bulk(moves))).consume()


RECORDS_OF: LiteralString = """
UNWIND $ids AS id
MATCH (p:Party {id: id})<-[:RESOLVES_TO]-(s:SourceRecord)
WHERE s.kind IS NOT NULL
WITH p, s ORDER BY s.id
WITH p, collect({id: s.id, system: s.system, entity: s.entity, kind: s.kind,
                 ts: s.sourceTs.epochSeconds + s.sourceTs.nanosecond / 1000000000.0,
                 data: s.data}) AS records
RETURN collect({id: p.id, hash: p.reconciledHash, records: records}) AS parties
"""


async def records_in(tx: AsyncManagedTransaction, party_ids: Sequence[str]) -> list[dict[str, Any]]:
    """Each party ({id, hash, records}) with its party source records by id, in the caller's
    transaction (it sees the transaction's own writes). One list comes back: the driver decodes a
    record for ~16 us, a list's item for next to nothing."""
    found: list[dict[str, Any]] = (
        await (await tx.run(RECORDS_OF, ids=Bulk(party_ids))).single(strict=True)
    )["parties"]
    return found


def _party(var: LiteralString, ref: LiteralString) -> LiteralString:
    """Bind `var` to the party a source record id resolves to, creating a stub when it is unknown
    (the same rule as `graph.ingest.upsert.STUBS`, inside a statement)."""
    return (
        "CALL (row) {\n"
        f"  MERGE (rs:SourceRecord {{id: {ref}}}) ON CREATE SET rs.stub = true\n"
        "  MERGE (rs)-[rr:RESOLVES_TO]->(rp:Party)\n"
        "    ON CREATE SET rp.id = rs.id, rr.rule = 'source', rr.score = 1.0\n"
        f"  RETURN rp AS {var}\n"
        "}\n"
    )


_LABELS: tuple[LiteralString, ...] = (
    "Person", "Organization", "Household", "Customer", "Broker", "Employee"
)  # fmt: skip


def _label_sets() -> LiteralString:
    parts: LiteralString = ""
    for label in _LABELS:
        parts += f"FOREACH (_ IN CASE WHEN '{label}' IN row.labels THEN [1] ELSE [] END | SET p:{label})\n"
    return parts


def _embedded_edge(
    rel: LiteralString, ref: LiteralString, props: LiteralString, out: bool
) -> LiteralString:
    edge: LiteralString = f"MERGE (p)-[e:{rel}]->(t)" if out else f"MERGE (t)-[e:{rel}]->(p)"
    return (
        f"CALL (p, row) {{\n  WITH p, row WHERE row.{ref} IS NOT NULL\n"
        + _party("t", f"row.{ref}")
        + f"  {edge} SET e += {props}\n}}\n"
    )


RECONCILE: LiteralString = (
    """
UNWIND $parties AS row
MATCH (p:Party {id: row.id})
SET p += row.props, p.reconciledHash = row.hash
REMOVE p:Person:Organization:Household:Customer:Broker:Employee
WITH p, row
"""
    + _label_sets()
    + """
WITH p, row
CALL (p) { OPTIONAL MATCH (p)-[e:MEMBER_OF|WORKS_FOR|REPORTS_TO|SUBSIDIARY_OF]->() DELETE e }
CALL (p) { OPTIONAL MATCH (p)<-[e:OWNS_ACCOUNT]-() DELETE e }
"""
    + _embedded_edge("MEMBER_OF", "props.householdRef", "{role: row.props.householdRole}", True)
    + _embedded_edge(
        "WORKS_FOR",
        "props.employerRef",
        "{title: row.props.title, department: row.props.department}",
        True,
    )
    + _embedded_edge("REPORTS_TO", "props.managerRef", "{}", True)
    + _embedded_edge("SUBSIDIARY_OF", "props.parentRef", "{}", True)
    + _embedded_edge("OWNS_ACCOUNT", "props.ownerRef", "{}", False)
    + "RETURN count(*) AS written\n"
)


async def reconcile(driver: AsyncDriver, database: str, parties: Sequence[dict[str, Any]]) -> int:
    """Write parties computed by the loaders: `{id, hash, labels, props}` each."""
    async with driver.session(database=database) as session:
        written: int = await session.execute_write(reconcile_in, parties)
        return written


async def reconcile_in(tx: AsyncManagedTransaction, parties: Sequence[dict[str, Any]]) -> int:
    """`reconcile` in the caller's transaction."""
    result = await tx.run(RECONCILE, parties=Bulk(parties))
    record = await result.single(strict=True)
    return int(record["written"])
