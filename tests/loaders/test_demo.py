"""The demo data set end to end: generated, loaded through mappings/demo.yaml, resolved."""

from __future__ import annotations

from collections import defaultdict
from itertools import combinations

import orjson
import pytest
from neo4j import Driver

from tests.conftest import DemoData, resolve_everything


@pytest.fixture
def demo_resolved(demo_loaded: DemoData) -> DemoData:
    """The demo with its identities as a full resolution of the graph gives them now: a load that
    ran a full one since the demo went in (one that doubled the person records, such as FEBRL's
    11,000 rows) re-linked the demo's records with a model counted over its own records too."""
    resolve_everything(demo_loaded.settings)
    return demo_loaded


def test_demo_loads_without_rejects(demo_loaded: DemoData) -> None:
    report = demo_loaded.report
    assert report.rejected == 0 and report.failed_files == []
    assert all(s.read == s.loaded > 0 for s in report.sources)
    truth = orjson.loads((demo_loaded.folder / "truth.json").read_bytes())
    by_file = {s.file: s.read for s in report.sources}
    assert by_file == {name: count for name, count in truth["rows"].items() if name in by_file}


def test_demo_identities_match_the_truth(demo_resolved: DemoData, driver: Driver) -> None:
    truth = orjson.loads((demo_resolved.folder / "truth.json").read_bytes())
    records, _, _ = driver.execute_query(
        "MATCH (s:SourceRecord)-[:RESOLVES_TO]->(p:Party) "
        "WHERE s.kind IS NOT NULL AND split(s.id, ':')[0] IN ['crm', 'shop', 'hr', 'partners'] "
        "RETURN s.id AS record, p.id AS party",
        database_=demo_resolved.settings.neo4j_database,
    )
    parties: dict[str, list[str]] = defaultdict(list)
    for r in records:
        parties[r["party"]].append(r["record"])
    found = {frozenset(p) for group in parties.values() for p in combinations(group, 2)}
    true = {frozenset(p) for group in truth["clusters"] for p in combinations(group, 2)}
    precision = len(found & true) / len(found)
    recall = len(found & true) / len(true)
    print(f"demo identity resolution: precision {precision:.3f} recall {recall:.3f}")
    assert len(true) > 200
    assert precision >= 0.95 and recall >= 0.95


def test_the_index_holds_parties_of_their_labels_kind(
    demo_loaded: DemoData, driver: Driver
) -> None:
    """A loaded party's kind is its label's (`graph.identity.reconcile`): search relies on it
    (`graph.read.render`: the full-text index holds those labels, and hits are not checked for a
    known kind)."""
    found, _, _ = driver.execute_query(
        "MATCH (n) WHERE n:Person OR n:Organization OR n:Household "
        "RETURN count(*) AS parties, count(CASE WHEN NOT ("
        "(n:Person AND n.kind = 'person') OR (n:Organization AND n.kind = 'organization') OR "
        "(n:Household AND n.kind = 'household')) THEN 1 END) AS others",
        database_=demo_loaded.settings.neo4j_database,
    )
    assert found[0]["parties"] >= 500 and found[0]["others"] == 0
