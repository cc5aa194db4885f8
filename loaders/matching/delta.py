"""Which pairs a change can touch: blocking over stored key tokens, for incremental resolution.

A block is the records holding one token (`blocking.tokens`); its members are `(order, id)` pairs.
The pairs a block makes candidates follow `find_links` exactly: an exact-rule group (`x…` token)
pairs all its members when it holds at most `max_exact_group` records and none otherwise; a blocking
key (`p…`, `o…`) pairs all its members up to `max_block_size` records, and beyond that each member
with the next `window` ones in (order, id) order, the sorted neighbourhood. So whether two records
are candidates, and under which exact rules, depends only on the members of the blocks they share:
`Flags.of` reads it from those blocks, and `changed` finds the pairs between records that did not
change whose candidacy a changed membership altered (a block crossing a size limit, a sorted
neighbourhood shifted by a record coming or going).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence, Set
from dataclasses import dataclass, field
from itertools import combinations

from loaders.matching.config import MatchConfig

Member = tuple[str, str]  # (order, record id)
Pair = tuple[str, str]  # record ids, the smaller first


def exact_field(token: str, config: MatchConfig) -> str | None:
    """The exact rule's field of an `x<i>…` token, `None` for a blocking key."""
    return config.exact_fields[int(token[1])] if token.startswith("x") else None


def _pair(a: str, b: str) -> Pair:
    return (a, b) if a < b else (b, a)


def candidates(token: str, members: Sequence[Member], config: MatchConfig) -> Iterator[Pair]:
    """The pairs one block makes candidates."""
    n = len(members)
    if n < 2:
        return
    if token.startswith("x"):
        if n <= config.max_exact_group:
            yield from (_pair(a, b) for (_, a), (_, b) in combinations(members, 2))
        return
    if n <= config.max_block_size:
        yield from (_pair(a, b) for (_, a), (_, b) in combinations(members, 2))
        return
    ranked = sorted(members)
    for offset in range(1, min(config.window, n - 1) + 1):
        for (_, a), (_, b) in zip(ranked[:-offset], ranked[offset:], strict=True):
            yield _pair(a, b)


def _regime(token: str, n: int, config: MatchConfig) -> int:
    """0: no pairs, 1: all pairs, 2: sorted neighbourhood."""
    if n < 2:
        return 0
    if token.startswith("x"):
        return 1 if n <= config.max_exact_group else 0
    return 1 if n <= config.max_block_size else 2


def changed(
    token: str,
    old: Sequence[Member],
    new: Sequence[Member],
    changing: Set[str],
    config: MatchConfig,
) -> set[Pair]:
    """Pairs of records outside `changing` that are candidates of this block before or after, not
    both. `old` and `new` hold the same members outside `changing`, with the same orders."""
    before, after = _regime(token, len(old), config), _regime(token, len(new), config)
    if before == after and before != 2:
        return set()  # no pairs, or all pairs of the same unchanged records

    def steady(members: Sequence[Member]) -> set[Pair]:
        return {
            p
            for p in candidates(token, members, config)
            if p[0] not in changing and p[1] not in changing
        }

    return steady(old) ^ steady(new)


@dataclass
class Flags:
    """What blocking says of one pair: the exact rules that pair it, whether it is a fuzzy
    candidate."""

    exact: set[str] = field(default_factory=set)
    fuzzy: bool = False

    def add(self, token: str, config: MatchConfig) -> None:
        found = exact_field(token, config)
        if found is None:
            self.fuzzy = True
        else:
            self.exact.add(found)


def flags(
    blocks: Mapping[str, Sequence[Member]], wanted: Set[str] | None, config: MatchConfig
) -> dict[Pair, Flags]:
    """The flags of every candidate pair of `blocks` with an end in `wanted` (all when `None`)."""
    found: dict[Pair, Flags] = {}
    for token, members in blocks.items():
        if wanted is not None and not any(i in wanted for _, i in members):
            continue
        for pair in candidates(token, members, config):
            if wanted is None or pair[0] in wanted or pair[1] in wanted:
                found.setdefault(pair, Flags()).add(token, config)
    return found


def pair_flags(
    pair: Pair, shared: Set[str], blocks: Mapping[str, Sequence[Member]], config: MatchConfig
) -> Flags:
    """The flags of one pair from the blocks of the tokens its records share."""
    found = Flags()
    for token in shared:
        if pair in set(candidates(token, blocks[token], config)):
            found.add(token, config)
    return found
