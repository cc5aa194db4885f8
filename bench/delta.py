"""Write a delta of a demo sample: half changed, half new CRM person records, and its mapping.

    python bench/delta.py SAMPLE_DIR OUT_DIR --rows 1000 [--seed 42]
    c360 load OUT_DIR/delta.yaml

Changed rows are existing `crm/persons.csv` rows (a seeded draw) with a new segment and a newer
`modified` stamp, so the newest-wins rule writes them; new rows copy drawn rows under new ids with a new
email, both the seed's own (so each seed's delta creates its new records). The mapping is
`mappings/demo.yaml` reduced to that source, with OUT_DIR as its base.
"""

from __future__ import annotations

import argparse
import csv
import random
from pathlib import Path

import yaml

from graph.config import PROJECT_ROOT

SOURCE = "crm/persons.csv"


def write_delta(sample: Path, out: Path, rows: int, seed: int = 42) -> int:
    with (sample / SOURCE).open(newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        fields = list(reader.fieldnames or [])
        existing = list(reader)
    draw = random.Random(seed).sample(existing, min(rows, len(existing)))
    changed = draw[: rows // 2]
    fresh = draw[rows // 2 :]
    written = []
    for row in changed:
        written.append(row | {"segment": "delta", "modified": "30/06/2025 12:00"})
    # New ids and mailboxes of this seed's own: with ids shared by every seed, a second delta
    # rewrote the first one's 500 "new" records as other people instead of creating any.
    for i, row in enumerate(fresh, 1):
        written.append(row | {"person_id": f"PD{seed:05d}{i:06d}",
                              "email": f"delta.{seed}.{i}@example.org",
                              "modified": "30/06/2025 12:00"})  # fmt: skip
    target = out / SOURCE
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=fields)
        writer.writeheader()
        writer.writerows(written)
    mapping = yaml.safe_load((PROJECT_ROOT / "mappings" / "demo.yaml").read_text())
    mapping["name"] = "delta"
    mapping["base"] = str(out.resolve())
    mapping["sources"] = [s for s in mapping["sources"] if s["file"] == SOURCE]
    (out / "delta.yaml").write_text(yaml.safe_dump(mapping, sort_keys=False))
    return len(written)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("sample", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument(
        "--seed",
        type=int,
        default=42,
        help="another seed draws other rows (a graph that has "
        "loaded one delta already: the same seed again would change nothing)",
    )
    args = parser.parse_args()
    print(f"{write_delta(args.sample, args.out, args.rows, args.seed)} rows in {args.out}")


if __name__ == "__main__":
    main()
