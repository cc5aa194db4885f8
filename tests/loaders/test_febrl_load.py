"""FEBRL 1, 2 and 3 through `c360 load mappings/febrl.yaml`, scored from the graph.

Every row of every file must become a source record (a bad date of birth is a field issue, not a lost
person), and the parties the records resolve to must match the ground truth (F1 >= 0.995 per file).
"""

from __future__ import annotations

import csv
from pathlib import Path

import orjson
import pytest
from neo4j import Driver
from typer.testing import CliRunner

from cli.main import app
from graph.config import PROJECT_ROOT, Settings
from loaders.matching.febrl import pair_scores, true_cluster
from tests.loaders.data import DATA

SYSTEMS = {"febrl1": "dataset1.csv", "febrl2": "dataset2.csv", "febrl3": "dataset3.csv"}

RESOLVED = """
MATCH (s:SourceRecord)-[:RESOLVES_TO]->(p:Party) WHERE s.id STARTS WITH $prefix
RETURN s.id AS record, p.id AS party
"""


def _cleanup(driver: Driver, settings: Settings) -> None:
    for system in SYSTEMS:
        driver.execute_query(
            "MATCH (n) WHERE n.id STARTS WITH $prefix DETACH DELETE n",
            prefix=f"{system}:",
            database_=settings.neo4j_database,
        )


@pytest.mark.usefixtures("identities_restored")  # 11,000 people: the load runs a full resolution
def test_febrl_loads_every_person_and_resolves_them(
    settings: Settings, driver: Driver, tmp_path: Path
) -> None:
    _cleanup(driver, settings)
    rejects = tmp_path / "rejects.jsonl"
    try:
        result = CliRunner().invoke(
            app,
            [
                "load",
                str(PROJECT_ROOT / "mappings" / "febrl.yaml"),
                "--base",
                str(DATA / "febrl"),
                "--rejects",
                str(rejects),
                "--report",
                str(tmp_path / "report.json"),
            ],
        )
        assert result.exit_code == 0, result.output
        report = orjson.loads((tmp_path / "report.json").read_bytes())
        driver.execute_query(
            "MATCH (r:LoadRun {id: $id}) DELETE r",
            id=report["id"],
            database_=settings.neo4j_database,
        )
        assert (report["read"], report["rejected"], report["fieldIssues"]) == (11_000, 0, 48)
        issues = [orjson.loads(line) for line in rejects.read_bytes().splitlines()]
        # No row is rejected; the impossible dates of birth are field issues (and only those).
        assert [i for i in issues if i["kind"] != "field"] == []
        for system, name in SYSTEMS.items():
            with (DATA / "febrl" / name).open(newline="") as handle:
                ids = [row["rec_id"] for row in csv.DictReader(handle, skipinitialspace=True)]
            records, _, _ = driver.execute_query(
                RESOLVED, prefix=f"{system}:", database_=settings.neo4j_database
            )
            predicted = {r["record"]: r["party"] for r in records}
            assert sorted(predicted) == sorted(f"{system}:{i}" for i in ids)  # no person lost
            truth = {record: true_cluster(record) for record in predicted}
            scores = pair_scores(predicted, truth)
            assert scores.f1 >= 0.995, (system, scores)
        bad_dates = {
            (i["file"].rsplit("/", 1)[-1], i["line"]): i["value"]
            for i in issues
            if i["field"] == "date_of_birth"
        }
        assert len(bad_dates) == 48 == len(issues)
        assert bad_dates[("dataset1.csv", 146)] == "19371233"
        stored, _, _ = driver.execute_query(
            "MATCH (s:SourceRecord {id: 'febrl1:rec-444-dup-0'}) RETURN s.data AS data",
            database_=settings.neo4j_database,
        )
        data = orjson.loads(stored[0]["data"])
        assert "date_of_birth" not in data and data["surname"] == "lovelock"
    finally:
        _cleanup(driver, settings)
