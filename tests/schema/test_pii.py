"""Personal data reads as null unless the caller holds the `pii` scope, on both execution paths."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from api.app import create_app
from api.auth.tokens import sign
from graph.config import Settings
from graph.read.positions import Family
from graph.security.principal import PII, Kind, Principal, Role
from schema.ids import global_id
from tests.schema.conftest import World, graphql_app

QUERY = """query($id: ID!) { customer(id: $id) { key name
  ... on Person { email phone dateOfBirth street streetNumber locality postcode externalIds
                  identities(first: 5) { edges { node { key data } } } } } }"""


def token(settings: Settings, scopes: frozenset[str]) -> dict[str, str]:
    who = Principal("pii-test", Role.ANALYST, Kind.TOKEN, scopes=scopes)
    signed, _ = sign(settings, who, dt.timedelta(hours=1))
    return {"authorization": f"Bearer {signed}"}


@pytest.fixture(params=["compiled", "executor"])
def clients(request: pytest.FixtureRequest, settings: Settings) -> Iterator[dict[str, TestClient]]:
    plain = TestClient(create_app(settings), headers=token(settings, frozenset()))
    allowed = TestClient(create_app(settings), headers=token(settings, frozenset({PII})))
    with plain, allowed:
        for client in (plain, allowed):
            graphql_app(client).compiled = request.param == "compiled"
        yield {"plain": plain, "pii": allowed}


def answer(client: TestClient, world: World) -> dict[str, Any]:
    response = client.post(
        "/graphql",
        json={"query": QUERY, "variables": {"id": global_id(Family.PARTY, world.john.id)}},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    found: dict[str, Any] = body["data"]["customer"]
    return found


def test_personal_data_needs_the_pii_scope(clients: dict[str, TestClient], world: World) -> None:
    seen = answer(clients["pii"], world)
    masked = answer(clients["plain"], world)
    assert (seen["email"], seen["phone"], seen["dateOfBirth"]) == (
        "john.smith@example.com", "+15551230001", "1980-02-29"
    )  # fmt: skip
    assert (seen["street"], seen["streetNumber"], seen["externalIds"]) == (
        "Main St", "12", ["legacy:77", "web:abc"]
    )  # fmt: skip
    assert all(edge["node"]["data"] for edge in seen["identities"]["edges"])
    pii_fields = ("email", "phone", "dateOfBirth", "street", "streetNumber", "externalIds")
    assert {field: masked[field] for field in pii_fields} == dict.fromkeys(pii_fields)
    assert [edge["node"]["data"] for edge in masked["identities"]["edges"]] == [None] * len(
        seen["identities"]["edges"]
    )
    # Everything that is not personal data is the same.
    same = ("key", "name", "locality", "postcode")
    assert {f: masked[f] for f in same} == {f: seen[f] for f in same}
    assert [e["node"]["key"] for e in masked["identities"]["edges"]] == [
        e["node"]["key"] for e in seen["identities"]["edges"]
    ]
