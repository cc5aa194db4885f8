"""Crash safety: a load killed with SIGKILL anywhere is finished by the next one.

The loader runs as a subprocess (`c360 load`) on a generated demo sample whose source systems carry a
tag unique to the test (so its ids are its own); `C360_KILL_AT` (`loaders/checkpoint.py`) kills it at
a chosen point. After the rerun, every node, relationship and property the sample made (load and
resolution times aside) must equal what one clean load made.
"""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import orjson
import pytest
import yaml
from neo4j import Driver

from graph.config import PROJECT_ROOT, Settings
from graph.ingest.records import PARTY_ENTITIES
from loaders.sample.generate import write_sample

C360 = str(Path(sys.executable).parent / "c360")
BATCH = 100
VOLATILE = {"loadedAt", "at"}  # when, not what

FINGERPRINT = """
MATCH (n) WHERE n.id STARTS WITH $tag
OPTIONAL MATCH (n)-[r]->(m)
RETURN n.id AS id, labels(n) AS labels, properties(n) AS props,
       collect([type(r), m.id, properties(r)]) AS out
"""


def _clean(value: dict[str, Any]) -> list[tuple[str, str]]:
    return sorted((k, repr(v)) for k, v in value.items() if k not in VOLATILE)


def fingerprint(driver: Driver, settings: Settings, tag: str) -> dict[str, Any]:
    """Every node of the sample: labels, properties, outgoing edges with theirs (times dropped)."""
    records, _, _ = driver.execute_query(FINGERPRINT, tag=tag, database_=settings.neo4j_database)
    found: dict[str, Any] = {}
    for r in records:
        out = sorted((t, m, _clean(p)) for t, m, p in r["out"] if t is not None)
        kind = "SourceRecord" if "SourceRecord" in r["labels"] else "Node"
        found[f"{kind}:{r['id']}"] = (sorted(r["labels"]), _clean(r["props"]), out)
    return found


def tagged_mapping(folder: Path, tag: str) -> Path:
    """mappings/demo.yaml with every system (and reference to one) prefixed by `tag`."""
    mapping = yaml.safe_load((PROJECT_ROOT / "mappings" / "demo.yaml").read_text())
    mapping["base"] = str(folder)
    mapping["priority"] = [tag + s for s in mapping["priority"]]
    for source in mapping["sources"]:
        source["system"] = tag + source["system"]
        for spec in source.get("fields", {}).values():
            if isinstance(spec, dict) and "ref" in spec:
                spec["ref"] = tag + spec["ref"]
    path = folder.parent / "mapping.yaml"
    path.write_text(yaml.safe_dump(mapping, sort_keys=False))
    return path


def run_load(settings: Settings, mapping: Path, kill_at: str | None = None) -> int:
    """`c360 load` in a subprocess against the test server (its settings come from the same
    environment as the tests')."""
    env = dict(os.environ)
    env.pop("C360_KILL_AT", None)
    if kill_at is not None:
        env["C360_KILL_AT"] = kill_at
    done = subprocess.run(
        [C360, "load", str(mapping), "--batch-size", str(BATCH)],
        env=env,
        capture_output=True,
        timeout=600,
        check=False,
    )
    return done.returncode


def count(driver: Driver, settings: Settings, cypher: str, tag: str) -> int:
    records, _, _ = driver.execute_query(cypher, tag=tag, database_=settings.neo4j_database)
    return int(records[0]["n"])


BARE = "MATCH (p:Party) WHERE p.id STARTS WITH $tag AND size(labels(p)) = 1 RETURN count(p) AS n"
PENDING = "MATCH (s:Pending) WHERE s.id STARTS WITH $tag RETURN count(s) AS n"


@pytest.fixture
def sample(tmp_path: Path, driver: Driver, settings: Settings) -> Any:
    tag = f"k{uuid.uuid4().hex[:8]}"
    folder = tmp_path / "data"
    write_sample(folder, 60, 7)
    mapping = tagged_mapping(folder, tag)

    def cleanup() -> None:
        driver.execute_query(
            "MATCH (n) WHERE n.id STARTS WITH $tag DETACH DELETE n",
            tag=tag,
            database_=settings.neo4j_database,
        )

    # The identity model (name frequencies) is frozen between full runs, and a load that grows the
    # person records past twice what it counted runs a full one (docs/loading.md): the first clean
    # load may refresh it, which would give this sample other scores than the loads after it.
    # A second clean load runs under the model the crashed loads will see.
    for _ in range(2):
        assert run_load(settings, mapping) == 0
        clean = fingerprint(driver, settings, tag)
        cleanup()
    # The loader commits a batch every BATCH rows of a file and once at its end.
    rows = orjson.loads((folder / "truth.json").read_bytes())["rows"]
    batches = [
        (source["entity"] in PARTY_ENTITIES, rows[source["file"]] // BATCH + 1)
        for source in yaml.safe_load(mapping.read_text())["sources"]
    ]
    parties = sum(n for is_party, n in batches if is_party)
    others = sum(n for is_party, n in batches if not is_party)
    yield tag, mapping, clean, (parties // 2, parties + others // 2)
    cleanup()


def test_a_load_killed_before_resolution_is_finished_by_the_rerun(
    sample: Any, driver: Driver, settings: Settings
) -> None:
    tag, mapping, clean, _ = sample
    assert count(driver, settings, BARE, tag) == 0 and len(clean) > 500
    assert run_load(settings, mapping, kill_at="resolve:1") == -9
    # The damage the issue describes: party records written, none resolved.
    bare = count(driver, settings, BARE, tag)
    assert bare > 50 and count(driver, settings, PENDING, tag) >= bare
    assert run_load(settings, mapping) == 0
    assert count(driver, settings, BARE, tag) == count(driver, settings, PENDING, tag) == 0
    assert fingerprint(driver, settings, tag) == clean


def test_loads_killed_at_several_points_end_as_one_clean_load(
    sample: Any, driver: Driver, settings: Settings
) -> None:
    tag, mapping, clean, (in_parties, in_others) = sample
    # Part-way through the party files, in the middle of a resolution (records moved, parties not
    # rebuilt), and part-way through the orders and the rest; each rerun goes further.
    assert run_load(settings, mapping, kill_at=f"batch:{in_parties}") == -9
    assert run_load(settings, mapping, kill_at="moved:1") == -9
    assert count(driver, settings, PENDING, tag) > 0  # records moved, their parties not rebuilt
    assert run_load(settings, mapping, kill_at=f"batch:{in_others}") == -9
    assert run_load(settings, mapping) == 0
    assert count(driver, settings, PENDING, tag) == 0
    assert fingerprint(driver, settings, tag) == clean
