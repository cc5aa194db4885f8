"""Activity: interactions on every channel and survey answers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, ClassVar

import strawberry
from strawberry.types import Info

from graph.read.positions import Family
from schema import resolvers
from schema.commerce import Product
from schema.context import Context
from schema.descriptions import KEY
from schema.enums import Channel, Direction
from schema.meta import KEY_FIELD, follow, resolved
from schema.relay import Node
from schema.scalars import DateTime

if TYPE_CHECKING:
    from schema.parties import Customer, Employee

CustomerRef = Annotated["Customer", strawberry.lazy("schema.parties")]
EmployeeRef = Annotated["Employee", strawberry.lazy("schema.parties")]


@strawberry.type(description="A touchpoint on any channel.")
class Interaction(Node):
    FAMILY: ClassVar[Family] = Family.INTERACTION
    _key: strawberry.Private[str]
    key: str = strawberry.field(metadata=KEY_FIELD, description=KEY)
    at: DateTime = strawberry.field(description="When it happened.")
    channel: Channel = strawberry.field(description="The channel it was on.")
    direction: Direction | None = strawberry.field(
        description="Who started it; null when not stated."
    )
    type: str | None = strawberry.field(description="Its type, as the source states it.")
    outcome: str | None = strawberry.field(description="Its outcome, as the source states it.")
    sentiment: float | None = strawberry.field(description="-1..1")

    @resolved(metadata=follow("interaction_customer"), description="Whose it is.")
    async def customer(self, info: Info[Context, None]) -> CustomerRef | None:
        from schema.parties import Customer  # imports this module

        return await resolvers.single(info, self, "interaction_customer", node=Customer)

    @resolved(metadata=follow("handled_by"), description="Our employee who handled it.")
    async def handled_by(self, info: Info[Context, None]) -> EmployeeRef | None:
        from schema.parties import Employee  # imports this module

        return await resolvers.single(info, self, "handled_by", node=Employee)

    @resolved(metadata=follow("interaction_product"), description="What it was about.")
    async def product(self, info: Info[Context, None]) -> Product | None:
        return await resolvers.single(info, self, "interaction_product", node=Product)


@strawberry.type(description="An NPS answer.")
class SurveyResponse(Node):
    FAMILY: ClassVar[Family] = Family.SURVEY_RESPONSE
    _key: strawberry.Private[str]
    key: str = strawberry.field(metadata=KEY_FIELD, description=KEY)
    at: DateTime = strawberry.field(description="When it was answered.")
    score: int = strawberry.field(description="0..10")
    survey: str | None = strawberry.field(description="The survey's name, as the source states it.")
    comment: str | None = strawberry.field(description="The free-text comment, if any.")

    @resolved(metadata=follow("survey_customer"), description="Who answered.")
    async def customer(self, info: Info[Context, None]) -> CustomerRef | None:
        from schema.parties import Customer  # imports this module

        return await resolvers.single(info, self, "survey_customer", node=Customer)


resolvers.register(Interaction, SurveyResponse)
