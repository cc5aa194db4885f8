"""The edges of committees and acquaintances: a member of a buying committee (with roles,
influence and whether it is the primary contact), and a person one of our employees knows."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from schema.enums import CommitteeRole
from schema.meta import TARGET_FIELD
from schema.relay import EdgeConnection
from schema.scalars import Date

if TYPE_CHECKING:
    from schema.parties import Person

PersonRef = Annotated["Person", strawberry.lazy("schema.parties")]


@strawberry.type(description="A member of a buying committee.")
class CommitteeMemberEdge:
    cursor: str
    node: PersonRef = strawberry.field(metadata=TARGET_FIELD)
    roles: list[CommitteeRole]
    influence: float | None = strawberry.field(description="0..1")
    primary: bool | None


@strawberry.type(name="CommitteeMemberConnection")
class CommitteeMemberConnection(EdgeConnection[CommitteeMemberEdge]):
    pass


@strawberry.type(description="A person one of our employees knows.")
class KnownPersonEdge:
    cursor: str
    node: PersonRef = strawberry.field(metadata=TARGET_FIELD)
    strength: float | None = strawberry.field(description="0..1")
    since: Date | None


@strawberry.type(name="KnownPersonConnection")
class KnownPersonConnection(EdgeConnection[KnownPersonEdge]):
    pass
