"""Clusters from links: union-find, each cluster named by its smallest record id."""

from __future__ import annotations

from collections.abc import Iterable, Set

from loaders.matching.config import Link


def clusters(ids: Iterable[str], links: Iterable[Link]) -> dict[str, str]:
    """Record id -> cluster id (the smallest record id in its cluster), by union-find.

    Every id in `ids` appears in the result, linked or not; link ends not in `ids` are added.
    """
    parent: dict[str, str] = {i: i for i in ids}

    def find(x: str) -> str:
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:  # path compression
            parent[x], x = root, parent[x]
        return root

    for link in links:
        parent.setdefault(link.a, link.a)
        parent.setdefault(link.b, link.b)
        ra, rb = find(link.a), find(link.b)
        if ra != rb:
            # The smaller id becomes the root, so a root is always its cluster's smallest id.
            if rb < ra:
                ra, rb = rb, ra
            parent[rb] = ra
    return {x: find(x) for x in parent}


def constrained(
    ids: Iterable[str], links: Iterable[Link], apart: Set[tuple[str, str]]
) -> dict[str, str]:
    """Union-find over `links` in their order, refusing any union that would put a pair of
    `apart` in one cluster. Every cluster's id is its smallest record id."""
    parent: dict[str, str] = {i: i for i in ids}
    barred: dict[str, set[str]] = {}  # root -> records its cluster may never hold
    for a, b in apart:
        barred.setdefault(a, set()).add(b)
        barred.setdefault(b, set()).add(a)

    def find(x: str) -> str:
        root = x
        while parent[root] != root:
            root = parent[root]
        while parent[x] != root:
            parent[x], x = root, parent[x]
        return root

    for link in links:
        ra, rb = find(link.a), find(link.b)
        if ra == rb or any(find(x) == rb for x in barred.get(ra, ())):
            continue
        if rb < ra:
            ra, rb = rb, ra
        parent[rb] = ra
        if rb in barred:
            barred.setdefault(ra, set()).update(barred.pop(rb))
    return {x: find(x) for x in parent}
