"""Commerce: products, orders and their lines."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, ClassVar

import strawberry
from strawberry.types import Info

from graph.money import product_revenue
from graph.read.positions import Family
from schema import resolvers
from schema.context import Context
from schema.descriptions import KEY
from schema.meta import KEY_FIELD, follow, resolved
from schema.money import Money, load
from schema.relay import After, Before, Connection, First, Last, Node
from schema.scalars import Date

if TYPE_CHECKING:
    from schema.parties import Customer

CustomerRef = Annotated["Customer", strawberry.lazy("schema.parties")]


@strawberry.type(description="A product we sell.")
class Product(Node):
    FAMILY: ClassVar[Family] = Family.PRODUCT
    _key: strawberry.Private[str]
    key: str = strawberry.field(metadata=KEY_FIELD, description=KEY)
    name: str | None = strawberry.field(description="Its name.")
    category: str | None = strawberry.field(description="Its category.")
    price: float | None = strawberry.field(description="Its list price, in `currency`.")
    currency: str | None = strawberry.field(description="ISO 4217.")

    @resolved(
        description="The amounts of its order lines, per currency (the orders of the customers "
        "the caller may see)."
    )
    async def revenue(self, info: Info[Context, None]) -> list[Money]:
        return await load(info, product_revenue, self._key)

    buyers: int | None = strawberry.field(description="Metric: the customers who bought it.")
    repeat_purchase_rate: float | None = strawberry.field(
        description="Metric: the share of its buyers who bought it in two or more orders."
    )


@strawberry.type(description="One line of an order.")
class OrderLine(Node):
    FAMILY: ClassVar[Family] = Family.ORDER_LINE
    _key: strawberry.Private[str]
    key: str = strawberry.field(metadata=KEY_FIELD, description=KEY)
    line_no: int | None = strawberry.field(description="Its line number in the order, from 1.")
    quantity: int | None = strawberry.field(description="Units ordered (at least 1).")
    amount: float | None = strawberry.field(description="The line's amount, in `currency`.")
    currency: str | None = strawberry.field(description="ISO 4217.")

    @resolved(metadata=follow("line_product"), description="The product ordered.")
    async def product(self, info: Info[Context, None]) -> Product | None:
        return await resolvers.single(info, self, "line_product", node=Product)

    @resolved(metadata=follow("line_order"), description="The order it belongs to.")
    async def order(self, info: Info[Context, None]) -> Order | None:
        return await resolvers.single(info, self, "line_order", node=Order)


@strawberry.type(description="A purchase.")
class Order(Node):
    FAMILY: ClassVar[Family] = Family.ORDER
    _key: strawberry.Private[str]
    key: str = strawberry.field(metadata=KEY_FIELD, description=KEY)
    date: Date | None = strawberry.field(description="When it was placed.")
    amount: float | None = strawberry.field(description="The order's total, in `currency`.")
    currency: str | None = strawberry.field(description="ISO 4217.")
    quantity: int | None = strawberry.field(description="Units ordered, as the source states it.")
    status: str | None = strawberry.field(description="Its status, as the source states it.")

    @resolved(metadata=follow("order_customer"), description="Who placed it.")
    async def customer(self, info: Info[Context, None]) -> CustomerRef | None:
        from schema.parties import Customer  # imports this module

        return await resolvers.single(info, self, "order_customer", node=Customer)

    @resolved(metadata=follow("lines"), description="By line number.")
    async def lines(
        self, info: Info[Context, None], first: First = None, after: After = None,
        last: Last = None, before: Before = None,
    ) -> Connection[OrderLine]:  # fmt: skip
        return await resolvers.connection(
            info, self, "lines", first, after, last, before, node=OrderLine
        )


resolvers.register(Product, OrderLine, Order)
