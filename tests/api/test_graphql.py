from __future__ import annotations

from neo4j import Driver
from starlette.testclient import TestClient

from graph.config import Settings
from tests.conftest import without_cost

SERVER_QUERY = "{ server { version edition nodeCount relationshipCount } }"


def post(client: TestClient, query: str) -> dict[str, object]:
    response = client.post("/graphql", json={"query": query})
    assert response.status_code == 200, response.text
    body: dict[str, object] = without_cost(response.json())
    return body


def test_server_fields_come_from_neo4j(
    client: TestClient, driver: Driver, settings: Settings
) -> None:
    db = settings.neo4j_database
    driver.execute_query(
        "UNWIND range(1, 7) AS i CREATE (:GraphqlProbe {i: i})-[:NEXT]->(:GraphqlProbe {i: -i})",
        database_=db,
    )
    try:
        records, _, _ = driver.execute_query(
            "CALL dbms.components() YIELD versions, edition "
            "CALL () { MATCH (n) RETURN count(n) AS nodes } "
            "CALL () { MATCH ()-[r]->() RETURN count(r) AS rels } "
            "RETURN versions[0] AS version, edition, nodes, rels",
            database_=db,
        )
        expected = records[0]
        body = post(client, SERVER_QUERY)
        assert body == {
            "data": {
                "server": {
                    "version": expected["version"],
                    "edition": "community",
                    "nodeCount": expected["nodes"],
                    "relationshipCount": expected["rels"],
                }
            }
        }
        assert expected["version"].startswith("5.26.")
        assert expected["nodes"] >= 14 and expected["rels"] >= 7
    finally:
        driver.execute_query("MATCH (n:GraphqlProbe) DETACH DELETE n", database_=db)


def test_typename_answers(client: TestClient) -> None:
    assert post(client, "{ __typename }") == {"data": {"__typename": "Query"}}


def test_unknown_field_has_a_code_and_no_stack(client: TestClient) -> None:
    body = post(client, "{ nope }")
    errors = body["errors"]
    assert isinstance(errors, list) and len(errors) == 1
    assert errors[0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert "Traceback" not in str(body)


def test_healthz(client: TestClient) -> None:
    response = client.get("/healthz")
    assert (response.status_code, response.json()) == (200, {"status": "ok"})
