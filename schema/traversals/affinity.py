"""`nextProducts` and `likelyNextProducts`: what buyers of a product buy next, and what a customer
is likely to buy next (`graph.traversals.affinity`)."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from graph.read.positions import Family
from graph.traversals import affinity
from schema.context import Context
from schema.ids import global_id
from schema.scalars import Date
from schema.traversals.common import TraversalParty, mirror, mirrors, run


@mirrors(
    affinity.ProductRef,
    id=lambda p: strawberry.ID(global_id(Family.PRODUCT, p.id)),
    key=lambda p: p.id,
)
@strawberry.type(description="A product as the affinity traversals show it.")
class AffinityProduct:
    id: strawberry.ID = strawberry.field(description="Its global id.")
    key: str = strawberry.field(description="Its graph id.")
    name: str | None = strawberry.field(description="Its name.")
    category: str | None = strawberry.field(description="Its category.")


@mirrors(affinity.NextProduct)
@strawberry.type(description="A product the buyers of the anchor product bought later.")
class NextProduct:
    product: AffinityProduct = strawberry.field(description="The product bought later.")
    support: int = strawberry.field(description="Buyers of the anchor who later bought this.")
    share: float = strawberry.field(description="support / the anchor's buyers.")
    median_days: float = strawberry.field(description="Median days to the first later order.")


@strawberry.type(description="What the buyers of a product buy next, and after how long.")
class ProductAffinity:
    product: AffinityProduct = strawberry.field(description="The anchor product.")
    buyers: int = strawberry.field(description="Customers who ordered the anchor product.")
    next: list[NextProduct] = strawberry.field(description="By support, median lag, then key.")


@mirrors(affinity.Suggestion)
@strawberry.type(description="A product a customer is likely to buy next, and its evidence.")
class ProductSuggestion:
    product: AffinityProduct = strawberry.field(description="The suggested product.")
    because: AffinityProduct = strawberry.field(
        description="The customer's product whose other buyers bought this one next."
    )
    bought_on: Date = strawberry.field(description="When the customer first ordered `because`.")
    buyers: int = strawberry.field(description="Other buyers of `because`.")
    support: int = strawberry.field(description="Buyers of `because` who later bought this.")
    share: float = strawberry.field(description="support / buyers.")
    median_days: float = strawberry.field(
        description="Median days from their first order of `because` to their first of this."
    )
    expected_on: Date = strawberry.field(description="boughtOn + medianDays (whole days).")


@strawberry.type(description="The products a customer is likely to buy next, likeliest first.")
class CustomerAffinity:
    customer: TraversalParty = strawberry.field(description="The customer.")
    suggestions: list[ProductSuggestion] = strawberry.field(
        description="Likeliest first (by share, then support)."
    )


async def resolve_next_products(
    info: Info[Context, None],
    product: Annotated[
        strawberry.ID, strawberry.argument(description="The product's global id or key.")
    ],
    first: Annotated[
        int, strawberry.argument(description="Next products at most (1 to 100).")
    ] = 10,
) -> ProductAffinity | None:
    return await run(
        info, affinity.next_products, [(product, Family.PRODUCT)],
        lambda found: mirror(found, ProductAffinity), first=first,
    )  # fmt: skip


async def resolve_likely_next_products(
    info: Info[Context, None],
    customer: Annotated[
        strawberry.ID, strawberry.argument(description="The customer's global id or key.")
    ],
    first: Annotated[int, strawberry.argument(description="Suggestions at most (1 to 100).")] = 10,
) -> CustomerAffinity | None:
    return await run(
        info, affinity.likely_next, [(customer, Family.PARTY)],
        lambda found: mirror(found, CustomerAffinity), first=first,
    )  # fmt: skip
