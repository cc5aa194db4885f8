"""Parties: the `Party` and `Customer` interfaces, people, households, organizations, brokers and
employees, with the relationships of the customer-360 view."""

from __future__ import annotations

from typing import Annotated, ClassVar

import strawberry
from strawberry.types import Info

from graph.money import book_value as books_of_brokers
from graph.read.positions import Family
from schema import descriptions as D
from schema import resolvers
from schema.activity import Interaction, SurveyResponse
from schema.commerce import Order, Product
from schema.committee_edges import (
    CommitteeMemberConnection,
    CommitteeMemberEdge,
    KnownPersonConnection,
    KnownPersonEdge,
)
from schema.context import Context
from schema.deals import Deal
from schema.enums import (
    CommitteeRole,
    CustomerStatus,
    LifecycleStage,
    NpsCategory,
    PartnerType,
    PartyKind,
    PartyRole,
    ValueQuadrant,
)
from schema.inputs import (
    CustomerFilter,
    InteractionFilter,
    OrderFilter,
    customer_criteria,
    interaction_criteria,
    order_criteria,
)
from schema.meta import KEY_FIELD, TARGET_FIELD, computed, follow, prop, resolved
from schema.money import Money, load
from schema.party_edges import (
    ContactConnection,
    ContactEdge,
    Employment,
    HouseholdMemberConnection,
    HouseholdMemberEdge,
    HouseholdMembership,
    IdentityConnection,
    IdentityEdge,
    ReferralConnection,
    ReferralEdge,
    ReferrerConnection,
    ReferrerEdge,
)
from schema.relay import (
    CURSOR,
    ONLY,
    After,
    Before,
    Connection,
    EdgeConnection,
    First,
    Last,
    Node,
)
from schema.scalars import Date, DateTime
from schema.timeline import TimelineConnection, resolve_timeline

# ---- edges and wrappers carrying relationship properties ----------------------------------


CommitteeTarget = Annotated[
    "Organization | Deal",
    strawberry.union("CommitteeTarget", description="An account or a deal with a committee."),
]


@strawberry.type(description="A seat a person holds on a buying committee.")
class CommitteeSeatEdge:
    cursor: str = strawberry.field(description=CURSOR)
    node: CommitteeTarget = strawberry.field(metadata=TARGET_FIELD, description=D.SEAT_TARGET)
    roles: list[CommitteeRole] = strawberry.field(description=D.SEAT_ROLES)
    influence: float | None = strawberry.field(description="0..1")
    primary: bool | None = strawberry.field(description=D.SEAT_PRIMARY)


@strawberry.type(name="CommitteeSeatConnection", description=D.EDGE_PAGE)
class CommitteeSeatConnection(EdgeConnection[CommitteeSeatEdge]):
    pass


# ---- parties -------------------------------------------------------------------------------


@strawberry.interface(description="Anyone we deal with: a person, household or firm, in any role.")
class Party(Node):
    FAMILY: ClassVar[Family] = Family.PARTY
    _key: strawberry.Private[str]
    key: str = strawberry.field(
        metadata=KEY_FIELD,
        description="The graph id: `system:recordId` of the source record that created it.",
    )
    kind: PartyKind = strawberry.field(description="Person, household or organization.")
    roles: list[PartyRole] = strawberry.field(metadata=computed("roles"), description="Its roles.")
    name: str | None = strawberry.field(description="Its display name.")
    email: str | None = strawberry.field(description=D.EMAIL)
    phone: str | None = strawberry.field(description="E.164.")
    country: str | None = strawberry.field(description="ISO 3166 code.")
    sources: list[str] | None = strawberry.field(description="The systems its records came from.")
    ended_at: DateTime | None = strawberry.field(
        description="When its last live source record vanished from a full snapshot of its source "
        "(null while any is live): a party no source holds any more."
    )
    timeline: TimelineConnection = strawberry.field(
        resolver=resolve_timeline, description="Its interactions, orders, survey answers and "
        "referrals in one list, newest first.",
    )  # fmt: skip

    @resolved(
        metadata=follow("identities"),
        description="Its source records and how each was matched to it, by record id.",
    )
    async def identities(
        self, info: Info[Context, None], first: First = None, after: After = None,
        last: Last = None, before: Before = None,
    ) -> IdentityConnection:  # fmt: skip
        return await resolvers.connection(
            info, self, "identities", first, after, last, before,
            edge=IdentityEdge, wrap=IdentityConnection,
        )  # fmt: skip


@strawberry.interface(description="A party we have (or seek) a customer relationship with.")
class Customer(Party):
    status: CustomerStatus | None = strawberry.field(description="Prospect, active or former.")
    segment: str | None = strawberry.field(description="Its segment, as the source states it.")
    created_at: Date | None = strawberry.field(description="When the relationship began.")
    external_ids: list[str] | None = strawberry.field(description="Ids in other systems.")

    # The metrics `c360 metrics compute` stores (as of its `as of` date; null until computed).
    revenue: float | None = strawberry.field(
        description="Metric: the amounts of its orders up to the as-of date."
    )
    order_count: int | None = strawberry.field(
        description="Metric: the number of its orders up to the as-of date."
    )
    frequency: float | None = strawberry.field(
        description="Metric: repeat purchases (purchase days after the first), RFM x."
    )
    recency: float | None = strawberry.field(
        description="Metric: periods (7 days by default) from its first to its last purchase, RFM t_x."
    )
    tenure: float | None = strawberry.field(
        description="Metric: periods (7 days by default) from its first purchase to the as-of date, RFM T."
    )
    probability_alive: float | None = strawberry.field(
        metadata=prop("pAlive"), description="Metric: P(alive) under the fitted BG/NBD model."
    )
    churn_risk: float | None = strawberry.field(
        description="Metric: 1 - P(alive); 1 for a former customer."
    )
    expected_purchases: float | None = strawberry.field(
        description="Metric: BG/NBD expected repeat purchases over the next `metricsHorizon` "
        "periods of `metricsPeriodDays` days after `metricsAsOf`."
    )
    expected_spend: float | None = strawberry.field(
        description="Metric: Gamma-Gamma expected spend per purchase."
    )
    clv: float | None = strawberry.field(
        description="Metric: customer lifetime value, expected spend x discounted expected "
        "purchases over the horizon (BG/NBD + Gamma-Gamma)."
    )
    nps_score: int | None = strawberry.field(
        description="Metric: its latest survey answer (0-10) up to the as-of date."
    )
    nps_category: NpsCategory | None = strawberry.field(
        description="Metric: the NPS category of that answer."
    )
    interactions_90d: int | None = strawberry.field(
        description="Metric: its interactions in the 90 days up to the as-of date."
    )
    interactions_prev_90d: int | None = strawberry.field(
        description="Metric: its interactions in the 90 days before those."
    )
    engagement_dropped: bool | None = strawberry.field(
        description="Metric: at least 2 interactions in the previous 90 days and at most half "
        "as many in the last 90."
    )
    lifecycle_stage: LifecycleStage | None = strawberry.field(
        description="Metric: its lifecycle stage (rules in the enum's description)."
    )
    referral_value: float | None = strawberry.field(
        description="Metric: revenue + CLV of the customers it referred, less incentives paid."
    )
    network_value: float | None = strawberry.field(
        description="Metric: revenue + CLV of everyone reached by its referral chains (depth "
        "10), discounted by 0.5^(depth - 1)."
    )
    value_quadrant: ValueQuadrant | None = strawberry.field(
        description="Metric: CLV against referral value, each split at the median."
    )
    metrics_at: DateTime | None = strawberry.field(
        description="When its metrics were last computed."
    )
    metrics_as_of: Date | None = strawberry.field(description="The date its metrics describe.")
    metrics_horizon: int | None = strawberry.field(
        description="The periods `expectedPurchases` and `clv` look ahead."
    )
    metrics_period_days: float | None = strawberry.field(description="A period, in days.")

    @resolved(
        metadata=computed("last_activity"),
        description="The date of its latest interaction (UTC) or order.",
    )
    async def last_activity_date(self, info: Info[Context, None]) -> Date | None:
        return await resolvers.last_activity(info, self)

    @resolved(metadata=follow("account_owner"), description="Our employee owning it.")
    async def account_owner(self, info: Info[Context, None]) -> Employee | None:
        return await resolvers.single(info, self, "account_owner", node=Employee)

    @resolved(
        metadata=follow("broker"),
        description="Its attributed broker: the broker at the top of its referral chain (as "
        "`referralChain` follows it, at most 10 hops); null when the chain ends elsewhere.",
    )
    async def broker(self, info: Info[Context, None]) -> Broker | None:
        return await resolvers.single(info, self, "broker", node=Broker)

    @resolved(metadata=follow("interactions"), description="Newest first.")
    async def interactions(
        self,
        info: Info[Context, None],
        filter: Annotated[InteractionFilter | None, ONLY] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Interaction]:
        return await resolvers.connection(
            info, self, "interactions", first, after, last, before,
            criteria=interaction_criteria(filter), node=Interaction,
        )  # fmt: skip

    @resolved(metadata=follow("survey_responses"), description="Newest first.")
    async def survey_responses(
        self, info: Info[Context, None], first: First = None, after: After = None,
        last: Last = None, before: Before = None,
    ) -> Connection[SurveyResponse]:  # fmt: skip
        return await resolvers.connection(
            info, self, "survey_responses", first, after, last, before, node=SurveyResponse
        )

    @resolved(metadata=follow("orders"), description="Newest first.")
    async def orders(
        self,
        info: Info[Context, None],
        filter: Annotated[OrderFilter | None, ONLY] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Order]:
        return await resolvers.connection(
            info,
            self,
            "orders",
            first,
            after,
            last,
            before,
            criteria=order_criteria(filter),
            node=Order,
        )

    @resolved(
        metadata=follow("products_owned"),
        description="The products on its orders, each once, by product key.",
    )
    async def products_owned(
        self, info: Info[Context, None], first: First = None, after: After = None,
        last: Last = None, before: Before = None,
    ) -> Connection[Product]:  # fmt: skip
        return await resolvers.connection(
            info, self, "products_owned", first, after, last, before, node=Product
        )

    @resolved(metadata=follow("referred_by"), description="Who referred it, newest first.")
    async def referred_by(
        self, info: Info[Context, None], first: First = None, after: After = None,
        last: Last = None, before: Before = None,
    ) -> ReferrerConnection:  # fmt: skip
        return await resolvers.connection(
            info, self, "referred_by", first, after, last, before,
            edge=ReferrerEdge, wrap=ReferrerConnection,
        )  # fmt: skip

    @resolved(metadata=follow("referrals"), description="Whom it referred, newest first.")
    async def referrals(
        self, info: Info[Context, None], first: First = None, after: After = None,
        last: Last = None, before: Before = None,
    ) -> ReferralConnection:  # fmt: skip
        return await resolvers.connection(
            info, self, "referrals", first, after, last, before,
            edge=ReferralEdge, wrap=ReferralConnection,
        )  # fmt: skip


@strawberry.type(description="An individual.")
class Person(Customer):
    given_name: str | None = strawberry.field(description="Given (first) name.")
    surname: str | None = strawberry.field(description="Family name.")
    date_of_birth: Date | None = strawberry.field(description="Date of birth" + D.PII + ".")
    street_number: str | None = strawberry.field(description="House number" + D.PII + ".")
    street: str | None = strawberry.field(description="Street" + D.PII + ".")
    locality: str | None = strawberry.field(description="Town or city.")
    postcode: str | None = strawberry.field(description="Postal code.")
    state: str | None = strawberry.field(description="State or region.")

    @resolved(metadata=follow("household"), description="The household it belongs to.")
    async def household(self, info: Info[Context, None]) -> HouseholdMembership | None:
        return await resolvers.single(info, self, "household", wrapper=HouseholdMembership)

    @resolved(metadata=follow("employment"), description="Its employer.")
    async def employment(self, info: Info[Context, None]) -> Employment | None:
        return await resolvers.single(info, self, "employment", wrapper=Employment)

    @resolved(metadata=follow("manager"), description="Whom it reports to.")
    async def manager(self, info: Info[Context, None]) -> Person | None:
        return await resolvers.single(info, self, "manager", node=Person)

    @resolved(metadata=follow("reports"), description="Who reports to it, by key.")
    async def direct_reports(
        self, info: Info[Context, None], first: First = None, after: After = None,
        last: Last = None, before: Before = None,
    ) -> Connection[Person]:  # fmt: skip
        return await resolvers.connection(
            info, self, "reports", first, after, last, before, node=Person
        )

    @resolved(
        metadata=follow("committee_seats"),
        description="The buying committees (of accounts and deals) it sits on.",
    )
    async def committee_seats(
        self, info: Info[Context, None], first: First = None, after: After = None,
        last: Last = None, before: Before = None,
    ) -> CommitteeSeatConnection:  # fmt: skip
        return await resolvers.connection(
            info, self, "committee_seats", first, after, last, before,
            edge=CommitteeSeatEdge, wrap=CommitteeSeatConnection,
        )  # fmt: skip


@strawberry.type(description="People living together who buy together.")
class Household(Customer):
    household_value: float | None = strawberry.field(
        description="Metric: revenue + CLV of the household and of its members."
    )
    member_count: int | None = strawberry.field(description="Metric: its members.")

    @resolved(metadata=follow("members"), description="Its members, by key.")
    async def members(
        self, info: Info[Context, None], first: First = None, after: After = None,
        last: Last = None, before: Before = None,
    ) -> HouseholdMemberConnection:  # fmt: skip
        return await resolvers.connection(
            info, self, "members", first, after, last, before,
            edge=HouseholdMemberEdge, wrap=HouseholdMemberConnection,
        )  # fmt: skip


@strawberry.type(description="A firm: a business account, or a partner firm.")
class Organization(Customer):
    domain: str | None = strawberry.field(description="Its web domain.")
    industry: str | None = strawberry.field(description="Its industry, as the source states it.")
    size: int | None = strawberry.field(description="Head count.")
    account_value: float | None = strawberry.field(
        description="Metric: revenue + CLV of the firm and of the people working for it."
    )
    committee_size: int | None = strawberry.field(
        description="Metric: the people on its buying committee, each once whatever its seats "
        "(`committee { totalCount }` counts seats)."
    )
    committee_engaged: int | None = strawberry.field(
        description="Metric: committee members with an interaction in the last 90 days."
    )
    committee_engagement: float | None = strawberry.field(
        description="Metric: the share of committee members engaged, 0..1."
    )
    health_score: float | None = strawberry.field(
        description="Metric: 0-100, weighted mean of committee engagement (0.4), P(alive) (0.3) "
        "and mean NPS of the firm and its people over 365 days / 10 (0.3), over those that exist."
    )

    @resolved(metadata=follow("parent"), description="Its parent company.")
    async def parent(self, info: Info[Context, None]) -> Organization | None:
        return await resolvers.single(info, self, "parent", node=Organization)

    @resolved(metadata=follow("subsidiaries"), description="Its subsidiaries, by key.")
    async def subsidiaries(
        self, info: Info[Context, None], first: First = None, after: After = None,
        last: Last = None, before: Before = None,
    ) -> Connection[Organization]:  # fmt: skip
        return await resolvers.connection(
            info, self, "subsidiaries", first, after, last, before, node=Organization
        )

    @resolved(metadata=follow("contacts"), description="People working for it, by key.")
    async def contacts(
        self, info: Info[Context, None], first: First = None, after: After = None,
        last: Last = None, before: Before = None,
    ) -> ContactConnection:  # fmt: skip
        return await resolvers.connection(
            info, self, "contacts", first, after, last, before,
            edge=ContactEdge, wrap=ContactConnection,
        )  # fmt: skip

    @resolved(
        metadata=follow("committee"),
        description="Its buying committee's seats, one edge per seat record, by seat record: a "
        "person seated by two sources is two edges, so `totalCount` counts seats (people: "
        "`buyingCommittee.people`, `committeeSize`).",
    )
    async def committee(
        self, info: Info[Context, None], first: First = None, after: After = None,
        last: Last = None, before: Before = None,
    ) -> CommitteeMemberConnection:  # fmt: skip
        return await resolvers.connection(
            info, self, "committee", first, after, last, before,
            edge=CommitteeMemberEdge, wrap=CommitteeMemberConnection,
        )  # fmt: skip

    @resolved(metadata=follow("deals"), description="Opportunities with it, by key.")
    async def deals(
        self, info: Info[Context, None], first: First = None, after: After = None,
        last: Last = None, before: Before = None,
    ) -> Connection[Deal]:  # fmt: skip
        return await resolvers.connection(
            info, self, "deals", first, after, last, before, node=Deal
        )


@strawberry.type(description="A broker, distributor or partner bringing us business.")
class Broker(Party):
    partner_type: PartnerType | None = strawberry.field(description=D.PARTNER_TYPE)
    customers_brought: int | None = strawberry.field(
        description="Metric: the customers it referred directly."
    )
    conversion_rate: float | None = strawberry.field(
        description="Metric: the share of those customers who bought."
    )
    retention_rate: float | None = strawberry.field(
        description="Metric: the share of those buyers who are not former customers."
    )
    network_size: int | None = strawberry.field(
        description="Metric: the customers reached by its referral chains (depth 10)."
    )
    network_value: float | None = strawberry.field(
        description="Metric: their revenue + CLV, discounted by 0.5^(depth - 1)."
    )
    metrics_at: DateTime | None = strawberry.field(
        description="When its metrics were last computed."
    )

    @resolved(
        description="Revenue + CLV of the customers it referred directly, per currency (each "
        "order in its currency, a CLV in that of the customer's latest order; the customers the "
        "caller may see)."
    )
    async def book_value(self, info: Info[Context, None]) -> list[Money]:
        return await load(info, books_of_brokers, self._key)

    @resolved(metadata=follow("referrals"), description="Whom it referred, newest first.")
    async def referrals(
        self, info: Info[Context, None], first: First = None, after: After = None,
        last: Last = None, before: Before = None,
    ) -> ReferralConnection:  # fmt: skip
        return await resolvers.connection(
            info, self, "referrals", first, after, last, before,
            edge=ReferralEdge, wrap=ReferralConnection,
        )  # fmt: skip

    @resolved(
        metadata=follow("network"),
        description="The customers it brought in, directly or through referral chains, by key.",
    )
    async def network(
        self,
        info: Info[Context, None],
        filter: Annotated[CustomerFilter | None, ONLY] = None,
        first: First = None,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Customer]:
        return await resolvers.connection(
            info,
            self,
            "network",
            first,
            after,
            last,
            before,
            criteria=customer_criteria(filter),
            node=Customer,
        )


@strawberry.type(description="One of our own people: account owners, reps.")
class Employee(Party):
    title: str | None = strawberry.field(description="Its job title with us.")
    team: str | None = strawberry.field(description="Its team with us.")

    @resolved(metadata=follow("accounts"), description="The accounts it owns, by key.")
    async def accounts(
        self, info: Info[Context, None], first: First = None, after: After = None,
        last: Last = None, before: Before = None,
    ) -> Connection[Customer]:  # fmt: skip
        return await resolvers.connection(
            info, self, "accounts", first, after, last, before, node=Customer
        )

    @resolved(metadata=follow("knows"), description="People it knows, by record.")
    async def knows(
        self, info: Info[Context, None], first: First = None, after: After = None,
        last: Last = None, before: Before = None,
    ) -> KnownPersonConnection:  # fmt: skip
        return await resolvers.connection(
            info, self, "knows", first, after, last, before,
            edge=KnownPersonEdge, wrap=KnownPersonConnection,
        )  # fmt: skip


resolvers.register(Person, Household, Organization, Broker, Employee)
