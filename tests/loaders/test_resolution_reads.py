"""Identity resolution's whole-graph reads come in bounded chunks: a 100k load once died because the
read of every pending record was one statement past the server's transaction timeout, and a 1M load
because the read of every pending id was."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from graph.driver import open_driver
from graph.identity import progress
from tests.loaders.conftest import Loader

PEOPLE = "id,first,last,email\n" + "".join(
    f"p{i},Ada{i},Lovelace{i},ada{i}@example.org\n" for i in range(7)
)


def read_all(loader: Loader, chunk: int, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """`pending` and `all_records` with this chunk (and id page) size, and how many records and
    ids each statement read."""
    monkeypatch.setattr(progress, "CHUNK", chunk)
    monkeypatch.setattr(progress, "ID_PAGE", chunk)
    reads: list[int] = []
    pages: list[int] = []
    real = progress._read

    async def counting(driver: Any, database: str, statement: str, **params: Any) -> Any:
        found = await real(driver, database, statement, **params)
        if statement == progress.RECORDS:
            reads.append(len(params["ids"]))
        if statement in (progress.PENDING_IDS, progress.ALL_IDS):
            pages.append(len(found[0]["ids"]))
        return found

    monkeypatch.setattr(progress, "_read", counting)

    async def go() -> dict[str, Any]:
        driver = open_driver(loader.settings)
        try:
            database = loader.settings.neo4j_database
            return {
                "pending": await progress.pending(driver, database),
                "all": await progress.all_records(driver, database),
            }
        finally:
            await driver.close()

    found = asyncio.run(go())
    found["reads"] = reads
    found["pages"] = pages
    return found


def test_whole_graph_reads_come_in_chunks(loader: Loader, monkeypatch: pytest.MonkeyPatch) -> None:
    loader.write("people.csv", PEOPLE)
    mapping = loader.mapping(
        [
            {
                "file": "people.csv",
                "entity": "person",
                "fields": {"id": "id", "given_name": "first", "surname": "last", "email": "email"},
            }
        ]
    )
    loader.run(mapping)
    ids = [f"{loader.system}:p{i}" for i in range(7)]
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


def test_each_chunk_is_seen_as_it_comes(loader: Loader, monkeypatch: pytest.MonkeyPatch) -> None:
    """`records(each=...)`: identity resolution prepares each chunk while the next are read."""
    loader.write("people.csv", PEOPLE)
    mapping = loader.mapping(
        [{"file": "people.csv", "entity": "person", "fields": {"id": "id", "surname": "last"}}]
    )
    loader.run(mapping)
    ids = [f"{loader.system}:p{i}" for i in range(7)] + [f"{loader.system}:none"]
    monkeypatch.setattr(progress, "CHUNK", 2)
    seen: list[list[str]] = []

    async def go() -> list[progress.Row]:
        driver = open_driver(loader.settings)
        try:
            return await progress.records(
                driver,
                loader.settings.neo4j_database,
                ids,
                parallel=3,
                each=lambda part: seen.append([r.id for r in part]),
            )
        finally:
            await driver.close()

    found = asyncio.run(go())
    assert [r.id for r in found] == ids[:7]  # in id order; the unknown id reads nothing
    assert len(seen) == 4 and all(len(part) <= 2 for part in seen)
    assert sorted(i for part in seen for i in part) == ids[:7]
