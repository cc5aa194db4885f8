"""customer360 side by side with @neo4j/graphql and hand-written Cypher, on the same Neo4j and data.

    npm ci --prefix bench/versus          # once: @neo4j/graphql, graphql-yoga, neo4j-driver
    python -m bench.versus.run [--n 200] [--clients 16] [--seconds 10] [--rounds 3] [--workers N]
                               [--http yoga|apollo|both] [--only WORKLOAD] [--check-only]
                               [--no-floor | --no-node-floor] [--before DIR] [--json FILE]

(as a module from the project root: `bench/api.py` would shadow the `api` package when run as a
file). Needs a loaded graph in the settings' Neo4j, with APOC Core (@neo4j/graphql projects every
`DateTime` through `apoc.date.convertFormat`) and the metrics computed (workloads d and e sort by
revenue): `make bench-versus` sets it all up.

Starts our API (uvicorn, one worker per core unless `--workers`, development mode without
authentication or rate limits, as `bench/api.py` does) and `server.mjs` (@neo4j/graphql on one
Node process) on free ports; `--before DIR` also starts the API from another checkout (the side
"customer360 before", for before/after ratios measured in the same run). First, for each workload
of `queries.py`, inputs chosen to fill every part of the answer (and to hit its limits and
tie-breakers), both APIs and the Cypher statement must return the same data once brought to one
shape (`shapes.py`); any difference stops the run. Then, per workload and side, in rounds where
the sides take turns going first: the median and p95 latency of one request at a time, and
requests per second with 16 concurrent clients for 10 s (the same httpx2 client code for both
APIs). The floor is the Cypher statement through the async Python driver from 16 coroutines, and
through the Node driver (`floor.mjs`, 16 async loops).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, LiteralString

import httpx2
from neo4j import AsyncGraphDatabase, GraphDatabase, RoutingControl

from bench.versus import shapes
from bench.versus.queries import TOP_FILTER, WORKLOADS, Workload
from graph.config import Settings, get_settings
from graph.read.positions import Family
from schema.ids import global_id
from schema.search import lucene_query

_spec = importlib.util.spec_from_file_location(
    "bench_api", Path(__file__).resolve().parent.parent / "api.py"
)
assert _spec is not None and _spec.loader is not None
bench_api = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_api)

HERE = Path(__file__).resolve().parent
KINDS: LiteralString = "c.kind IN ['person', 'household', 'organization']"

# 50 customers whose views hold every part of the view: the most active ones, people in a
# household who were referred and answered a survey, households with members, organizations, and
# the cases that test limits and tie-breakers: an order of more than 10 lines, two orders on a day.
PICKS: dict[str, LiteralString] = {
    "most active": f"""
        MATCH (c:Party:Customer) WHERE {KINDS}
        RETURN c.id AS id ORDER BY COUNT {{ (c)-[:HAD]->() }} + COUNT {{ (c)-[:PLACED]->() }} DESC, id
        LIMIT 20""",
    "in a household, referred, surveyed": f"""
        MATCH (c:Party:Customer:Person) WHERE {KINDS} AND EXISTS {{ (c)-[:MEMBER_OF]->() }}
          AND EXISTS {{ (c)<-[:REFERRED]-() }} AND EXISTS {{ (c)-[:RESPONDED]->() }}
        RETURN c.id AS id ORDER BY id LIMIT 10""",
    "households with members": f"""
        MATCH (c:Party:Customer:Household) WHERE {KINDS} AND EXISTS {{ (c)<-[:MEMBER_OF]-() }}
        RETURN c.id AS id ORDER BY COUNT {{ (c)-[:PLACED]->() }} DESC, id LIMIT 8""",
    "organizations": f"""
        MATCH (c:Party:Customer:Organization) WHERE {KINDS}
        RETURN c.id AS id ORDER BY COUNT {{ (c)-[:HAD]->() }} DESC, id LIMIT 6""",
    "an order of more than 10 lines": f"""
        MATCH (c:Party:Customer)-[:PLACED]->(o:Order) WHERE {KINDS}
          AND COUNT {{ (o)-[:HAS_LINE]->() }} > 10 AND COUNT {{ (c)-[:PLACED]->() }} <= 10
        RETURN DISTINCT c.id AS id ORDER BY id LIMIT 3""",
    "two orders on one day": f"""
        MATCH (c:Party:Customer)-[:PLACED]->(o:Order) WHERE {KINDS}
          AND COUNT {{ (c)-[:PLACED]->(:Order {{date: o.date}}) }} > 1
          AND COUNT {{ (c)-[:PLACED]->() }} <= 10
        RETURN DISTINCT c.id AS id ORDER BY id LIMIT 3""",
}  # fmt: skip
FIRST_CUSTOMERS: LiteralString = (
    f"MATCH (c:Party:Customer) WHERE {KINDS} RETURN c.id AS id ORDER BY id LIMIT $n"
)
CUSTOMER_COUNT: LiteralString = f"MATCH (c:Party:Customer) WHERE {KINDS} RETURN count(c) AS n"
GRAPH_SIZE: LiteralString = "MATCH (n) RETURN count(n) AS n"
MISSING = "versus:no-such-customer"
WALK = """query Walk($after: String) { customers(first: 100, after: $after) {
  pageInfo { hasNextPage endCursor } edges { cursor node { key } } } }"""
WALK_TOP = (
    "query Walk($after: String) { customers(first: 100, after: $after, " + TOP_FILTER + ","
    " orderBy: {field: REVENUE, direction: DESC}) {"
    " pageInfo { hasNextPage endCursor } edges { cursor node { key revenue } } } }"
)
# Accounts whose committees and contacts are the largest (the workloads' limits are reached).
ACCOUNTS: dict[str, LiteralString] = {
    "committee": """
        MATCH (a:Party:Customer:Organization) WHERE a.kind = 'organization'
        RETURN a.id AS id ORDER BY COUNT { (a)<-[:ON_COMMITTEE]-() } DESC, id LIMIT $n""",
    "nested": """
        MATCH (a:Party:Customer:Organization) WHERE a.kind = 'organization'
        RETURN a.id AS id ORDER BY COUNT { (a)<-[:WORKS_FOR]-() } DESC, id LIMIT $n""",
}  # fmt: skip
# Words to search for: the last word of customers' names, spread over the keys.
NAMES: LiteralString = f"""
    MATCH (c:Party:Customer) WHERE {KINDS} AND c.name IS NOT NULL
    WITH c ORDER BY c.id SKIP 7 LIMIT $n
    RETURN last(split(c.name, ' ')) AS word"""

PAGES = 20
CUSTOMERS = 50


@dataclass(frozen=True, slots=True)
class Inputs:
    """One workload's inputs, the same ones on every side."""

    ours: list[dict[str, Any]]
    theirs: list[dict[str, Any]]
    cypher: list[dict[str, Any]]


@dataclass(frozen=True, slots=True)
class Figures:
    rate: float
    sequential: list[float]
    loaded: list[float]


# --- inputs ------------------------------------------------------------------------------------


def pick_customers(settings: Settings) -> list[str]:
    """The keys of `CUSTOMERS` customers (`PICKS`, then the first ones by key if too few)."""
    chosen: list[str] = []
    with GraphDatabase.driver(settings.bolt_uri, auth=settings.auth) as driver:
        for statement in PICKS.values():
            records, _, _ = driver.execute_query(statement, database_=settings.neo4j_database)
            chosen += [r["id"] for r in records if r["id"] not in chosen]
        if len(chosen) < CUSTOMERS:
            records, _, _ = driver.execute_query(
                FIRST_CUSTOMERS, n=CUSTOMERS * 2, database_=settings.neo4j_database
            )
            chosen += [r["id"] for r in records if r["id"] not in chosen]
    if not chosen:
        raise SystemExit("no customers in the graph: load a sample first (see the docstring)")
    return chosen[:CUSTOMERS]


def by_key(keys: list[str]) -> Inputs:
    return Inputs(
        ours=[{"id": global_id(Family.PARTY, k)} for k in keys],
        theirs=[{"id": k} for k in keys],
        cypher=[{"id": k} for k in keys],
    )


async def walk(url: str, query: str = WALK) -> list[tuple[dict[str, Any], str]]:
    """Every customer's node and cursor, in our API's order (by key, or as `query` orders)."""
    rows: list[tuple[dict[str, Any], str]] = []
    after = None
    async with httpx2.AsyncClient(timeout=60) as client:
        while True:
            r = await client.post(url, json={"query": query, "variables": {"after": after}})
            page = r.json()["data"]["customers"]
            rows += [(e["node"], e["cursor"]) for e in page["edges"]]
            if not page["pageInfo"]["hasNextPage"]:
                return rows
            after = page["pageInfo"]["endCursor"]


def deep_pages(rows: list[tuple[dict[str, Any], str]]) -> Inputs:
    """`PAGES // 2` pages from the middle to the end of the list by revenue."""
    if len(rows) < PAGES:
        raise SystemExit("too few customers with a revenue: load the sample with --metrics-as-of")
    count = PAGES // 2
    starts = [rows[len(rows) // 2 + i * len(rows) // (2 * count)] for i in range(count)]
    return Inputs(
        ours=[{"after": cursor} for _, cursor in starts],
        theirs=[{"revenue": node["revenue"], "after": node["key"]} for node, _ in starts],
        cypher=[{"revenue": node["revenue"], "after": node["key"]} for node, _ in starts],
    )


def first_page() -> Inputs:
    return Inputs(ours=[{"after": None}], theirs=[{}], cypher=[{"revenue": None, "after": ""}])


def accounts(settings: Settings, workload: str) -> Inputs:
    with GraphDatabase.driver(settings.bolt_uri, auth=settings.auth) as driver:
        records, _, _ = driver.execute_query(
            ACCOUNTS[workload], n=CUSTOMERS, database_=settings.neo4j_database
        )
    return by_key([r["id"] for r in records])


def words(settings: Settings) -> Inputs:
    with GraphDatabase.driver(settings.bolt_uri, auth=settings.auth) as driver:
        records, _, _ = driver.execute_query(NAMES, n=CUSTOMERS, database_=settings.neo4j_database)
    found = [r["word"] for r in records]
    return Inputs(
        ours=[{"text": w} for w in found],
        theirs=[{"q": lucene_query(w)} for w in found],
        cypher=[{"q": lucene_query(w)} for w in found],
    )


def pages(rows: list[tuple[dict[str, Any], str]]) -> Inputs:
    """`PAGES` pages spread over the customers: the first one, then every len/PAGES customers."""
    step = max(len(rows) // PAGES, 1)
    starts = [rows[i * step - 1] if i else None for i in range(PAGES)]
    return Inputs(
        ours=[{"after": s[1] if s else None} for s in starts],
        theirs=[{"after": s[0]["key"] if s else ""} for s in starts],
        cypher=[{"after": s[0]["key"] if s else ""} for s in starts],
    )


# --- the @neo4j/graphql server -----------------------------------------------------------------


@contextmanager
def node_server(http: str) -> Iterator[str]:
    port = bench_api._free_port()
    env = os.environ | {"PORT": str(port), "NODE_ENV": "production", "VERSUS_HTTP": http}
    process = subprocess.Popen(["node", str(HERE / "server.mjs")], cwd=HERE, env=env)
    url = f"http://127.0.0.1:{port}" + ("/graphql" if http == "yoga" else "/")
    try:
        for _ in range(300):
            if process.poll() is not None:
                raise SystemExit(f"server.mjs exited with {process.returncode}")
            try:
                ping = httpx2.post(url, json={"query": "{ __typename }"}, timeout=1)
                if ping.status_code == 200:
                    break
            except httpx2.HTTPError:
                time.sleep(0.1)
        else:
            raise SystemExit("server.mjs did not answer in 30 s")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)


# --- the equivalence check ---------------------------------------------------------------------


def difference(a: Any, b: Any, path: str = "") -> str | None:
    """The path of the first difference between two JSON values, or None when equal."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(a.keys() | b.keys()):
            found = difference(a.get(key, "<missing>"), b.get(key, "<missing>"), f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return f"{path}: {len(a)} items against {len(b)}"
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            found = difference(x, y, f"{path}[{i}]")
            if found:
                return found
        return None
    if a != b or (type(a) is not type(b) and not {type(a), type(b)} <= {int, float}):
        return f"{path}: {a!r} against {b!r}"
    return None


async def graphql(client: httpx2.AsyncClient, url: str, query: str, variables: Any) -> Any:
    response = await client.post(url, json={"query": query, "variables": variables})
    body = response.json()
    if response.status_code != 200 or "errors" in body:
        raise SystemExit(f"{url}: {response.status_code} {response.text[:1000]}")
    return body["data"]


def size(value: Any) -> int:
    """How many leaf values a JSON value holds (what a comparison covered)."""
    if isinstance(value, dict):
        return sum(size(v) for v in value.values())
    if isinstance(value, list):
        return sum(size(v) for v in value)
    return 1


async def check(
    settings: Settings, ours: str, theirs: str, workload: Workload, inputs: Inputs
) -> str:
    compared = nonempty = 0
    async with (
        httpx2.AsyncClient(timeout=120) as client,
        AsyncGraphDatabase.driver(settings.bolt_uri, auth=settings.auth) as driver,
    ):
        for o, t, c in zip(inputs.ours, inputs.theirs, inputs.cypher, strict=True):
            ours_data = shapes.OURS[workload.name](await graphql(client, ours, workload.ours, o))
            their_data = shapes.THEIRS[workload.name](
                await graphql(client, theirs, workload.theirs, t)
            )
            records, _, _ = await driver.execute_query(
                workload.cypher, c, database_=settings.neo4j_database, routing_=RoutingControl.READ
            )
            cypher_data = shapes.plain(records[0]["data"]) if records else None
            for other, name in ((their_data, "@neo4j/graphql"), (cypher_data, "Cypher")):
                found = difference(ours_data, other)
                if found:
                    raise SystemExit(
                        f"{workload.name} {json.dumps(t)}: customer360 and {name} differ at "
                        f"{found}\ncustomer360: {json.dumps(ours_data)[:3000]}\n"
                        f"{name}: {json.dumps(other)[:3000]}"
                    )
            compared += size(ours_data)
            nonempty += ours_data is not None and ours_data != []
    return f"{len(inputs.ours)} inputs ({nonempty} found), {compared:,} values equal on all three"


async def check_parts(ours: str, inputs: Inputs) -> str:
    """What the view check covered: how many views had each part (a check of empty lists
    proves little)."""
    counts = dict.fromkeys(
        ("household", "members", "interactions", "orders", "surveys", "referredBy"), 0
    )
    async with httpx2.AsyncClient(timeout=120) as client:
        for o in inputs.ours:
            view = shapes.ours_view(await graphql(client, ours, WORKLOADS[0].ours, o))
            for part in counts:
                counts[part] += bool(view and view[part])
    return ", ".join(f"{n} with {part}" for part, n in counts.items())


# --- measuring ---------------------------------------------------------------------------------

Call = Callable[[int], Awaitable[None]]


async def measure(call: Call, n: int, clients: int, seconds: float) -> Figures:
    for i in range(10):  # warm up: plans, caches, connections
        await call(i)
    sequential = []
    for i in range(n):
        began = time.perf_counter()
        await call(i)
        sequential.append(time.perf_counter() - began)
    loaded: list[float] = []
    stop = time.perf_counter() + seconds

    async def worker(k: int) -> None:
        i = k
        while time.perf_counter() < stop:
            began = time.perf_counter()
            await call(i)
            loaded.append(time.perf_counter() - began)
            i += clients

    began = time.perf_counter()
    await asyncio.gather(*(worker(k) for k in range(clients)))
    return Figures(len(loaded) / (time.perf_counter() - began), sequential, loaded)


async def over_http(
    url: str, query: str, inputs: list[dict[str, Any]], n: int, clients: int, seconds: float
) -> Figures:
    # one client per concurrent caller, as bench/api.py does
    pool = [httpx2.AsyncClient(timeout=60) for _ in range(clients)]
    try:

        async def call(i: int) -> None:
            await bench_api._ask(pool[i % clients], url, query, inputs[i % len(inputs)])

        return await measure(call, n, clients, seconds)
    finally:
        for client in pool:
            await client.aclose()


async def python_floor(
    settings: Settings, statement: LiteralString, inputs: list[dict[str, Any]], n: int, clients: int,
    seconds: float,
) -> Figures:  # fmt: skip
    async with AsyncGraphDatabase.driver(settings.bolt_uri, auth=settings.auth) as driver:

        async def call(i: int) -> None:
            records, _, _ = await driver.execute_query(
                statement, inputs[i % len(inputs)],
                database_=settings.neo4j_database, routing_=RoutingControl.READ,
            )  # fmt: skip
            if len(records) != 1:
                raise RuntimeError(f"expected one row, got {len(records)}")

        return await measure(call, n, clients, seconds)


def node_floor(
    statement: str, inputs: list[dict[str, Any]], n: int, clients: int, seconds: float
) -> Figures:
    given = {"statement": statement, "parameters": inputs, "n": n, "clients": clients,
             "seconds": seconds}  # fmt: skip
    done = subprocess.run(
        ["node", str(HERE / "floor.mjs")], input=json.dumps(given), capture_output=True,
        text=True, cwd=HERE, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise SystemExit(f"floor.mjs failed:\n{done.stderr[-2000:]}")
    out = json.loads(done.stdout)
    return Figures(out["rate"], out["latencies"], out["times"])


# --- the table ---------------------------------------------------------------------------------


def _ms(times: list[float]) -> tuple[float, float]:
    ms = sorted(t * 1000 for t in times)
    return statistics.median(ms), ms[max(int(len(ms) * 0.95) - 1, 0)]


def row(workload: str, side: str, f: Figures) -> str:
    median, p95 = _ms(f.sequential)
    loaded_median, loaded_p95 = _ms(f.loaded)
    return (
        f"{workload:<28} {side:<26} {f.rate:8.1f} {median:8.1f} {p95:8.1f} "
        f"{loaded_median:9.1f} {loaded_p95:9.1f}  {len(f.sequential):>5} {len(f.loaded):>6}"
    )


HEADER = (
    f"{'workload':<28} {'side':<26} {'req/s':>8} {'median':>8} {'p95':>8} "
    f"{'median@16':>9} {'p95@16':>9}  {'n':>5} {'n@16':>6}\n"
    f"{'':<28} {'':<26} {'(16 cl.)':>8} {'ms':>8} {'ms':>8} {'ms':>9} {'ms':>9}"
)


def versions() -> str:
    found = []
    for package in ("@neo4j/graphql", "neo4j-driver", "graphql", "graphql-yoga", "@apollo/server"):
        manifest = HERE / "node_modules" / package / "package.json"
        if manifest.exists():
            found.append(f"{package} {json.loads(manifest.read_text())['version']}")
    node = subprocess.run(["node", "--version"], capture_output=True, text=True, check=False)
    return f"node {node.stdout.strip()}, " + ", ".join(found)


def combine(rounds: list[Figures]) -> Figures:
    """Rounds as one: the median rate, every latency."""
    return Figures(
        statistics.median(f.rate for f in rounds),
        [t for f in rounds for t in f.sequential],
        [t for f in rounds for t in f.loaded],
    )


def spread(rounds: list[Figures]) -> str:
    rates = sorted(f.rate for f in rounds)
    return f"  [{rates[0]:.0f}..{rates[-1]:.0f}]" if len(rates) > 1 else ""


PYTHON_FLOOR = "Cypher, Python driver"
NODE_FLOOR = "Cypher, Node driver"
FLOORS = (PYTHON_FLOOR, NODE_FLOOR)
BEFORE = "customer360 before"  # the API from another checkout (`--before`)


def run_side(
    side: str, settings: Settings, args: argparse.Namespace, urls: dict[str, str],
    workload: Workload, given: Inputs, n: int,
) -> Figures:  # fmt: skip
    """One round of one side: its latencies one at a time, then its rate under the clients."""
    clients, seconds = args.clients, args.seconds
    if side in {"customer360", BEFORE}:
        return asyncio.run(over_http(urls[side], workload.ours, given.ours, n, clients, seconds))
    if side in urls:
        return asyncio.run(
            over_http(urls[side], workload.theirs, given.theirs, n, clients, seconds)
        )
    if side == PYTHON_FLOOR:
        return asyncio.run(
            python_floor(settings, workload.cypher, given.cypher, n, clients, seconds)
        )
    return node_floor(workload.cypher, given.cypher, n, clients, seconds)


def measure_all(
    settings: Settings, args: argparse.Namespace, urls: dict[str, str], inputs: dict[str, Inputs],
    results: dict[str, Any],
) -> None:  # fmt: skip
    """Every workload on every side (`urls`: customer360 first, then @neo4j/graphql), in
    rounds; the sides take turns going first, so that a change in the machine's background load
    does not fall on one side only."""
    print(HEADER)
    floors = () if args.no_floor else (PYTHON_FLOOR,) if args.no_node_floor else FLOORS
    sides = [*urls, *floors]
    for workload in WORKLOADS:
        if args.only and workload.name not in args.only:
            continue
        given = inputs[workload.name]
        n = max((args.n if workload.name != "page" else args.n // 4) // args.rounds, 10)
        found: dict[str, list[Figures]] = {side: [] for side in sides}
        for r in range(args.rounds):
            for side in sides[r % len(sides) :] + sides[: r % len(sides)]:
                found[side].append(run_side(side, settings, args, urls, workload, given, n))
        combined = {side: combine(rounds) for side, rounds in found.items()}
        for i, side in enumerate(sides):
            print(row("" if i else workload.title, side, combined[side]) + spread(found[side]))
        ours = combined["customer360"]
        for side in list(urls)[1:]:
            ratio = ours.rate / combined[side].rate
            latency = _ms(combined[side].sequential)[0] / _ms(ours.sequential)[0]
            print(f"{'':<28} customer360 / {side}: {ratio:.2f}x the req/s, "
                  f"{latency:.2f}x as fast one request at a time (median)")  # fmt: skip
        if PYTHON_FLOOR in combined:
            floor = _ms(ours.sequential)[0] / _ms(combined[PYTHON_FLOOR].sequential)[0]
            print(f"{'':<28} customer360's median / {PYTHON_FLOOR}'s: {floor:.2f}x")
        print(flush=True)
        results[workload.name] = {
            "title": workload.title,
            "sides": {
                side: {"rate": f.rate, "median_ms": _ms(f.sequential)[0],
                       "p95_ms": _ms(f.sequential)[1], "median16_ms": _ms(f.loaded)[0],
                       "rounds": [r.rate for r in found[side]]}
                for side, f in combined.items()
            },
        }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--n", type=int, default=200, help="sequential requests per measure")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients for req/s")
    parser.add_argument("--seconds", type=float, default=10, help="duration of each req/s run")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per side (median rate)")
    parser.add_argument("--http", choices=("yoga", "apollo", "both"), default="yoga",
                        help="the HTTP layer in front of @neo4j/graphql")  # fmt: skip
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="uvicorn workers of our API (default: the cores)")  # fmt: skip
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    parser.add_argument("--check-only", action="store_true", help="compare, do not measure")
    parser.add_argument("--no-floor", action="store_true", help="skip the Cypher floor")
    parser.add_argument("--no-node-floor", action="store_true", help="skip the Node driver floor")
    parser.add_argument("--before", type=Path,
                        help="also measure the API from this checkout (e.g. `git archive` of an "
                        "earlier commit), as the side 'customer360 before'")  # fmt: skip
    parser.add_argument("--only", choices=[w.name for w in WORKLOADS], action="append",
                        help="check and measure only these workloads")  # fmt: skip
    args = parser.parse_args()
    if not (HERE / "node_modules" / "@neo4j" / "graphql").exists():
        raise SystemExit("run `npm ci --prefix bench/versus` first")
    settings = get_settings()
    keys = pick_customers(settings)
    with GraphDatabase.driver(settings.bolt_uri, auth=settings.auth) as driver:
        nodes = driver.execute_query(GRAPH_SIZE, database_=settings.neo4j_database)[0][0]["n"]
        customers = driver.execute_query(CUSTOMER_COUNT, database_=settings.neo4j_database)
        info = driver.get_server_info()
    layers = ("yoga", "apollo") if args.http == "both" else (args.http,)
    print(
        f"graph: {nodes:,} nodes, {customers[0][0]['n']:,} customers; {info.agent} at "
        f"{settings.bolt_uri}\n{versions()} (HTTP: {', '.join(layers)}); Python "
        f"{platform.python_version()}, uvicorn {args.workers} worker(s)\nmachine: {os.cpu_count()} cores shared "
        "by Neo4j, both servers and the client processes (figures are relative, not capacity); "
        f"load average {os.getloadavg()[0]:.1f}\n"
    )
    with ExitStack() as stack:
        ours = stack.enter_context(bench_api.server("api.main:app", workers=args.workers))
        before = (
            {BEFORE: stack.enter_context(
                bench_api.server("api.main:app", workers=args.workers, root=args.before.resolve())
            )} if args.before else {}
        )  # fmt: skip
        theirs = {
            "@neo4j/graphql" + (f" ({http})" if len(layers) > 1 else ""): stack.enter_context(
                node_server(http)
            )
            for http in layers
        }
        first = next(iter(theirs.values()))
        makers: dict[str, Callable[[], Inputs]] = {
            "view": lambda: by_key(keys), "page": lambda: pages(asyncio.run(walk(ours))),
            "light": lambda: by_key(keys), "top": first_page,
            "deep": lambda: deep_pages(asyncio.run(walk(ours, WALK_TOP))),
            "search": lambda: words(settings), "committee": lambda: accounts(settings, "committee"),
            "nested": lambda: accounts(settings, "nested"),
        }  # fmt: skip
        # With --only, only those workloads are prepared and checked (the deep page's inputs walk
        # every customer by revenue: 20 minutes at 1M).
        chosen = [w for w in WORKLOADS if not args.only or w.name in args.only]
        inputs = {w.name: makers[w.name]() for w in chosen}
        print("equivalence (customer360 = @neo4j/graphql = Cypher, after shapes.py):")
        for workload in chosen:
            for url in theirs.values():
                outcome = asyncio.run(check(settings, ours, url, workload, inputs[workload.name]))
            print(f"  {workload.title}: {outcome}")
        for workload in (WORKLOADS[0], WORKLOADS[2]):
            asyncio.run(check(settings, ours, first, workload, by_key([MISSING])))
        print("  an unknown id: null on all three sides")
        if "view" in inputs:
            print("  views covered: " + asyncio.run(check_parts(ours, inputs["view"])))
        print()
        if args.check_only:
            return
        results: dict[str, Any] = {}
        measure_all(settings, args, {"customer360": ours, **theirs, **before}, inputs, results)
        if args.json:
            summary = {"nodes": nodes, "customers": customers[0][0]["n"],
                       "workers": args.workers, "clients": args.clients, "workloads": results}  # fmt: skip
            args.json.write_text(json.dumps(summary, indent=1))
    print(
        f"each req/s figure: the median of {args.rounds} rounds of {args.seconds:g} s with "
        f"{args.clients} clients ([min..max] of the rounds after it); median and p95: one "
        "request at a time; median@16 and p95@16: under the 16 clients; load average now "
        f"{os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
