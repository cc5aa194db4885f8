"""Batched requests over HTTP (`api/batch.py`): a POST body that is a JSON array of operations gets
an array of results in the same order; the batch size is bounded; every entry is charged to the
cost and request budgets and resolves its own persisted document; one bad entry spoils only its
own slot. On the real Neo4j."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from neo4j import Driver
from starlette.testclient import TestClient

from api.app import create_app
from graph.config import Settings
from graph.read.positions import Family
from graph.security.principal import Role
from schema.ids import global_id
from tests.api.conftest import FakeTime
from tests.api.test_cost_budget import SMALL, estimate
from tests.conftest import auth_headers, without_cost
from tests.factories import Graph, Party

CUSTOMER = "query($id: ID!) { customer(id: $id) { key name } }"


@pytest.fixture(scope="module")
def pair(driver: Driver, settings: Settings) -> Iterator[tuple[Party, Party]]:
    g = Graph()
    ada = g.person("Ada", f"Batch{g.tag}")
    bo = g.person("Bo", f"Batch{g.tag}")
    g.save(driver, settings.neo4j_database)
    try:
        yield ada, bo
    finally:
        g.delete(driver, settings.neo4j_database)


def entry(query: str, **variables: Any) -> dict[str, Any]:
    return {"query": query, "variables": variables}


def test_a_batch_answers_each_operation_in_order(
    client: TestClient, pair: tuple[Party, Party]
) -> None:
    ada, bo = pair
    response = client.post(
        "/graphql",
        json=[
            entry(CUSTOMER, id=global_id(Family.PARTY, bo.id)),
            entry("{ nope }"),
            entry(CUSTOMER, id=global_id(Family.PARTY, ada.id)),
            {
                "query": "query A { server { edition } } query B { __typename }",
                "operationName": "B",
            },
            42,
        ],
    )
    assert response.status_code == 200
    results = response.json()
    assert isinstance(results, list) and len(results) == 5
    bodies = [without_cost(r) for r in results]  # checks every entry carries its own cost
    assert bodies[0] == {"data": {"customer": {"key": bo.id, "name": bo["name"]}}}
    assert bodies[1]["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "data" not in bodies[1]
    assert bodies[2] == {"data": {"customer": {"key": ada.id, "name": ada["name"]}}}
    assert bodies[3] == {"data": {"__typename": "Query"}}
    assert bodies[4]["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert bodies[4]["errors"][0]["message"] == "An operation must be a JSON object."
    assert results[0]["extensions"]["cost"]["estimated"] == 3  # customer, key, name
    assert results[3]["extensions"]["cost"]["estimated"] == 1


def test_the_batch_size_is_bounded(settings: Settings) -> None:
    small = settings.model_copy(update={"api_max_batch": 2})
    with TestClient(create_app(small), headers=auth_headers(small)) as client:
        two = client.post("/graphql", json=[entry("{ __typename }")] * 2)
        assert [without_cost(r) for r in two.json()] == [{"data": {"__typename": "Query"}}] * 2
        three = client.post("/graphql", json=[entry("{ __typename }")] * 3)
        assert three.status_code == 400
        error = three.json()["errors"][0]
        assert error["message"] == "A batch holds at most 2 operations; this one has 3."
        assert error["extensions"]["code"] == "BAD_USER_INPUT"
        empty = client.post("/graphql", json=[])
        assert empty.status_code == 400
        assert empty.json()["errors"][0]["message"] == "A batch must hold at least one operation."


def test_every_entry_is_charged_to_the_cost_budget(settings: Settings, fake_time: FakeTime) -> None:
    small = estimate(SMALL)
    budget = 3 * small + small // 2  # room for exactly three small queries
    limited = settings.model_copy(
        update={"cost_limit_per_minute": {**settings.cost_limit_per_minute, Role.ADMIN: budget}}
    )
    with TestClient(create_app(limited), headers=auth_headers(limited)) as client:
        response = client.post("/graphql", json=[entry(SMALL)] * 4)
        assert response.status_code == 200
        results = response.json()
        costs = [r["extensions"]["cost"] for r in results]
        assert [c["charged"] for c in costs] == [small, small, small, 0]
        assert [c["remaining"] for c in costs[:3]] == [budget - k * small for k in (1, 2, 3)]
        assert ["errors" in r for r in results] == [False, False, False, True]
        assert results[3]["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
        assert int(response.headers["retry-after"]) >= 1
        # the budget is spent for a lone request too
        assert client.post("/graphql", json={"query": SMALL}).status_code == 429


def test_every_entry_takes_a_request_from_the_rate_limit(
    settings: Settings, fake_time: FakeTime
) -> None:
    limits = dict.fromkeys(Role, 0) | {Role.ADMIN: 3}
    limited = settings.model_copy(update={"rate_limit_per_minute": limits})
    with TestClient(create_app(limited), headers=auth_headers(limited)) as client:
        response = client.post("/graphql", json=[entry("{ __typename }")] * 4)
        assert response.status_code == 200
        codes = [
            r["errors"][0]["extensions"]["code"] if "errors" in r else None for r in response.json()
        ]
        assert codes == [None, None, None, "RATE_LIMITED"]
        assert int(response.headers["retry-after"]) >= 1
        assert client.post("/graphql", json={"query": "{ __typename }"}).status_code == 429


def _persisted(sha: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha}}


def test_persisted_documents_are_resolved_per_entry(client: TestClient) -> None:
    text = f"# {uuid.uuid4().hex}\nquery Edition {{ server {{ edition }} }}\n"
    sha = hashlib.sha256(text.encode()).hexdigest()
    unknown = hashlib.sha256(uuid.uuid4().hex.encode()).hexdigest()
    response = client.post(
        "/graphql",
        json=[
            {"extensions": _persisted(sha)},  # not registered yet
            {"query": text, "extensions": _persisted(sha)},  # registers it
            {"extensions": _persisted(sha)},  # now known
            {"extensions": _persisted(unknown)},
        ],
    )
    bodies = [without_cost(r) for r in response.json()]
    assert bodies[0]["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    assert bodies[1] == bodies[2] == {"data": {"server": {"edition": "community"}}}
    assert bodies[3]["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


def test_trusted_mode_refuses_unregistered_entries_only(settings: Settings) -> None:
    only = settings.model_copy(update={"api_trusted_documents": True})
    with TestClient(create_app(only), headers=auth_headers(only)) as client:
        text = f"# {uuid.uuid4().hex}\n{{ server {{ edition }} }}\n"
        response = client.post("/graphql", json=[entry(text), {"variables": {}}])
        assert response.status_code == 200
        bodies = [without_cost(r) for r in response.json()]
        assert bodies[0]["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        assert bodies[1]["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
        assert bodies[1]["errors"][0]["message"] == "`query` must be a non-empty string."
