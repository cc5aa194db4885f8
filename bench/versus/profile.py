"""Where the API's time goes on one workload of `queries.py`: the app in-process (httpx2's ASGI
transport, no HTTP server), one request at a time, under cProfile.

    python -m bench.versus.profile page [--n 300] [--top 40] [--sort tottime]

Needs a loaded graph in the settings' Neo4j (as `make bench-versus` leaves it in
`.neo4j/bench-versus`). Prints the mean time per request without and with the profiler, then the
profile's top functions.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import time
from typing import Any

import httpx2

from api.app import create_app
from bench.versus.queries import WORKLOADS
from bench.versus.run import pick_customers
from graph.config import get_settings
from graph.driver import open_driver
from graph.read.positions import Family
from schema.ids import global_id

FIRST_PAGE: dict[str, Any] = {"after": None}


async def profile(name: str, n: int, top: int, sort: str) -> None:
    settings = get_settings().model_copy(update={"api_migrate_on_start": False})
    app = create_app(settings)
    app.state.driver = open_driver(settings)
    workload = next(w for w in WORKLOADS if w.name == name)
    keys = pick_customers(settings)
    inputs = [FIRST_PAGE] if name == "page" else [{"id": global_id(Family.PARTY, k)} for k in keys]
    transport = httpx2.ASGITransport(app=app)
    async with httpx2.AsyncClient(transport=transport, base_url="http://api") as client:

        async def ask(i: int) -> None:
            body = {"query": workload.ours, "variables": inputs[i % len(inputs)]}
            response = await client.post("/graphql", json=body)
            if response.status_code != 200 or "errors" in response.json():
                raise SystemExit(response.text[:2000])

        for i in range(20):
            await ask(i)
        began = time.perf_counter()
        for i in range(n):
            await ask(i)
        plain = (time.perf_counter() - began) / n
        profiler = cProfile.Profile()
        began = time.perf_counter()
        profiler.enable()
        for i in range(n):
            await ask(i)
        profiler.disable()
        profiled = (time.perf_counter() - began) / n
    await app.state.driver.close()
    print(f"{name}: {plain * 1000:.2f} ms a request ({profiled * 1000:.2f} ms profiled), n={n}")
    pstats.Stats(profiler).sort_stats(sort).print_stats(top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("workload", choices=[w.name for w in WORKLOADS])
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--sort", default="tottime")
    args = parser.parse_args()
    asyncio.run(profile(args.workload, args.n, args.top, args.sort))


if __name__ == "__main__":
    main()
