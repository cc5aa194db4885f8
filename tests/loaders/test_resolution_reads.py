"""Identity resolution's whole-graph reads come in bounded chunks: a 100k load once died because the
read of every pending record was one statement past the server's transaction timeout, and a 1M load
because the read of every pending id was."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import orjson
import pytest
from neo4j import AsyncDriver

from graph.driver import run_with
from graph.identity import progress
from tests.loaders.conftest import Loader

PEOPLE = "id,first,last,email\n" + "".join(
    f"p{i},Ada{i},Lovelace{i},ada{i}@example.org\n" for i in range(7)
)
NAMES = {"id": "id", "given_name": "first", "surname": "last", "email": "email"}
SURNAMES = {"id": "id", "surname": "last"}


def load_people(loader: Loader, fields: dict[str, str]) -> list[str]:
    """The seven people of `PEOPLE` loaded (and resolved) with these fields; their record ids."""
    loader.write("people.csv", PEOPLE)
    loader.run(loader.mapping([{"file": "people.csv", "entity": "person", "fields": fields}]))
    return [f"{loader.system}:p{i}" for i in range(7)]


_READ = progress._read


def read_all(loader: Loader, chunk: int, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """`pending` and `all_records` with this chunk (and id page) size, and how many records and
    ids each statement read."""
    monkeypatch.setattr(progress, "CHUNK", chunk)
    monkeypatch.setattr(progress, "ID_PAGE", chunk)
    reads: list[int] = []
    pages: list[int] = []
    few: list[int] = []
    pending_pages: list[int] = []
    real = _READ  # not progress._read: a second call would wrap the first call's counting

    async def counting(driver: Any, database: str, statement: str, **params: Any) -> Any:
        found = await real(driver, database, statement, **params)
        if statement == progress.RECORDS:
            reads.append(len(params["ids"]))
        if statement in (progress.PENDING_IDS, progress.ALL_IDS):
            pages.append(len(found[0]["ids"]))
        if statement == progress.FEW_PENDING_IDS:
            few.append(len(found[0]["ids"]))
        if statement == progress.PENDING_IDS:
            pending_pages.append(len(found[0]["ids"]))
        return found

    monkeypatch.setattr(progress, "_read", counting)

    async def go(driver: AsyncDriver) -> dict[str, Any]:
        database = loader.settings.neo4j_database
        return {
            "pending": await progress.pending(driver, database),
            "all": await progress.all_records(driver, database),
        }

    found = run_with(loader.settings, go)
    found["reads"] = reads
    found["pages"] = pages
    found["few"] = few
    found["pending_pages"] = pending_pages
    return found


def test_whole_graph_reads_come_in_chunks(loader: Loader, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = load_people(loader, NAMES)
    # Three of them pending again, as a load killed before resolving them would leave them.
    loader.query("UNWIND $ids AS id MATCH (s:SourceRecord {id: id}) SET s:Pending", ids=ids[:3])
    whole = read_all(loader, 1_000_000, monkeypatch)
    chunked = read_all(loader, 2, monkeypatch)
    mine = {"pending": ids[:3], "all": ids}
    for key in ("pending", "all"):
        assert chunked[key] == whole[key]  # same rows, in id order
        assert [r.id for r in chunked[key]] == sorted(r.id for r in chunked[key])
        assert [r.id for r in chunked[key] if r.id.startswith(loader.system)] == mine[key]
    # No statement read more than the chunk (ids without a party, e.g. erased, read nothing).
    assert max(chunked["reads"]) == 2
    assert sum(chunked["reads"]) >= len(whole["pending"]) + len(whole["all"])
    assert len(chunked["reads"]) > len(whole["all"]) // 2
    # Nor did any id read: the ids came a page of 2 at a time, the last page short.
    assert max(chunked["pages"]) == 2 and chunked["pages"][-1] < 2
    assert sum(chunked["pages"]) >= len(whole["pending"]) + len(whole["all"])
    assert [r.kind for r in chunked["pending"] if r.id in ids] == ["person"] * 3
    # Fewer pending records than a page: their ids come from the label in one read, no page of
    # the id index; more: a page at a time.
    assert len(whole["few"]) == 1 and whole["few"][0] >= len(whole["pending"]) >= 3
    assert whole["pending_pages"] == []
    assert chunked["few"] == [] and sum(chunked["pending_pages"]) >= 3


def test_each_chunk_is_seen_as_it_comes(loader: Loader, monkeypatch: pytest.MonkeyPatch) -> None:
    """`records(each=...)`: identity resolution prepares each chunk while the next are read."""
    ids = [*load_people(loader, SURNAMES), f"{loader.system}:none"]
    monkeypatch.setattr(progress, "CHUNK", 2)
    seen: list[list[str]] = []

    async def go(driver: AsyncDriver) -> list[progress.Row]:
        return await progress.records(
            driver,
            loader.settings.neo4j_database,
            ids,
            parallel=3,
            each=lambda part: seen.append([r.id for r in part]),
        )

    found = run_with(loader.settings, go)
    assert [r.id for r in found] == ids[:7]  # in id order; the unknown id reads nothing
    assert len(seen) == 4 and all(len(part) <= 2 for part in seen)
    assert sorted(i for part in seen for i in part) == ids[:7]


def test_unless_whole_only_each_sees_the_records_json_and_keys(
    loader: Loader, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`records(whole=False)`: the full resolution parses and checks each chunk as it comes and
    holds the rows without their JSON, keys and order, the strings many rows repeat shared; the
    rest of a row is as read."""
    ids = load_people(loader, SURNAMES)
    monkeypatch.setattr(progress, "CHUNK", 2)
    seen: dict[str, tuple[str, str | None, str | None]] = {}

    def each(part: Sequence[progress.Row]) -> None:
        seen.update((r.id, (r.data, r.keys, r.order)) for r in part)

    async def go(driver: AsyncDriver) -> tuple[list[progress.Row], list[progress.Row]]:
        db = loader.settings.neo4j_database
        kept = await progress.records(driver, db, ids)
        return kept, await progress.records(driver, db, ids, each=each, whole=False)

    kept, lean = run_with(loader.settings, go)
    assert [r.id for r in lean] == ids
    assert {r.id: (r.data, r.keys, r.order) for r in kept} == seen
    assert all(orjson.loads(r.data) and None not in (r.keys, r.order) for r in kept)
    assert [(r.data, r.keys, r.order) for r in lean] == [("", None, None)] * len(ids)
    assert [replace(r, data="", keys=None, order=None) for r in kept] == lean
    for field in ("kind", "rule"):  # one string object per value
        values = [getattr(r, field) for r in lean]
        assert len({id(v) for v in values}) == len(set(values))
    assert all(r.party is r.id for r in lean if r.party == r.id)


def test_a_stream_reads_each_wanted_record_once_as_ids_come(
    loader: Loader, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`Stream`: ids wanted in several calls, repeated or already known, are read once each; a
    full chunk starts reading before the block ends, the rest when it ends."""
    ids = load_people(loader, SURNAMES)
    monkeypatch.setattr(progress, "CHUNK", 2)
    seen: list[list[str]] = []
    started: list[int] = []

    async def go(driver: AsyncDriver) -> None:
        stream = progress.Stream(
            driver,
            loader.settings.neo4j_database,
            known=ids[:1],
            each=lambda part: seen.append([r.id for r in part]),
        )
        async with stream:
            stream.want([ids[0], ids[1]])  # one new id: no full chunk yet
            started.append(len(stream._reads))
            stream.want([ids[1], ids[2], ids[3], f"{loader.system}:none"])
            started.append(len(stream._reads))
            stream.want(ids[4:] + ids[:4])
            started.append(len(stream._reads))

    run_with(loader.settings, go)
    assert started == [0, 2, 3]  # chunks of 2 start as soon as they fill
    assert all(len(part) <= 2 for part in seen)
    # Each id once; the known one and the one without a record are not among them.
    assert sorted(i for part in seen for i in part) == ids[1:]


def test_a_failed_block_cancels_the_streams_reads(
    loader: Loader, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(progress, "CHUNK", 1)
    real = progress._read
    cancelled: list[bool] = []

    async def slow(driver: Any, database: str, statement: str, **params: Any) -> Any:
        try:
            await asyncio.sleep(30)
        except asyncio.CancelledError:
            cancelled.append(True)
            raise
        return await real(driver, database, statement, **params)

    monkeypatch.setattr(progress, "_read", slow)

    async def go(driver: AsyncDriver) -> None:
        async with progress.Stream(driver, "neo4j", (), each=lambda part: None) as stream:
            stream.want(["a", "b"])
            await asyncio.sleep(0.2)  # both reads are under way
            raise RuntimeError("the caller failed")

    with pytest.raises(RuntimeError, match="the caller failed"):
        run_with(loader.settings, lambda driver: asyncio.wait_for(go(driver), 10))
    assert cancelled == [True, True]


def test_members_hands_over_every_chunks_blocks(loader: Loader) -> None:
    """`members(each=...)`: every token's block (an empty one too) is seen once, as it comes,
    and the blocks seen are the blocks answered."""
    mine = set(load_people(loader, NAMES))
    keys = loader.query(
        "MATCH (s:SourceRecord) WHERE s.id STARTS WITH $system RETURN s.matchKeys AS keys",
        system=loader.system,
    )
    tokens = sorted({t for row in keys for t in (row["keys"] or "").split()})
    assert len(tokens) >= 7
    wanted = [*tokens, "pnothing-holds-this"]
    seen: list[dict[str, list[tuple[str, str]]]] = []

    async def go(driver: AsyncDriver) -> dict[str, list[tuple[str, str]]]:
        return await progress.members(
            driver,
            loader.settings.neo4j_database,
            wanted,
            chunk=3,
            parallel=2,
            each=lambda blocks: seen.append(dict(blocks)),
        )

    found = run_with(loader.settings, go)
    assert list(found) == sorted(wanted)
    assert all(len(blocks) <= 3 for blocks in seen)
    merged = {t: m for blocks in seen for t, m in blocks.items()}
    assert len(merged) == sum(len(blocks) for blocks in seen) == len(wanted)
    assert merged == found
    assert found["pnothing-holds-this"] == []
    assert {i for t in tokens for _, i in found[t]} >= mine
