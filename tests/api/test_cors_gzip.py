"""CORS from the `API_CORS_ORIGINS` allow-list, and gzip for large responses."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from api.app import create_app
from graph.config import Settings
from tests.conftest import auth_headers

APP_ORIGIN = "https://app.example.com"


@pytest.fixture(scope="module")
def cors(settings: Settings) -> Iterator[TestClient]:
    allowed = settings.model_copy(update={"api_cors_origins": [APP_ORIGIN]})
    with TestClient(create_app(allowed), headers=auth_headers(allowed)) as client:
        yield client


def test_origins_come_from_a_comma_separated_or_json_list() -> None:
    listed = Settings(api_cors_origins="https://a.example, https://b.example/ ")
    assert listed.api_cors_origins == ["https://a.example", "https://b.example"]
    as_json = Settings(api_cors_origins='["https://a.example"]')
    assert as_json.api_cors_origins == ["https://a.example"]
    assert Settings(api_cors_origins="").api_cors_origins == []


def test_a_preflight_from_an_allowed_origin_is_answered_without_credentials(
    cors: TestClient,
) -> None:
    response = cors.options(
        "/graphql",
        headers={
            "origin": APP_ORIGIN,
            "access-control-request-method": "POST",
            "access-control-request-headers": "authorization, content-type",
            "authorization": "",  # a preflight carries no credentials
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == APP_ORIGIN
    assert "POST" in response.headers["access-control-allow-methods"]
    allowed = response.headers["access-control-allow-headers"].lower()
    assert "authorization" in allowed
    assert "content-type" in allowed


def test_a_request_from_an_allowed_origin_can_read_the_answer(cors: TestClient) -> None:
    response = cors.post(
        "/graphql", json={"query": "{ server { edition } }"}, headers={"origin": APP_ORIGIN}
    )
    assert response.status_code == 200
    assert response.json()["data"]["server"]["edition"] == "community"
    assert response.headers["access-control-allow-origin"] == APP_ORIGIN
    assert "x-request-id" in response.headers["access-control-expose-headers"]


def test_other_origins_get_no_cors_grant(cors: TestClient, client: TestClient) -> None:
    preflight = {"origin": "https://evil.example", "access-control-request-method": "POST"}
    refused = cors.options("/graphql", headers=preflight)
    assert refused.status_code == 400
    assert "access-control-allow-origin" not in refused.headers
    answered = cors.post(
        "/graphql",
        json={"query": "{ server { edition } }"},
        headers={"origin": "https://evil.example"},
    )
    assert "access-control-allow-origin" not in answered.headers
    # With the default (empty) list no origin is granted anything.
    default = client.options("/graphql", headers={**preflight, "origin": APP_ORIGIN})
    assert default.status_code in (400, 401, 405)
    assert "access-control-allow-origin" not in default.headers


def test_large_responses_are_gzipped_small_ones_not(client: TestClient) -> None:
    # The introspection answer is far above the 1,000-byte threshold.
    query = "{ __schema { types { name description } } }"
    big = client.post("/graphql", json={"query": query}, headers={"accept-encoding": "gzip"})
    assert big.headers["content-encoding"] == "gzip"
    names = {t["name"] for t in big.json()["data"]["__schema"]["types"]}  # decoded by the client
    assert {"Customer", "Query", "PageInfo"} <= names
    small = client.post(
        "/graphql", json={"query": "{ server { edition } }"}, headers={"accept-encoding": "gzip"}
    )
    assert "content-encoding" not in small.headers
    assert len(small.content) < 1000
