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


def _steady(
    members: Sequence[Member], changing: Set[str]
) -> tuple[list[str], dict[str, int], list[int]]:
    """The block's records outside `changing` in (order, id) order, their ranks in the whole block,
    and for each changing record the number of those ranked before it (the gap it sits in)."""
    ranked = sorted(members)
    ids: list[str] = []
    ranks: dict[str, int] = {}
    gaps: list[int] = []
    for rank, (_, i) in enumerate(ranked):
        if i in changing:
            gaps.append(len(ids))
        else:
            ranks[i] = rank
            ids.append(i)
    return ids, ranks, gaps


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
    w_old, w_new = min(config.window, len(old) - 1), min(config.window, len(new) - 1)
    if before == after == 2 and w_old == w_new:
        # Sorted neighbourhoods: two unchanged records' distance changes only when changing
        # records come or go between them, so only the pairs spanning one of those gaps can move.
        ids, old_ranks, old_gaps = _steady(old, changing)
        _, new_ranks, new_gaps = _steady(new, changing)
        found: set[Pair] = set()
        for gap in set(old_gaps) | set(new_gaps):
            for i in range(max(0, gap - w_old), gap):
                for j in range(gap, min(len(ids), i + w_old + 1)):
                    a, b = ids[i], ids[j]
                    if (old_ranks[b] - old_ranks[a] <= w_old) != (
                        new_ranks[b] - new_ranks[a] <= w_new
                    ):
                        found.add(_pair(a, b))
        return found

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


def _touching(
    token: str, members: Sequence[Member], wanted: Set[str], config: MatchConfig
) -> Iterator[Pair]:
    """The pairs of `candidates(token, members, config)` with an end in `wanted`, found from those
    ends (a pair with both ends wanted may come twice)."""
    n = len(members)
    regime = _regime(token, n, config)
    if regime == 0:
        return
    if regime == 1:
        ids = [i for _, i in members]
        for a in ids:
            if a in wanted:
                yield from (_pair(a, b) for b in ids if b != a)
        return
    ranked = sorted(members)
    w = min(config.window, n - 1)
    for k, (_, a) in enumerate(ranked):
        if a in wanted:
            yield from (_pair(a, b) for _, b in ranked[max(0, k - w) : k])
            yield from (_pair(a, b) for _, b in ranked[k + 1 : k + w + 1])


def flags(
    blocks: Mapping[str, Sequence[Member]], wanted: Set[str] | None, config: MatchConfig
) -> dict[Pair, Flags]:
    """The flags of every candidate pair of `blocks` with an end in `wanted` (all when `None`)."""
    found: dict[Pair, Flags] = {}
    for token, members in blocks.items():
        pairs = (
            candidates(token, members, config)
            if wanted is None
            else _touching(token, members, wanted, config)
        )
        for pair in pairs:
            found.setdefault(pair, Flags()).add(token, config)
    return found


def merge(into: dict[Pair, Flags], found: Mapping[Pair, Flags]) -> None:
    """Add the flags of `found` (other blocks' verdicts) to those of `into`."""
    for pair, flags_ in found.items():
        known = into.get(pair)
        if known is None:
            into[pair] = flags_
        else:
            known.exact |= flags_.exact
            known.fuzzy = known.fuzzy or flags_.fuzzy


class Index:
    """Blocks with each one's candidacy rule and ranks, built on first use, so whether a pair is
    a candidate of a block costs a lookup rather than listing the block's pairs."""

    def __init__(self, blocks: Mapping[str, Sequence[Member]], config: MatchConfig) -> None:
        self.blocks = blocks
        self.config = config
        self._ranks: dict[str, tuple[int, int, dict[str, int]]] = {}

    def pairs(self, token: str, pair: Pair) -> bool:
        """Whether the block of `token` makes `pair` a candidate."""
        found = self._ranks.get(token)
        if found is None:
            members = self.blocks[token]
            n = len(members)
            ranks = {i: rank for rank, (_, i) in enumerate(sorted(members))}
            found = (_regime(token, n, self.config), min(self.config.window, n - 1), ranks)
            self._ranks[token] = found
        regime, window, ranks = found
        a, b = ranks.get(pair[0]), ranks.get(pair[1])
        if regime == 0 or a is None or b is None or a == b:
            return False
        return regime == 1 or abs(a - b) <= window


def pair_flags(pair: Pair, shared: Set[str], index: Index) -> Flags:
    """The flags of one pair from the blocks of the tokens its records share."""
    found = Flags()
    for token in shared:
        if index.pairs(token, pair):
            found.add(token, index.config)
    return found
