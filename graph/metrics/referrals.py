"""Referral value and network value of customers, from the referral edges, with sparse matrices.

Definitions (as the Cypher they replace; docs/metrics.md):
- referral value of c = sum over c's `REFERRED` edges to customers d of (revenue + CLV of d) minus the
  incentives of those edges;
- network value of c = sum over the customers d reached from c by 1 to 10 `REFERRED` edges (through any
  party) of (revenue + CLV of d) * decay^(depth - 1), depth the fewest edges from c to d (a customer
  reached back through a cycle counts at the cycle's length);
- referred count of c = its edges to customers dated on or before the `as of` date, or undated.

The breadth-first search runs from every source at once: one sparse (sources x parties) frontier
times the adjacency matrix per depth, so the cost follows the number of (source, reached) pairs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from scipy import sparse

from graph.metrics.facts import Edges

MAX_DEPTH = 10


@dataclass(frozen=True)
class ReferralValues:
    """One entry per customer of the `ids` given to `values`."""

    referred: NDArray[np.int64]
    referral_value: NDArray[np.float64]
    network_value: NDArray[np.float64]


def values(
    ids: list[str],
    fresh: NDArray[np.float64],
    edges: Edges,
    decay: float,
) -> ReferralValues:
    """`fresh` is the new revenue + CLV of each customer of `ids`; other parties keep the stored
    value the edges carry."""
    n = len(ids)
    referred = np.zeros(n, dtype=np.int64)
    direct = np.zeros(n, dtype=np.float64)
    network = np.zeros(n, dtype=np.float64)
    if not edges.source or n == 0:
        return ReferralValues(referred, direct, network)
    names, codes = np.unique(
        np.asarray(edges.source + edges.target, dtype=object), return_inverse=True
    )
    m = len(edges.source)
    src, dst = codes[:m], codes[m:]
    # the value and customer flag of every party on an edge: fresh for scored customers
    value = np.zeros(names.size, dtype=np.float64)
    value[dst] = edges.stored
    is_customer = np.zeros(names.size, dtype=bool)
    is_customer[dst] = edges.customer
    position = {name: i for i, name in enumerate(ids)}
    party_of = np.fromiter(
        (position.get(str(x), -1) for x in names), dtype=np.int64, count=names.size
    )
    scored = party_of >= 0
    value[scored] = fresh[party_of[scored]]

    # direct referrals: edges to customers
    to_customer = edges.customer
    index = party_of[src]
    mine = (index >= 0) & to_customer
    np.add.at(direct, index[mine], value[dst[mine]] - edges.incentive[mine])
    np.add.at(referred, index[mine & edges.counted], 1)

    # network: breadth-first from every scored source with an edge
    sources = np.unique(src[index >= 0])
    adjacency = sparse.csr_matrix(
        (np.ones(m, dtype=np.int8), (src, dst)), shape=(names.size, names.size)
    )
    adjacency.data[:] = 1
    frontier = sparse.csr_matrix(
        (np.ones(sources.size, dtype=np.int8), (np.arange(sources.size), sources)),
        shape=(sources.size, names.size),
    )
    reached = sparse.csr_matrix((sources.size, names.size), dtype=np.int8)
    worth = np.where(is_customer, value, 0.0)
    totals = np.zeros(sources.size, dtype=np.float64)
    for depth in range(1, MAX_DEPTH + 1):
        step = (frontier @ adjacency).astype(bool).astype(np.int8)
        new = step - step.multiply(reached)
        new.eliminate_zeros()
        if new.nnz == 0:
            break
        rows, cols = new.nonzero()
        np.add.at(totals, rows, worth[cols] * decay ** (depth - 1))
        reached = reached + new
        frontier = new.tocsr()
    network[party_of[sources]] = totals
    return ReferralValues(referred, direct, network)
