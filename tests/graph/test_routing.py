"""The API over the routing driver (`neo4j://`, what a cluster or Aura needs) against the local server:
the server answers the routing table with itself in every role, so reads go to a "reader", writes to
the "writer", and a read right after a write sees it through the driver's bookmarks (docs/scaling.md)."""

from __future__ import annotations

import asyncio
import uuid

from neo4j import Driver, RoutingControl
from pydantic import SecretStr
from starlette.testclient import TestClient

from api.app import create_app
from graph.config import Settings
from graph.driver import open_driver
from graph.read.positions import Family
from schema.ids import global_id
from tests.conftest import auth_headers, without_cost

UPSERT = """mutation($input: CustomerInput!) {
  upsertCustomer(input: $input) { created customer { id key name email } } }"""
READ = "query($id: ID!) { customer(id: $id) { key name email } }"


def routed(settings: Settings) -> Settings:
    password = settings.neo4j_password.get_secret_value()
    return settings.model_copy(
        update={
            "neo4j_uri": f"neo4j://127.0.0.1:{settings.neo4j_bolt_port}",
            "neo4j_password": SecretStr(password),
        }
    )


def test_the_routing_driver_gets_a_routing_table_with_readers_and_a_writer(
    settings: Settings,
) -> None:
    routing = routed(settings)
    assert routing.bolt_uri.startswith("neo4j://")

    async def go() -> tuple[str, str, list[str]]:
        driver = open_driver(routing)
        try:
            await driver.verify_connectivity()
            read, _, _ = await driver.execute_query(
                "RETURN 'read' AS x", database_=settings.neo4j_database,
                routing_=RoutingControl.READ,
            )  # fmt: skip
            write, _, _ = await driver.execute_query(
                "RETURN 'write' AS x", database_=settings.neo4j_database,
                routing_=RoutingControl.WRITE,
            )  # fmt: skip
            table, _, _ = await driver.execute_query(
                "CALL dbms.routing.getRoutingTable({}, $db) YIELD servers "
                "UNWIND servers AS s RETURN s.role AS role ORDER BY role",
                db=settings.neo4j_database, database_=settings.neo4j_database,
            )  # fmt: skip
            return read[0]["x"], write[0]["x"], [r["role"] for r in table]
        finally:
            await driver.close()

    assert asyncio.run(go()) == ("read", "write", ["READ", "ROUTE", "WRITE"])


def test_a_write_through_the_api_is_read_back_over_the_routing_driver(
    settings: Settings, driver: Driver
) -> None:
    routing = routed(settings)
    email = f"routing.{uuid.uuid4().hex[:8]}@example.org"
    given = {
        "clientMutationId": uuid.uuid4().hex, "kind": "PERSON", "givenName": "Rita",
        "surname": "Router", "email": email, "status": "ACTIVE",
    }  # fmt: skip
    key = None
    try:
        with TestClient(create_app(routing), headers=auth_headers(routing)) as client:
            body = client.post("/graphql", json={"query": UPSERT, "variables": {"input": given}})
            payload = body.json()
            assert "errors" not in payload, payload
            customer = payload["data"]["upsertCustomer"]["customer"]
            key = customer["key"]
            assert payload["data"]["upsertCustomer"]["created"] is True
            assert (customer["name"], customer["email"]) == ("Rita Router", email)
            again = client.post(
                "/graphql", json={"query": READ, "variables": {"id": global_id(Family.PARTY, key)}}
            ).json()
            assert without_cost(again) == {
                "data": {"customer": {"key": key, "name": "Rita Router", "email": email}}
            }
        stored = driver.execute_query(
            "MATCH (p:Party:Customer {id: $id}) RETURN p.email AS email",
            id=key, database_=settings.neo4j_database,
        ).records  # fmt: skip
        assert [r["email"] for r in stored] == [email]
    finally:
        if key is not None:
            driver.execute_query(
                "MATCH (p:Party {id: $id}) OPTIONAL MATCH (s:SourceRecord)-[:RESOLVES_TO]->(p) "
                "DETACH DELETE p, s",
                id=key, database_=settings.neo4j_database,
            )  # fmt: skip
