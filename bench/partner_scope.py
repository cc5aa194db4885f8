"""What a partner's scope costs on a large network: the same requests as an admin and as the
broker's partner, on a broker with 1,000 direct customers who each referred 20 (21,000 parties).

    python -m bench.partner_scope [--direct 1000] [--each 20] [--rounds 5]

(as a module: `bench/api.py` would shadow the `api` package when run as a file)

Builds the network in the settings' Neo4j (ids `bench-scope:*`, deleted afterwards) and asks
through the app in-process (no HTTP server), so the figures are the statements' cost.
"""

from __future__ import annotations

import argparse
import datetime as dt
import secrets
import statistics
import time

from neo4j import GraphDatabase
from pydantic import SecretStr
from starlette.testclient import TestClient

from api.app import create_app
from api.auth.middleware import sign
from graph.config import Settings, get_settings
from graph.read.positions import Family
from graph.security.principal import SCOPES, Kind, Principal, Role
from schema.ids import global_id

BUILD = """
MATCH (b:Party {id: 'bench-scope:broker'})
UNWIND range(1, $direct) AS i
CREATE (b)-[:REFERRED {date: date('2025-01-01')}]->(c:Party:Customer:Person
  {id: 'bench-scope:c' + i, name: 'Scope ' + i, kind: 'person', status: 'active'})
WITH c, i UNWIND range(1, $each) AS j
CREATE (c)-[:REFERRED {date: date('2025-02-01')}]->(:Party:Customer:Person
  {id: 'bench-scope:c' + i + '-' + j, name: 'Scope ' + i + '-' + j, kind: 'person',
   status: 'active'})
"""
BROKER = global_id(Family.PARTY, "bench-scope:broker")
QUERIES = {
    "customers(first: 100) + totalCount": (
        "{ customers(first: 100) { totalCount edges { node { key } } } }", {}),
    "referralTree(first: 100)": (
        "query($b: ID!) { referralTree(root: $b, first: 100) { size nodes { depth } } }",
        {"b": BROKER}),
    "partnerNetwork": ("query($b: ID!) { partnerNetwork(broker: $b) { direct } }", {"b": BROKER}),
    "portfolio": ('{ portfolio(start: "2025-01-01", end: "2025-12-31") { customers } }', {}),
    "customer(id) with referredBy": (
        "query($c: ID!) { customer(id: $c) { key referredBy { edges { node { key } } } } }",
        {"c": global_id(Family.PARTY, "bench-scope:c500-7")}),
}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--direct", type=int, default=1000)
    parser.add_argument("--each", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    settings = get_settings().model_copy(
        update={
            "auth_jwt_secret": SecretStr(secrets.token_urlsafe(32)),
            "rate_limit_per_minute": dict.fromkeys(Role, 0),
            "cost_limit_per_minute": dict.fromkeys(Role, 0),
        }
    )
    forget = "MATCH (n) WHERE n.id STARTS WITH 'bench-scope:' DETACH DELETE n"
    with GraphDatabase.driver(settings.bolt_uri, auth=settings.auth) as driver:
        db = settings.neo4j_database
        driver.execute_query(forget, database_=db)
        driver.execute_query(
            "CREATE (:Party:Broker:Organization {id: 'bench-scope:broker', name: 'Scope broker', "
            "kind: 'organization'})",
            database_=db,
        )
        driver.execute_query(BUILD, direct=args.direct, each=args.each, database_=db)
        try:
            run(settings, args.rounds)
        finally:
            driver.execute_query(forget, database_=db)


def run(settings: Settings, rounds: int) -> None:
    callers = {
        "admin": Principal("bench", Role.ADMIN, Kind.TOKEN, scopes=SCOPES),
        "partner": Principal("bench", Role.PARTNER, Kind.TOKEN, broker_id="bench-scope:broker"),
    }
    for who, principal in callers.items():
        token, _ = sign(settings, principal, dt.timedelta(hours=1))
        app = create_app(settings)
        with TestClient(app, headers={"authorization": f"Bearer {token}"}) as client:
            for name, (query, variables) in QUERIES.items():
                times = []
                for _ in range(rounds + 1):
                    began = time.perf_counter()
                    body = client.post("/graphql", json={"query": query, "variables": variables})
                    times.append(time.perf_counter() - began)
                    if "errors" in body.json():
                        raise SystemExit(f"{who} {name}: {body.text[:300]}")
                median = 1000 * statistics.median(times[1:])
                print(f"{who:8} {name:38} median {median:8.1f} ms")


if __name__ == "__main__":
    main()
