"""GraphQL over HTTP: media types, status codes, methods, limits and error codes."""

from __future__ import annotations

import logging
from typing import Any

import orjson
import pytest
from neo4j.exceptions import ServiceUnavailable
from starlette.testclient import TestClient

from tests.conftest import without_cost
from tests.schema.conftest import CountingDriver

GRAPHQL_RESPONSE = "application/graphql-response+json"
OK = "{ __typename }"


def post(client: TestClient, body: Any, accept: str | None = GRAPHQL_RESPONSE, **kw: Any) -> Any:
    headers = {"accept": accept} if accept else {}
    return client.post("/graphql", json=body, headers=headers, **kw)


def codes(response: Any) -> list[str]:
    return [e["extensions"]["code"] for e in response.json()["errors"]]


def test_media_types(client: TestClient) -> None:
    response = post(client, {"query": OK})
    assert response.status_code == 200
    assert response.headers["content-type"] == GRAPHQL_RESPONSE
    assert without_cost(response.json()) == {"data": {"__typename": "Query"}}
    legacy = post(client, {"query": OK}, accept=None)
    assert legacy.headers["content-type"] == "application/json"
    both = post(
        client, {"query": OK}, accept="application/json;q=0.5, application/graphql-response+json"
    )
    assert both.headers["content-type"] == GRAPHQL_RESPONSE
    refused = post(client, {"query": OK}, accept="text/csv")
    assert refused.status_code == 406


def test_request_errors_are_400_for_graphql_response_and_200_for_json(client: TestClient) -> None:
    cases = [
        ({"query": "{ customer("}, "GRAPHQL_PARSE_FAILED"),
        ({"query": "{ nope }"}, "GRAPHQL_VALIDATION_FAILED"),
        ({"query": "query($id: ID!) { customer(id: $id) { key } }"}, "BAD_USER_INPUT"),
        ({"query": "query($n: Int!) { customers(first: $n) { totalCount } }", "variables": {"n": "x"}}, "BAD_USER_INPUT"),
        ({"query": "query A { __typename } query B { __typename }"}, "BAD_USER_INPUT"),
        ({"query": "query A { __typename }", "operationName": "B"}, "BAD_USER_INPUT"),
    ]  # fmt: skip
    for body, code in cases:
        strict = post(client, body)
        assert strict.status_code == 400, body
        assert "data" not in strict.json()
        assert codes(strict) == [code], body
        legacy = post(client, body, accept="application/json")
        assert legacy.status_code == 200
        assert codes(legacy) == [code]
    chosen = post(
        client,
        {"query": "query A { a: __typename } query B { b: __typename }", "operationName": "B"},
    )
    assert without_cost(chosen.json()) == {"data": {"b": "Query"}}


def test_get(client: TestClient) -> None:
    response = client.get(
        "/graphql",
        params={
            "query": "query($x: Boolean!) { __typename @include(if: $x) }",
            "variables": '{"x": true}',
        },
        headers={"accept": GRAPHQL_RESPONSE},
    )
    assert (response.status_code, without_cost(response.json())) == (
        200,
        {"data": {"__typename": "Query"}},
    )
    mutation = client.get("/graphql", params={"query": "mutation { x }"})
    assert mutation.status_code == 405
    assert mutation.headers["allow"] == "POST"
    missing = client.get("/graphql", headers={"accept": GRAPHQL_RESPONSE})
    assert missing.status_code == 400
    ide = client.get("/graphql", headers={"accept": "text/html"})
    assert ide.status_code == 200 and "graphiql" in ide.text.lower()
    bad_json = client.get("/graphql", params={"query": OK, "variables": "{nope"})
    assert bad_json.status_code == 400


def test_malformed_bodies(client: TestClient) -> None:
    headers = {"accept": GRAPHQL_RESPONSE}
    assert (
        client.post(
            "/graphql", content=b"{nope", headers=headers | {"content-type": "application/json"}
        ).status_code
        == 400
    )
    assert post(client, []).status_code == 400  # an empty batch (batches: tests/api/test_batch.py)
    assert post(client, "text").status_code == 400  # neither an object nor an array
    assert post(client, {"query": OK, "variables": [1]}).status_code == 400
    assert post(client, {"query": 3}).status_code == 400
    assert post(client, {"query": OK, "operationName": 3}).status_code == 400
    text = client.post("/graphql", content=OK, headers=headers | {"content-type": "text/plain"})
    assert text.status_code == 415
    assert client.put("/graphql", json={"query": OK}).status_code == 405
    huge = post(client, {"query": OK, "variables": {"pad": "x" * 200_000}})
    assert huge.status_code == 413
    assert codes(huge) == ["BAD_USER_INPUT"]


def nested(depth: int) -> str:
    query = "key"
    for _ in range(depth):
        query = f"manager {{ {query} }}"
    return '{ customer(email: "a@b.c") { ... on Person { ' + query + " } } }"


def test_limits_run_no_cypher(client: TestClient, counting: CountingDriver) -> None:
    heavy = """{ customers(first: 100) { edges { node { orders(first: 100) { edges { node {
      lines(first: 100) { edges { node { key } } } } } } } } } }"""
    cases = [
        nested(14),  # 16 fields deep
        "{ " + " ".join(f"a{i}: __typename" for i in range(31)) + " }",
        "{ " + "__typename " * 3001 + "}",
        heavy,
    ]
    for query in cases:
        counting.count = 0
        response = post(client, {"query": query})
        assert response.status_code == 400
        assert codes(response) == ["QUERY_TOO_COMPLEX"], response.json()
        assert counting.count == 0
    assert post(client, {"query": nested(13)}).status_code == 200
    light = heavy.replace("first: 100", "first: 20")  # 8,000 lines: about 25,000 values
    assert post(client, {"query": light}).status_code == 200


@pytest.fixture
def failing(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    import schema.reads

    async def boom(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("MATCH (secret:Cypher) RETURN secret")

    monkeypatch.setattr(schema.reads, "read", boom)


def test_unexpected_errors_are_masked_and_logged(
    client: TestClient, failing: None, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="customer360.api")
    for compiled in (True, False):
        from tests.schema.conftest import graphql_app

        graphql_app(client).compiled = compiled
        try:
            response = client.post(
                "/graphql",
                json={"query": '{ customer(email: "a@b.c") { key } }'},
                headers={"x-request-id": f"req-{compiled}"},
            )
        finally:
            graphql_app(client).compiled = True
        assert response.status_code == 200
        assert response.headers["x-request-id"] == f"req-{compiled}"
        assert without_cost(response.json()) == {
            "errors": [
                {
                    "message": "Internal server error.",
                    "locations": [{"line": 1, "column": 3}],
                    "path": ["customer"],
                    "extensions": {"code": "INTERNAL_SERVER_ERROR", "requestId": f"req-{compiled}"},
                }
            ],
            "data": {"customer": None},
        }
        assert "secret" not in response.text and "Traceback" not in response.text
        assert any(f"req-{compiled}" in r.getMessage() for r in caplog.records)


class DownDriver(CountingDriver):
    async def execute_query(self, *args: Any, **kwargs: Any) -> Any:
        raise ServiceUnavailable("connection refused")

    def session(self, **kwargs: Any) -> Any:
        return DownSession()


class DownSession:
    async def __aenter__(self) -> DownSession:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        return None

    async def run(self, *args: Any, **kwargs: Any) -> Any:
        raise ServiceUnavailable("connection refused")


def test_an_unavailable_database_is_a_service_unavailable_error(client: TestClient) -> None:
    state = client.app.state  # type: ignore[attr-defined]
    original = state.driver
    state.driver = DownDriver(original)
    try:
        response = post(client, {"query": '{ customer(email: "a@b.c") { key } }'})
    finally:
        state.driver = original
    body = orjson.loads(response.content)
    assert response.status_code == 200
    assert body["data"] == {"customer": None}
    assert body["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert body["errors"][0]["message"] == "The graph database is unavailable; try again."
