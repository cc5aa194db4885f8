"""`c360 serve --workers N` measured (RELIABILITY.md, "Several workers").

    python bench/workers.py throughput --clients 16 --seconds 30 --rounds 2
    python bench/workers.py drain --workers 2 --requests 256 --after 1
    python bench/workers.py hang --workers 2 --healthcheck 30
    python bench/workers.py boot --workers 2 --healthcheck 5

Uses the settings' local Neo4j, which must hold some customers (`c360 sample` + `c360 load`); the
API runs as `c360 serve` in development mode without authentication or limits (bench/soak.py's
`start_api`).

- `throughput`: requests per second of one customer's 360 view (bench/api.py's query and driver)
  with N concurrent clients, 1 and 2 workers alternately, `--rounds` times each, after a warm-up.
- `drain`: slow requests in flight (bench/api.py's page of 50 360 views), SIGTERM to `c360 serve`: how many were
  answered, how many failed, and how long the shutdown took.
- `hang`: SIGSTOP one worker (a worker that stops answering: the supervisor's health check is its
  only watchdog) while clients run; when the supervisor kills and replaces it, and what the clients
  saw meanwhile. `--healthcheck` sets API_WORKER_HEALTHCHECK_S for the run.
- `boot`: how long `c360 serve --workers N` takes to be ready with a given health check, and how
  many starting workers the supervisor killed as hung.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import importlib.util
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx2
from neo4j import GraphDatabase

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))


def _load(name: str, path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bench_api = _load("bench_api", HERE / "api.py")  # its name would clash with the `api` package
soak = _load("bench_soak", HERE / "soak.py")

from graph.config import get_settings  # noqa: E402
from graph.read.positions import Family  # noqa: E402
from schema.ids import global_id  # noqa: E402


def customers() -> list[dict[str, Any]]:
    settings = get_settings()
    with GraphDatabase.driver(settings.bolt_uri, auth=settings.auth) as driver:
        records, _, _ = driver.execute_query(
            bench_api.RICHEST, n=50, database_=settings.neo4j_database
        )
    if not records:
        raise SystemExit("no customers in the graph: load a sample first")
    return [{"id": global_id(Family.PARTY, r["id"])} for r in records]


def workers_of(pid: int) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False)
    # c360 serve's children: the uvicorn workers (and a multiprocessing resource tracker)
    found = []
    for child in out.stdout.split():
        cmdline = Path(f"/proc/{child}/cmdline").read_bytes()
        if b"resource_tracker" not in cmdline:
            found.append(int(child))
    return found


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def run_throughput(args: argparse.Namespace, log: Path) -> None:
    ones = customers()
    rates: dict[int, list[float]] = collections.defaultdict(list)
    for _ in range(args.rounds):
        for workers in (1, 2):
            began = time.monotonic()
            proc, url = soak.start_api(workers, log)
            ready = time.monotonic() - began
            try:
                graphql = url + "/graphql"
                asyncio.run(bench_api.latency(graphql, bench_api.ONE, ones, 2 * args.clients))
                rate, times = asyncio.run(
                    bench_api.throughput(graphql, ones, args.clients, args.seconds)
                )
            finally:
                stop(proc)
            rates[workers].append(rate)
            print(
                f"{workers} worker(s), {args.clients} clients, {args.seconds:.0f}s: {rate:6.1f} req/s; "
                + bench_api.summary("", times).strip()
                + f"; ready {ready:.1f}s after launch",
                flush=True,
            )
    one, two = sum(rates[1]) / len(rates[1]), sum(rates[2]) / len(rates[2])
    print(f"mean: 1 worker {one:.1f} req/s, 2 workers {two:.1f} req/s, ratio {two / one:.2f}")


async def _drain(url: str, proc: subprocess.Popen[bytes], n: int, after: float) -> None:
    # one connection per request: all of them reach the server (a pool would queue them here)
    limits = httpx2.Limits(max_connections=None, max_keepalive_connections=None)
    async with httpx2.AsyncClient(timeout=120, limits=limits) as client:
        await soak.ask(client, url, bench_api.PAGE, {"after": None})
        flying = [
            asyncio.create_task(soak.ask(client, url, bench_api.PAGE, {"after": None}))
            for _ in range(n)
        ]
        sent = time.perf_counter()
        await asyncio.sleep(after)  # a request not yet read by a worker when the signal comes: its
        # connection is idle to the server, and closed
        began = time.perf_counter()
        proc.send_signal(signal.SIGTERM)
        print(f"SIGTERM {began - sent:.2f}s after sending {n} requests", flush=True)
        results = await asyncio.gather(*flying, return_exceptions=True)
        last = time.perf_counter() - began
    answered = [r for r in results if not isinstance(r, BaseException)]
    ok = sum(1 for r in answered if r.status_code == 200 and not r.json().get("errors"))
    other = collections.Counter(
        r.status_code for r in answered if r.status_code != 200 or r.json().get("errors")
    )
    failed = collections.Counter(type(r).__name__ for r in results if isinstance(r, BaseException))
    print(f"SIGTERM with {n} slow requests in flight: completed {ok}, other answers {dict(other)}, "
          f"failed {dict(failed)}; last answer {last:.2f}s after the signal")  # fmt: skip
    code = await asyncio.to_thread(proc.wait, 90)
    print(f"c360 serve exited with {code} {time.perf_counter() - began:.2f}s after the signal")


def run_drain(args: argparse.Namespace, log: Path) -> None:
    proc, url = soak.start_api(args.workers, log)
    try:
        asyncio.run(_drain(url, proc, args.requests, args.after))
    finally:
        stop(proc)


async def _clients(url: str, ones: list[dict[str, Any]], n: int, until: float) -> list[str]:
    """Each client: one new connection per request (as behind a load balancer), outcome + time."""
    seen: list[str] = []

    async def client(k: int) -> None:
        i = k
        while time.perf_counter() < until:
            began = time.perf_counter()
            try:
                async with httpx2.AsyncClient(timeout=120) as c:
                    r = await c.post(url + "/graphql", json={"query": bench_api.ONE,
                                                             "variables": ones[i % len(ones)]})  # fmt: skip
                outcome = str(r.status_code)
            except httpx2.HTTPError as exc:
                outcome = type(exc).__name__
            seen.append(f"{outcome} {time.perf_counter() - began:.1f}")
            i += n

    await asyncio.gather(*(client(k) for k in range(n)))
    return seen


def run_hang(args: argparse.Namespace, log: Path) -> None:
    os.environ["API_WORKER_HEALTHCHECK_S"] = str(args.healthcheck)
    ones = customers()
    proc, url = soak.start_api(args.workers, log)
    try:
        before = workers_of(proc.pid)
        victim = before[0]
        began = time.perf_counter()
        until = began + args.seconds

        async def scenario() -> list[str]:
            task = asyncio.create_task(_clients(url, ones, args.clients, until))
            await asyncio.sleep(3)
            os.kill(victim, signal.SIGSTOP)
            stopped = time.perf_counter()
            print(f"worker {victim} of {before} stopped (SIGSTOP) at {stopped - began:.1f}s")
            while Path(f"/proc/{victim}").exists() and time.perf_counter() < until:
                await asyncio.sleep(0.1)
            gone = time.perf_counter()
            print(f"worker {victim} killed by the supervisor {gone - stopped:.1f}s after it hung; "
                  f"workers now {workers_of(proc.pid)}")  # fmt: skip
            return await task

        seen = asyncio.run(scenario())
        outcomes = collections.Counter(s.split()[0] for s in seen)
        slow = sorted((float(s.split()[1]) for s in seen), reverse=True)[:5]
        print(f"{len(seen)} requests: {dict(outcomes)}; slowest {slow} s")
    finally:
        stop(proc)


def run_boot(args: argparse.Namespace, log: Path) -> None:
    """Start `c360 serve --workers N` with the given health check: how long until /readyz answers,
    and how many workers the supervisor killed meanwhile (uvicorn logs "Child process [..] died")."""
    os.environ["API_WORKER_HEALTHCHECK_S"] = str(args.healthcheck)
    began = time.monotonic()
    try:
        proc, _ = soak.start_api(args.workers, log)
    except SystemExit as exc:
        print(f"not ready: {exc}")
    else:
        print(f"{args.workers} workers, health check {args.healthcheck}s: ready "
              f"{time.monotonic() - began:.1f}s after launch", flush=True)  # fmt: skip
        time.sleep(10)  # a worker killed late would show here
        stop(proc)
    text = log.read_text(errors="replace")
    print(f"workers killed and replaced: {text.count('died')}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("mode", choices=("throughput", "drain", "hang", "boot"))
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--requests", type=int, default=32)
    parser.add_argument("--after", type=float, default=1.0, help="drain: seconds before SIGTERM")
    parser.add_argument("--healthcheck", type=int, default=30)
    args = parser.parse_args()
    log = Path(tempfile.mkdtemp(prefix="c360-workers-")) / "api.log"
    modes = {"throughput": run_throughput, "drain": run_drain, "hang": run_hang, "boot": run_boot}
    modes[args.mode](args, log)
    print(f"server log: {log}")


if __name__ == "__main__":
    main()
