"""Identity resolution over the graph: link party records, cluster them, re-point them, rebuild parties.

Each cluster's party is its smallest record id, so the result does not depend on load order. Records
whose party changes are moved (with the edges derived from them); every party that gained, lost or
changed a record is rebuilt by the reconciliation policy (`graph.identity.reconcile`), and written
only if it changed. Manual decisions (`graph.identity.merges`) win over the rules: the pairs decided the
same are linked first (rule `manual`), then the rules' links from the strongest down, and a union that
would put a pair decided distinct into one party is refused, whichever links lead to it.

What is left to resolve is in the graph (`graph.identity.progress`): records written since their last
resolution are `:Pending`, and stay so until the transaction that rebuilds their party, so a run that
dies is finished by the next one. A run is

- *incremental* (the usual case): it reads the pending records, the records sharing a blocking key
  with them (the stored key tokens, through a full-text index) and the pairs whose candidacy their
  change alters (`loaders.matching.delta`); re-decides exactly those pairs with the stored name model;
  replaces their stored links; and re-clusters the records connected to them by links or by a shared
  party. Records outside that neighbourhood keep links and party, which a full run would give them too;
- *full* when asked (`c360 identity resolve --full`), when there is no complete model yet (the first
  load, or a full run that died), or when the graph holds more than `GROWTH` times the person records
  the model counted: it recounts the name frequencies (the model), re-links every record, and stores
  links, keys and the model.

So a load's result equals a full resolution from scratch with the stored name model (tested with random
sequences of loads and edits), and the model, hence every name weight, changes only on a full run.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass
from typing import Any

import orjson
from neo4j import AsyncDriver

from graph.driver import in_chunks
from graph.identity import merges, progress, store
from loaders.checkpoint import checkpoint
from loaders.matching import (
    Link,
    MatchConfig,
    Matcher,
    NameStats,
    PartyRecord,
    clusters,
    constrained,
    delta,
    find_links,
    name_stats,
)
from loaders.matching.blocking import tokens
from loaders.matching.features import Organization, Person
from loaders.matching.links import organization_order, person_order, record_features

GROWTH = 2.0  # a graph this many times the model's people gets a full run (the model is refreshed)
# Finishing transactions at a time (`_apply`). Two at a time deadlocked now and then at 1M: both
# rewrite the WORKS_FOR edges of parties employed by one large organization, and the driver's retry
# of a deadlock waits a second (about 1 s lost per deadlock, two in one 1,000-row delta).
FINISHING = 1


@dataclass(frozen=True)
class ResolutionReport:
    records: int  # party records resolved in this run (all of them when full)
    parties: int  # their parties
    merged: int  # of those records, resolved to a party other than their own
    moved: int  # records whose party changed in this run
    reconciled: int  # parties written
    seconds: float
    merged_ids: frozenset[str] = frozenset()
    full: bool = False
    model: int = 0  # version of the name model used


class _Prepared:
    """Party records parsed once: the matcher's record, features, key tokens and sort order."""

    def __init__(self, config: MatchConfig) -> None:
        self.config = config
        self.records: dict[str, PartyRecord] = {}
        self.features: dict[str, Person | Organization | None] = {}

    def add(self, row: progress.Row) -> PartyRecord:
        found = self.records.get(row.id)
        if found is None:
            found = PartyRecord.of(row.id, row.kind, orjson.loads(row.data))
            self.records[row.id] = found
            self.features[row.id] = record_features(found, self.config)
        return found

    def tokens(self, record_id: str) -> list[str]:
        return tokens(self.records[record_id], self.features[record_id], self.config)

    def order(self, record_id: str) -> str:
        found = self.features[record_id]
        if isinstance(found, Person):
            return person_order(found)
        if isinstance(found, Organization):
            return organization_order(found)
        return ""

    def finished(self, record_id: str) -> dict[str, Any]:
        return {
            "id": record_id,
            "keys": " ".join(self.tokens(record_id)),
            "order": self.order(record_id),
        }


def _evidence(links: Iterable[Link], assignment: Mapping[str, str]) -> dict[str, tuple[str, float]]:
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
    kinds: Mapping[str, str], found: merges.Verdicts
) -> tuple[list[Link], set[tuple[str, str]]]:
    """The decisions' links and pairs kept apart, between party records of one kind present now."""

    def present(pair: tuple[str, str]) -> bool:
        a, b = kinds.get(pair[0]), kinds.get(pair[1])
        return a is not None and a == b

    manual = [Link(a, b, merges.MANUAL, 1.0) for a, b in found.same if present((a, b))]
    return manual, {pair for pair in found.apart if present(pair)}


def _assign(
    kinds: Mapping[str, str], links: Sequence[Link], verdicts: merges.Verdicts
) -> tuple[dict[str, str], dict[str, tuple[str, float]]]:
    """Each record's party and the evidence that put it there."""
    manual, apart = _decided(kinds, verdicts)
    if manual or apart:
        strongest = sorted(links, key=lambda link: (-link.score, link.a, link.b))
        assignment = constrained(kinds, [*manual, *strongest], apart)
    else:
        assignment = clusters(kinds, links)  # without decisions, the order of links is moot
    return assignment, _evidence([*manual, *links], assignment)


def _batches(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass
class _Plan:
    moves: list[dict[str, Any]]
    rules: list[dict[str, Any]]


def _plan(
    rows: Mapping[str, progress.Row],
    assignment: Mapping[str, str],
    evidence: Mapping[str, tuple[str, float]],
) -> _Plan:
    plan = _Plan([], [])
    for record_id, target in assignment.items():
        rule, score = evidence.get(record_id, ("source", 1.0))
        if record_id == target and rule != merges.MANUAL:  # the survivor: its own source
            rule, score = "source", 1.0
        item = {"record": record_id, "to": target, "rule": rule, "score": score}
        if rows[record_id].party != target:
            plan.moves.append(item)
        elif rows[record_id].rule != rule:
            plan.rules.append(item)
    return plan


async def _apply(
    driver: AsyncDriver,
    database: str,
    plan: _Plan,
    assignment: Mapping[str, str],
    finishing: Sequence[str],
    rows: Mapping[str, progress.Row],
    prepared: _Prepared,
    fresh: set[str],
    priority: Sequence[str],
    batch_size: int,
) -> int:
    """Mark `finishing` pending, move and re-rule records, then finish them party by party (rebuild,
    store keys, clear `:Pending`): the records of `fresh` (and any without keys) get their keys
    recomputed, the others keep theirs. Returns the parties written."""
    await progress.mark(driver, database, finishing)
    for batch in _batches(plan.moves, batch_size):
        await store.move_records(driver, database, batch)
        checkpoint("moved")
    for batch in _batches(plan.rules, batch_size):
        await store.set_rules(driver, database, batch)
    by_party: dict[str, list[str]] = defaultdict(list)
    for record_id in finishing:
        by_party[assignment[record_id]].append(record_id)

    async def finish(batch: Sequence[str]) -> int:
        finished = []
        for party in batch:
            for record_id in by_party[party]:
                row = rows[record_id]
                if record_id in fresh or row.keys is None:
                    prepared.add(row)
                    finished.append(prepared.finished(record_id))
                else:
                    finished.append({"id": record_id, "keys": row.keys, "order": row.order})
        return await progress.finish(driver, database, batch, finished, priority)

    # Each batch is its own transaction over its own parties, so a crash still leaves whatever
    # it did not finish `:Pending`.
    return sum(await in_chunks(sorted(by_party), batch_size, FINISHING, finish))


def _report(
    assignment: Mapping[str, str], moved: int, reconciled: int, began: float, full: bool, model: int
) -> ResolutionReport:
    merged = frozenset(r for r, t in assignment.items() if r != t)
    return ResolutionReport(
        records=len(assignment),
        parties=len(set(assignment.values())),
        merged=len(merged),
        moved=moved,
        reconciled=reconciled,
        seconds=time.perf_counter() - began,
        merged_ids=merged,
        full=full,
        model=model,
    )


async def resolve(
    driver: AsyncDriver,
    database: str,
    *,
    priority: Sequence[str] = (),
    full: bool = False,
    config: MatchConfig | None = None,
    batch_size: int = 2000,
) -> ResolutionReport | None:
    """Resolve what is pending (nothing to do: `None`), or everything when `full`."""
    config = config or MatchConfig()
    pending = await progress.pending(driver, database)
    if not full and not pending:
        return None
    await progress.forget_erased(driver, database)
    model = await progress.model(driver, database)
    if not full and model is not None and model.complete:
        people = await progress.count_kinds(driver, database, config.person_kinds)
        if people <= GROWTH * model.people:
            return await _incremental(
                driver, database, pending, model, priority, config, batch_size
            )
    return await _full(driver, database, priority, config, batch_size)


async def _full(
    driver: AsyncDriver,
    database: str,
    priority: Sequence[str],
    config: MatchConfig,
    batch_size: int,
) -> ResolutionReport:
    """Recount the name model, link and cluster every party record, store it all."""
    began = time.perf_counter()
    await progress.model_stale(driver, database)
    prepared = _Prepared(config)
    stale: set[str] = set()  # records whose stored keys or order are missing or out of date

    def parse(chunk: Sequence[progress.Row]) -> None:
        for row in chunk:
            prepared.add(row)
            if row.keys is None or (row.keys, row.order) != _stored(prepared.finished(row.id)):
                stale.add(row.id)

    # Each record is parsed into the matcher's record and its stored keys checked as its chunk
    # comes; the rows held after that are slim (no JSON, keys or order: at 1M, 676 MB less than
    # rows held without their JSON alone).
    # A record without stored keys (every record of a first load) is stale unchecked: its keys are
    # computed once, when its party is finished.
    found = await progress.all_records(driver, database, each=parse, whole=False)
    rows = {r.id: r for r in found}
    records = [prepared.records[i] for i in sorted(rows)]
    features = [prepared.features[r.id] for r in records]
    names = name_stats(records, config, features)
    links = find_links(records, config, names, features)
    await progress.rewrite_links(driver, database, [_link_row(link) for link in links])
    kinds = {i: r.kind for i, r in rows.items()}
    verdicts = merges.verdicts(await merges.decisions(driver, database))
    assignment, evidence = _assign(kinds, links, verdicts)
    plan = _plan(rows, assignment, evidence)
    finishing = _finishing(rows, plan, rows, {r.id for r in rows.values() if r.pending} | stale)
    reconciled = await _apply(
        driver,
        database,
        plan,
        assignment,
        sorted(finishing),
        rows,
        prepared,
        finishing,
        priority,
        batch_size,
    )
    version = await progress.write_model(driver, database, names.counts, names.people)
    return _report(assignment, len(plan.moves), reconciled, began, True, version)


def _finishing(
    rows: Mapping[str, progress.Row], plan: _Plan, among: Iterable[str], fresh: Set[str]
) -> set[str]:
    """The records of `among` whose parties are rebuilt: the `fresh` ones (new data or keys to
    store), the moved ones and every record of a party one of them leaves (the party it joins is
    rebuilt for it: a rebuild reads all of a party's records)."""
    members: dict[str, list[str]] = defaultdict(list)
    for record_id in among:
        members[rows[record_id].party].append(record_id)
    found = set(fresh)
    for move in plan.moves:
        found.add(move["record"])
        found.update(members[rows[move["record"]].party])
    return found


def _stored(finished: Mapping[str, Any]) -> tuple[str | None, str | None]:
    return finished["keys"], finished["order"]


def _link_row(link: Link) -> dict[str, Any]:
    return {"a": link.a, "b": link.b, "rule": link.rule, "score": link.score}


async def _incremental(
    driver: AsyncDriver,
    database: str,
    pending: Sequence[progress.Row],
    model: progress.Model,
    priority: Sequence[str],
    config: MatchConfig,
    batch_size: int,
) -> ResolutionReport:
    """Re-decide the pairs the pending records touch, re-cluster their neighbourhood."""
    began = time.perf_counter()
    matcher = Matcher(config, NameStats(model.counts, model.people))
    prepared = _Prepared(config)
    rows: dict[str, progress.Row] = {r.id: r for r in pending}
    changing = set(rows)
    new_tokens: dict[str, set[str]] = {}
    touched: set[str] = set()
    for r in pending:
        prepared.add(r)
        new_tokens[r.id] = set(prepared.tokens(r.id))
        touched |= new_tokens[r.id] | set((r.keys or "").split())
    # Blocks before (as stored) and after (pending records with their new keys and order), taken
    # a chunk at a time as the lookups answer: the pairs of each chunk start their partners' reads
    # at once, so the lookups, the reads and the work on both overlap.
    holding: dict[str, list[str]] = defaultdict(list)
    for record_id, found in new_tokens.items():
        for token in found:
            holding[token].append(record_id)
    stored: dict[str, list[delta.Member]] = {}
    after: dict[str, list[delta.Member]] = {}
    pair_flags: dict[delta.Pair, delta.Flags] = {}
    shifted: set[delta.Pair] = set()

    def prepare(part: Sequence[progress.Row]) -> None:
        for r in part:
            rows[r.id] = r
            prepared.add(r)

    async with progress.Stream(driver, database, rows.keys(), prepare) as partners:

        def arrived(blocks: Mapping[str, list[delta.Member]]) -> None:
            for token, members in blocks.items():
                stored[token] = members
                after[token] = [m for m in members if m[1] not in changing]
                after[token] += [(prepared.order(i), i) for i in holding.get(token, ())]
                shifted.update(delta.changed(token, members, after[token], changing, config))
            found = delta.flags({t: after[t] for t in blocks}, changing, config)
            delta.merge(pair_flags, found)
            partners.want(i for pair in found for i in pair)

        await progress.members(driver, database, touched, each=arrived)
        # Shifted pairs: every block their records share decides them, touched or not.
        if shifted:
            ends = {i for pair in shifted for i in pair}
            for r in await progress.records(driver, database, ends - rows.keys()):
                rows[r.id] = r
            shared = {p: _keys(rows[p[0]]) & _keys(rows[p[1]]) for p in shifted}
            unknown = {t for tokens_ in shared.values() for t in tokens_} - touched
            blocks = dict(after)
            blocks.update(await progress.members(driver, database, unknown))
            index = delta.Index(blocks, config)
            for pair, tokens_ in shared.items():
                pair_flags[pair] = delta.pair_flags(pair, tokens_, index)
            partners.want(i for pair in shifted for i in pair if i not in rows)
    new_links = []
    for (a, b), found_flags in pair_flags.items():
        if a not in rows or b not in rows:
            continue  # a record that resolves to no party (its party was deleted) links nothing
        x, y = prepared.add(rows[a]), prepared.add(rows[b])
        link = matcher.link(
            x, y, prepared.features[a], prepared.features[b], found_flags.exact, found_flags.fuzzy
        )
        if link is not None:
            new_links.append(link)
    old = await progress.links_of(driver, database, changing)
    await progress.replace_links(
        driver, database, sorted(changing), sorted(shifted), [_link_row(k) for k in new_links]
    )
    # The neighbourhood: records linked to a changed one or sharing its party, transitively.
    verdicts = merges.verdicts(await merges.decisions(driver, database))
    decided: dict[str, set[str]] = defaultdict(set)
    for a, b in verdicts.same:
        decided[a].add(b)
        decided[b].add(a)
    region = changing | {i for k in new_links for i in (k.a, k.b)}
    region |= {i for pair in shifted for i in pair} | {i for a, b, _, _ in old for i in (a, b)}
    frontier = set(region)
    while frontier:
        found_ids = await progress.neighbours(driver, database, frontier)
        found_ids |= {o for i in frontier for o in decided.get(i, ())}
        frontier = found_ids - region
        region |= frontier
    for r in await progress.records(driver, database, region - rows.keys()):
        rows[r.id] = r
    region &= rows.keys()  # (decision partners that are no party record any more)
    links = [
        Link(a, b, rule, score)
        for a, b, rule, score in await progress.links_of(driver, database, region)
        if a in region and b in region
    ]
    kinds = {i: rows[i].kind for i in sorted(region)}
    assignment, evidence = _assign(kinds, sorted(links, key=lambda k: (k.a, k.b)), verdicts)
    plan = _plan(rows, assignment, evidence)
    # Only the parties that change are rebuilt: the region's other records keep their party, and
    # their keys (their data did not change).
    unkeyed = {i for i in region if rows[i].keys is None}
    finishing = _finishing(rows, plan, region, changing | unkeyed)
    reconciled = await _apply(
        driver,
        database,
        plan,
        assignment,
        sorted(finishing),
        rows,
        prepared,
        changing,
        priority,
        batch_size,
    )
    return _report(assignment, len(plan.moves), reconciled, began, False, model.version)


def _keys(row: progress.Row) -> set[str]:
    return set((row.keys or "").split())


def combined(runs: Sequence[ResolutionReport]) -> ResolutionReport:
    """Several runs of one load as one: the work of all; as merged, the records any run found
    merged (a later run of the same load rarely splits one again)."""
    last = runs[-1]
    merged = frozenset().union(*(r.merged_ids for r in runs))
    return ResolutionReport(
        records=sum(r.records for r in runs),
        parties=last.parties,
        merged=len(merged),
        moved=sum(r.moved for r in runs),
        reconciled=sum(r.reconciled for r in runs),
        seconds=sum(r.seconds for r in runs),
        merged_ids=merged,
        full=any(r.full for r in runs),
        model=last.model,
    )
