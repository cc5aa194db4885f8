"""Identity quality on a loaded sample: pair precision and recall against the sample's truth.

    python bench/identity_quality.py DIR/truth.json              # the parties stored in the graph
    python bench/identity_quality.py DIR/truth.json --match      # the matcher run again, in memory
    python bench/identity_quality.py DIR/truth.json --match --max-block-size 100

The graph is the one the settings point at (NEO4J_BOLT_PORT...), loaded from the `c360 sample`
folder whose `truth.json` is given. Scored as `tests/loaders/test_demo.py` scores the demo: every
unordered pair of person records (the crm, shop, hr and partners sources) in one party, against the
pairs in one true cluster. `--match` reads every party record, links them with the current matcher
(a name model counted from them, as a full resolution does) and clusters the links without writing
anything, so blocking or weights can be compared on a large sample without reloading it. Only
`progress.all_records`, `find_links`, `name_stats` and `clusters` are used, so the same script
scores older commits (PYTHONPATH=<their tree>).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import replace
from itertools import combinations
from pathlib import Path
from typing import Any

import orjson

from graph.config import get_settings
from graph.driver import open_driver
from graph.identity import progress
from loaders.matching import MatchConfig, PartyRecord, clusters, find_links, name_stats
from loaders.matching.links import record_features

SOURCES = ("crm", "shop", "hr", "partners")


def pairs(parties: dict[str, str]) -> set[frozenset[str]]:
    groups: dict[str, list[str]] = defaultdict(list)
    for record, party in parties.items():
        if record.split(":")[0] in SOURCES:
            groups[party].append(record)
    return {frozenset(p) for group in groups.values() for p in combinations(group, 2)}


async def read(config: MatchConfig, match: bool) -> tuple[dict[str, str], dict[str, Any]]:
    settings = get_settings()
    driver = open_driver(settings)
    records: list[PartyRecord] = []
    stored: dict[str, str] = {}

    def each(chunk: Sequence[progress.Row]) -> None:
        for row in chunk:
            stored[row.id] = row.party
            if match:
                records.append(PartyRecord.of(row.id, row.kind, orjson.loads(row.data)))

    try:
        await progress.all_records(driver, settings.neo4j_database, each=each, whole=False)
    finally:
        await driver.close()
    if not match:
        return stored, {}
    records.sort(key=lambda r: r.id)
    features = [record_features(r, config) for r in records]
    began = time.perf_counter()
    links = find_links(records, config, name_stats(records, config, features), features)
    found = clusters((r.id for r in records), links)
    seconds = time.perf_counter() - began
    moved = sum(1 for i, party in found.items() if party != stored.get(i))
    return found, {"links": len(links), "seconds": round(seconds, 1), "moved": moved}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("truth", type=Path)
    parser.add_argument("--match", action="store_true", help="run the matcher again, in memory")
    parser.add_argument("--max-block-size", type=int)
    parser.add_argument("--window", type=int)
    parser.add_argument("--threshold-people", type=int)
    args = parser.parse_args()
    settings = {
        "max_block_size": args.max_block_size,
        "window": args.window,
        "threshold_people": args.threshold_people,
    }
    config = replace(MatchConfig(), **{k: v for k, v in settings.items() if v is not None})
    truth = orjson.loads(args.truth.read_bytes())
    true = {frozenset(p) for group in truth["clusters"] for p in combinations(group, 2)}
    parties, facts = asyncio.run(read(config, args.match))
    found = pairs(parties)
    hits = len(found & true)
    sizes = Counter(Counter(parties.values()).values())
    largest = sorted(sizes.items(), reverse=True)[:5]
    print(
        ("matched again" if args.match else "stored parties")
        + f": precision {hits / len(found):.4f} recall {hits / len(true):.4f}"
        + f" (pairs found {len(found):,}, true {len(true):,});"
        + f" largest parties (records x count) {largest}"
        + (f"; {facts}" if facts else "")
    )


if __name__ == "__main__":
    main()
