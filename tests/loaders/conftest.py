"""Fixtures for loader tests: a unique source system per test, its files and mapping, a runner.

Every id a test loads starts with its own system name, so cleanup deletes exactly what it made.
"""

from __future__ import annotations

import asyncio
import gzip
import io
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from neo4j import Driver

from graph.config import Settings
from graph.driver import open_driver
from loaders.load import LoadReport, load
from loaders.mapping import Mapping, read_mapping

SNAPSHOT = """
MATCH (n) WHERE n.id STARTS WITH $prefix
WITH collect(n) AS nodes
UNWIND nodes AS n
OPTIONAL MATCH (n)-[r]->(m)
RETURN n.id AS id, labels(n) AS labels, properties(n) AS props,
       collect([type(r), m.id, properties(r)]) AS out
"""

VOLATILE = {"loadedAt", "at"}  # load times, not data


@dataclass
class Loader:
    system: str
    folder: Path
    settings: Settings
    driver: Driver

    def write(self, name: str, text: str | bytes) -> Path:
        path = self.folder / name
        data = text.encode() if isinstance(text, str) else text
        if name.endswith(".gz"):
            buffer = io.BytesIO()
            with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=0) as gz:
                gz.write(data)
            data = buffer.getvalue()
        path.write_bytes(data)
        return path

    def mapping(self, sources: list[dict[str, Any]], **extra: Any) -> Mapping:
        for source in sources:
            source.setdefault("system", self.system)
        path = self.folder / "mapping.yaml"
        path.write_text(yaml.safe_dump({"name": "test", "sources": sources, **extra}))
        return read_mapping(path)

    def run(
        self, mapping: Mapping, rejects: Path | None = None, batch_size: int = 5000
    ) -> LoadReport:
        async def go() -> LoadReport:
            driver = open_driver(self.settings)
            try:
                if rejects is None:
                    return await load(
                        driver, self.settings.neo4j_database, mapping, batch_size=batch_size
                    )
                with rejects.open("wb") as sink:
                    return await load(
                        driver,
                        self.settings.neo4j_database,
                        mapping,
                        rejects=sink,
                        batch_size=batch_size,
                    )
            finally:
                await driver.close()

        return asyncio.run(go())

    def snapshot(self) -> dict[str, Any]:
        """Every node with this test's prefix: labels, properties and outgoing edges (volatile props dropped)."""
        records, _, _ = self.driver.execute_query(
            SNAPSHOT, prefix=f"{self.system}:", database_=self.settings.neo4j_database
        )
        found: dict[str, Any] = {}
        for r in records:
            props = {k: v for k, v in r["props"].items() if k not in VOLATILE}
            out = sorted(
                (t, m, sorted((k, repr(v)) for k, v in p.items() if k not in VOLATILE))
                for t, m, p in r["out"]
                if t is not None
            )
            # A party and its source record share an id: key by label too.
            kind = "SourceRecord" if "SourceRecord" in r["labels"] else "Node"
            found[f"{kind}:{r['id']}"] = (
                sorted(r["labels"]),
                sorted((k, repr(v)) for k, v in props.items()),
                out,
            )
        return found

    def query(self, cypher: str, **params: Any) -> list[dict[str, Any]]:
        records, _, _ = self.driver.execute_query(
            cypher, params, database_=self.settings.neo4j_database
        )
        return [r.data() for r in records]

    def cleanup(self) -> None:
        self.driver.execute_query(
            "MATCH (n) WHERE n.id STARTS WITH $prefix DETACH DELETE n",
            prefix=f"{self.system}:",
            database_=self.settings.neo4j_database,
        )


@pytest.fixture
def loader(settings: Settings, driver: Driver, tmp_path: Path) -> Iterator[Loader]:
    found = Loader(f"t{uuid.uuid4().hex[:10]}", tmp_path, settings, driver)
    found.cleanup()
    yield found
    found.cleanup()
