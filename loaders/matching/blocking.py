"""Blocking: which pairs are compared at all. Each record yields keys; records sharing a key are
candidates, all pairs in a small block, a sorted neighbourhood in a large one."""

from __future__ import annotations

import hashlib
from array import array
from collections.abc import Hashable, Iterable, Iterator, Sequence

import numpy as np

from loaders.matching.config import MatchConfig, PartyRecord
from loaders.matching.features import Organization, Person
from loaders.matching.names import deletions, soundex


def person_keys(p: Person) -> Iterator[Hashable]:
    """Blocking keys of a person. Each tolerates typos in the fields it does not use.

    Name parts enter as an unordered set, so records with given name and surname swapped still
    share keys. No key is built from names alone: at a million records "j500 s530" would be a
    block of thousands.
    """
    names = [n for n in (p.given_flat, p.surname_flat) if n]
    initials = sorted({n[0] for n in names})
    # Sound of either name part and the place: tolerates a typo in the other part, a swap.
    if p.postcode:
        for code in sorted({soundex(n) for n in names}):
            yield ("name+postcode", code, p.postcode)
    # Narrower for the locality (soundex of one part, initial of the other), as a second chance
    # for postcode typos without a second block as large as the first.
    if p.locality and len(names) == 2:
        for a, b in ((names[0], names[1]), (names[1], names[0])):
            yield ("name+locality", soundex(a), b[0], p.locality)
    if p.dob:
        for initial in initials:
            yield ("dob+initial", p.dob, initial)
        if names:
            yield ("names+year", *sorted(n[:2] for n in names), p.dob[:4])
        # Birthday and place: for records whose names are both mistyped or missing.
        if p.postcode:
            yield ("dob+postcode", p.dob, p.postcode)
        if p.locality:
            yield ("dob+locality", p.dob, p.locality)
    if p.national_id:
        yield ("id", p.national_id)
        if len(p.national_id) >= 7:
            # One-typo ids, narrowed by a name initial: ids alone collide at scale.
            for deleted in deletions(p.national_id):
                for initial in initials:
                    yield ("id-1", deleted, initial)
    if p.postcode and p.street:
        yield ("address", p.postcode, p.street_number or "", p.street[:3])
    if p.email:
        yield ("email", p.email)
    if p.phone:
        yield ("phone", p.phone)


def organization_keys(o: Organization) -> Iterator[Hashable]:
    if o.name:
        tokens = o.name.split()
        yield ("org-first", tokens[0], o.country or "")
        yield ("org-sound", soundex(o.name.replace(" ", "")), o.country or "")
        yield ("org-tokens", " ".join(sorted(tokens)))
    if o.domain:
        yield ("domain", o.domain)


def candidate_pairs(
    keys: Iterable[Iterable[Hashable]], order: Sequence[str], config: MatchConfig
) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (i < j, each once) that share a blocking key. `keys` has each record's keys in
    the order of `order` and is read once, so it may be a generator: a million records' key
    generators held at once would take about 350 MB.

    Blocks of up to `max_block_size` records are compared all-pairs. A larger block (a common
    surname in a big town) is sorted by `order` and each record is paired with the next
    `window` records only (sorted neighbourhood), so one block costs O(n * window), not O(n²).

    Keys are reduced to 64-bit hashes and grouped by sorting, in numpy: a million records have
    tens of millions of keys, too many for a dict of lists. Two different keys with the same
    hash only add candidate pairs, which scoring then rejects.
    """
    hashes = array("q")
    owners = array("q")
    for index, record_keys in enumerate(keys):
        for key in record_keys:
            hashes.append(hash(key))
            owners.append(index)
    n = len(order)
    empty = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    if n < 2 or not hashes:
        return empty
    key_array = np.frombuffer(hashes, dtype=np.int64)
    by_key = np.argsort(key_array, kind="stable")
    key_sorted = key_array[by_key]
    owner_sorted = np.frombuffer(owners, dtype=np.int64)[by_key]
    del key_array, hashes, owners, by_key  # the keys' grouping is all that is needed from here
    starts = np.flatnonzero(np.r_[True, key_sorted[1:] != key_sorted[:-1]])
    sizes = np.diff(np.r_[starts, len(key_sorted)])
    del key_sorted
    parts: list[np.ndarray] = []  # pairs encoded as low * n + high

    def add(a: np.ndarray, b: np.ndarray) -> None:
        low, high = np.minimum(a, b), np.maximum(a, b)
        parts.append((low * n + high)[low != high])

    # Small blocks, grouped by size so each size is one vectorized all-pairs expansion.
    small = (sizes >= 2) & (sizes <= config.max_block_size)
    for size in np.unique(sizes[small]).tolist():
        block_starts = starts[small & (sizes == size)]
        members = owner_sorted[block_starts[:, None] + np.arange(size)[None, :]]
        x, y = np.triu_indices(size, k=1)
        add(members[:, x].ravel(), members[:, y].ravel())
    # Large blocks: sorted neighbourhood within the block.
    big = sizes > config.max_block_size
    if big.any():
        rank = np.empty(n, dtype=np.int64)
        rank[np.array(sorted(range(n), key=order.__getitem__), dtype=np.int64)] = np.arange(n)
        for start, size in zip(starts[big].tolist(), sizes[big].tolist(), strict=True):
            members = owner_sorted[start : start + size]
            ranked = members[np.argsort(rank[members], kind="stable")]
            for offset in range(1, min(config.window, size - 1) + 1):
                add(ranked[:-offset], ranked[offset:])
    if not parts:
        return empty
    # Deduplicated in place (np.unique would copy them again): the pairs are the largest arrays
    # here, tens of millions at 1M.
    codes = np.concatenate(parts)
    parts.clear()
    codes.sort()
    codes = codes[np.r_[True, codes[1:] != codes[:-1]]]
    return codes // n, codes % n


def exact_values(record: PartyRecord, field_name: str) -> Iterable[str]:
    """The identifier values of one exact rule on one record (national ids as digits only)."""
    if field_name == "external_ids":
        return record.external_ids
    value = getattr(record, field_name)
    return (value,) if value else ()


def _token(prefix: str, key: Hashable) -> str:
    """A key as an index token: a kind prefix and 64 bits of a stable hash (letters and digits
    only, so a full-text index with a whitespace analyzer keeps it whole)."""
    return prefix + hashlib.blake2b(repr(key).encode(), digest_size=8).hexdigest()


def tokens(
    record: PartyRecord, features: Person | Organization | None, config: MatchConfig
) -> list[str]:
    """Every key that can pair the record with another, as sorted index tokens: `x<i>…` for the
    exact rule on `config.exact_fields[i]` (its kind and value), `p…` for a person blocking key,
    `o…` for an organization blocking key."""
    found = {
        _token(f"x{i}", (record.kind, value))
        for i, field_name in enumerate(config.exact_fields)
        for value in exact_values(record, field_name)
    }
    if isinstance(features, Person):
        found.update(_token("p", key) for key in person_keys(features))
    elif isinstance(features, Organization):
        found.update(_token("o", key) for key in organization_keys(features))
    return sorted(found)
