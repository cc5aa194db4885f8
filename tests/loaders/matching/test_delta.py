"""Incremental blocking (`loaders.matching.delta`) against the full matcher's blocking.

Random blocks, small limits so that blocks cross them: the pairs `delta.candidates` gives for a block
must be the pairs `blocking.candidate_pairs` gives for records holding only that key; and what a change
of membership alters between unchanged records must be exactly what `delta.changed` reports. The
shortcuts (`flags` from the wanted records' neighbourhoods, `pair_flags` from ranks, `changed` from the
gaps changes open) must agree with listing every pair of every block.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from loaders.matching import MatchConfig, candidate_pairs
from loaders.matching.delta import Flags, Index, candidates, changed, flags, pair_flags

CONFIG = MatchConfig(max_block_size=4, window=2, max_exact_group=3)
ORDERS = st.sampled_from(["", "ab", "abc", "b", "ba", "c"])
BLOCK = st.dictionaries(st.integers(0, 12).map(lambda i: f"r{i:02d}"), ORDERS, max_size=9)


def full_pairs(members: dict[str, str], token: str) -> set[tuple[str, str]]:
    """The pairs `find_links` would compare if these records (sorted by id) shared one key."""
    ids = sorted(members)
    if token.startswith("x"):  # exact groups: all pairs up to the limit, else none
        if not 2 <= len(ids) <= CONFIG.max_exact_group:
            return set()
        return {(a, b) for i, a in enumerate(ids) for b in ids[i + 1 :]}
    firsts, seconds = candidate_pairs([["k"] for _ in ids], [members[i] for i in ids], CONFIG)
    return {(ids[a], ids[b]) for a, b in zip(firsts.tolist(), seconds.tolist(), strict=True)}


@settings(max_examples=200)
@given(BLOCK, st.sampled_from(["p1", "o1", "x0"]))
def test_a_block_pairs_what_the_full_matcher_pairs(members: dict[str, str], token: str) -> None:
    found = set(candidates(token, [(o, i) for i, o in members.items()], CONFIG))
    assert found == full_pairs(members, token)


def edited(
    before: dict[str, str], edits: dict[str, str]
) -> tuple[set[str], dict[str, str], list[tuple[str, str]], list[tuple[str, str]]]:
    """`edits`: records that change (new, re-ordered, or leaving the block when their order is
    "c"). The changing ids, the block after, and both as (order, id) members."""
    changing = set(edits)
    after = {i: o for i, o in before.items() if i not in changing}
    after.update({i: o for i, o in edits.items() if o != "c"})
    return changing, after, [(o, i) for i, o in before.items()], [(o, i) for i, o in after.items()]


@settings(max_examples=200)
@given(BLOCK, BLOCK, st.sampled_from(["p1", "x0"]))
def test_changed_pairs_are_exactly_those_whose_candidacy_moved(
    before: dict[str, str], edits: dict[str, str], token: str
) -> None:
    changing, after, old, new = edited(before, edits)
    steady = {i for i in before if i not in changing}

    def among_steady(pairs: set[tuple[str, str]]) -> set[tuple[str, str]]:
        return {p for p in pairs if p[0] in steady and p[1] in steady}

    expected = among_steady(full_pairs(before, token)) ^ among_steady(full_pairs(after, token))
    assert changed(token, old, new, changing, CONFIG) == expected
    # And the pairs of changing records are all found from the new block.
    with_changing = {p for p in full_pairs(after, token) if p[0] in changing or p[1] in changing}
    assert set(flags({token: new}, changing, CONFIG)) == with_changing


def every_flag(
    blocks: dict[str, list[tuple[str, str]]], config: MatchConfig
) -> dict[tuple[str, str], Flags]:
    """Every candidate pair of every block with its flags, by listing each block's pairs."""
    found: dict[tuple[str, str], Flags] = {}
    for token, members in blocks.items():
        for pair in set(candidates(token, members, config)):
            found.setdefault(pair, Flags()).add(token, config)
    return found


TOKENS = st.sampled_from(["p1", "p2", "o1", "x0", "x1"])
CONFIGS = st.sampled_from([CONFIG, MatchConfig(max_block_size=2, window=3, max_exact_group=2)])


@settings(max_examples=200)
@given(st.dictionaries(TOKENS, BLOCK, max_size=4), st.sets(st.integers(0, 12)), CONFIGS)
def test_shortcuts_flag_what_listing_every_pair_flags(
    blocks: dict[str, dict[str, str]], wanted_numbers: set[int], config: MatchConfig
) -> None:
    members = {t: [(o, i) for i, o in b.items()] for t, b in blocks.items()}
    every = every_flag(members, config)
    wanted = {f"r{n:02d}" for n in wanted_numbers}
    touching = {p: f for p, f in every.items() if p[0] in wanted or p[1] in wanted}
    assert flags(members, wanted, config) == touching
    assert flags(members, None, config) == every
    index = Index(members, config)
    ids = sorted({i for b in blocks.values() for i in b})
    for a in ids:
        for b in ids:
            if a < b:
                shared = {t for t, block in blocks.items() if a in block and b in block}
                assert pair_flags((a, b), shared, index) == every.get((a, b), Flags())


@settings(max_examples=300)
@given(BLOCK, BLOCK, st.sampled_from(["p1", "o1"]), CONFIGS)
def test_changed_pairs_in_any_regime(
    before: dict[str, str], edits: dict[str, str], token: str, config: MatchConfig
) -> None:
    changing, _, old, new = edited(before, edits)

    def steady(members: list[tuple[str, str]]) -> set[tuple[str, str]]:
        return {p for p in candidates(token, members, config) if not set(p) & changing}

    assert changed(token, old, new, changing, config) == steady(old) ^ steady(new)
