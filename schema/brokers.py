"""`brokers`: every broker (the partners who bring customers in), by key.

A partner sees only itself (its read scope, `graph/read/scope.py`, applies as to `broker`).
"""

from __future__ import annotations

from strawberry.types import Info

from graph.read.positions import Position
from graph.read.relations import BY_ID, Relation
from schema import resolvers
from schema.context import Context
from schema.parties import Broker
from schema.relay import After, Before, Connection, First, Last

BROKERS = Relation("({t}:Party:Broker)", Position.BROKER, BY_ID)


async def resolve_brokers(
    info: Info[Context, None],
    first: First = None,
    after: After = None,
    last: Last = None,
    before: Before = None,
) -> Connection[Broker]:
    return await resolvers.connection(
        info, None, "brokers", first, after, last, before, relation=BROKERS, node=Broker
    )
