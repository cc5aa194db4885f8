"""`connectionPaths`: the shortest simple paths between two parties (`graph.traversals.paths`)."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from graph.read.positions import Family
from graph.traversals import paths
from graph.traversals.common import KINDS
from schema.context import Context
from schema.descriptions import describe_values
from schema.enums import PartyRole
from schema.ids import global_id
from schema.scalars import Date, DateTime
from schema.traversals.common import TraversalParty, mirror, mirrors, run

strawberry.enum(
    paths.Link, name="LinkKind", description="The kinds of link a connection path may follow."
)
describe_values(
    paths.Link,
    WORKS_FOR="A person works for an organization (`WORKS_FOR`).",
    HOUSEHOLD="A person belongs to a household (`MEMBER_OF`).",
    REFERRED="A referral by a party that is not a broker.",
    BROKERED="A referral by a broker.",
    KNOWS="One of our employees knows a person (`KNOWS`).",
    INTERACTED="A party had an interaction handled by an employee (through the interaction).",
    REPORTS_TO="A person reports to another (`REPORTS_TO`).",
    COMMITTEE="A person sits on an organization's or a deal's buying committee.",
    ACCOUNT_OWNER="An employee owns a party's account (`OWNS_ACCOUNT`).",
    SUBSIDIARY="An organization is a subsidiary of another (`SUBSIDIARY_OF`).",
)

_NODE_FAMILIES = {**dict.fromkeys(KINDS, Family.PARTY), "Interaction": Family.INTERACTION,
                  "Deal": Family.DEAL}  # fmt: skip


def _node_id(n: paths.PathNode) -> strawberry.ID | None:
    family = _NODE_FAMILIES.get(n.label)
    return None if family is None else strawberry.ID(global_id(family, n.id))


@mirrors(
    paths.PathNode,
    id=_node_id,
    key=lambda n: n.id,
    roles=lambda n: [PartyRole(r.upper()) for r in n.roles],
)
@strawberry.type(description="A node of a connection path: a party, an interaction or a deal.")
class PathNode:
    id: strawberry.ID | None = strawberry.field(description="Its global id.")
    key: str = strawberry.field(description="Its graph id.")
    label: str = strawberry.field(
        description="Person, Organization, Household, Interaction or Deal."
    )
    name: str | None = strawberry.field(description="A party's or deal's name.")
    roles: list[PartyRole] = strawberry.field(description="A party's roles.")
    at: DateTime | None = strawberry.field(description="An interaction's.")
    channel: str | None = strawberry.field(description="An interaction's.")


@mirrors(paths.PathEdge, start_key=lambda e: e.start_id, end_key=lambda e: e.end_id)
@strawberry.type(description="A relationship of a connection path.")
class PathEdge:
    link: paths.Link = strawberry.field(description="The kind of link.")
    type: str = strawberry.field(description="The relationship type.")
    start_key: str = strawberry.field(description="The relationship's own direction.")
    end_key: str = strawberry.field(description="The graph id of the relationship's end node.")
    forward: bool = strawberry.field(description="Followed from start to end along the path.")
    date: Date | None = strawberry.field(
        description="A referral's date, since when an employee knows a person."
    )
    channel: str | None = strawberry.field(description="A referral's channel.")
    incentive: float | None = strawberry.field(description="A referral's incentive.")
    strength: float | None = strawberry.field(description="How well an employee knows a person.")
    title: str | None = strawberry.field(description="A job title in an organization.")
    role: str | None = strawberry.field(description="A role in a household.")
    roles: list[str] = strawberry.field(description="Roles on a committee (else empty).")


@mirrors(paths.ConnectionPath)
@strawberry.type(description="A simple path: `edges[i]` links `nodes[i]` and `nodes[i + 1]`.")
class ConnectionPath:
    hops: int = strawberry.field(description="Its relationship count.")
    nodes: list[PathNode] = strawberry.field(description="From the source to the target.")
    edges: list[PathEdge] = strawberry.field(
        description="`edges[i]` links `nodes[i]` and `nodes[i + 1]`."
    )


@strawberry.type(description="The shortest paths between two parties, shortest first.")
class Connections:
    source: TraversalParty = strawberry.field(description="The `from` party.")
    target: TraversalParty = strawberry.field(description="The `to` party.")
    paths: list[ConnectionPath] = strawberry.field(description="Shortest first.")


async def resolve_connection_paths(
    info: Info[Context, None],
    from_: Annotated[
        strawberry.ID,
        strawberry.argument(name="from", description="The first party's global id or key."),
    ],
    to: Annotated[
        strawberry.ID, strawberry.argument(description="The other party's global id or key.")
    ],
    k: Annotated[int, strawberry.argument(description="How many paths at most (1 to 10).")] = 3,
    max_hops: Annotated[
        int, strawberry.argument(description="Relationships per path at most (1 to 6).")
    ] = 6,
    links: Annotated[
        list[paths.Link] | None,
        strawberry.argument(
            description="The kinds of link to follow (null: works for, household, referred, "
            "brokered, knows, interacted)."
        ),
    ] = None,
) -> Connections | None:
    return await run(
        info, paths.connection_paths, [(from_, Family.PARTY), (to, Family.PARTY)],
        lambda found: mirror(found, Connections),
        links=paths.DEFAULT_LINKS if links is None else links, k=k, max_hops=max_hops,
    )  # fmt: skip
