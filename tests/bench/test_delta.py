"""`bench/delta.py`: each seed's delta edits existing people and creates new ones."""

from __future__ import annotations

import csv
from pathlib import Path

from bench.delta import SOURCE, write_delta

FIELDS = ["person_id", "first_name", "last_name", "email", "segment", "modified"]


def read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_each_seed_creates_new_people_of_its_own(tmp_path: Path) -> None:
    sample = tmp_path / "sample"
    (sample / SOURCE).parent.mkdir(parents=True)
    with (sample / SOURCE).open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=FIELDS)
        writer.writeheader()
        for i in range(20):
            writer.writerow(
                {
                    "person_id": f"P{i:07d}",
                    "first_name": f"given{i}",
                    "last_name": f"surname{i}",
                    "email": f"p{i}@example.com",
                    "segment": "retail",
                    "modified": "01/01/2024 00:00",
                }
            )
    existing = {f"P{i:07d}" for i in range(20)}
    new: dict[int, set[str]] = {}
    mailboxes: dict[int, set[str]] = {}
    for seed in (1, 2):
        assert write_delta(sample, tmp_path / f"delta{seed}", rows=10, seed=seed) == 10
        rows = read(tmp_path / f"delta{seed}" / SOURCE)
        edited = [r for r in rows if r["person_id"] in existing]
        created = [r for r in rows if r["person_id"] not in existing]
        assert len(edited) == len(created) == 5
        assert all(r["segment"] == "delta" for r in edited)
        new[seed] = {r["person_id"] for r in created}
        mailboxes[seed] = {r["email"] for r in created}
    # A second delta (another seed) creates people; it does not rewrite the first one's.
    assert len(new[1]) == len(new[2]) == 5 and not new[1] & new[2]
    assert not mailboxes[1] & mailboxes[2]
