"""`make bench-scale`: the load, metrics and read costs of customer360 against the size of the base.

For each size (`--sizes 10k 100k 1m`) on a fresh local Neo4j of its own (the settings' port, and
the settings' data folder with `-<size>` added: `.neo4j/scale-1m`, so a quick 10k run never
erases the 1M graph, and `--phases reads` finds the graph of the size it names):
1. write the sample (`c360 sample var/scale/<size> --customers N --seed 42`, kept between runs);
2. `c360 db migrate`, then `c360 load mappings/demo.yaml --base DIR` under `/usr/bin/time -v`: wall
   seconds, source rows read (the loader's report), rows/s, the loader's peak RSS;
3. `c360 metrics compute --as-of 2025-06-30`: wall seconds and the stage times it prints;
4. a delta of 1,000 rows (`bench/delta.py`: 500 changed and 500 new person records), loaded the same way;
5. the read mix through the HTTP API (`bench/api.py`'s server): each workload's inputs asked once to
   warm up (a larger graph than the page cache would otherwise time its first touches), then `--n`
   requests one at a time, then for `--seconds` with 16 concurrent clients; p50 and p95 of each,
   req/s at 16.

Each size's figures go to `bench/results/scale-<size>.json`; `bench/scale_report.py` turns them into
the table and plots of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import random
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx2
from neo4j import GraphDatabase

from bench.api import ONE, PAGE, server
from graph.config import PROJECT_ROOT, get_settings
from graph.read.positions import Family
from schema.ids import global_id

SIZES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000}
PHASES = ("load", "metrics", "delta", "reads")
AS_OF = "2025-06-30"
RESULTS = PROJECT_ROOT / "bench" / "results"
C360 = str(Path(sys.executable).parent / "c360")

SORTED = """query Sorted { customers(first: 20, filter: {status: [ACTIVE]},
  orderBy: {field: CLV, direction: DESC}) { edges { node { key name clv churnRisk } } } }"""
SEARCH = """query Search($text: String!) { search(text: $text, first: 20) {
  totalCount edges { node { key name } } } }"""
COMMITTEE = """query Committee($id: ID!) { buyingCommittee(account: $id) {
  asOf people(first: 50) { totalCount edges { node { person { key name } roles influence } } }
  gaps { role } } }"""
TREE = """query Tree($id: ID!) { referralTree(root: $id, first: 100) {
  size revenue deepest capped } }"""
NETWORK = """query Network($id: ID!) { partnerNetwork(broker: $id, first: 50) {
  depth direct capped figures { parties active revenue conversion } } }"""
KPIS = """query Kpis { portfolio(start: "2024-07-01", end: "2025-06-30", groupBy: SEGMENT) {
  key customers activeAtStart activeAtEnd new retentionRate nps revenue { amount currency } averageClv } }"""

ROOTS = {
    "view": "MATCH (c:Party:Customer) WHERE c.kind IS NOT NULL "
    "RETURN c.id AS id ORDER BY COUNT { (c)-[:HAD|PLACED]->() } DESC, id LIMIT 50",
    "search": "MATCH (c:Person:Customer) WHERE c.surname IS NOT NULL "
    "RETURN DISTINCT c.surname AS id LIMIT 2000",
    "committee": "MATCH (o:Organization)<-[:ON_COMMITTEE]-() RETURN DISTINCT o.id AS id LIMIT 2000",
    "tree": "MATCH (c:Customer)-[:REFERRED]->() RETURN DISTINCT c.id AS id LIMIT 2000",
    "network": "MATCH (b:Broker) RETURN b.id AS id LIMIT 2000",
}


def run(command: list[str], env: dict[str, str], timed: bool = False) -> tuple[float, str, int]:
    """Run a command; returns wall seconds, its output and (when `timed`) its peak RSS in KB."""
    prefix = ["/usr/bin/time", "-v"] if timed else []
    began = time.perf_counter()
    done = subprocess.run(
        prefix + command, env=env, cwd=PROJECT_ROOT, capture_output=True, text=True
    )
    seconds = time.perf_counter() - began
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    return seconds, done.stdout + done.stderr, int(rss.group(1)) if rss else 0


def rows_read(output: str) -> int:
    """The loader's total of rows read (its summary line `... N rows read ...`)."""
    found = re.findall(r"([\d,]+) rows read", output)
    return int(found[-1].replace(",", "")) if found else 0


def roots(settings: Any) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    with GraphDatabase.driver(settings.bolt_uri, auth=settings.auth) as driver:
        for name, query in ROOTS.items():
            ids = [
                r["id"]
                for r in driver.execute_query(query, database_=settings.neo4j_database).records
            ]
            random.Random(42).shuffle(ids)
            ids = ids[:50]
            if name == "search":
                found[name] = [{"text": i} for i in ids]
            else:
                found[name] = [{"id": global_id(Family.PARTY, i)} for i in ids]
    return found


def workloads(ids: dict[str, list[dict[str, Any]]]) -> dict[str, tuple[str, list[dict[str, Any]]]]:
    return {
        "360 view": (ONE, ids["view"]),
        "page of 50 (360 views)": (PAGE, [{"after": None}]),
        "active by CLV desc, first 20": (SORTED, [{}]),
        "search": (SEARCH, ids["search"]),
        "buying committee": (COMMITTEE, ids["committee"]),
        "referral tree": (TREE, ids["tree"]),
        "partner network": (NETWORK, ids["network"]),
        "portfolio KPIs by segment": (KPIS, [{}]),
    }


async def _ask(
    client: httpx2.AsyncClient, url: str, query: str, variables: dict[str, Any]
) -> float:
    began = time.perf_counter()
    response = await client.post(url, json={"query": query, "variables": variables})
    elapsed = time.perf_counter() - began
    if response.status_code != 200 or "errors" in response.json():
        raise RuntimeError(f"{response.status_code}: {response.text[:300]}")
    return elapsed


async def measure(
    url: str, query: str, variables: list[dict[str, Any]], n: int, clients: int, seconds: float
) -> dict[str, float]:
    async with httpx2.AsyncClient(timeout=120) as client:
        for v in variables:  # every input once first: steady state, not first touches of the store
            await _ask(client, url, query, v)
        single = [await _ask(client, url, query, variables[i % len(variables)]) for i in range(n)]
    times: list[float] = []
    stop = time.perf_counter() + seconds

    async def worker(k: int) -> None:
        async with httpx2.AsyncClient(timeout=120) as client:
            i = k
            while time.perf_counter() < stop:
                times.append(await _ask(client, url, query, variables[i % len(variables)]))
                i += clients

    began = time.perf_counter()
    await asyncio.gather(*(worker(k) for k in range(clients)))
    rate = len(times) / (time.perf_counter() - began)
    return {
        "p50": _pct(single, 50), "p95": _pct(single, 95), "n": len(single),
        "p50_16": _pct(times, 50), "p95_16": _pct(times, 95), "rps_16": rate, "n_16": len(times),
    }  # fmt: skip


def _pct(times: list[float], q: int) -> float:
    ms = sorted(t * 1000 for t in times)
    if q == 50:
        return statistics.median(ms)
    return ms[max(0, round(len(ms) * q / 100) - 1)]


def size_env(env: dict[str, str], size: str) -> dict[str, str]:
    """The environment of one size's runs: its own Neo4j data folder."""
    base = env.get("NEO4J_DATA_DIR") or str(get_settings().data_dir)
    return env | {"NEO4J_DATA_DIR": f"{base}-{size}"}


def one_size(size: str, args: argparse.Namespace, env: dict[str, str]) -> None:
    env = size_env(env, size)
    folder = PROJECT_ROOT / "var" / "scale" / size
    target = RESULTS / f"scale-{size}.json"
    result: dict[str, Any] = json.loads(target.read_text()) if target.exists() else {}
    result |= {"size": size, "customers": SIZES[size], "commit": args.commit}

    def save(**found: Any) -> None:
        result.update(found)
        result["at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
        result["load_average"] = os.getloadavg()
        target.write_text(json.dumps(result, indent=2))

    phases = set(args.phases)
    if "load" in phases and not (folder / "truth.json").exists():
        command = [C360, "sample", str(folder), "--customers", str(SIZES[size]), "--seed", "42"]
        save(sample_seconds=run(command, env)[0])
    run([C360, "neo4j", "start"] + (["--fresh"] if "load" in phases else []), env)
    try:
        if "load" in phases:
            run([C360, "db", "migrate"], env)
            command = [C360, "load", "mappings/demo.yaml", "--base", str(folder)]
            seconds, output, rss = run(command, env, timed=True)
            rows = rows_read(output)
            save(load={"seconds": seconds, "rows": rows, "rows_per_second": rows / seconds,
                       "peak_rss_mb": rss / 1024, "output": output[-4000:]})  # fmt: skip
            print(f"[{size}] load: {seconds:.1f} s, {rows:,} rows, {rows / seconds:,.0f} rows/s, "
                  f"peak RSS {rss / 1024:,.0f} MB", flush=True)  # fmt: skip
        if "metrics" in phases:
            command = [C360, "metrics", "compute", "--as-of", AS_OF]
            seconds, output, rss = run(command, env, timed=True)
            save(metrics={"seconds": seconds, "peak_rss_mb": rss / 1024, "output": output[-2000:]})
            print(f"[{size}] metrics compute: {seconds:.1f} s, peak RSS {rss / 1024:,.0f} MB",
                  flush=True)  # fmt: skip
        if "delta" in phases:
            delta = folder / "delta"
            run([sys.executable, "bench/delta.py", str(folder), str(delta), "--rows", "1000",
                 "--seed", str(args.delta_seed)], env)  # fmt: skip
            seconds, output, rss = run([C360, "load", str(delta / "delta.yaml")], env, timed=True)
            save(delta={"seconds": seconds, "rows": rows_read(output), "peak_rss_mb": rss / 1024,
                        "output": output[-2000:]})  # fmt: skip
            print(f"[{size}] delta of {rows_read(output):,} rows: {seconds:.1f} s", flush=True)
        if "reads" in phases:
            reads: dict[str, Any] = {}
            with server("api.main:app") as url:
                for name, (query, variables) in workloads(roots(get_settings())).items():
                    if not variables:
                        continue
                    found: dict[str, Any]
                    try:
                        found = asyncio.run(
                            measure(url, query, variables, args.n, args.clients, args.seconds)
                        )
                    except RuntimeError as exc:
                        found = {"error": str(exc)[:300]}
                        print(f"[{size}] {name}: {exc}", flush=True)
                    else:
                        print(f"[{size}] {name:<30} p50 {found['p50']:7.1f} ms  p95 "
                              f"{found['p95']:7.1f} ms  | 16 clients: p50 {found['p50_16']:7.1f}"
                              f"  p95 {found['p95_16']:7.1f}  {found['rps_16']:6.1f} req/s",
                              flush=True)  # fmt: skip
                    reads[name] = found
                    save(reads=reads)
    finally:
        run([C360, "neo4j", "stop"], env)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", nargs="+", default=["10k", "100k", "1m"], choices=list(SIZES))
    parser.add_argument(
        "--n",
        type=int,
        default=200,
        help="sequential requests per workload (the p95 of 60 moved by half between runs)",
    )
    parser.add_argument(
        "--delta-seed",
        type=int,
        default=42,
        help="the delta's draw (another one on a graph that loaded a delta before)",
    )
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=10, help="duration of the 16-client run")
    parser.add_argument("--phases", nargs="+", default=list(PHASES), choices=PHASES,
                        help="without `load`, the server keeps its graph")  # fmt: skip
    args = parser.parse_args()
    env = dict(os.environ)
    RESULTS.mkdir(parents=True, exist_ok=True)
    args.commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=PROJECT_ROOT,
                                 capture_output=True, text=True).stdout.strip()  # fmt: skip
    for size in args.sizes:
        one_size(size, args, env)


if __name__ == "__main__":
    main()
