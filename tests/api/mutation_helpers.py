"""Shared by the mutation tests: clients for a role, a GraphQL call, cleanup of what the API wrote.

Everything the mutations write has an id starting with `api:` (source records, parties, orders...),
so `forget_api_writes` removes exactly that, with the receipts, the identity decisions about those
records and the audit entries the tests made.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from neo4j import Driver
from starlette.testclient import TestClient

from api.app import create_app
from api.auth.middleware import sign
from graph.config import Settings
from graph.security.principal import Kind, Principal, Role

FORGET = """
CALL () {
  MATCH (n) WHERE n.id STARTS WITH 'api:' DETACH DELETE n
} IN TRANSACTIONS OF 1000 ROWS
"""
FORGET_DECISIONS = """
MATCH (d:IdentityDecision)
WHERE any(x IN coalesce(d.left, []) + coalesce(d.right, []) WHERE x STARTS WITH 'api:')
DETACH DELETE d
"""
FORGET_RECEIPTS = "MATCH (r:MutationReceipt) DETACH DELETE r"


def forget_api_writes(driver: Driver, settings: Settings) -> None:
    db = settings.neo4j_database
    with driver.session(database=db) as session:
        session.run(FORGET).consume()
    driver.execute_query(FORGET_DECISIONS, database_=db)
    driver.execute_query(FORGET_RECEIPTS, database_=db)


def client_for(
    settings: Settings,
    role: Role,
    *,
    subject: str = "mutations-test",
    scopes: frozenset[str] = frozenset(),
    broker_id: str | None = None,
    owned_accounts_only: bool = False,
) -> TestClient:
    who = Principal(subject, role, Kind.TOKEN, broker_id, scopes, owned_accounts_only)
    token, _ = sign(settings, who, dt.timedelta(hours=1))
    return TestClient(create_app(settings), headers={"authorization": f"Bearer {token}"})


def call(client: TestClient, query: str, **variables: Any) -> dict[str, Any]:
    """The whole response body (status 200 expected unless the request was refused)."""
    response = client.post("/graphql", json={"query": query, "variables": variables})
    body: dict[str, Any] = response.json()
    body["status"] = response.status_code
    body["requestId"] = response.headers["x-request-id"]
    return body


def codes(body: dict[str, Any]) -> list[str]:
    return [e["extensions"]["code"] for e in body.get("errors", [])]
