"""Latency and throughput of the mutations over HTTP, on a loaded graph.

    python bench/mutations.py [--n 200] [--clients 16] [--seconds 10]

Starts uvicorn (`api.main:app`, development mode: no credentials, no rate limits) like
`bench/api.py`, then measures one request at a time: creating a customer, updating one (the first
update of a party adds a manual identity decision; later ones extend its edit record), recording
an interaction, an order of three lines, and replaying a mutation (its receipt answers); then
interactions per second with concurrent clients. Every mutation writes its receipt and audit entry;
what the benchmark writes has ids starting with `api:` and stays in the graph.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import time
import uuid
from pathlib import Path
from typing import Any

import httpx2
from neo4j import GraphDatabase

from graph.config import get_settings
from graph.read.positions import Family
from schema.ids import global_id

_spec = importlib.util.spec_from_file_location("bench_api", Path(__file__).with_name("api.py"))
assert _spec is not None and _spec.loader is not None
bench_api = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_api)

UPSERT = """mutation($input: CustomerInput!) {
  upsertCustomer(input: $input) { created customer { key } } }"""
INTERACTION = """mutation($input: InteractionInput!) {
  recordInteraction(input: $input) { interaction { key } } }"""
ORDER = """mutation($input: OrderInput!) { recordOrder(input: $input) { order { key amount } } }"""

CUSTOMERS = "MATCH (c:Party:Customer) WHERE NOT c:Erased RETURN c.id AS id ORDER BY id LIMIT $n"
PRODUCTS = "MATCH (p:Product) RETURN p.id AS id ORDER BY id LIMIT 3"


def cmid() -> str:
    return uuid.uuid4().hex


def person(i: int) -> dict[str, Any]:
    return {"clientMutationId": cmid(), "kind": "PERSON", "givenName": f"Bench{i}",
            "surname": "Writer", "email": f"bench{i}.{uuid.uuid4().hex[:8]}@example.com"}  # fmt: skip


def interaction(customer: str) -> dict[str, Any]:
    return {"clientMutationId": cmid(), "customerId": customer, "at": "2026-11-01T10:00:00Z",
            "channel": "WEB", "type": "visit"}  # fmt: skip


async def timed(url: str, query: str, inputs: list[dict[str, Any]]) -> list[float]:
    async with httpx2.AsyncClient(timeout=60) as client:
        await bench_api._ask(client, url, query, {"input": inputs[0]})  # warm up
        return [await bench_api._ask(client, url, query, {"input": i}) for i in inputs[1:]]


async def throughput(url: str, customers: list[str], clients: int, seconds: float) -> float:
    done = 0
    stop = time.perf_counter() + seconds

    async def worker(k: int) -> None:
        nonlocal done
        async with httpx2.AsyncClient(timeout=60) as client:
            i = k
            while time.perf_counter() < stop:
                given = {"input": interaction(customers[i % len(customers)])}
                await bench_api._ask(client, url, INTERACTION, given)
                done += 1
                i += clients

    began = time.perf_counter()
    await asyncio.gather(*(worker(k) for k in range(clients)))
    return done / (time.perf_counter() - began)


async def run(url: str, customers: list[str], products: list[str], args: Any) -> None:
    n = args.n
    print(bench_api.summary("upsertCustomer (create)", await timed(url, UPSERT, [person(i) for i in range(n + 1)])))  # fmt: skip
    first = [{"clientMutationId": cmid(), "id": c, "segment": "bench"} for c in customers[: n + 1]]
    print(bench_api.summary("upsertCustomer (first update of a party)", await timed(url, UPSERT, first)))  # fmt: skip
    again = [{**u, "clientMutationId": cmid(), "segment": "bench2"} for u in first]
    print(bench_api.summary("upsertCustomer (later update)", await timed(url, UPSERT, again)))  # fmt: skip
    touches = [interaction(customers[i % len(customers)]) for i in range(n + 1)]
    print(bench_api.summary("recordInteraction", await timed(url, INTERACTION, touches)))
    lines = [{"productId": p, "quantity": 1, "amount": 9.5} for p in products]
    orders = [{"clientMutationId": cmid(), "customerId": customers[i % len(customers)],
               "date": "2026-11-01", "lines": lines} for i in range(n + 1)]  # fmt: skip
    print(bench_api.summary("recordOrder (3 lines)", await timed(url, ORDER, orders)))
    replay = touches[1]
    print(bench_api.summary("replay (same clientMutationId)", await timed(url, INTERACTION, [replay] * (n + 1))))  # fmt: skip
    rate = await throughput(url, customers, args.clients, args.seconds)
    print(f"recordInteraction with {args.clients} clients: {rate:.0f} mutations/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200, help="requests per latency figure")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10.0)
    args = parser.parse_args()
    settings = get_settings()
    with GraphDatabase.driver(settings.bolt_uri, auth=settings.auth) as driver:
        db = settings.neo4j_database
        customers = [
            global_id(Family.PARTY, r["id"])
            for r in driver.execute_query(CUSTOMERS, n=args.n + 1, database_=db).records
        ]
        products = [
            global_id(Family.PRODUCT, r["id"])
            for r in driver.execute_query(PRODUCTS, database_=db).records
        ]
    if len(customers) <= args.n or len(products) < 3:
        raise SystemExit("load a graph first: more customers than --n and 3 products")
    with bench_api.server("api.main:app") as url:
        asyncio.run(run(url, customers, products, args))


if __name__ == "__main__":
    main()
