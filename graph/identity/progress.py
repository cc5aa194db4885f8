"""Durable identity-resolution state: what still needs resolving, blocking keys, links and the
name-frequency model, all kept in the graph so a crashed load is finished by the next one.

- `:Pending` (a label on party `SourceRecord`s): set in the transaction that writes a record
  (`graph.ingest.upsert`), or by a manual decision, or by a resolution run on every record it is
  about to re-point; removed only in the transaction that rebuilds the record's party and stores its
  keys (`finish_in`). Whatever a killed process left undone is therefore still `:Pending`.
- `matchKeys` (the record's blocking keys as tokens, one string, in the full-text index
  `source_record_keys` with a whitespace analyzer) and `matchOrder` (its sort key in a large
  block), as of the record's last completed resolution.
- `(:SourceRecord)-[:MATCHES {rule, score}]->(:SourceRecord)`: the links of the rules (the lower
  record id is the start), from which parties are the clusters.
- `(:IdentityModel {id: 'names'})`: the name frequencies name weights come from (`names`, `counts`,
  `people`), `version` and `complete` (false while a full resolution rewrites everything).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from types import TracebackType
from typing import Any, LiteralString, Self

from neo4j import AsyncDriver, AsyncManagedTransaction, RoutingControl

from graph.driver import Bulk, every_page, in_chunks, together
from graph.identity import reconcile, store

KEYS_INDEX: LiteralString = "source_record_keys"

# Many rows come back as one list per statement: the driver spends ~16 us on every record it
# decodes (1.84M ids: 31 s as records, 0.75 s as one list), and a list costs it almost nothing.
_FIELDS: LiteralString = """
RETURN collect([s.id, s.kind, s.data, s.matchKeys, s.matchOrder, party.id, s:Pending, r.rule])
  AS rows
"""

# Whole-graph reads take ids only, a page at a time in id order (by the id index), and the records
# then come `CHUNK` at a time by index seeks: no statement grows with the graph (one read of every
# record at 100k, then one read of every pending id at 1M, passed the server's timeout).
ID_PAGE = 100_000

PENDING_IDS: LiteralString = """
MATCH (s:SourceRecord:Pending) USING INDEX s:SourceRecord(id)
WHERE s.id > $after AND s.kind IS NOT NULL
WITH s.id AS id ORDER BY id LIMIT $limit
RETURN collect(id) AS ids
"""

# Few pending records (a delta's): their ids straight from the label, not by walking the id index
# of every source record (0.38 s for 1,000 pending among the 1M graph's records). How many there are
# comes from the count store, at no cost.
PENDING_COUNT: LiteralString = "MATCH (s:Pending) RETURN count(s) AS pending"

FEW_PENDING_IDS: LiteralString = """
MATCH (s:Pending)
WHERE s:SourceRecord AND s.kind IS NOT NULL
RETURN collect(s.id) AS ids
"""

ALL_IDS: LiteralString = """
MATCH (s:SourceRecord) USING INDEX s:SourceRecord(id)
WHERE s.id > $after AND s.kind IS NOT NULL
WITH s.id AS id ORDER BY id LIMIT $limit
RETURN collect(id) AS ids
"""

CHUNK = 10_000

RECORDS: LiteralString = (
    "UNWIND $ids AS id MATCH (s:SourceRecord {id: id})-[r:RESOLVES_TO]->(party:Party) "
    "WHERE s.kind IS NOT NULL" + _FIELDS
)

MEMBERS: LiteralString = """
UNWIND $tokens AS token
CALL db.index.fulltext.queryNodes('source_record_keys', token) YIELD node
WHERE node.kind IS NOT NULL AND EXISTS { (node)-[:RESOLVES_TO]->(:Party) }
WITH token, collect([coalesce(node.matchOrder, ''), node.id]) AS members
RETURN collect([token, members]) AS found
"""

COUNT_KIND: LiteralString = """
UNWIND $kinds AS kind
MATCH (s:SourceRecord {kind: kind})
RETURN count(s) AS records
"""

NEIGHBOURS: LiteralString = """
UNWIND $ids AS id
MATCH (s:SourceRecord {id: id})
CALL (s) {
  MATCH (s)-[:MATCHES]-(o) RETURN o.id AS other
  UNION
  MATCH (s)-[:RESOLVES_TO]->(:Party)<-[:RESOLVES_TO]-(o) WHERE o.kind IS NOT NULL
  RETURN o.id AS other
}
RETURN collect(DISTINCT other) AS others
"""

LINKS_OF: LiteralString = """
UNWIND $ids AS id
MATCH (s:SourceRecord {id: id})-[m:MATCHES]-(o)
WITH DISTINCT m
RETURN collect([startNode(m).id, endNode(m).id, m.rule, m.score]) AS links
"""

DROP_LINKS_OF: LiteralString = """
UNWIND $ids AS id
MATCH (:SourceRecord {id: id})-[m:MATCHES]-()
DELETE m
"""

DROP_PAIRS: LiteralString = """
UNWIND $pairs AS pair
MATCH (:SourceRecord {id: pair[0]})-[m:MATCHES]->(:SourceRecord {id: pair[1]})
DELETE m
"""

ADD_LINKS: LiteralString = """
UNWIND $links AS link
MATCH (a:SourceRecord {id: link.a}), (b:SourceRecord {id: link.b})
MERGE (a)-[m:MATCHES]->(b)
SET m.rule = link.rule, m.score = link.score
"""

DROP_ALL_LINKS: LiteralString = """
MATCH ()-[m:MATCHES]->()
WITH m LIMIT $limit
DELETE m
RETURN count(*) AS dropped
"""

MARK: LiteralString = """
UNWIND $ids AS id
MATCH (s:SourceRecord {id: id})
WHERE s.kind IS NOT NULL
SET s:Pending
"""

# Records erased on request while pending are no party records any more: nothing to resolve.
FORGET_ERASED: LiteralString = """
MATCH (s:SourceRecord:Pending) WHERE s.kind IS NULL
REMOVE s:Pending
"""

FINISH: LiteralString = """
UNWIND $records AS row
MATCH (s:SourceRecord {id: row.id})
SET s.matchKeys = row.keys, s.matchOrder = row.order
REMOVE s:Pending
"""

MODEL: LiteralString = """
MATCH (m:IdentityModel {id: 'names'})
RETURN m.version AS version, m.complete AS complete, m.people AS people, m.names AS names,
       m.counts AS counts
"""

MODEL_STALE: LiteralString = """
MATCH (m:IdentityModel {id: 'names'}) SET m.complete = false
"""

MODEL_WRITE: LiteralString = """
MERGE (m:IdentityModel {id: 'names'})
SET m.version = coalesce(m.version, 0) + 1, m.complete = true, m.people = $people,
    m.names = $names, m.counts = $counts, m.builtAt = datetime()
RETURN m.version AS version
"""


@dataclass(frozen=True, slots=True)
class Row:
    """A party source record as resolution reads it: its keys and order as last stored."""

    id: str
    kind: str
    data: str
    keys: str | None
    order: str | None
    party: str
    pending: bool = True
    rule: str = "source"


def slim(row: Row) -> Row:
    """The row without its data, keys and order, its repeated strings shared: what a run over
    every record holds of each (at 1M, about 370 bytes a record less than the row without its
    data alone)."""
    return replace(
        row,
        kind=sys.intern(row.kind),
        data="",
        keys=None,
        order=None,
        party=row.id if row.party == row.id else row.party,
        rule=sys.intern(row.rule),
    )


@dataclass(frozen=True, slots=True)
class Model:
    version: int
    complete: bool
    people: int
    counts: dict[str, int]


async def _read(driver: AsyncDriver, database: str, statement: LiteralString, **params: Any) -> Any:
    records, _, _ = await driver.execute_query(
        statement, params, database_=database, routing_=RoutingControl.READ
    )
    return records


async def _ids(driver: AsyncDriver, database: str, statement: LiteralString) -> list[str]:
    """Every id `statement` pages through (`ID_PAGE` at a time, in id order)."""

    async def page(after: str) -> list[str]:
        found = await _read(driver, database, statement, after=after, limit=ID_PAGE)
        return list(found[0]["ids"])

    return await every_page(page, str, ID_PAGE)


async def pending(driver: AsyncDriver, database: str) -> list[Row]:
    """Every party source record still to be resolved, by id."""
    count = int((await _read(driver, database, PENDING_COUNT))[0]["pending"])
    if count <= ID_PAGE:
        ids = sorted((await _read(driver, database, FEW_PENDING_IDS))[0]["ids"])
    else:
        ids = await _ids(driver, database, PENDING_IDS)
    return await records(driver, database, ids)


async def all_records(
    driver: AsyncDriver,
    database: str,
    each: Callable[[Sequence[Row]], object] | None = None,
    whole: bool = True,
) -> list[Row]:
    """Every party source record, by id (`each` and `whole` as for `records`)."""
    ids = await _ids(driver, database, ALL_IDS)
    return await records(driver, database, ids, each=each, whole=whole)


async def records(
    driver: AsyncDriver,
    database: str,
    ids: Iterable[str],
    parallel: int = 2,
    each: Callable[[Sequence[Row]], object] | None = None,
    whole: bool = True,
) -> list[Row]:
    """The party source records of these ids (those that are party records), by id; chunks of
    `CHUNK` ids, `parallel` statements at a time. `each` sees every chunk as it comes (its work
    overlaps the reads of the chunks still in flight). Unless `whole`, the rows returned are
    `slim` (`each` still sees them whole): a caller that parses and checks every record as it
    comes need not hold every record's JSON and keys at once."""

    async def chunk(part: Sequence[str]) -> list[Row]:
        rows = (await _read(driver, database, RECORDS, ids=Bulk(part)))[0]["rows"]
        found = sorted((Row(*r) for r in rows), key=lambda row: row.id)
        if each is not None:
            each(found)
        return found if whole else [slim(row) for row in found]

    parts = await in_chunks(sorted(set(ids)), CHUNK, parallel, chunk)
    return [row for part in parts for row in part]  # chunks in id order


async def members(
    driver: AsyncDriver,
    database: str,
    tokens: Iterable[str],
    chunk: int = 500,
    parallel: int = 4,
    each: Callable[[Mapping[str, list[tuple[str, str]]]], object] | None = None,
) -> dict[str, list[tuple[str, str]]]:
    """For each token, the resolved records whose stored keys hold it, as (order, id): one
    full-text lookup per token (so only ids and orders travel), `parallel` statements at a time.
    `each` sees every chunk's blocks (every token of the chunk, empty ones too) as they come."""
    ordered = sorted(set(tokens))
    found: dict[str, list[tuple[str, str]]] = {}

    async def lookup(part: Sequence[str]) -> None:
        blocks: dict[str, list[tuple[str, str]]] = {token: [] for token in part}
        for token, members in (await _read(driver, database, MEMBERS, tokens=Bulk(part)))[0][
            "found"
        ]:
            blocks[token] = [(order, record_id) for order, record_id in members]
        found.update(blocks)
        if each is not None:
            each(blocks)

    await in_chunks(ordered, chunk, parallel, lookup)
    return {token: found[token] for token in ordered}


class Stream:
    """Party records read as their ids become known: `want` queues the ids not asked for yet
    (`known` are never asked for) and starts a read for every full `CHUNK`, at most `parallel`
    at a time; leaving the block reads the rest and waits for every read, or cancels them when
    the block failed. Each chunk's rows go to `each` as they come, so work on the ones that came
    overlaps the reads (and whatever else the caller awaits meanwhile)."""

    def __init__(
        self,
        driver: AsyncDriver,
        database: str,
        known: Iterable[str],
        each: Callable[[Sequence[Row]], object],
        parallel: int = 3,
    ) -> None:
        self._driver, self._database, self._each = driver, database, each
        self._asked: set[str] = set(known)
        self._queued: list[str] = []
        self._reads: list[asyncio.Future[list[Row]]] = []
        self._gate = asyncio.Semaphore(parallel)

    def want(self, ids: Iterable[str]) -> None:
        for record_id in ids:
            if record_id not in self._asked:
                self._asked.add(record_id)
                self._queued.append(record_id)
        while len(self._queued) >= CHUNK:
            self._start(self._queued[:CHUNK])
            del self._queued[:CHUNK]

    def _start(self, ids: Sequence[str]) -> None:
        async def read() -> list[Row]:
            async with self._gate:
                return await records(self._driver, self._database, ids, 1, self._each)

        self._reads.append(asyncio.ensure_future(read()))

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if kind is None:
            if self._queued:
                self._start(self._queued)
                self._queued = []
            await together(*self._reads)
            return
        for read in self._reads:
            read.cancel()
        await asyncio.gather(*self._reads, return_exceptions=True)


async def count_kinds(driver: AsyncDriver, database: str, kinds: Sequence[str]) -> int:
    records = await _read(driver, database, COUNT_KIND, kinds=list(kinds))
    return sum(int(r["records"]) for r in records)


async def neighbours(driver: AsyncDriver, database: str, ids: Iterable[str]) -> set[str]:
    """Records linked to `ids` or resolving to one of their parties."""
    return set((await _read(driver, database, NEIGHBOURS, ids=Bulk(sorted(ids))))[0]["others"])


async def links_of(
    driver: AsyncDriver, database: str, ids: Iterable[str]
) -> list[tuple[str, str, str, float]]:
    found = (await _read(driver, database, LINKS_OF, ids=Bulk(sorted(ids))))[0]["links"]
    return [(a, b, rule, float(score)) for a, b, rule, score in found]


async def replace_links(
    driver: AsyncDriver,
    database: str,
    records: Sequence[str],
    pairs: Sequence[tuple[str, str]],
    links: Sequence[Mapping[str, Any]],
) -> None:
    """Drop the links of `records` and of `pairs` (a < b), then add `links` ({a, b, rule, score}),
    in one transaction."""

    async def work(tx: AsyncManagedTransaction) -> None:
        await (await tx.run(DROP_LINKS_OF, ids=Bulk(records))).consume()
        await (await tx.run(DROP_PAIRS, pairs=Bulk(list(p) for p in pairs))).consume()
        for start in range(0, len(links), 5000):
            await (await tx.run(ADD_LINKS, links=Bulk(links[start : start + 5000]))).consume()

    async with driver.session(database=database) as session:
        await session.execute_write(work)


async def rewrite_links(
    driver: AsyncDriver, database: str, links: Sequence[Mapping[str, Any]], batch: int = 10000
) -> None:
    """Replace every stored link by `links` (a full resolution), in batches."""
    while True:
        records, _, _ = await driver.execute_query(DROP_ALL_LINKS, limit=batch, database_=database)
        if not records or records[0]["dropped"] == 0:
            break
    for start in range(0, len(links), batch):
        await driver.execute_query(
            ADD_LINKS, links=Bulk(links[start : start + batch]), database_=database
        )


async def mark(driver: AsyncDriver, database: str, ids: Sequence[str], batch: int = 10000) -> None:
    """Label records `:Pending`: the run about to change their parties finishes them."""
    for start in range(0, len(ids), batch):
        await driver.execute_query(MARK, ids=Bulk(ids[start : start + batch]), database_=database)


async def mark_in(tx: AsyncManagedTransaction, ids: Sequence[str]) -> None:
    """`mark` in the caller's transaction."""
    await (await tx.run(MARK, ids=Bulk(ids))).consume()


async def finish(
    driver: AsyncDriver,
    database: str,
    parties: Sequence[str],
    finished: Sequence[Mapping[str, Any]],
    priority: Sequence[str],
) -> int:
    """In one transaction: rebuild `parties` (those of the `finished` records), store the finished
    records' keys ({id, keys, order}) and clear their `:Pending`. Returns the parties written."""

    async def work(tx: AsyncManagedTransaction) -> int:
        found = await store.records_in(tx, parties)
        built = [reconcile.party(p["id"], p["records"], priority) for p in found]
        changed = [p for p, f in zip(built, found, strict=True) if p["hash"] != f["hash"]]
        written = await store.reconcile_in(tx, changed) if changed else 0
        await (await tx.run(FINISH, records=Bulk(finished))).consume()
        return written

    async with driver.session(database=database) as session:
        written: int = await session.execute_write(work)
        return written


async def forget_erased(driver: AsyncDriver, database: str) -> None:
    await driver.execute_query(FORGET_ERASED, database_=database)


async def model(driver: AsyncDriver, database: str) -> Model | None:
    found = await _read(driver, database, MODEL)
    if not found:
        return None
    r = found[0]
    return Model(
        version=int(r["version"]),
        complete=bool(r["complete"]),
        people=int(r["people"]),
        counts=dict(zip(r["names"] or [], r["counts"] or [], strict=True)),
    )


async def model_stale(driver: AsyncDriver, database: str) -> None:
    """Flag the model incomplete: a full resolution is under way (a crash leaves it so)."""
    await driver.execute_query(MODEL_STALE, database_=database)


async def write_model(
    driver: AsyncDriver, database: str, counts: Mapping[str, int], people: int
) -> int:
    """Store a complete model; returns its version."""
    names = sorted(counts)
    records, _, _ = await driver.execute_query(
        MODEL_WRITE,
        names=Bulk(names),
        counts=Bulk(counts[n] for n in names),
        people=people,
        database_=database,
    )
    return int(records[0]["version"])
