"""The shipped mappings on the real data sets in ../shared/data."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from itertools import combinations
from pathlib import Path

from neo4j import Driver

from graph.config import PROJECT_ROOT, Settings
from tests.loaders.conftest import Loader

DATA = PROJECT_ROOT.parent / "shared" / "data"


def test_cdnow_loads_every_order_customer_and_dollar(
    cdnow_loaded: Settings, driver: Driver
) -> None:
    lines = (DATA / "cdnow" / "CDNOW_sample.txt").read_text().split("\n")
    rows = [line.split() for line in lines if line.strip()]
    customers = {r[0] for r in rows}
    dollars = sum(Decimal(r[4]) for r in rows)
    records, _, _ = driver.execute_query(
        "MATCH (c:Customer:Person)-[:PLACED]->(o:Order) WHERE c.id STARTS WITH 'cdnow:' "
        "RETURN count(DISTINCT c) AS customers, count(o) AS orders, sum(o.amount) AS dollars, "
        "sum(o.quantity) AS cds",
        database_=cdnow_loaded.neo4j_database,
    )
    found = records[0]
    assert (len(rows), len(customers)) == (6919, 2357)
    assert (found["orders"], found["customers"]) == (len(rows), len(customers))
    assert round(found["dollars"], 2) == float(dollars)
    assert found["cds"] == sum(int(r[3]) for r in rows)


def test_febrl_subset_duplicates_are_found(loader: Loader, tmp_path: Path) -> None:
    source = DATA / "febrl" / "dataset1.csv"
    header, *body = source.read_text().splitlines()
    subset = [line for line in body if int(line.split("-")[1]) < 150]
    loader.write("subset.csv", "\n".join([header, *subset]) + "\n")
    fields = {
        "id": "rec_id", "given_name": "given_name", "surname": "surname",
        "street_number": "street_number", "street": "address_1", "locality": "suburb",
        "postcode": "postcode", "state": "state", "national_id": "soc_sec_id",
        "date_of_birth": {"column": "date_of_birth", "date": "%Y%m%d"},
    }  # fmt: skip
    mapping = loader.mapping(
        [{"file": "subset.csv", "entity": "person", "skip_initial_space": True, "fields": fields}]
    )
    report = loader.run(mapping, rejects=tmp_path / "rejects.jsonl")
    loaded = report.sources[0].loaded
    assert report.resolution is not None
    parties = loader.query(
        "MATCH (s:SourceRecord)-[r:RESOLVES_TO]->(p:Party) WHERE s.id STARTS WITH $p "
        "RETURN s.id AS record, p.id AS party, r.rule AS rule, r.score AS score",
        p=f"{loader.system}:",
    )
    assert len(parties) == loaded == len(subset) - report.sources[0].rejected
    predicted: dict[str, list[str]] = defaultdict(list)
    truth: dict[str, list[str]] = defaultdict(list)
    for row in parties:
        predicted[row["party"]].append(row["record"])
        truth[row["record"].split("-")[1]].append(row["record"])
    found = {frozenset(p) for group in predicted.values() for p in combinations(group, 2)}
    true = {frozenset(p) for group in truth.values() for p in combinations(group, 2)}
    assert len(true) > 100
    assert found - true == set()  # no false merge
    assert len(found & true) / len(true) >= 0.99  # recall
    merged_here = sum(1 for row in parties if row["record"] != row["party"])
    assert report.sources[0].merged == merged_here > 100
    # Every merged record carries the evidence that matched it; each party is its smallest record id.
    for row in parties:
        if row["record"] != row["party"]:
            assert row["rule"].startswith(("exact:", "fuzzy:")) and row["score"] > 0
        else:
            assert (row["rule"], row["score"]) == ("source", 1.0)
    # (Other sources in the same graph may hold the same people: the party is the smallest of all.)
    smallest = loader.query(
        "UNWIND $ids AS id MATCH (p:Party {id: id})<-[:RESOLVES_TO]-(s) RETURN id, min(s.id) AS first",
        ids=list(predicted),
    )
    assert all(row["id"] == row["first"] for row in smallest)
