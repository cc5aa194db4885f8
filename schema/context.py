"""Per-request state handed to every resolver and to the compiled path."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

from neo4j import AsyncDriver
from strawberry.dataloader import DataLoader

from graph.money import Amount
from graph.read.ir import Item
from graph.read.positions import Family
from graph.read.scope import Scope
from graph.security.principal import Principal

# A value as Neo4j returns it for an item a statement projects: a list, map, number, string or
# temporal value whose shape follows the items asked (`graph/read/ir.py`), which no type can
# follow through the Cypher text. The resolvers' path unpacks these into typed objects.
Raw = Any
Props = dict[str, Raw]  # a node's or relationship's properties, as stored
Data = list[Raw] | None  # the items read for one node of a batch (None: the node is gone)


@dataclass(frozen=True)
class Context:
    driver: AsyncDriver
    database: str
    request_id: str
    timeout: float = 10.0
    scope: Scope | None = None  # set by the authorization layer: what the caller may see
    masked: frozenset[str] = (
        frozenset()
    )  # properties that read as null: personal data without `pii`
    principal: Principal | None = None  # who asks (None: authentication disabled in tests)
    # DataLoaders of the resolvers' path, per (family, items asked) ...
    loaders: dict[tuple[Family, tuple[Item, ...]], DataLoader[str, Data]] = field(
        default_factory=dict
    )
    # ... and of the money totals (`schema/money.py`), per fetch function
    totals: dict[Hashable, DataLoader[str, tuple[Amount, ...]]] = field(default_factory=dict)
