"""Manual identity decisions: an operator merges two parties or splits records off one.

Identity resolution (`loaders/resolve.py`) clusters party records by rules; an operator overrules
it with a decision over source record ids, stored as `(:IdentityDecision {id, kind, left, right,
at, decidedBy, undoes})` so that it outlives every later load:

- `same` (a merge): the records of `left` and `right` are one party;
- `distinct` (a split or an unmerge): the records of `left` are one party, those of `right` one
  party, and the two are never one.

A decision speaks about pairs of records and, for each pair, the latest decision wins: an unmerge
overrides its merge, merging the same records again overrides the unmerge. Resolution links the
pairs judged the same (rule `manual`, score 1.0) before any link of the rules, and refuses every
union that would put a pair judged distinct into one party, however many records link them.

`merge_parties`, `split_party` and `unmerge` run in the caller's managed write transaction and
apply their decision at once, as the next resolution would: the party of each cluster is its
smallest record id, records move with the edges derived from them (`graph.identity.store`), parties are
rebuilt by the reconciliation policy (`graph.identity.reconcile`). Source records never change, so every
decision can be undone by another.

Where the immediate effect can differ from the next resolution:
- it assumes the graph is as the last resolution left it (true after every load); a load that
  resolves while a decision commits may act on what it read before, and the next one corrects it;
- a split can free a third party's records that were kept from this party only by an earlier
  `distinct` decision against the records split out: resolution then joins them, the split not;
- reconciliation ties go by the `priority` given (the API has none, a load has its mapping's), and
  a load rebuilds a party only when its records changed.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, LiteralString

from neo4j import AsyncDriver, AsyncManagedTransaction, RoutingControl

from graph.driver import Bulk
from graph.errors import InputRefused
from graph.identity import reconcile, store

SAME = "same"
DISTINCT = "distinct"
MANUAL = "manual"  # the rule of a record placed by a decision
KINDS = frozenset({"person", "organization", "household"})


class IdentityError(InputRefused):
    """A decision that cannot be made (parties of different kinds, records not on the party)."""


@dataclass(frozen=True, slots=True)
class Merge:
    """What a merge did. Record and party ids only: it goes into an audit entry."""

    decision_id: str | None  # None when the parties were already one
    survivor_id: str  # the party holding every record now
    party_ids: tuple[str, str]  # the two parties asked for, as they were
    moved_records: tuple[str, ...]  # records whose party changed
    noop: bool = False


@dataclass(frozen=True, slots=True)
class Split:
    """What a split or an unmerge did. Record and party ids only: it goes into an audit entry."""

    decision_id: str | None  # None when the records were already apart
    party_id: str  # the party the records were on (its id before the split)
    remaining_id: str  # the party of the records that stayed
    new_party_id: str  # the party of the records split out (party_id if they hold its smallest)
    records: tuple[str, ...]  # the records split out
    moved_records: tuple[str, ...]  # records whose party changed
    noop: bool = False


@dataclass(frozen=True, slots=True)
class Decision:
    id: str
    kind: str
    left: tuple[str, ...]
    right: tuple[str, ...]
    at: dt.datetime


@dataclass(frozen=True, slots=True)
class Verdicts:
    """Every decision folded into pairs of record ids (`a < b`), the latest decision per pair."""

    same: tuple[tuple[str, str], ...]  # to link, the newest decision's pairs first
    apart: frozenset[tuple[str, str]]  # never in one party


def _pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


def _within(records: Sequence[str]) -> Iterator[tuple[str, str]]:
    for i, a in enumerate(records):
        for b in records[i + 1 :]:
            yield _pair(a, b)


def _pairs(decision: Decision) -> Iterator[tuple[tuple[str, str], bool]]:
    left = sorted(set(decision.left))
    right = sorted(set(decision.right) - set(left))
    if decision.kind == SAME:
        for pair in _within(sorted(left + right)):
            yield pair, True
        return
    for side in (left, right):
        for pair in _within(side):
            yield pair, True
    for a in left:
        for b in right:
            yield _pair(a, b), False


def verdicts(decisions: Iterable[Decision]) -> Verdicts:
    """Pairs to link and pairs to keep apart; a later decision (`at`, then id) overrides.

    Quadratic in the records of one decision: decisions hold the records of a party or two.
    """
    latest: dict[tuple[str, str], tuple[int, bool]] = {}
    for rank, decision in enumerate(sorted(decisions, key=lambda d: (d.at, d.id))):
        for pair, is_same in _pairs(decision):
            latest[pair] = (rank, is_same)
    same = sorted((p for p, (_, s) in latest.items() if s), key=lambda p: (-latest[p][0], p))
    return Verdicts(tuple(same), frozenset(p for p, (_, s) in latest.items() if not s))


DECISIONS: LiteralString = """
MATCH (d:IdentityDecision)
RETURN d.id AS id, d.kind AS kind, d.left AS left, d.right AS right, d.at AS at
"""


def _decision(row: dict[str, Any]) -> Decision:
    at = row["at"]
    return Decision(
        id=row["id"],
        kind=row["kind"],
        left=tuple(row["left"]),
        right=tuple(row["right"]),
        at=at.to_native() if hasattr(at, "to_native") else at,
    )


async def decisions(driver: AsyncDriver, database: str) -> list[Decision]:
    """Every decision, for identity resolution."""
    records, _, _ = await driver.execute_query(
        DECISIONS, database_=database, routing_=RoutingControl.READ
    )
    return [_decision(r.data()) for r in records]


# A party by its id or by the id of one of its source records (so the id of a party merged away
# still finds its survivor). The first statement takes the parties' write locks, so concurrent
# decisions on one party run one after the other; the second reads them.
_FIND: LiteralString = """
UNWIND $keys AS key
OPTIONAL MATCH (direct:Party {id: key})
  WHERE EXISTS { (direct)<-[:RESOLVES_TO]-(s:SourceRecord) WHERE s.kind IS NOT NULL }
OPTIONAL MATCH (rs:SourceRecord {id: key})-[:RESOLVES_TO]->(via:Party) WHERE rs.kind IS NOT NULL
WITH key, coalesce(direct, via) AS p
"""

LOCK: LiteralString = _FIND + "WITH p WHERE p IS NOT NULL SET p._lock = true REMOVE p._lock\n"

LOOKUP: LiteralString = (
    _FIND
    + """
OPTIONAL MATCH (p)<-[:RESOLVES_TO]-(s:SourceRecord) WHERE s.kind IS NOT NULL
WITH key, p, s ORDER BY s.id
RETURN key, p.id AS party, p.kind AS kind, coalesce(p:Erased, false) AS erased,
       collect(s.id) AS records, collect(DISTINCT s.kind) AS kinds
"""
)

LATEST: LiteralString = """
MATCH (d:IdentityDecision)
WHERE any(x IN d.left + d.right WHERE x IN $ids)
RETURN max(d.at) AS at
"""

CREATE: LiteralString = """
CREATE (:IdentityDecision {id: $id, kind: $kind, left: $left, right: $right, at: $at,
                           decidedBy: $decidedBy, undoes: $undoes})
"""

FIND_DECISION: LiteralString = """
MATCH (d:IdentityDecision {id: $id})
RETURN d.id AS id, d.kind AS kind, d.left AS left, d.right AS right, d.at AS at
"""

PARTIES_OF: LiteralString = """
UNWIND $ids AS id
MATCH (s:SourceRecord {id: id})-[:RESOLVES_TO]->(p:Party)
WHERE s.kind IS NOT NULL
RETURN DISTINCT p.id AS party
ORDER BY party
"""


@dataclass(frozen=True, slots=True)
class _Party:
    id: str
    kind: str
    records: tuple[str, ...]


async def _parties(tx: AsyncManagedTransaction, keys: list[str]) -> dict[str, _Party | None]:
    """Each key's party: None unless it is a person, organization or household with records.

    A party written in this transaction and not reconciled yet has no `kind`: its records tell.
    """
    await (await tx.run(LOCK, keys=Bulk(keys))).consume()
    found: dict[str, _Party | None] = {}
    for row in await (await tx.run(LOOKUP, keys=Bulk(keys))).data():
        kinds = [row["kind"]] if row["kind"] else row["kinds"]
        usable = (
            row["party"] is not None
            and row["records"]
            and not row["erased"]
            and len(kinds) == 1
            and kinds[0] in KINDS
        )
        found[row["key"]] = (
            _Party(row["party"], kinds[0], tuple(row["records"])) if usable else None
        )
    return found


async def _record(
    tx: AsyncManagedTransaction,
    kind: str,
    left: Sequence[str],
    right: Sequence[str],
    decided_by: str,
    undoes: str | None = None,
) -> str:
    """Store a decision, later than every earlier one on these records; returns its id."""
    ids = [*left, *right]
    latest = (await (await tx.run(LATEST, ids=Bulk(ids))).single(strict=True))["at"]
    at = dt.datetime.now(dt.UTC)
    if latest is not None and latest.to_native() >= at:  # a clock behind: keep the order
        at = latest.to_native() + dt.timedelta(microseconds=1)
    decision_id = uuid.uuid4().hex
    params = {
        "id": decision_id,
        "kind": kind,
        "left": list(left),
        "right": list(right),
        "at": at,
        "decidedBy": decided_by,
        "undoes": undoes,
    }
    await (await tx.run(CREATE, params)).consume()
    return decision_id


async def _apply(
    tx: AsyncManagedTransaction,
    groups: Sequence[Sequence[str]],
    current: dict[str, str],
    priority: Sequence[str],
) -> tuple[str, ...]:
    """Make each group of records one party, as resolution would; returns the records moved.

    The party is the group's smallest record id; a record's rule is `manual` when a decision
    links it to another record of its party, else `source` (it is alone).
    """
    moves: list[dict[str, Any]] = []
    rules: list[dict[str, Any]] = []
    for group in groups:
        target = min(group)
        rule = MANUAL if len(group) > 1 else "source"
        for record in group:
            item = {"record": record, "to": target, "rule": rule, "score": 1.0}
            (moves if current[record] != target else rules).append(item)
    if moves:
        await store.move_records_in(tx, moves)
    if rules:
        await store.set_rules_in(tx, rules)
    found = await store.records_in(tx, sorted({min(g) for g in groups}))
    await store.reconcile_in(tx, [reconcile.party(p["id"], p["records"], priority) for p in found])
    return tuple(sorted(m["record"] for m in moves))


async def merge_parties(
    tx: AsyncManagedTransaction,
    first_id: str,
    second_id: str,
    *,
    decided_by: str,
    priority: Sequence[str] = (),
) -> Merge | None:
    """Merge two parties into one: the party of the smallest record id of both.

    Ids are party ids or ids of their source records. None when either is not a person,
    organization or household with source records; a no-op `Merge` when both are already one
    party. Raises `IdentityError` for parties of different kinds. `priority` is the mapping's
    (most trusted system first) for reconciliation ties; the API has none.
    """
    found = await _parties(tx, [first_id, second_id])
    first, second = found.get(first_id), found.get(second_id)
    if first is None or second is None:
        return None
    if first.id == second.id:
        return Merge(None, first.id, (first.id, second.id), (), noop=True)
    if first.kind != second.kind:
        raise IdentityError(
            f"cannot merge parties of different kinds ({first.kind} and {second.kind})"
        )
    decision_id = await _record(tx, SAME, first.records, second.records, decided_by)
    current = dict.fromkeys(first.records, first.id) | dict.fromkeys(second.records, second.id)
    moved = await _apply(tx, [[*first.records, *second.records]], current, priority)
    survivor = min(*first.records, *second.records)
    return Merge(decision_id, survivor, (first.id, second.id), moved)


async def _split(
    tx: AsyncManagedTransaction,
    party: _Party,
    out: Sequence[str],
    decided_by: str,
    priority: Sequence[str],
    undoes: str | None = None,
) -> Split:
    rest = [r for r in party.records if r not in out]
    decision_id = await _record(tx, DISTINCT, out, rest, decided_by, undoes)
    current = dict.fromkeys(party.records, party.id)
    moved = await _apply(tx, [out, rest], current, priority)
    return Split(decision_id, party.id, min(rest), min(out), tuple(out), moved)


async def split_party(
    tx: AsyncManagedTransaction,
    party_id: str,
    source_ids: list[str],
    *,
    decided_by: str,
    priority: Sequence[str] = (),
) -> Split | None:
    """Split these source records (`system:recordId`) off the party into a party of their own.

    The records split out become one party, the records that stay another, and the two are
    decided distinct. None when the party does not exist; raises `IdentityError` when a record
    is not on that party, or when none or all of its records would be split out.
    """
    party = (await _parties(tx, [party_id])).get(party_id)
    if party is None:
        return None
    out = sorted(set(source_ids))
    strangers = [r for r in out if r not in party.records]
    if strangers:
        raise IdentityError(f"not source records of party {party.id}: {', '.join(strangers)}")
    if not out or len(out) == len(party.records):
        raise IdentityError(
            f"a split leaves some, not all, of party {party.id}'s {len(party.records)} records"
        )
    return await _split(tx, party, out, decided_by, priority)


async def unmerge(
    tx: AsyncManagedTransaction,
    merge_id: str,
    *,
    decided_by: str,
    priority: Sequence[str] = (),
) -> Split | None:
    """Undo a manual merge: split the records of its second party back out, by a later decision.

    None when there is no such merge (or none of its records is left); a no-op `Split` when they
    are already apart from the first party's records. Records that joined the merged party since
    stay with the first party's. Raises `IdentityError` when a later decision has divided the
    second party's records.
    """
    row = await (await tx.run(FIND_DECISION, id=merge_id)).single()
    if row is None or row["kind"] != SAME:
        return None
    merged = _decision(row.data())
    holders = await _holders(tx, merged.right)
    if not holders:
        return None
    if len(holders) > 1:
        raise IdentityError(
            f"the second party's records of merge {merge_id} are on {len(holders)} parties "
            "since a later decision: split them one party at a time"
        )
    party = (await _parties(tx, holders)).get(holders[0])
    if party is None:
        return None
    out = sorted(r for r in merged.right if r in party.records)
    if not any(r in party.records for r in merged.left):
        first = await _holders(tx, merged.left)
        apart = first[0] if first else party.id
        return Split(None, party.id, apart, party.id, tuple(out), (), noop=True)
    return await _split(tx, party, out, decided_by, priority, undoes=merge_id)


async def _holders(tx: AsyncManagedTransaction, records: Sequence[str]) -> list[str]:
    """The parties holding these source records now."""
    found = await (await tx.run(PARTIES_OF, ids=Bulk(records))).data()
    return [r["party"] for r in found]
