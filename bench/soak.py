"""Soak and fault runs against `c360 serve` on loopback (RELIABILITY.md quotes their output).

    python bench/soak.py --clients 64 --seconds 60                    # load held
    python bench/soak.py --clients 32 --seconds 40 --kill-neo4j-at 10 --restart-after 5
    python bench/soak.py --clients 32 --seconds 40 --term-neo4j-at 10 --restart-after 5
    python bench/soak.py --drain                                      # SIGTERM with requests in flight
    python bench/soak.py --workers 2 ...                              # several uvicorn workers

Uses the settings' local Neo4j (NEO4J_BOLT_PORT, NEO4J_DATA_DIR...), which must hold some customers
(`c360 sample` + `c360 load`). The API runs in development mode without authentication or limits,
logging JSON to a file. Clients send 90% reads (a page of 10 customers, one customer by source id)
and 10% writes (`upsertCustomer` of a new person, each with its own clientMutationId). Afterwards:
every write that was acknowledged must be stored exactly once; every write that was not is sent
again with the same clientMutationId and must then be stored exactly once (rows lost: 0); every
error response's request id must be found in the server's log.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx2
from neo4j import GraphDatabase

from graph import local_server
from graph.config import PROJECT_ROOT, get_settings

PAGE = "query Page { customers(first: 10) { edges { node { key name } } } }"
ONE = "query One($s: String) { customer(sourceId: $s) { key name email } }"
UPSERT = """mutation Upsert($input: CustomerInput!) {
  upsertCustomer(input: $input) { created customer { key } } }"""
SLOW = "query Slow { customers(first: 50) { edges { node { key name email } } } }"
STORED = "UNWIND $emails AS e OPTIONAL MATCH (p:Party {email: e}) RETURN e, count(p) AS n"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (the uvicorn workers), in MB."""
    total = 0.0
    pids = [pid]
    try:
        children = subprocess.run(
            ["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False
        ).stdout.split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) / 1024
        except OSError:
            continue
    return total


def start_api(workers: int, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {
        **os.environ,
        "ENVIRONMENT": "development",
        "AUTH_DISABLED": "true",
        "RATE_LIMIT_PER_MINUTE": '{"admin": 0}',
        "COST_LIMIT_PER_MINUTE": '{"admin": 0}',
        "API_GRAPHIQL": "false",
        "LOG_FORMAT": "json",
    }
    command = [
        str(Path(sys.executable).parent / "c360"),
        "serve",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]
    with log.open("ab") as out:
        proc = subprocess.Popen(
            command, cwd=PROJECT_ROOT, env=env, stdout=out, stderr=out, start_new_session=True
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx2.get(url + "/readyz", timeout=1).status_code == 200:
                return proc, url
        except httpx2.HTTPError:
            pass
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)  # the master and its workers
    raise SystemExit(f"the API did not become ready; see {log}")


class Tally:
    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.statuses: collections.Counter[str] = collections.Counter()
        self.codes: collections.Counter[str] = collections.Counter()
        self.acked: dict[str, dict[str, Any]] = {}  # email -> input
        self.unacked: dict[str, dict[str, Any]] = {}
        self.error_ids: list[str] = []
        self.transport = 0
        self.traces = 0  # answers carrying a stack trace (never expected)


async def ask(
    client: httpx2.AsyncClient, url: str, query: str, variables: dict[str, Any]
) -> httpx2.Response:
    return await client.post(url + "/graphql", json={"query": query, "variables": variables})


def person(run: str) -> dict[str, Any]:
    tag = uuid.uuid4().hex[:12]
    return {"clientMutationId": tag, "kind": "PERSON", "givenName": "Soak", "surname": run,
            "email": f"soak.{run}.{tag}@example.com"}  # fmt: skip


async def client_loop(
    url: str, stop: float, tally: Tally, run: str, sources: list[str], seed: int
) -> None:
    rng = random.Random(seed)
    async with httpx2.AsyncClient(timeout=30) as client:
        while time.perf_counter() < stop:
            roll = rng.random()
            given: dict[str, Any] | None = None
            if roll < 0.1:
                given = person(run)
                query, variables = UPSERT, {"input": given}
            elif roll < 0.55 and sources:
                query, variables = ONE, {"s": rng.choice(sources)}
            else:
                query, variables = PAGE, {}
            began = time.perf_counter()
            try:
                answer = await ask(client, url, query, variables)
            except httpx2.HTTPError:
                tally.transport += 1
                if given is not None:
                    tally.unacked[given["email"]] = given
                await asyncio.sleep(0.05)
                continue
            tally.latencies.append(time.perf_counter() - began)
            tally.statuses[str(answer.status_code)] += 1
            if b"Traceback" in answer.content or b"stacktrace" in answer.content:
                tally.traces += 1
            body = answer.json()
            errors = body.get("errors") or []
            for e in errors:
                tally.codes[e.get("extensions", {}).get("code", "?")] += 1
            if errors:
                tally.error_ids.append(answer.headers.get("x-request-id", "?"))
            if given is not None:
                ok = not errors and (body.get("data") or {}).get("upsertCustomer")
                (tally.acked if ok else tally.unacked)[given["email"]] = given
            if errors:
                await asyncio.sleep(0.05)


def counts(emails: list[str]) -> dict[str, int]:
    settings = get_settings()
    with GraphDatabase.driver(settings.bolt_uri, auth=settings.auth) as driver:
        records, _, _ = driver.execute_query(
            STORED, emails=emails, database_=settings.neo4j_database
        )
    return {r["e"]: r["n"] for r in records}


def source_ids(n: int = 500) -> list[str]:
    settings = get_settings()
    with GraphDatabase.driver(settings.bolt_uri, auth=settings.auth) as driver:
        records, _, _ = driver.execute_query(
            "MATCH (c:Party:Customer) WHERE c.sourceIds IS NOT NULL RETURN c.sourceIds[0] AS s LIMIT $n",
            n=n, database_=settings.neo4j_database,
        )  # fmt: skip
    return [r["s"] for r in records]


def _stat(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""


def neo4j_fault(at: float, restart_after: float, sig: int, events: list[str], began: float) -> None:
    settings = get_settings()
    time.sleep(at)
    pid = int((settings.data_dir / "neo4j.pid").read_text())
    os.kill(pid, sig)
    events.append(
        f"{time.perf_counter() - began:5.1f}s  neo4j pid {pid} sent {signal.Signals(sig).name}"
    )
    while Path(f"/proc/{pid}").exists() and "(java) Z" not in _stat(pid):
        time.sleep(0.1)  # gone, or a zombie nobody reaps: either way no longer serving
    events.append(f"{time.perf_counter() - began:5.1f}s  neo4j exited")
    (settings.data_dir / "neo4j.pid").unlink(missing_ok=True)
    time.sleep(restart_after)
    events.append(f"{time.perf_counter() - began:5.1f}s  neo4j restarting")
    local_server.start(settings)
    events.append(f"{time.perf_counter() - began:5.1f}s  neo4j answering again")


async def readiness(url: str, stop: float, events: list[str], began: float) -> None:
    last = None
    async with httpx2.AsyncClient(timeout=2) as client:
        while time.perf_counter() < stop:
            try:
                status = (await client.get(url + "/readyz")).status_code
            except httpx2.HTTPError:
                status = -1
            if status != last:
                events.append(f"{time.perf_counter() - began:5.1f}s  /readyz {status}")
                last = status
            await asyncio.sleep(0.05)


async def resend(url: str, tally: Tally) -> int:
    """Send every unacknowledged write again (same clientMutationId); the ones acknowledged now."""
    done = 0
    async with httpx2.AsyncClient(timeout=30) as client:
        for given in tally.unacked.values():
            for _ in range(20):
                try:
                    body = (await ask(client, url, UPSERT, {"input": given})).json()
                except httpx2.HTTPError:
                    await asyncio.sleep(0.5)
                    continue
                if not body.get("errors"):
                    done += 1
                    break
                await asyncio.sleep(0.5)
    return done


def percentile(values: list[float], q: float) -> float:
    return (
        statistics.quantiles(values, n=100)[q - 1]
        if len(values) >= 100
        else max(values, default=0.0)
    )


async def soak(
    args: argparse.Namespace, url: str, proc: subprocess.Popen[bytes], log: Path
) -> None:
    run = uuid.uuid4().hex[:8]
    sources = source_ids()
    tally = Tally()
    events: list[str] = []
    rss_before = rss_mb(proc.pid)
    began = time.perf_counter()
    stop = began + args.seconds
    fault = None
    if args.kill_neo4j_at is not None or args.term_neo4j_at is not None:
        sig = signal.SIGKILL if args.kill_neo4j_at is not None else signal.SIGTERM
        at = args.kill_neo4j_at if args.kill_neo4j_at is not None else args.term_neo4j_at
        fault = threading.Thread(
            target=neo4j_fault, args=(at, args.restart_after, sig, events, began)
        )
        fault.start()
    await asyncio.gather(
        readiness(url, stop, events, began),
        *(client_loop(url, stop, tally, run, sources, k) for k in range(args.clients)),
    )
    elapsed = time.perf_counter() - began
    if fault is not None:
        fault.join()
    rss_after = rss_mb(proc.pid)
    n = len(tally.latencies)
    print(f"clients {args.clients}, workers {args.workers}, {elapsed:.1f}s: {n} answered "
          f"({n / elapsed:.0f}/s), {tally.transport} transport errors")  # fmt: skip
    print(f"latency p50 {1000 * statistics.median(tally.latencies):.1f} ms, "
          f"p95 {1000 * percentile(tally.latencies, 95):.1f} ms, p99 {1000 * percentile(tally.latencies, 99):.1f} ms")  # fmt: skip
    print(f"HTTP statuses {dict(tally.statuses)}; error codes {dict(tally.codes)}; "
          f"answers with a stack trace {tally.traces}")  # fmt: skip
    print(f"API RSS {rss_before:.0f} MB -> {rss_after:.0f} MB")
    for event in events:
        print("  " + event)
    acked = counts(list(tally.acked))
    print(f"writes acknowledged {len(tally.acked)}: stored once {sum(v == 1 for v in acked.values())}, "
          f"missing {sum(v == 0 for v in acked.values())}, duplicated {sum(v > 1 for v in acked.values())}")  # fmt: skip
    again = await resend(url, tally)
    later = counts(list(tally.unacked))
    print(f"writes not acknowledged {len(tally.unacked)}: acknowledged on resend {again}; then stored once "
          f"{sum(v == 1 for v in later.values())}, missing {sum(v == 0 for v in later.values())}, "
          f"duplicated {sum(v > 1 for v in later.values())}")  # fmt: skip
    text = log.read_text(errors="replace")
    found = sum(1 for rid in tally.error_ids if f'"request_id":"{rid}"' in text)
    print(f"error responses {len(tally.error_ids)}: request id found in the server log {found}")
    lines = text.count("\n")
    requests = text.count('"message":"request"')
    print(f"server log: {lines} lines, {requests} request lines")


async def drain(url: str, proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM with requests in flight: they should all be answered."""
    async with httpx2.AsyncClient(timeout=60) as client:
        await ask(client, url, SLOW, {})
        flying = [asyncio.create_task(ask(client, url, SLOW, {})) for _ in range(64)]
        await asyncio.sleep(
            2.0
        )  # every request read by the server (an idle connection is just closed)
        began = time.perf_counter()
        proc.send_signal(signal.SIGTERM)
        results = await asyncio.gather(*flying, return_exceptions=True)
    answered = [r for r in results if not isinstance(r, BaseException)]
    ok = sum(1 for r in answered if r.status_code == 200 and not r.json().get("errors"))
    failed = collections.Counter(type(r).__name__ for r in results if isinstance(r, BaseException))
    print(
        f"SIGTERM with 64 requests in flight: {ok} answered 200, failures {dict(failed)}; "
        f"last answer {time.perf_counter() - began:.2f}s after the signal"
    )
    exit_code = await asyncio.to_thread(proc.wait, 60)
    print(f"server exited with {exit_code} {time.perf_counter() - began:.2f}s after the signal")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--kill-neo4j-at", type=float)
    parser.add_argument("--term-neo4j-at", type=float)
    parser.add_argument("--restart-after", type=float, default=5)
    parser.add_argument("--drain", action="store_true")
    args = parser.parse_args()
    log = Path(tempfile.mkdtemp(prefix="c360-soak-")) / "api.log"
    proc, url = start_api(args.workers, log)
    try:
        if args.drain:
            asyncio.run(drain(url, proc))
        else:
            asyncio.run(soak(args, url, proc, log))
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            proc.wait(60)
    print(f"server log: {log}")


if __name__ == "__main__":
    main()
