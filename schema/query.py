"""The root `Query`: lookups by id, key or email, the customer list, search, `node(s)`.

Personal data is no oracle for a caller without the `pii` scope (`Context.masked`): looking a
customer up by email or external id, and filtering or sorting customers on personal data, are
FORBIDDEN; search matches names only (`graph/read/masking.py`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from graph.read.ir import LookupBy
from graph.read.positions import Family, Position
from graph.read.relations import Criteria, Relation
from schema import resolvers
from schema.brokers import resolve_brokers
from schema.commerce import Product
from schema.context import Context
from schema.enums import PartyKind
from schema.errors import ClientError, Code, not_found
from schema.ids import parse_global_id, parse_id
from schema.inputs import CustomerFilter, CustomerOrder, customer_criteria, customer_sort
from schema.loads import LoadRun, resolve_loads
from schema.meta import ROOT, resolved
from schema.metrics import PortfolioKpis, ValueModel, resolve_portfolio, resolve_value_model
from schema.parties import Broker, Customer, Organization
from schema.relay import After, Before, Connection, First, Last, Node
from schema.search import SEARCH, SearchConnection, SearchEdge, kind_criterion, lucene_query
from schema.server_info import Server, resolve_server
from schema.traversals import (
    BuyingCommittee,
    Connections,
    CustomerAffinity,
    PartnerNetwork,
    ProductAffinity,
    ReferralChain,
    ReferralTree,
    resolve_buying_committee,
    resolve_connection_paths,
    resolve_deal_committee,
    resolve_likely_next_products,
    resolve_next_products,
    resolve_partner_network,
    resolve_referral_chain,
    resolve_referral_tree,
)

MAX_IDS = 100

IdOrKey = Annotated[strawberry.ID, strawberry.argument(description="A global id or key.")]

# The personal data a lookup matches on, and its name in errors: the caller must be able to read it.
PERSONAL_LOOKUPS: dict[LookupBy, tuple[str, str]] = {
    LookupBy.EMAIL: ("email", "email"),
    LookupBy.EXTERNAL_ID: ("externalIds", "external id"),
}


def root(name: str) -> dict[str, str]:
    return {ROOT: name}


def customers_relation(
    order: CustomerOrder | list[CustomerOrder] | None,
    masked: frozenset[str] | None = None,
    then: list[CustomerOrder] | None = None,
) -> tuple[str, Relation]:
    """The `customers` list in an order (`masked`: see `customer_sort`)."""
    orders = [order] if isinstance(order, CustomerOrder) else list(order or [])
    if then:
        orders = orders[:1] + list(then)
    tag, keys = customer_sort(orders, masked)
    return tag, Relation(
        "({t}:Party:Customer)", Position.CUSTOMER, keys, criteria=Criteria.CUSTOMERS
    )


def party_key(id: str) -> str | None:
    """The party key of a global id or key (None: the id of something else)."""
    family, key = parse_id(id, Family.PARTY)
    return key if family is Family.PARTY else None


@strawberry.type(description="The read entry points: lookups, lists, search, traversals, KPIs.")
class Query:
    server: Server = strawberry.field(
        resolver=resolve_server,
        description="The Neo4j server and its node and relationship counts.",
    )
    value_model: ValueModel | None = strawberry.field(
        resolver=resolve_value_model,
        description="A value model fitted by `c360 metrics compute`, by kind and scope (the "
        "source system it was fitted on, or `all`); null when never computed.",
    )
    loads: list[LoadRun] = strawberry.field(
        resolver=resolve_loads,
        description="The latest `first` (1 to 100) runs of `c360 load`, newest first, of one "
        "`mapping` when given (admins only).",
    )
    portfolio: list[PortfolioKpis] = strawberry.field(
        resolver=resolve_portfolio,
        description="Portfolio KPIs of the period from `start` to `end` (both included) for the "
        "customers matching `filter` (not on `lastActivity`), one entry per group, by key.",
    )
    referral_chain: ReferralChain | None = strawberry.field(
        resolver=resolve_referral_chain,
        description="A party's referral chain back to its origin, following first referrals, at "
        "most `maxDepth` (1 to 20) hops; null when not found.",
    )
    referral_tree: ReferralTree | None = strawberry.field(
        resolver=resolve_referral_tree,
        description="One page (`first`: 1 to 1000) of everyone a customer or broker referred, "
        "directly or not, down to `depth` (1 to 10); null when not found.",
    )
    partner_network: PartnerNetwork | None = strawberry.field(
        resolver=resolve_partner_network,
        description="A broker's network figures (down to `depth`, 1 to 10) and one page of its "
        "direct customers; null when not found or not a broker.",
    )
    buying_committee: BuyingCommittee | None = strawberry.field(
        resolver=resolve_buying_committee,
        description="An organization's buying committee as of the end of `asOf` (UTC; default: "
        "the graph's today, `c360 db today`, else now); null when not found or not an "
        "organization.",
    )
    deal_committee: BuyingCommittee | None = strawberry.field(
        resolver=resolve_deal_committee,
        description="A deal's buying committee as of the end of `asOf` (UTC; default: the "
        "graph's today, `c360 db today`, else now); null when not found.",
    )
    connection_paths: Connections | None = strawberry.field(
        resolver=resolve_connection_paths,
        description="The `k` (1 to 10) shortest simple paths of at most `maxHops` (1 to 6) "
        "relationships between two parties over `links` (default: works for, household, "
        "referred, brokered, knows, interacted); null when either party is not found.",
    )
    next_products: ProductAffinity | None = strawberry.field(
        resolver=resolve_next_products,
        description="What the buyers of a product buy next (`first`: 1 to 100); null when not "
        "found.",
    )
    likely_next_products: CustomerAffinity | None = strawberry.field(
        resolver=resolve_likely_next_products,
        description="The products a customer is likely to buy next and when (`first`: 1 to "
        "100); null when not found.",
    )

    brokers: Connection[Broker] = strawberry.field(
        resolver=resolve_brokers,
        description="Every broker, by key (a partner sees only itself); look one up with "
        "`broker(id:)`, `partnerNetwork(broker:)` or `c360 token issue --broker KEY`.",
    )

    @resolved(metadata=root("node"), description="Any object by its global id.")
    async def node(
        self,
        info: Info[Context, None],
        id: Annotated[strawberry.ID, strawberry.argument(description="A global id.")],
    ) -> Node | None:
        family, key = parse_global_id(id)
        return await resolvers.lookup(info, family, LookupBy.ID, key, Position.NODE, node=Node)

    @resolved(
        metadata=root("nodes"),
        description="Objects by global id, in order. An entry is null with an error at its path "
        "when its id is not one (BAD_USER_INPUT) or names nothing you may see (NOT_FOUND); the "
        "other entries answer.",
    )
    async def nodes(
        self,
        info: Info[Context, None],
        ids: Annotated[
            list[strawberry.ID], strawberry.argument(description="Global ids (at most 100).")
        ],
    ) -> list[Node | None]:
        if len(ids) > MAX_IDS:
            raise ClientError(f"At most {MAX_IDS} ids at a time.")
        decoded = [decode_id(i) for i in ids]
        keys = [d for d in decoded if not isinstance(d, ClientError)]
        found = iter(await resolvers.many(info, keys, node=Node))
        # An exception in the list becomes that entry's error and null (graphql-core): a bad id's,
        # or NOT_FOUND for an id that names nothing visible.
        answers: list[Any] = [
            d if isinstance(d, ClientError) else (next(found) or not_found()) for d in decoded
        ]
        return answers

    @resolved(
        metadata=root("customer"),
        description="A customer by exactly one of: global id (or key), email, source record id "
        "(`system:recordId`) or external id. When several share an email or external id, the one "
        "with the smallest key.",
    )
    async def customer(
        self,
        info: Info[Context, None],
        id: Annotated[
            strawberry.ID | None, strawberry.argument(description="A global id or party key.")
        ] = None,
        email: Annotated[
            str | None,
            strawberry.argument(description="An email, case-insensitive (needs the pii scope)."),
        ] = None,
        source_id: Annotated[
            str | None,
            strawberry.argument(description="A source record id, `system:recordId`."),
        ] = None,
        external_id: Annotated[
            str | None, strawberry.argument(description="An external id (needs the pii scope).")
        ] = None,
    ) -> Customer | None:
        by, value = customer_lookup(id, email, source_id, external_id, info.context.masked)
        if value is None:
            return None
        return await resolvers.lookup(
            info, Family.PARTY, by, value, Position.CUSTOMER, "Customer", node=Customer
        )

    @resolved(
        metadata=root("customers"),
        description="Customers matching a filter, in a stable order (by key unless `orderBy`).",
    )
    async def customers(
        self,
        info: Info[Context, None],
        filter: Annotated[
            CustomerFilter | None,
            strawberry.argument(description="Only customers matching all of it (null: all)."),
        ] = None,
        order_by: Annotated[
            CustomerOrder | None,
            strawberry.argument(description="The first sort key (null: by key)."),
        ] = None,
        then_by: Annotated[
            list[CustomerOrder] | None,
            strawberry.argument(
                description="Sort keys after `orderBy` (at most three keys in all), then the key."
            ),
        ] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Customer]:
        masked = info.context.masked
        tag, relation = customers_relation(order_by, masked, then_by)
        criteria = customer_criteria(filter, masked)
        return await resolvers.connection(
            info,
            None,
            tag,
            first,
            after,
            last,
            before,
            criteria=criteria,
            relation=relation,
            node=Customer,
        )

    @resolved(
        metadata=root("search"),
        description="Parties whose name (with the `pii` scope, or email) matches every word of "
        "`text` (accents and case folded, a word of 4+ letters also one typo away), best first; "
        "with the `pii` scope a whole e-mail address or international phone number matches that "
        "one only. `kind`: only those.",
    )
    async def search(
        self,
        info: Info[Context, None],
        text: Annotated[str, strawberry.argument(description="Words to find (at most 10).")],
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
        kind: Annotated[
            list[PartyKind] | None, strawberry.argument(description="Only these kinds (null: any).")
        ] = None,
    ) -> SearchConnection:
        return await resolvers.connection(
            info,
            None,
            "search",
            first,
            after,
            last,
            before,
            edge=SearchEdge,
            relation=SEARCH,
            text=lucene_query(text, emails="email" not in info.context.masked),
            criteria=kind_criterion(kind),
            wrap=SearchConnection,
        )

    @resolved(metadata=root("account"), description="A business account by global id or key.")
    async def account(self, info: Info[Context, None], id: IdOrKey) -> Organization | None:
        key = party_key(id)
        if key is None:
            return None
        return await resolvers.lookup(
            info,
            Family.PARTY,
            LookupBy.ID,
            key,
            Position.ORGANIZATION,
            "Customer",
            node=Organization,
        )

    @resolved(
        metadata=root("broker"), description="A broker by global id or key (`partners:BR00001`)."
    )
    async def broker(self, info: Info[Context, None], id: IdOrKey) -> Broker | None:
        key = party_key(id)
        if key is None:
            return None
        return await resolvers.lookup(
            info, Family.PARTY, LookupBy.ID, key, Position.BROKER, node=Broker
        )

    @resolved(metadata=root("product"), description="A product by global id or key.")
    async def product(self, info: Info[Context, None], id: IdOrKey) -> Product | None:
        family, key = parse_id(id, Family.PRODUCT)
        if family is not Family.PRODUCT:
            return None
        return await resolvers.lookup(
            info, Family.PRODUCT, LookupBy.ID, key, Position.PRODUCT, node=Product
        )


def customer_lookup(
    id: str | None,
    email: str | None,
    source_id: str | None,
    external_id: str | None,
    masked: frozenset[str] | None = None,
) -> tuple[LookupBy, str | None]:
    """Which lookup `customer` makes; value None when the id is of another kind of node.

    A lookup on personal data is FORBIDDEN when the caller cannot read it (`masked`, the caller's
    masked properties). `masked` None means the caller is not known (the compiler's binder): such
    a lookup is refused, and the operation then runs on the executor, whose resolver knows.
    """
    given = [(b, v) for b, v in ((LookupBy.ID, id), (LookupBy.EMAIL, email),
             (LookupBy.SOURCE_ID, source_id), (LookupBy.EXTERNAL_ID, external_id)) if v is not None]  # fmt: skip
    if len(given) != 1:
        raise ClientError("Give exactly one of `id`, `email`, `sourceId` or `externalId`.")
    by, value = given[0]
    personal = PERSONAL_LOOKUPS.get(by)
    if personal is not None and (masked is None or personal[0] in masked):
        raise ClientError(
            f"Looking customers up by {personal[1]} needs the pii scope.", Code.FORBIDDEN
        )
    if by is LookupBy.ID:
        return by, party_key(value)
    if by is LookupBy.EMAIL:
        return by, value.strip().casefold()
    return by, value


def decode_id(value: str) -> tuple[Family, str] | ClientError:
    """(family, key) of a global id, or the error saying it is not one."""
    try:
        return parse_global_id(value)
    except ClientError as exc:
        return exc


def node_keys(ids: Sequence[str]) -> list[tuple[Family, str]]:
    if len(ids) > MAX_IDS:
        raise ClientError(f"At most {MAX_IDS} ids at a time.")
    return [parse_global_id(i) for i in ids]
