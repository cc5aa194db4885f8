"""Full snapshots: records that vanish from a source's full extract are ended (not deleted), reported,
shown as ended by the API and left out of the metrics; they come back to life when they reappear."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest
from starlette.testclient import TestClient
from typer.testing import CliRunner

from cli.main import app
from graph.ingest import snapshots
from graph.read.positions import Family
from schema.ids import global_id
from tests.loaders.conftest import Loader

PEOPLE_FIELDS = {"id": "id", "name": "name", "is_customer": "customer", "segment": "segment"}
ORDER_FIELDS: dict[str, Any] = {
    "id": "id",
    "customer": "customer",
    "date": {"column": "date", "date": True},
    "amount": {"column": "amount", "number": {}},
}
ENDED = """
MATCH (n) WHERE n.id STARTS WITH $p AND n.endedAt IS NOT NULL
RETURN labels(n)[0] AS label, n.id AS id ORDER BY label, id
"""


def write_files(loader: Loader, people: str, orders: str) -> Path:
    """The people (each put in a segment named after the test's system) and the orders."""
    rows = "".join(f"{line},{loader.system}\n" for line in people.splitlines())
    loader.write("people.csv", "id,name,customer,segment\n" + rows)
    loader.write("orders.csv", "id,customer,date,amount\n" + orders)
    loader.mapping(
        [
            {"file": "people.csv", "entity": "person", "fields": PEOPLE_FIELDS, "snapshot": True},
            {"file": "orders.csv", "entity": "order", "fields": ORDER_FIELDS, "snapshot": True},
        ],
        name=loader.system,
        max_reject_share=0.5,
    )
    return loader.folder / "mapping.yaml"


def run(loader: Loader, tmp_path: Path, name: str, *extra: str) -> dict[str, Any]:
    report = tmp_path / f"{name}.json"
    rejects = tmp_path / f"{name}.jsonl"
    path = loader.folder / "mapping.yaml"
    args = ["load", str(path), "--report", str(report), "--rejects", str(rejects), *extra]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    found: dict[str, Any] = orjson.loads(report.read_bytes())
    loader.driver.execute_query(
        "MATCH (r:LoadRun {id: $id}) DELETE r",
        id=found["id"],
        database_=loader.settings.neo4j_database,
    )
    return found


# The stored records are read a page at a time; a page of 1 makes every record its own statement.
@pytest.mark.parametrize("page", [snapshots.PAGE, 1], ids=["one page", "pages of 1"])
def test_vanished_records_are_ended_reported_and_revived(
    loader: Loader, tmp_path: Path, client: TestClient, page: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(snapshots, "PAGE", page)
    s = loader.system
    write_files(
        loader,
        "p1,Ann,true\np2,Bo,true\np3,Cy,true\n",
        "o1,p1,2024-01-02,10\no2,p2,2024-01-03,20\no3,p2,2024-01-04,30\n",
    )
    first = run(loader, tmp_path, "first")
    assert (first["created"], first["ended"]) == (6, 0)
    # p3 and o2 vanish; p2's row is rejected (a bad flag), which does not make it vanish.
    write_files(
        loader,
        "p1,Ann,true\np2,Bo,perhaps\n",
        "o1,p1,2024-01-02,10\no3,p2,2024-01-04,30\n",
    )
    dry = run(loader, tmp_path, "dry", "--dry-run")
    assert [(x["file"], x["ended"]) for x in dry["sources"]] == [
        ("people.csv", 1),
        ("orders.csv", 1),
    ]
    assert loader.query(ENDED, p=f"{s}:") == []  # the dry run ended nothing
    second = run(loader, tmp_path, "second")
    assert [(x["file"], x["ended"], x["rejected"]) for x in second["sources"]] == [
        ("people.csv", 1, 1),
        ("orders.csv", 1, 0),
    ]
    assert loader.query(ENDED, p=f"{s}:") == [
        {"label": "Order", "id": f"{s}:o2"},
        {"label": "Party", "id": f"{s}:p3"},
        {"label": "SourceRecord", "id": f"{s}:p3"},
    ]
    kept = loader.query(
        "MATCH (n:SourceRecord) WHERE n.id STARTS WITH $p RETURN count(n) AS n", p=f"{s}:"
    )
    assert kept == [{"n": 3}]  # ended, not deleted

    query = "query($id: ID!) { customer(id: $id) { endedAt identities { edges { node { key endedAt } } } } }"
    ended = client.post(
        "/graphql", json={"query": query, "variables": {"id": global_id(Family.PARTY, f"{s}:p3")}}
    ).json()["data"]["customer"]
    assert ended["endedAt"] is not None and ended["endedAt"].endswith("Z")
    assert ended["identities"]["edges"] == [
        {"node": {"key": f"{s}:p3", "endedAt": ended["endedAt"]}}
    ]
    live = client.post(
        "/graphql", json={"query": query, "variables": {"id": global_id(Family.PARTY, f"{s}:p2")}}
    ).json()["data"]["customer"]
    assert live["endedAt"] is None

    # The ended order does not count in the metrics: p2's revenue is o3's 30, not 50.
    result = CliRunner().invoke(app, ["metrics", "compute", "--system", s, "--as-of", "2024-06-30"])
    assert result.exit_code == 0, result.output
    revenue = loader.query(
        "MATCH (c:Party) WHERE c.id IN $ids RETURN c.id AS id, c.revenue AS revenue ORDER BY id",
        ids=[f"{s}:p1", f"{s}:p2"],
    )
    assert revenue == [{"id": f"{s}:p1", "revenue": 10.0}, {"id": f"{s}:p2", "revenue": 30.0}]
    # Nor in the portfolio KPIs: this source's customers took 40 in the period, not 60 (p3, ended,
    # is still one of its three customers: ended parties are history, not deletions).
    kpis = client.post(
        "/graphql",
        json={
            "query": 'query($s: String!) { portfolio(start: "2024-01-01", end: "2024-06-30",'
            " filter: {segment: [$s]}, live: true) { customers revenue { amount currency } } }",
            "variables": {"s": s},
        },
    ).json()["data"]
    assert kpis == {
        "portfolio": [{"customers": 3, "revenue": [{"amount": 40.0, "currency": "USD"}]}]
    }

    write_files(
        loader,
        "p1,Ann,true\np2,Bo,true\np3,Cy,true\n",
        "o1,p1,2024-01-02,10\no2,p2,2024-01-03,20\no3,p2,2024-01-04,30\n",
    )
    third = run(loader, tmp_path, "third")
    assert third["ended"] == 0
    assert loader.query(ENDED, p=f"{s}:") == []  # back: no longer ended
