"""Clusters from links: union-find, each cluster named by its smallest record id."""

from __future__ import annotations

from collections.abc import Iterable

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
