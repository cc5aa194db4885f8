"""The local server manager and readiness, on a second throwaway Neo4j that the tests stop and start."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from neo4j import GraphDatabase
from starlette.testclient import TestClient

from api.app import create_app
from graph import local_server as server
from graph.config import Settings
from tests.conftest import auth_headers, without_cost


@pytest.fixture(scope="module")
def second(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    if not settings.local:
        pytest.skip("NEO4J_URI points at a remote server; the local manager is not used")
    own = settings.model_copy(
        update={
            "neo4j_data_dir": tmp_path_factory.mktemp("neo4j-second"),
            "neo4j_bolt_port": settings.neo4j_bolt_port + 11,
            "neo4j_heap": "512m",
            "neo4j_pagecache": "128m",
            "neo4j_password": settings.neo4j_password,
        }
    )
    yield own
    server.stop(own)


def test_start_is_idempotent_and_status_reports_the_server(second: Settings) -> None:
    first = server.start(second)
    again = server.start(second)
    assert first.pid is not None and again.pid == first.pid
    assert first.running and first.version is not None and first.version.startswith("5.26.")
    assert first.edition == "community"
    assert first.address == f"bolt://127.0.0.1:{second.neo4j_bolt_port}"
    assert first.store_bytes > 0
    assert (Path(second.data_dir) / "neo4j.pid").read_text().strip() == str(first.pid)


def test_readiness_follows_the_server(second: Settings) -> None:
    server.start(second)
    with TestClient(create_app(second), headers=auth_headers(second)) as client:
        assert client.get("/readyz").status_code == 200
        assert server.stop(second) is True
        assert not server.status(second).running
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.json()["status"] == "unavailable"
        assert client.get("/healthz").status_code == 200
        server.start(second)
        assert client.get("/readyz").status_code == 200
        body = client.post("/graphql", json={"query": "{ server { edition } }"}).json()
        assert without_cost(body) == {"data": {"server": {"edition": "community"}}}


def test_stop_when_not_running_says_so(second: Settings) -> None:
    server.stop(second)
    assert server.stop(second) is False


def test_start_failure_reports_the_log_tail(second: Settings, tmp_path: Path) -> None:
    broken = second.model_copy(
        update={
            "neo4j_data_dir": tmp_path / "broken",
            "neo4j_pagecache": "not-a-size",
            "neo4j_auth": False,  # so the server itself, not set-initial-password, meets the bad size
        }
    )
    with pytest.raises(server.ServerError, match="exited with code") as caught:
        server.start(broken)
    assert "not-a-size" in str(caught.value)
    assert not (tmp_path / "broken" / "neo4j.pid").exists()


def answered(client: TestClient, request: dict[str, Any], tries: int = 5) -> dict[str, Any]:
    """The body of the first answer with data. A freshly restarted server on a loaded machine may
    run the first write past its time budget (rolled back, QUERY_TOO_COMPLEX); a client sends the
    same client mutation id again, which runs the mutation once."""
    for _ in range(tries):
        body: dict[str, Any] = client.post("/graphql", json=request).json()
        if [e["extensions"]["code"] for e in body.get("errors", ())] != ["QUERY_TOO_COMPLEX"]:
            return body
    raise AssertionError(f"no answer in {tries} tries: {body}")


def test_a_mutation_during_an_outage_fails_cleanly_and_its_retry_runs_once(
    second: Settings,
) -> None:
    upsert = """mutation($input: CustomerInput!) {
      upsertCustomer(input: $input) { replayed customer { key name } } }"""
    given = {"clientMutationId": "outage-1", "kind": "ORGANIZATION", "name": "Outage Ltd"}
    server.start(second)
    with TestClient(create_app(second), headers=auth_headers(second)) as client:
        assert server.stop(second) is True
        down = client.post("/graphql", json={"query": upsert, "variables": {"input": given}})
        body = down.json()
        assert body["data"] is None
        assert [e["extensions"]["code"] for e in body["errors"]] == ["SERVICE_UNAVAILABLE"]
        assert "Traceback" not in down.text
        server.start(second)
        first = answered(client, {"query": upsert, "variables": {"input": given}})
        again = client.post("/graphql", json={"query": upsert, "variables": {"input": given}})
        made = first["data"]["upsertCustomer"]
        assert made["replayed"] is False and made["customer"]["name"] == "Outage Ltd"
        assert again.json()["data"]["upsertCustomer"] == {**made, "replayed": True}


WRITTEN = """
RETURN COUNT { MATCH (p:Party) WHERE p.name = 'Prompt Ltd' } AS parties,
       COUNT { MATCH (r:MutationReceipt) } AS receipts, COUNT { MATCH (n) } AS nodes
"""


def written(settings: Settings) -> dict[str, Any]:
    with GraphDatabase.driver(settings.bolt_uri, auth=settings.auth) as driver:
        records, _, _ = driver.execute_query(WRITTEN, database_=settings.neo4j_database)
    return records[0].data()


def test_everything_answers_promptly_during_an_outage(second: Settings) -> None:
    """While Neo4j is down every request answers SERVICE_UNAVAILABLE within 2 s (the driver's
    own retries used to hold mutations 17-32 s and `server` 30 s), and nothing is written."""
    upsert = """mutation($input: CustomerInput!) {
      upsertCustomer(input: $input) { replayed customer { key name } } }"""
    given = {"clientMutationId": "outage-prompt", "kind": "ORGANIZATION", "name": "Prompt Ltd"}
    interaction = """mutation($input: InteractionInput!) {
      recordInteraction(input: $input) { replayed } }"""
    touch = {"clientMutationId": "outage-touch", "customerId": "UGFydHk6eDox",
             "at": "2024-01-01T00:00:00Z", "channel": "EMAIL"}  # fmt: skip
    requests: list[dict[str, Any]] = [
        {"query": "{ server { version } }"},
        {"query": '{ customers(first: 1, filter: {country: ["GB"]}) { totalCount } }'},
        {"query": upsert, "variables": {"input": given}},
        {"query": interaction, "variables": {"input": touch}},
        {"query": '{ valueModel(kind: BGNBD, scope: "all") { kind } }'},
    ]
    server.start(second)
    with TestClient(create_app(second), headers=auth_headers(second)) as client:
        before = written(second)  # after the app's start-up migrations
        assert before["parties"] == 0
        assert server.stop(second) is True
        try:
            for request in requests:
                started = time.monotonic()
                down = client.post("/graphql", json=request)
                took = time.monotonic() - started
                body = down.json()
                codes = [e["extensions"]["code"] for e in body["errors"]]
                assert (codes, down.status_code) == (["SERVICE_UNAVAILABLE"], 200), request
                assert took < 2.0, (request["query"], took)
        finally:
            server.start(second)
    assert written(second) == before  # nothing was half-applied
