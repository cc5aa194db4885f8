"""Per-request state handed to every resolver."""

from __future__ import annotations

from dataclasses import dataclass

from neo4j import AsyncDriver


@dataclass(frozen=True)
class Context:
    driver: AsyncDriver
    database: str
    request_id: str
