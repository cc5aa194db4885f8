"""Latency and throughput of the GraphQL API over HTTP, compiled path against the executor.

Needs a loaded graph (the settings' Neo4j), for example:

    c360 sample var/bench --customers 2000 && c360 load mappings/demo.yaml --base var/bench
    python bench/api.py                   # latencies and req/s
    python bench/api.py --check           # first walk every customer, both paths must agree

It starts uvicorn servers on free ports (`api.main:app`, and the same app with the compiler
switched off; both in development mode without authentication or rate limits, so the figures are
the GraphQL layer's), picks the customers with the richest 360 views, then measures with httpx2:
the median and p95 latency of one request at a time (a customer's 360 view, and the 360 view of a
page of 50 customers), and requests per second with concurrent clients.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx2
from neo4j import GraphDatabase
from starlette.applications import Starlette

from graph.config import PROJECT_ROOT, get_settings
from graph.read.positions import Family
from schema.ids import global_id

VIEW = """
  __typename id key name email phone status segment createdAt lastActivityDate roles
  ... on Person { givenName surname dateOfBirth
    household { role household { key name members(first: 10) { edges { role node { key name } } } } }
    employment { title department organization { key name industry } }
    committeeSeats(first: 10) { edges { roles influence node { __typename ... on Organization { key name } } } } }
  ... on Organization { domain industry size contacts(first: 10) { edges { title node { key name } } } }
  identities(first: 10) { edges { rule score node { key system } } }
  interactions(first: 20) { totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { key at channel direction type outcome sentiment handledBy { key name } product { key name } } } }
  orders(first: 10) { totalCount edges { node { key date amount currency status
    lines(first: 10) { edges { node { lineNo quantity amount product { key name category } } } } } } }
  productsOwned(first: 20) { edges { node { key name } } }
  surveyResponses(first: 5) { edges { node { at score comment } } }
  referredBy(first: 5) { edges { date channel incentive node { __typename key name } } }
  referrals(first: 5) { edges { date node { key name } } }
  broker { key name partnerType }
  accountOwner { key name title }
"""
ONE = "query One($id: ID!) { customer(id: $id) {" + VIEW + "} }"
PAGE = (
    "query Page($after: String) { customers(first: 50, after: $after) {"
    " pageInfo { hasNextPage endCursor } edges { node {" + VIEW + "} } } }"
)

RICHEST = """
MATCH (c:Party:Customer) WHERE c.kind IS NOT NULL
RETURN c.id AS id, COUNT { (c)-[:HAD]->() } + COUNT { (c)-[:PLACED]->() } AS activity
ORDER BY activity DESC, id LIMIT $n
"""


def without_compiler() -> Starlette:
    """The API with every operation on Strawberry's executor (`uvicorn --factory`)."""
    from api.app import create_app
    from api.graphql import GraphQLApp

    app = create_app()
    for route in app.routes:
        endpoint = getattr(route, "endpoint", None)
        if isinstance(endpoint, GraphQLApp):
            endpoint.compiled = False
    return app


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def server(
    target: str, workers: int = 1, factory: bool = False, root: Path = PROJECT_ROOT
) -> Iterator[str]:
    """The API (`target`) under uvicorn on a free port, from the code in `root`."""
    port = _free_port()
    command = [sys.executable, "-m", "uvicorn", target, "--port", str(port), "--workers", str(workers),
               "--log-level", "warning", "--no-access-log"] + (["--factory"] if factory else [])  # fmt: skip
    env = os.environ | {
        "API_MIGRATE_ON_START": "false",
        "PYTHONPATH": str(root),
        # the GraphQL layer alone: no credentials to check, no per-caller rate or cost budget
        "ENVIRONMENT": "development",
        "AUTH_DISABLED": "true",
        "RATE_LIMIT_PER_MINUTE": '{"admin": 0}',
        "COST_LIMIT_PER_MINUTE": '{"admin": 0}',
    }
    process = subprocess.Popen(command, cwd=root, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if httpx2.get(url + "/healthz", timeout=1).status_code == 200:
                    break
            except httpx2.HTTPError:
                time.sleep(0.1)
        yield url + "/graphql"
    finally:
        process.terminate()
        process.wait(timeout=20)


async def _ask(
    client: httpx2.AsyncClient, url: str, query: str, variables: dict[str, Any]
) -> float:
    began = time.perf_counter()
    response = await client.post(url, json={"query": query, "variables": variables})
    elapsed = time.perf_counter() - began
    body = response.json()
    if response.status_code != 200 or "errors" in body:
        raise RuntimeError(f"{response.status_code}: {response.text[:500]}")
    return elapsed


async def latency(url: str, query: str, variables: list[dict[str, Any]], n: int) -> list[float]:
    async with httpx2.AsyncClient(timeout=60) as client:
        for v in variables[:10]:  # warm up: plans in Neo4j and in the API, connections
            await _ask(client, url, query, v)
        return [await _ask(client, url, query, variables[i % len(variables)]) for i in range(n)]


async def throughput(
    url: str, variables: list[dict[str, Any]], clients: int, seconds: float
) -> tuple[float, list[float]]:
    times: list[float] = []
    stop = time.perf_counter() + seconds

    async def worker(k: int) -> None:
        async with httpx2.AsyncClient(timeout=60) as client:
            i = k
            while time.perf_counter() < stop:
                times.append(await _ask(client, url, ONE, variables[i % len(variables)]))
                i += clients

    began = time.perf_counter()
    await asyncio.gather(*(worker(k) for k in range(clients)))
    return len(times) / (time.perf_counter() - began), times


def summary(label: str, times: list[float]) -> str:
    ms = sorted(t * 1000 for t in times)
    p95 = ms[int(len(ms) * 0.95) - 1]
    return f"{label:<44} median {statistics.median(ms):7.1f} ms   p95 {p95:7.1f} ms   (n={len(ms)})"


async def check(url: str, reference: str) -> None:
    """Walk every customer's 360 view page by page on both paths; the bytes must be equal."""
    after = None
    pages = 0
    async with httpx2.AsyncClient(timeout=120) as client:
        while True:
            bodies = []
            for target in (url, reference):
                r = await client.post(target, json={"query": PAGE, "variables": {"after": after}},
                                      headers={"x-request-id": "check"})  # fmt: skip
                bodies.append(r.content)
            if bodies[0] != bodies[1]:
                raise SystemExit(f"page {pages + 1}: the compiled and executor answers differ")
            page = r.json()["data"]["customers"]
            pages += 1
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
    print(f"check: {pages} pages of 50 customers, compiled == executor on every byte")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=200, help="sequential requests per measure")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients for req/s")
    parser.add_argument("--seconds", type=float, default=15, help="duration of each req/s run")
    parser.add_argument("--check", action="store_true", help="compare both paths on every customer")
    args = parser.parse_args()
    settings = get_settings()
    with GraphDatabase.driver(settings.bolt_uri, auth=settings.auth) as driver:
        records, _, _ = driver.execute_query(RICHEST, n=50, database_=settings.neo4j_database)
        counts, _, _ = driver.execute_query(
            "MATCH (n) RETURN count(n) AS n", database_=settings.neo4j_database
        )
    if not records:
        raise SystemExit("no customers in the graph: load a sample first (see the docstring)")
    ones = [{"id": global_id(Family.PARTY, r["id"])} for r in records]
    print(f"graph: {counts[0]['n']:,} nodes; the {len(ones)} customers with the most activity\n")
    with (
        server("api.main:app") as compiled,
        server("bench.api:without_compiler", factory=True) as executor,
    ):
        if args.check:
            asyncio.run(check(compiled, executor))
        for name, url in (("compiled", compiled), ("executor", executor)):
            print(
                summary(
                    f"{name}: one customer's 360 view", asyncio.run(latency(url, ONE, ones, args.n))
                )
            )
            pages = asyncio.run(latency(url, PAGE, [{"after": None}], max(args.n // 5, 20)))
            print(summary(f"{name}: 360 views of 50 customers", pages))
        for name, url in (("compiled", compiled), ("executor", executor)):
            rate, times = asyncio.run(throughput(url, ones, args.clients, args.seconds))
            print(
                f"{name}, 1 worker, {args.clients} clients: {rate:7.1f} req/s; "
                + summary("", times).strip()
            )
    with server("api.main:app", workers=2) as compiled:
        asyncio.run(latency(compiled, ONE, ones, 20))
        rate, times = asyncio.run(throughput(compiled, ones, args.clients, args.seconds))
        print(
            f"compiled, 2 workers, {args.clients} clients: {rate:7.1f} req/s; "
            + summary("", times).strip()
        )


if __name__ == "__main__":
    main()
