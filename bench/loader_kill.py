"""The loader killed with SIGKILL at several points of a 10k demo load, then run again (RELIABILITY.md).

    python bench/loader_kill.py --customers 10000 --sample var/kill10k

Uses the local server of the environment (NEO4J_BOLT_PORT, NEO4J_DATA_DIR, ...), which it wipes:
1. `c360 sample`, then on a fresh server one clean `c360 load` of mappings/demo.yaml (its systems
   prefixed with a tag, as tests/loaders/test_crash.py does): its time and fingerprint (every node,
   relationship and property of the load, load times aside: `tests.loaders.test_crash.fingerprint`).
2. On a fresh server again, the same load killed (`C360_KILL_AT`, loaders/checkpoint.py) part-way
   through the party files, then rerun and killed in the middle of a resolution (records moved,
   parties not rebuilt), then rerun and killed part-way through the orders and the rest, then rerun
   to the end: each run's exit code and time, and whether the final fingerprint equals the clean one.

`--phases current clean` fingerprints the graph the chain left (a run whose fingerprint failed),
then runs the clean load. Both servers start empty, so the identity model (frozen between full runs) evolves the same way.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import orjson
import yaml
from neo4j import Driver, GraphDatabase

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from graph.config import Settings, get_settings
from graph.ingest.records import PARTY_ENTITIES
from tests.loaders.test_crash import FINGERPRINT, _clean, tagged_mapping

C360 = str(Path(sys.executable).parent / "c360")
TAG = "kb"
PENDING = "MATCH (s:Pending) WHERE s.id STARTS WITH $tag RETURN count(s) AS n"
PAGE = 10_000
# tests/loaders/test_crash.py's fingerprint, a page at a time: at 10k the whole of it outlives the
# server's 60 s transaction timeout on a busy machine
PAGED = FINGERPRINT.replace(
    "OPTIONAL MATCH", "WITH n ORDER BY n.id, elementId(n) SKIP $skip LIMIT $limit\nOPTIONAL MATCH"
)


def fingerprint(driver: Driver, settings: Settings, tag: str) -> dict[str, Any]:
    """`tests.loaders.test_crash.fingerprint`, read in pages (same keys and values)."""
    found: dict[str, Any] = {}
    skip = 0
    while True:
        records, _, _ = driver.execute_query(
            PAGED, tag=tag, skip=skip, limit=PAGE, database_=settings.neo4j_database
        )
        for r in records:
            out = sorted((t, m, _clean(p)) for t, m, p in r["out"] if t is not None)
            kind = "SourceRecord" if "SourceRecord" in r["labels"] else "Node"
            found[f"{kind}:{r['id']}"] = (sorted(r["labels"]), _clean(r["props"]), out)
        if len(records) < PAGE:
            return found
        skip += PAGE


def save(path: Path, found: dict[str, Any]) -> None:
    path.write_bytes(orjson.dumps(found))


def loaded(path: Path) -> dict[str, Any]:
    """A saved fingerprint, its tuples as JSON made them (lists)."""
    return dict(orjson.loads(path.read_bytes()))


def c360(*args: str, kill_at: str | None = None) -> tuple[int, float, str]:
    env = dict(os.environ)
    env.pop("C360_KILL_AT", None)
    if kill_at:
        env["C360_KILL_AT"] = kill_at
    began = time.monotonic()
    done = subprocess.run([C360, *args], env=env, capture_output=True, text=True, check=False)
    return done.returncode, time.monotonic() - began, (done.stdout + done.stderr)[-600:]


def fresh_server() -> None:
    for args in (("neo4j", "start", "--fresh"), ("db", "migrate")):
        code, seconds, out = c360(*args)
        if code != 0:
            raise SystemExit(f"c360 {' '.join(args)} failed: {out}")
        print(f"c360 {' '.join(args)}: {seconds:.1f}s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--sample", type=Path, default=Path("var/kill10k"))
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument(
        "--phases", nargs="+", default=["clean", "chain"], choices=("clean", "chain", "current")
    )
    args = parser.parse_args()
    settings = get_settings()
    folder = (args.sample / "data").resolve()
    if not (folder / "truth.json").exists():
        code, seconds, out = c360("sample", str(folder), "--customers", str(args.customers),
                                  "--seed", str(args.seed))  # fmt: skip
        print(f"c360 sample: exit {code}, {seconds:.1f}s", flush=True)
    mapping = tagged_mapping(folder, TAG)
    load = ("load", str(mapping), "--batch-size", str(args.batch_size))

    rows = orjson.loads((folder / "truth.json").read_bytes())["rows"]
    batches = [
        (source["entity"] in PARTY_ENTITIES, rows[source["file"]] // args.batch_size + 1)
        for source in yaml.safe_load(mapping.read_text())["sources"]
    ]
    parties = sum(n for is_party, n in batches if is_party)
    others = sum(n for is_party, n in batches if not is_party)
    print(f"rows {sum(rows.values())}, batches: party files {parties}, others {others}", flush=True)

    clean_file, chain_file = args.sample / "clean.json", args.sample / "chain.json"
    with GraphDatabase.driver(settings.bolt_uri, auth=settings.auth) as driver:
        if (
            "current" in args.phases
        ):  # the chain's graph, left by a run that could not fingerprint it
            save(chain_file, fingerprint(driver, settings, TAG))
        if "chain" in args.phases:
            fresh_server()
            kills = (f"batch:{parties // 2}", "moved:1", f"batch:{parties + others // 2}", None)
            for kill_at in kills:
                code, seconds, _ = c360(*load, kill_at=kill_at)
                records, _, _ = driver.execute_query(
                    PENDING, tag=TAG, database_=settings.neo4j_database
                )
                print(f"load killed at {kill_at or '(not killed)'}: exit {code}, {seconds:.1f}s, "
                      f"pending records afterwards {records[0]['n']}", flush=True)  # fmt: skip
            save(chain_file, fingerprint(driver, settings, TAG))
        if "clean" in args.phases:
            fresh_server()
            code, seconds, out = c360(*load)
            print(f"clean load: exit {code}, {seconds:.1f}s", flush=True)
            if code != 0:
                raise SystemExit(out)
            save(clean_file, fingerprint(driver, settings, TAG))
    if clean_file.exists() and chain_file.exists():
        clean, after = loaded(clean_file), loaded(chain_file)
        differing = {k for k in clean.keys() | after.keys() if clean.get(k) != after.get(k)}
        print(f"fingerprints: clean load {len(clean)} nodes, after the kills and reruns "
              f"{len(after)}; equal: {after == clean} ({len(differing)} nodes differ)")  # fmt: skip


if __name__ == "__main__":
    main()
