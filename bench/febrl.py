"""Quality and speed of the matcher on FEBRL, and its scaling on synthetic data.

    python bench/febrl.py              # precision / recall / F1 / time on FEBRL data sets 1-3
    python bench/febrl.py --scale N    # time find_links + clusters on N synthetic people

The synthetic people are made from FEBRL values: each new person takes a given name, surname,
street, street number and place (suburb, postcode, state) drawn from different FEBRL originals,
a random date of birth and national id; then about 40 % get one to three duplicates with typos,
missing values, swapped names and mistyped dates or ids, like FEBRL's own. The ground truth is
known, so the scaled run reports quality too.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import time
from collections.abc import Callable
from dataclasses import replace

from loaders.matching import MatchConfig, PartyRecord, clusters, febrl, find_links

_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _typo(rng: random.Random, value: str, alphabet: str = _LETTERS) -> str:
    """One insertion, deletion, substitution or transposition."""
    if len(value) < 2:
        return value + rng.choice(alphabet)
    i = rng.randrange(len(value) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        return value[:i] + rng.choice(alphabet) + value[i:]
    if kind == 1:
        return value[:i] + value[i + 1 :]
    if kind == 2:
        return value[:i] + rng.choice(alphabet) + value[i + 1 :]
    return value[:i] + value[i + 1] + value[i] + value[i + 2 :]


_SETTERS: dict[str, Callable[[PartyRecord, str | None], PartyRecord]] = {
    "given_name": lambda r, v: replace(r, given_name=v),
    "surname": lambda r, v: replace(r, surname=v),
    "street_number": lambda r, v: replace(r, street_number=v),
    "street": lambda r, v: replace(r, street=v),
    "locality": lambda r, v: replace(r, locality=v),
    "postcode": lambda r, v: replace(r, postcode=v),
    "date_of_birth": lambda r, v: replace(r, date_of_birth=v),
}


def _duplicate(rng: random.Random, r: PartyRecord, new_id: str) -> PartyRecord:
    dup = replace(r, id=new_id)
    for _ in range(rng.randint(1, 3)):
        action = rng.randrange(10)
        if action == 0 and dup.given_name and dup.surname:
            dup = replace(dup, given_name=dup.surname, surname=dup.given_name)
        elif action == 1 and dup.date_of_birth:
            digits = dup.date_of_birth.replace("-", "")
            typo = digits[:4] + _typo(rng, digits[4:], "0123456789")
            typo = (typo + "0")[:8] if len(typo) < 8 else typo[:8]
            dup = replace(dup, date_of_birth=f"{typo[:4]}-{typo[4:6]}-{typo[6:]}")
        elif action == 2 and dup.national_id:
            i = rng.randrange(len(dup.national_id))
            ssn = dup.national_id[:i] + rng.choice("0123456789") + dup.national_id[i + 1 :]
            dup = replace(dup, national_id=ssn)
        elif action == 3:
            field = rng.choice(["given_name", "street_number", "street", "date_of_birth"])
            dup = _SETTERS[field](dup, None)
        else:
            field = rng.choice(["given_name", "surname", "street", "locality", "postcode"])
            value = getattr(dup, field)
            if value:
                alphabet = "0123456789" if field == "postcode" else _LETTERS
                dup = _SETTERS[field](dup, _typo(rng, value, alphabet))
    return dup


def synthetic(n: int, seed: int = 7) -> list[PartyRecord]:
    """`n` person records: new people built from FEBRL values, some with typo'd duplicates."""
    rng = random.Random(seed)
    originals = [
        r
        for d in (1, 2, 3)
        for r in febrl.read(febrl.DATA_DIR / f"dataset{d}.csv")
        if r.id.endswith("-org")
    ]
    given = [r.given_name for r in originals if r.given_name]
    surnames = [r.surname for r in originals if r.surname]
    streets = [(r.street_number, r.street) for r in originals if r.street]
    places = [(r.locality, r.postcode, r.state) for r in originals]
    records: list[PartyRecord] = []
    person = 0
    while len(records) < n:
        person += 1
        number, street = rng.choice(streets)
        locality, postcode, state = rng.choice(places)
        year, month, day = rng.randint(1910, 2005), rng.randint(1, 12), rng.randint(1, 28)
        org = PartyRecord(
            id=f"syn:rec-{person}-org",
            kind="person",
            given_name=rng.choice(given),
            surname=rng.choice(surnames),
            date_of_birth=f"{year:04d}-{month:02d}-{day:02d}",
            street_number=number,
            street=street,
            locality=locality,
            postcode=postcode,
            state=state,
            country="au",
            national_id=f"{rng.randrange(10**7):07d}",
        )
        records.append(org)
        copies = rng.choice((0, 0, 0, 1, 1, 2, 3)) if rng.random() < 0.7 else 0
        for k in range(copies):
            records.append(_duplicate(rng, org, f"syn:rec-{person}-dup-{k}"))
    return records[:n]


def _row(label: str, s: febrl.Scores) -> str:
    return (
        f"{label:<12} {s.precision:>9.4f} {s.recall:>7.4f} {s.f1:>7.4f} "
        f"{s.true_pairs:>10} {s.predicted_pairs:>10} {s.seconds:>9.2f}"
    )


def _header() -> str:
    return f"{'data set':<12} {'precision':>9} {'recall':>7} {'f1':>7} {'true pairs':>10} {'predicted':>10} {'seconds':>9}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--scale", type=int, metavar="N", help="time N synthetic person records")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    print(_header())
    if args.scale:
        started = time.perf_counter()
        records = synthetic(args.scale, args.seed)
        made = time.perf_counter() - started
        started, cpu = time.perf_counter(), time.process_time()
        links = find_links(records, MatchConfig())
        linked = time.perf_counter() - started
        predicted = clusters((r.id for r in records), links)
        seconds = time.perf_counter() - started
        cpu = time.process_time() - cpu
        truth = {r.id: febrl.true_cluster(r.id) for r in records}
        print(_row("synthetic", febrl.pair_scores(predicted, truth, seconds)))
        print(
            f"\n{len(records):,} records, {len(links):,} links: generated in {made:.1f}s, "
            f"find_links {linked:.1f}s, clusters {seconds - linked:.1f}s "
            f"(wall clock; {cpu:.1f}s of CPU, one core); "
            f"peak memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2:.1f} GiB"
        )
        return 0
    for d in (1, 2, 3):
        print(_row(f"dataset{d}", febrl.evaluate(febrl.DATA_DIR / f"dataset{d}.csv")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
