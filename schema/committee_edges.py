"""The edges of committees and acquaintances: a member of a buying committee (with roles,
influence and whether it is the primary contact), and a person one of our employees knows."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import strawberry

from schema.descriptions import EDGE_PAGE
from schema.enums import CommitteeRole
from schema.meta import TARGET_FIELD
from schema.relay import CURSOR, EdgeConnection
from schema.scalars import Date

if TYPE_CHECKING:
    from schema.parties import Person

PersonRef = Annotated["Person", strawberry.lazy("schema.parties")]


@strawberry.type(description="A member of a buying committee.")
class CommitteeMemberEdge:
    cursor: str = strawberry.field(description=CURSOR)
    node: PersonRef = strawberry.field(metadata=TARGET_FIELD, description="The member.")
    roles: list[CommitteeRole] = strawberry.field(description="The roles this seat holds.")
    influence: float | None = strawberry.field(description="0..1")
    primary: bool | None = strawberry.field(
        description="True when this is the person's primary seat."
    )


@strawberry.type(name="CommitteeMemberConnection", description=EDGE_PAGE)
class CommitteeMemberConnection(EdgeConnection[CommitteeMemberEdge]):
    pass


@strawberry.type(description="A person one of our employees knows.")
class KnownPersonEdge:
    cursor: str = strawberry.field(description=CURSOR)
    node: PersonRef = strawberry.field(metadata=TARGET_FIELD, description="The person known.")
    strength: float | None = strawberry.field(description="0..1")
    since: Date | None = strawberry.field(description="Since when (`KNOWS.since`).")


@strawberry.type(name="KnownPersonConnection", description=EDGE_PAGE)
class KnownPersonConnection(EdgeConnection[KnownPersonEdge]):
    pass
