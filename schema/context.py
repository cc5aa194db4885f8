"""Per-request state handed to every resolver and to the compiled path."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from neo4j import AsyncDriver

from graph.read.scope import Scope
from graph.security.principal import Principal


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
    loaders: dict[Any, Any] = field(default_factory=dict)  # DataLoaders of the resolvers' path
