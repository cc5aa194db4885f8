"""Commerce: products, orders and their lines."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, ClassVar

import strawberry
from strawberry.types import Info

from graph.money import product_revenue
from graph.read.positions import Family
from schema import resolvers
from schema.context import Context
from schema.meta import KEY_FIELD, follow, resolved
from schema.money import Money, load
from schema.relay import DEFAULT_FIRST, After, Connection, First, Node
from schema.scalars import Date

if TYPE_CHECKING:
    from schema.parties import Customer

CustomerRef = Annotated["Customer", strawberry.lazy("schema.parties")]


@strawberry.type(description="A product we sell.")
class Product(Node):
    FAMILY: ClassVar[Family] = Family.PRODUCT
    _key: strawberry.Private[str]
    key: str = strawberry.field(metadata=KEY_FIELD)
    name: str | None
    category: str | None
    price: float | None
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
    key: str = strawberry.field(metadata=KEY_FIELD)
    line_no: int | None
    quantity: int | None
    amount: float | None
    currency: str | None

    @resolved(metadata=follow("line_product"))
    async def product(self, info: Info[Context, None]) -> Product | None:
        found: Product | None = await resolvers.single(info, self, "line_product")
        return found

    @resolved(metadata=follow("line_order"))
    async def order(self, info: Info[Context, None]) -> Order | None:
        found: Order | None = await resolvers.single(info, self, "line_order")
        return found


@strawberry.type(description="A purchase.")
class Order(Node):
    FAMILY: ClassVar[Family] = Family.ORDER
    _key: strawberry.Private[str]
    key: str = strawberry.field(metadata=KEY_FIELD)
    date: Date | None
    amount: float | None
    currency: str | None
    quantity: int | None
    status: str | None

    @resolved(metadata=follow("order_customer"), description="Who placed it.")
    async def customer(self, info: Info[Context, None]) -> CustomerRef | None:
        found: Customer | None = await resolvers.single(info, self, "order_customer")
        return found

    @resolved(metadata=follow("lines"), description="By line number.")
    async def lines(
        self, info: Info[Context, None], first: First = DEFAULT_FIRST, after: After = None
    ) -> Connection[OrderLine]:
        found: Connection[OrderLine] = await resolvers.connection(info, self, "lines", first, after)
        return found


resolvers.register(Product, OrderLine, Order)
