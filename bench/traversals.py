"""Median latency of each relationship traversal (`graph/traversals/committees.py`, `graph/traversals/referrals.py`,
`graph/traversals/referral_tree.py`, `graph/traversals/partners.py`, `graph/traversals/paths.py`, `graph/traversals/affinity.py`).

Needs a loaded graph (the settings' Neo4j) with its metrics, for example the 10k demo:

    c360 sample var/demo10k --customers 10000 --seed 42
    c360 load mappings/demo.yaml --base var/demo10k
    c360 metrics compute --as-of 2025-06-30
    python bench/traversals.py --inputs 50 --rounds 3

For each traversal it draws `--inputs` roots from the graph (a seeded sample of the parties,
products or pairs it applies to), calls the function once per root to warm up, then `--rounds`
times per root, one call at a time, through the async driver the API uses; it prints the median
and 90th percentile of those calls, in milliseconds, and what the answers held.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import random
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any, LiteralString

from neo4j import AsyncDriver, RoutingControl

from graph.config import get_settings
from graph.driver import open_driver
from graph.traversals.affinity import likely_next, next_products
from graph.traversals.committees import account_committee, deal_committee
from graph.traversals.partners import partner_network
from graph.traversals.paths import connection_paths
from graph.traversals.referral_tree import referral_tree
from graph.traversals.referrals import referral_chain

AS_OF = dt.datetime(2025, 6, 30, tzinfo=dt.UTC)

ROOTS: dict[str, LiteralString] = {
    "referred": "MATCH (c:Customer) WHERE EXISTS { (c)<-[:REFERRED]-() } RETURN c.id AS id",
    "referrers": "MATCH (c:Party) WHERE EXISTS { (c)-[:REFERRED]->() } RETURN c.id AS id",
    "brokers": "MATCH (b:Broker) RETURN b.id AS id",
    "accounts": "MATCH (o:Organization) WHERE EXISTS { (o)<-[:ON_COMMITTEE]-() } RETURN o.id AS id",
    "deals": "MATCH (d:Deal) WHERE EXISTS { (d)<-[:ON_COMMITTEE]-() } RETURN d.id AS id",
    "employees": "MATCH (e:Employee) RETURN e.id AS id",
    "deciders": "MATCH (p:Person)-[s:ON_COMMITTEE]->() WHERE 'decision_maker' IN s.roles "
    "RETURN DISTINCT p.id AS id",
    "products": "MATCH (p:Product) WHERE EXISTS { (p)<-[:OF_PRODUCT]-() } RETURN p.id AS id",
    "buyers": "MATCH (c:Customer) WHERE EXISTS { (c)-[:PLACED]->() } RETURN c.id AS id",
}

Call = Callable[[AsyncDriver, str, Any], Awaitable[Any]]


def _size(found: Any) -> int:
    """How many items an answer holds (hops, nodes, members, paths or products)."""
    for name in ("hops", "nodes", "customers", "members", "paths", "next", "suggestions"):
        value = getattr(found, name, None)
        if isinstance(value, tuple):
            return len(value)
    return 0


def _traversals() -> dict[str, tuple[str, Call]]:
    """name -> (the roots it draws, the call)."""
    return {
        "referral chain": ("referred", lambda d, db, x: referral_chain(d, db, x, max_depth=10)),
        "referral tree (first 100)": (
            "referrers",
            lambda d, db, x: referral_tree(d, db, x, depth=10, first=100),
        ),
        "partner network (first 50)": (
            "brokers",
            lambda d, db, x: partner_network(d, db, x, depth=10, first=50),
        ),
        "account committee": (
            "accounts",
            lambda d, db, x: account_committee(d, db, x, as_of=AS_OF),
        ),
        "deal committee": ("deals", lambda d, db, x: deal_committee(d, db, x, as_of=AS_OF)),
        "connection paths (k=3, 6 hops)": (
            "pairs",
            lambda d, db, x: connection_paths(d, db, x[0], x[1], k=3, max_hops=6),
        ),
        "next products of a product": ("products", lambda d, db, x: next_products(d, db, x)),
        "likely next products of a customer": (
            "buyers",
            lambda d, db, x: likely_next(d, db, x),
        ),
    }


async def _roots(driver: AsyncDriver, database: str, count: int, seed: int) -> dict[str, list[Any]]:
    rng = random.Random(seed)
    found: dict[str, list[Any]] = {}
    for name, query in ROOTS.items():
        records, _, _ = await driver.execute_query(
            query, database_=database, routing_=RoutingControl.READ
        )
        ids = sorted(r["id"] for r in records)
        found[name] = rng.sample(ids, min(count, len(ids)))
    found["pairs"] = [
        (rng.choice(found["employees"]), rng.choice(found["deciders"])) for _ in range(count)
    ]
    return found


async def main(count: int, rounds: int, seed: int) -> None:
    settings = get_settings()
    driver = open_driver(settings)
    database = settings.neo4j_database
    try:
        roots = await _roots(driver, database, count, seed)
        print(
            f"{'traversal':<38} {'roots':>5} {'calls':>6} {'median ms':>10} {'p90 ms':>8} {'items':>7}"
        )
        for name, (kind, call) in _traversals().items():
            inputs = roots[kind]
            for x in inputs:  # warm up: plans cached, pages in memory
                await call(driver, database, x)
            took: list[float] = []
            items = 0
            for _ in range(rounds):
                for x in inputs:
                    began = time.perf_counter()
                    found = await call(driver, database, x)
                    took.append((time.perf_counter() - began) * 1000)
                    items += _size(found)
            median = statistics.median(took)
            p90 = statistics.quantiles(took, n=10)[-1] if len(took) > 1 else took[0]
            print(
                f"{name:<38} {len(inputs):>5} {len(took):>6} {median:>10.1f} {p90:>8.1f} "
                f"{items / len(took):>7.1f}"
            )
    finally:
        await driver.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=50, help="roots drawn per traversal")
    parser.add_argument("--rounds", type=int, default=3, help="timed calls per root")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()
    asyncio.run(main(args.inputs, args.rounds, args.seed))
