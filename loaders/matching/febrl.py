"""FEBRL person data sets as `PartyRecord`s, and pairwise scoring of the matcher against them.

FEBRL (P. Christen, ANU) ships synthetic people with known duplicates: `rec-N-org` and every
`rec-N-dup-k` are one person. It is the yardstick for `loaders.matching`: `evaluate` runs the
matcher on one file and compares the predicted clusters with the true ones pair by pair.
"""

from __future__ import annotations

import csv
import itertools
import time
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from graph.config import PROJECT_ROOT
from graph.ingest import normalize
from loaders.matching import MatchConfig, PartyRecord, clusters, find_links

__all__ = ["DATA_DIR", "Scores", "evaluate", "pair_scores", "read", "true_cluster"]

DATA_DIR = PROJECT_ROOT.parent / "shared" / "data" / "febrl"


@dataclass(frozen=True, slots=True)
class Scores:
    """Pairwise quality: a pair counts when both records are in one cluster."""

    precision: float
    recall: float
    f1: float
    true_pairs: int
    predicted_pairs: int
    seconds: float


def read(path: Path) -> list[PartyRecord]:
    """Every row of a FEBRL csv (", "-separated, values may be empty) as a person record."""
    records = []
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle, skipinitialspace=True)
        for row in reader:
            values = {k.strip(): (v or "").strip() or None for k, v in row.items()}
            records.append(
                PartyRecord(
                    id="febrl:" + (values["rec_id"] or ""),
                    kind="person",
                    given_name=normalize.name(values["given_name"]),
                    surname=normalize.name(values["surname"]),
                    date_of_birth=normalize.date(values["date_of_birth"], strict=False),
                    street_number=normalize.text(values["street_number"]),
                    # address_2 (a property or building name, often missing) is left out:
                    # `PartyRecord` has one street line, and adding it changed no FEBRL score.
                    street=normalize.text(values["address_1"]),
                    locality=normalize.text(values["suburb"]),
                    postcode=normalize.postcode(values["postcode"]),
                    state=normalize.text(values["state"]),
                    country="au",
                    national_id=normalize.digits(values["soc_sec_id"]),
                )
            )
    return records


def true_cluster(record_id: str) -> str:
    """The person a FEBRL id belongs to: "febrl:rec-12-dup-3" -> "12"."""
    return record_id.removeprefix("febrl:").split("-")[1]


def _pairs(assignment: Mapping[str, str]) -> set[tuple[str, str]]:
    members: dict[str, list[str]] = defaultdict(list)
    for record_id, cluster_id in assignment.items():
        members[cluster_id].append(record_id)
    pairs: set[tuple[str, str]] = set()
    for group in members.values():
        pairs.update(itertools.combinations(sorted(group), 2))
    return pairs


def pair_scores(
    predicted: Mapping[str, str], truth: Mapping[str, str], seconds: float = 0.0
) -> Scores:
    """Precision, recall and F1 over all unordered within-cluster pairs."""
    predicted_pairs = _pairs(predicted)
    true_pairs = _pairs(truth)
    hits = len(predicted_pairs & true_pairs)
    precision = hits / len(predicted_pairs) if predicted_pairs else 1.0
    recall = hits / len(true_pairs) if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return Scores(precision, recall, f1, len(true_pairs), len(predicted_pairs), seconds)


def evaluate(path: Path, config: MatchConfig | None = None) -> Scores:
    """Match one FEBRL file and score the clusters against its ground truth.

    `seconds` is the time of `find_links` + `clusters` only, not of reading the file.
    """
    records = read(path)
    started = time.perf_counter()
    links = find_links(records, config or MatchConfig())
    predicted = clusters((r.id for r in records), links)
    seconds = time.perf_counter() - started
    truth = {r.id: true_cluster(r.id) for r in records}
    return pair_scores(predicted, truth, seconds)
