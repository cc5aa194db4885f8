"""Time a delta load into a loaded demo graph: ~1,000 changed or new CRM person rows, identities resolved.

    c360 sample DIR --customers 10000 --seed 42 && c360 load mappings/demo.yaml --base DIR
    python bench/identity_delta.py DIR [--rows 1000] [--seed 1]

Writes DIR/../delta/crm/persons.csv (half the rows: existing persons edited, a new phone or a
typo in the street, with a newer `modified`; half: new person records, one in three a dirty
duplicate of an existing person) and a one-source mapping for it, loads it, and prints the load's
seconds and its identity line. Only `loaders.load.load` and `loaders.mapping.read_mapping` are used,
so the same script times older commits (PYTHONPATH=<their tree>).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import random
import time
from pathlib import Path

import yaml

from graph.config import PROJECT_ROOT, get_settings
from graph.driver import open_driver
from loaders.load import load
from loaders.mapping import read_mapping


def write_delta(sample: Path, rows: int, seed: int) -> Path:
    rng = random.Random(seed)
    with (sample / "crm" / "persons.csv").open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        header = list(reader.fieldnames or [])
        people = list(reader)
    out = sample.parent / "delta"
    (out / "crm").mkdir(parents=True, exist_ok=True)
    chosen = rng.sample(people, rows)
    delta = []
    for i, person in enumerate(chosen):
        row = dict(person)
        if i % 2 == 0:  # an edit of an existing record, newer than what is loaded
            if i % 4 == 0:
                row["phone"] = f"+61 2 9{rng.randrange(10**7):07d}"
            else:
                row["street"] = (row["street"] or "x")[:-1] + "e"
            row["modified"] = "01/01/2030 12:00"
        else:  # a new record; one in three the same person, typed again
            row["person_id"] = f"N{seed}-{i:07d}"
            if i % 3 != 1:
                row["first_name"] = rng.choice(["Zed", "Quill", "Ottoline", "Bram", "Ines"])
                row["email"] = f"new{i}@example.org"
                row["phone"] = ""
            else:
                name = row["first_name"] or "x"
                row["first_name"] = name[:-1] + name[-1] * 2
        delta.append(row)
    with (out / "crm" / "persons.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, header)
        writer.writeheader()
        writer.writerows(delta)
    demo = yaml.safe_load((PROJECT_ROOT / "mappings" / "demo.yaml").read_text())
    [persons] = [s for s in demo["sources"] if s["file"] == "crm/persons.csv"]
    mapping = {
        "name": "delta",
        "base": str(out),
        "priority": demo["priority"],
        "sources": [persons],
    }
    path = out / "delta.yaml"
    path.write_text(yaml.safe_dump(mapping, sort_keys=False))
    return path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("sample", type=Path)
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    mapping = read_mapping(write_delta(args.sample, args.rows, args.seed))
    settings = get_settings()

    async def go() -> None:
        driver = open_driver(settings)
        try:
            began = time.perf_counter()
            report = await load(driver, settings.neo4j_database, mapping)
            seconds = time.perf_counter() - began
        finally:
            await driver.close()
        [source] = report.sources
        print(
            f"delta load: {source.read} rows ({source.created} created, {source.updated} updated, "
            f"{source.rejected} rejected) in {seconds:.1f}s"
        )
        r = report.resolution
        if r is not None:
            print(
                f"identity: {r.records} records resolved, {r.moved} moved, "
                f"{r.reconciled} parties written, {r.seconds:.1f}s"
            )

    asyncio.run(go())


if __name__ == "__main__":
    main()
