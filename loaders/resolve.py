"""Identity resolution over the graph: cluster party records, re-point them, rebuild their parties.

Runs after every load. Clusters come from `loaders.matching` over every party source record; each
cluster's party is its smallest record id, so the result does not depend on load order. Records whose
party changes are moved (with the edges derived from them); every party that gained, lost or changed a
record is rebuilt by the reconciliation policy (`graph.identity.reconcile`), and written only if it changed.

Manual decisions (`graph.identity.merges`) win over the rules: the pairs decided the same are linked first
(rule `manual`), then the rules' links from the strongest down, and a union that would put a pair
decided distinct into one party is refused, whichever links lead to it.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass
from typing import Any

import orjson
from neo4j import AsyncDriver

from graph.identity import merges, reconcile, store
from loaders.matching import Link, MatchConfig, PartyRecord, clusters, find_links


@dataclass(frozen=True)
class ResolutionReport:
    records: int
    parties: int
    merged: int  # records resolved to a party other than their own
    moved: int  # records whose party changed in this run
    reconciled: int  # parties written
    seconds: float
    merged_ids: frozenset[str] = frozenset()


def _party_record(stored: store.StoredRecord) -> PartyRecord:
    return PartyRecord.of(stored.id, stored.kind, orjson.loads(stored.data))


def _evidence(links: Iterable[Link], assignment: dict[str, str]) -> dict[str, tuple[str, float]]:
    """For each linked record, the strongest link to another record of its cluster (a manual
    decision before any rule)."""
    best: dict[str, tuple[str, float]] = {}
    for link in links:
        if assignment.get(link.a) != assignment.get(link.b):
            continue
        strength = (link.rule == merges.MANUAL, link.score)
        for rid in (link.a, link.b):
            if rid not in best or strength > (best[rid][0] == merges.MANUAL, best[rid][1]):
                best[rid] = (link.rule, round(link.score, 4))
    return best


def _decided(
    by_id: Mapping[str, store.StoredRecord], found: merges.Verdicts
) -> tuple[list[Link], set[tuple[str, str]]]:
    """The decisions' links and pairs kept apart, between party records of one kind present now."""

    def present(pair: tuple[str, str]) -> bool:
        a, b = by_id.get(pair[0]), by_id.get(pair[1])
        return a is not None and b is not None and a.kind == b.kind

    manual = [Link(a, b, merges.MANUAL, 1.0) for a, b in found.same if present((a, b))]
    return manual, {pair for pair in found.apart if present(pair)}


def _constrained(
    ids: Iterable[str], links: Iterable[Link], apart: Set[tuple[str, str]]
) -> dict[str, str]:
    """Union-find over `links` in their order, refusing any union that would put a pair of
    `apart` in one cluster. Every cluster's id is its smallest record id."""
    parent: dict[str, str] = {i: i for i in ids}
    barred: dict[str, set[str]] = {}  # root -> records its cluster may never hold
    for a, b in apart:
        barred.setdefault(a, set()).add(b)
        barred.setdefault(b, set()).add(a)

    def find(x: str) -> str:
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    for link in links:
        ra, rb = find(link.a), find(link.b)
        if ra == rb or any(find(x) == rb for x in barred.get(ra, ())):
            continue
        if rb < ra:
            ra, rb = rb, ra
        parent[rb] = ra
        if rb in barred:
            barred.setdefault(ra, set()).update(barred.pop(rb))
    return {x: find(x) for x in parent}


def _batches(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


async def resolve(
    driver: AsyncDriver,
    database: str,
    *,
    priority: Sequence[str] = (),
    touched: Iterable[str] = (),
    config: MatchConfig | None = None,
    batch_size: int = 2000,
) -> ResolutionReport:
    """Cluster every party record, apply the clusters, rebuild affected parties."""
    began = time.perf_counter()
    stored = await store.party_records(driver, database)
    by_id = {s.id: s for s in stored}
    links = find_links([_party_record(s) for s in stored], config or MatchConfig())
    manual, apart = _decided(by_id, merges.verdicts(await merges.decisions(driver, database)))
    if manual or apart:
        strongest = sorted(links, key=lambda link: (-link.score, link.a, link.b))
        assignment = _constrained(by_id, [*manual, *strongest], apart)
    else:
        assignment = clusters(by_id, links)  # without decisions, the order of links is moot
    evidence = _evidence([*manual, *links], assignment)

    moves: list[dict[str, Any]] = []
    rules: list[dict[str, Any]] = []
    for record_id, target in assignment.items():
        rule, score = evidence.get(record_id, ("source", 1.0))
        if record_id == target and rule != merges.MANUAL:  # the survivor: its own source
            rule, score = "source", 1.0
        item = {"record": record_id, "to": target, "rule": rule, "score": score}
        if by_id[record_id].party != target:
            moves.append(item)
        elif by_id[record_id].rule != rule:
            rules.append(item)

    affected = {assignment[r] for r in touched if r in assignment}
    for batch in _batches(moves, batch_size):
        froms = await store.move_records(driver, database, batch)
        affected.update(froms)
        affected.update(m["to"] for m in batch)
    for batch in _batches(rules, batch_size):
        await store.set_rules(driver, database, batch)

    reconciled = 0
    for batch in _batches(sorted(affected), batch_size):
        found = await store.records_of(driver, database, batch)
        parties = [reconcile.party(p["id"], p["records"], priority) for p in found]
        changed = [p for p, f in zip(parties, found, strict=True) if p["hash"] != f["hash"]]
        if changed:
            reconciled += await store.reconcile(driver, database, changed)

    return ResolutionReport(
        records=len(stored),
        parties=len(set(assignment.values())),
        merged=sum(1 for r, t in assignment.items() if r != t),
        moved=len(moves),
        reconciled=reconciled,
        seconds=time.perf_counter() - began,
        merged_ids=frozenset(r for r, t in assignment.items() if r != t),
    )


def combined(runs: Sequence[ResolutionReport]) -> ResolutionReport:
    """Several runs of one load as one: the last run's view of the graph, the work of all."""
    last = runs[-1]
    return ResolutionReport(
        records=last.records,
        parties=last.parties,
        merged=last.merged,
        moved=sum(r.moved for r in runs),
        reconciled=sum(r.reconciled for r in runs),
        seconds=sum(r.seconds for r in runs),
        merged_ids=last.merged_ids,
    )
