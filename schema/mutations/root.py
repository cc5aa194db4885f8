"""The root `Mutation`: writes through the API, each one transaction, idempotent, audited.

Each resolver checks its input, finds its targets under the caller's read scope (an id the caller
may not see is refused exactly like an unknown one), writes source records of the `api` system
(`graph/ingest/api_writes.py`) or applies an identity decision or an erasure, and returns a payload read back
through the ordinary read path, causally after the write. Who may call which mutation is
`schema/access.py`'s matrix, checked before anything runs.

Metrics (`clv`, `revenue`, lifecycle stage...) are computed by `c360 metrics compute`; a mutation
leaves them as they were until the next run.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable, Mapping
from typing import Annotated, Any

import orjson
import strawberry
from strawberry.types import Info

from graph.identity import erase, merges
from graph.ingest import api_writes
from graph.ingest.records import (
    ENTITIES,
    CommitteeRecord,
    InteractionRecord,
    OrderLineRecord,
    OrderRecord,
    ReferralRecord,
    SurveyResponseRecord,
)
from graph.read.ir import LookupBy
from graph.read.positions import Family, Position
from graph.security import receipts
from schema import resolvers
from schema.activity import Interaction, SurveyResponse
from schema.commerce import Order
from schema.context import Context
from schema.errors import ClientError
from schema.ids import global_id, parse_id
from schema.meta import mutation, resolved
from schema.mutations.inputs import (
    CLIENT_ID,
    CommitteeMembershipInput,
    CustomerInput,
    EraseCustomerInput,
    InteractionInput,
    MergeCustomersInput,
    OrderInput,
    ReferralInput,
    SplitCustomerInput,
    SurveyResponseInput,
    UnmergeCustomersInput,
    check_sizes,
)
from schema.mutations.run import Done, Outcome, Tx, run
from schema.parties import Customer

MAX_LINES = 100
KINDS = {"Person": "person", "Organization": "organization", "Household": "household"}
CUSTOMER_FIELDS = (
    "name", "given_name", "surname", "email", "phone", "date_of_birth", "street_number", "street",
    "locality", "postcode", "state", "country", "national_id", "status", "segment", "domain",
    "industry", "size",
)  # fmt: skip

REPLAYED = "True when this repeats an earlier send (nothing was written)."


def _given(value: Any) -> dict[str, Any]:
    """The input as plain data, without its client mutation id (what the receipt hashes)."""
    data = strawberry.asdict(value)
    data.pop("client_mutation_id", None)
    return dict(orjson.loads(orjson.dumps(data, default=str)))


def _key(id: str, family: Family, what: str) -> str:
    found, key = parse_id(id, family)
    if found is not family:
        raise ClientError(f"No {what} with id {id!r}.")
    return key


async def _party(
    tx: Tx, ctx: Context, id: str, what: str, label: str | None = None
) -> api_writes.Target:
    """A party the caller may see (with `label`, if given); otherwise the same error as unknown."""
    target = await api_writes.party(tx, _key(id, Family.PARTY, what), ctx.scope)
    if target is None or (label is not None and label not in target.labels):
        raise ClientError(f"No {what} with id {id!r}.")
    return target


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _new_id() -> str:
    return f"{api_writes.SYSTEM}:{uuid.uuid4().hex}"


@strawberry.type(description="What `upsertCustomer` did.")
class CustomerPayload:
    client_mutation_id: str = strawberry.field(description=CLIENT_ID)
    created: bool = strawberry.field(description="True when a new customer was made.")
    replayed: bool = strawberry.field(description=REPLAYED)
    key: strawberry.Private[str]

    @resolved(description="The customer as it reads now (null if no longer visible).")
    async def customer(self, info: Info[Context, None]) -> Customer | None:
        return await resolvers.lookup(
            info, Family.PARTY, LookupBy.ID, self.key, Position.CUSTOMER, "Customer", node=Customer
        )


@strawberry.type(description="What `recordInteraction` did.")
class InteractionPayload:
    client_mutation_id: str = strawberry.field(description=CLIENT_ID)
    replayed: bool = strawberry.field(description=REPLAYED)
    key: strawberry.Private[str]

    @resolved(description="The interaction as it reads now (null if not visible).")
    async def interaction(self, info: Info[Context, None]) -> Interaction | None:
        return await resolvers.lookup(
            info, Family.INTERACTION, LookupBy.ID, self.key, Position.INTERACTION, node=Interaction
        )


@strawberry.type(description="What `recordOrder` did.")
class OrderPayload:
    client_mutation_id: str = strawberry.field(description=CLIENT_ID)
    replayed: bool = strawberry.field(description=REPLAYED)
    key: strawberry.Private[str]

    @resolved(description="The order as it reads now (null if not visible).")
    async def order(self, info: Info[Context, None]) -> Order | None:
        return await resolvers.lookup(
            info, Family.ORDER, LookupBy.ID, self.key, Position.ORDER, node=Order
        )


@strawberry.type(description="What `recordSurveyResponse` did.")
class SurveyResponsePayload:
    client_mutation_id: str = strawberry.field(description=CLIENT_ID)
    replayed: bool = strawberry.field(description=REPLAYED)
    key: strawberry.Private[str]

    @resolved(description="The answer as it reads now (null if not visible).")
    async def survey_response(self, info: Info[Context, None]) -> SurveyResponse | None:
        return await resolvers.lookup(
            info,
            Family.SURVEY_RESPONSE,
            LookupBy.ID,
            self.key,
            Position.SURVEY_RESPONSE,
            node=SurveyResponse,
        )


@strawberry.type(description="What `recordReferral` did.")
class ReferralPayload:
    client_mutation_id: str = strawberry.field(description=CLIENT_ID)
    replayed: bool = strawberry.field(description=REPLAYED)
    source_id: str = strawberry.field(description="The referral's source record (`api:...`).")


@strawberry.type(description="What `setCommitteeMembership` did.")
class CommitteeMembershipPayload:
    client_mutation_id: str = strawberry.field(description=CLIENT_ID)
    replayed: bool = strawberry.field(description=REPLAYED)
    removed: int = strawberry.field(description="Seats of the pair removed (from any source).")
    roles: list[str] = strawberry.field(description="The seat's roles now (empty: no seat).")


@strawberry.type(description="What an identity decision did.")
class IdentityPayload:
    client_mutation_id: str = strawberry.field(description=CLIENT_ID)
    replayed: bool = strawberry.field(description=REPLAYED)
    decision_id: str | None = strawberry.field(description="Undo a merge with this id.")
    moved_source_ids: list[str] = strawberry.field(
        description="The source records (`system:recordId`) that changed party."
    )
    keys: strawberry.Private[list[str]]

    @resolved(description="The customers now holding the records (survivor first).")
    async def customers(self, info: Info[Context, None]) -> list[Customer | None]:
        return await resolvers.many(info, [(Family.PARTY, k) for k in self.keys], node=Customer)


@strawberry.type(description="What `eraseCustomer` did; the counts hold no personal data.")
class ErasurePayload:
    client_mutation_id: str = strawberry.field(description=CLIENT_ID)
    replayed: bool = strawberry.field(description=REPLAYED)
    erased_id: strawberry.ID = strawberry.field(description="The erased customer's global id.")
    counts: strawberry.scalars.JSON = strawberry.field(
        description="What was erased, in counts only: erasedAt, alreadyErased, records, "
        "properties, nodes, relationships, mentions, receipts."
    )


def _customer_record(kind: str, record_id: str, data: Mapping[str, Any]) -> Any:
    return ENTITIES[kind].model_validate({"id": record_id, "source_ts": _now(), **data})


async def _upsert(tx: Tx, ctx: Context, given: CustomerInput) -> Outcome:
    fields = {f: getattr(given, f) for f in CUSTOMER_FIELDS if getattr(given, f) is not None}
    if given.id is None:
        if given.kind is None:
            raise ClientError("Give `kind` to create a customer, or `id` to update one.")
        kind = given.kind.value
        record_id = _new_id()
        await api_writes.write(tx, kind, _customer_record(kind, record_id, fields))
        await api_writes.reconcile(tx, [record_id])
        return Outcome({"key": record_id, "created": True}, record_id, {"kind": kind})
    target = await _party(tx, ctx, given.id, "customer", "Customer")
    kind = next(KINDS[label] for label in target.labels if label in KINDS)
    if given.kind is not None and given.kind.value != kind:
        raise ClientError(f"Customer {given.id!r} is a {kind}, not a {given.kind.value}.")
    # One edit record per party, extended by each update: `<party id>#api` sorts right after the
    # party's id, so the party keeps its id when identity resolution runs again.
    record_id = f"{target.id}#{api_writes.SYSTEM}"
    earlier = await api_writes.stored_data(tx, record_id)
    data = {k: v for k, v in orjson.loads(earlier or "{}").items() if k not in {"id", "source_ts"}}
    await api_writes.write(tx, kind, _customer_record(kind, record_id, data | fields))
    if earlier is None:
        await merges.merge_parties(tx, target.id, record_id, decided_by=_actor(ctx))
    await api_writes.reconcile(tx, [target.id])
    details = {"kind": kind, "fields": sorted(fields)}
    return Outcome({"key": target.id, "created": False}, target.id, details)


def _actor(ctx: Context) -> str:
    return ctx.principal.key if ctx.principal is not None else "anonymous"


async def _product(tx: Tx, id: str | None) -> str | None:
    if id is None:
        return None
    key = _key(id, Family.PRODUCT, "product")
    if not await api_writes.exists(tx, "Product", key):
        raise ClientError(f"No product with id {id!r}.")
    return key


async def _interaction(tx: Tx, ctx: Context, given: InteractionInput) -> Outcome:
    customer = await _party(tx, ctx, given.customer_id, "customer", "Customer")
    employee = None
    if given.employee_id is not None:
        employee = (await _party(tx, ctx, given.employee_id, "employee", "Employee")).id
    record = InteractionRecord(
        id=_new_id(), source_ts=_now(), customer=customer.id, at=given.at, channel=given.channel,
        direction=given.direction, type=given.type, outcome=given.outcome,
        sentiment=given.sentiment, product=await _product(tx, given.product_id), employee=employee,
    )  # fmt: skip
    await api_writes.write(tx, "interaction", record)
    return Outcome({"key": record.id}, customer.id, {"interaction": record.id})


async def _order(tx: Tx, ctx: Context, given: OrderInput) -> Outcome:
    if not 1 <= len(given.lines) <= MAX_LINES:
        raise ClientError(f"An order has 1 to {MAX_LINES} lines.")
    customer = await _party(tx, ctx, given.customer_id, "customer", "Customer")
    order_id, now = _new_id(), _now()
    lines = [
        OrderLineRecord(
            id=f"{order_id}/{n}",
            source_ts=now,
            order=order_id,
            product=await _product(tx, line.product_id),
            line_no=n,
            quantity=line.quantity,
            amount=line.amount,
            currency=given.currency,
        )
        for n, line in enumerate(given.lines, start=1)
    ]
    order = OrderRecord(
        id=order_id, source_ts=now, customer=customer.id, date=given.date,
        amount=round(sum(line.amount for line in lines), 2), currency=given.currency,
        quantity=sum(line.quantity for line in lines), status=given.status,
    )  # fmt: skip
    await api_writes.write(tx, "order", order)
    for line in lines:
        await api_writes.write(tx, "order_line", line)
    return Outcome({"key": order_id}, customer.id, {"order": order_id, "lines": len(lines)})


async def _survey(tx: Tx, ctx: Context, given: SurveyResponseInput) -> Outcome:
    customer = await _party(tx, ctx, given.customer_id, "customer", "Customer")
    record = SurveyResponseRecord(
        id=_new_id(), source_ts=_now(), customer=customer.id, at=given.at,
        score=given.score, survey=given.survey, comment=given.comment,
    )  # fmt: skip
    await api_writes.write(tx, "survey_response", record)
    return Outcome({"key": record.id}, customer.id, {"surveyResponse": record.id})


async def _referral(tx: Tx, ctx: Context, given: ReferralInput) -> Outcome:
    referrer = await _party(tx, ctx, given.referrer_id, "referrer")
    if not referrer.labels & {"Customer", "Broker"}:
        raise ClientError(f"No referrer with id {given.referrer_id!r}.")
    referred = await _party(tx, ctx, given.referred_id, "customer", "Customer")
    if referrer.id == referred.id:
        raise ClientError("A customer cannot refer itself.")
    record = ReferralRecord(
        id=_new_id(), source_ts=_now(), referrer=referrer.id, referred=referred.id,
        date=given.date, channel=given.channel, incentive=given.incentive,
        currency=given.currency,
    )  # fmt: skip
    await api_writes.write(tx, "referral", record)
    return Outcome(
        {"key": record.id}, referred.id, {"referrer": referrer.id, "referral": record.id}
    )


async def _committee(tx: Tx, ctx: Context, given: CommitteeMembershipInput) -> Outcome:
    if (given.account_id is None) == (given.deal_id is None):
        raise ClientError("Give exactly one of `accountId` or `dealId`.")
    person = await _party(tx, ctx, given.person_id, "person", "Person")
    account: str | None = None
    deal: str | None = None
    if given.account_id is not None:
        account = (await _party(tx, ctx, given.account_id, "account", "Organization")).id
    else:
        assert given.deal_id is not None
        deal = _key(given.deal_id, Family.DEAL, "deal")
        if await api_writes.deal_account(tx, deal, ctx.scope) is None:
            raise ClientError(f"No deal with id {given.deal_id!r}.")
    target = account or deal
    assert target is not None
    removed = await api_writes.clear_committee(tx, person.id, target)
    record_id = f"{api_writes.SYSTEM}:committee:{person.id}>{target}"
    await api_writes.drop_record(tx, record_id)
    roles = sorted({r.value for r in given.roles})
    if roles:
        record = CommitteeRecord(
            id=record_id, source_ts=_now(), person=person.id, account=account, deal=deal,
            roles=tuple(roles), influence=given.influence, primary=given.primary,
        )  # fmt: skip
        await api_writes.write(tx, "committee", record)
    details = {"person": person.id, "roles": roles, "removed": removed}
    return Outcome({"removed": removed, "roles": roles}, target, details)


async def _merge(tx: Tx, ctx: Context, given: MergeCustomersInput) -> Outcome:
    first = await _party(tx, ctx, given.first_id, "customer", "Customer")
    second = await _party(tx, ctx, given.second_id, "customer", "Customer")
    merged = await merges.merge_parties(tx, first.id, second.id, decided_by=_actor(ctx))
    if merged is None:
        raise ClientError("These customers cannot be merged: one has no source records.")
    result = {
        "decision": merged.decision_id,
        "moved": list(merged.moved_records),
        "keys": [merged.survivor_id],
    }
    return Outcome(result, merged.survivor_id, result)


async def _split(tx: Tx, ctx: Context, given: SplitCustomerInput) -> Outcome:
    party = await _party(tx, ctx, given.id, "customer", "Customer")
    split = await merges.split_party(tx, party.id, list(given.source_ids), decided_by=_actor(ctx))
    if split is None:
        raise ClientError(f"No customer with id {given.id!r}.")
    return _split_outcome(split)


def _split_outcome(split: merges.Split) -> Outcome:
    result = {
        "decision": split.decision_id,
        "moved": list(split.moved_records),
        "keys": [split.remaining_id, split.new_party_id],
    }
    return Outcome(result, split.party_id, result)


async def _unmerge(tx: Tx, ctx: Context, given: UnmergeCustomersInput) -> Outcome:
    split = await merges.unmerge(tx, given.merge_id, decided_by=_actor(ctx))
    if split is None:
        raise ClientError(f"No merge with id {given.merge_id!r}.")
    return _split_outcome(split)


async def _erase(tx: Tx, ctx: Context, given: EraseCustomerInput) -> Outcome:
    key = _key(given.id, Family.PARTY, "customer")
    erased = await erase.erase_party(tx, key)
    if erased is None:
        raise ClientError(f"No customer with id {given.id!r}.")
    counts = {**erase.counts(erased), "receipts": await receipts.forget(tx, key)}
    return Outcome({"key": key, "counts": counts}, key, counts)


def _identity(cmid: str, replayed: bool, result: dict[str, Any]) -> IdentityPayload:
    return IdentityPayload(
        client_mutation_id=cmid, replayed=replayed, decision_id=result["decision"],
        moved_source_ids=result["moved"], keys=result["keys"],
    )  # fmt: skip


Step = Callable[[Tx, Context, Any], Awaitable[Outcome]]


async def _send(info: Info[Context, None], action: str, given: Any, step: Step) -> Done:
    """Run one mutation's step for its input, once per client mutation id (`mutation_run.run`)."""
    ctx = info.context
    check_sizes(given)
    return await run(ctx, action, given.client_mutation_id, _given(given),
                     lambda tx: step(tx, ctx, given))  # fmt: skip


INPUT = strawberry.argument(
    description="What to write, with the `clientMutationId` that makes a resend a replay."
)


@strawberry.type(
    description="The write entry points; each runs once per caller and `clientMutationId`."
)
class Mutation:
    @mutation(description="Create a customer, or update one's details.")
    async def upsert_customer(
        self, info: Info[Context, None], input: Annotated[CustomerInput, INPUT]
    ) -> CustomerPayload:
        done = await _send(info, "customer.upsert", input, _upsert)
        return CustomerPayload(
            client_mutation_id=input.client_mutation_id, created=done.result["created"],
            replayed=done.replayed, key=done.result["key"],
        )  # fmt: skip

    @mutation(description="Record a touchpoint with a customer.")
    async def record_interaction(
        self, info: Info[Context, None], input: Annotated[InteractionInput, INPUT]
    ) -> InteractionPayload:
        done = await _send(info, "interaction.record", input, _interaction)
        return InteractionPayload(
            client_mutation_id=input.client_mutation_id, replayed=done.replayed,
            key=done.result["key"],
        )  # fmt: skip

    @mutation(description="Record a purchase.")
    async def record_order(
        self, info: Info[Context, None], input: Annotated[OrderInput, INPUT]
    ) -> OrderPayload:
        done = await _send(info, "order.record", input, _order)
        return OrderPayload(
            client_mutation_id=input.client_mutation_id, replayed=done.replayed,
            key=done.result["key"],
        )  # fmt: skip

    @mutation(description="Record an NPS answer.")
    async def record_survey_response(
        self, info: Info[Context, None], input: Annotated[SurveyResponseInput, INPUT]
    ) -> SurveyResponsePayload:
        done = await _send(info, "survey_response.record", input, _survey)
        return SurveyResponsePayload(
            client_mutation_id=input.client_mutation_id, replayed=done.replayed,
            key=done.result["key"],
        )  # fmt: skip

    @mutation(description="Record that a customer or broker referred a customer.")
    async def record_referral(
        self, info: Info[Context, None], input: Annotated[ReferralInput, INPUT]
    ) -> ReferralPayload:
        done = await _send(info, "referral.record", input, _referral)
        return ReferralPayload(
            client_mutation_id=input.client_mutation_id, replayed=done.replayed,
            source_id=done.result["key"],
        )  # fmt: skip

    @mutation(description="Set, change or remove a person's committee seat.")
    async def set_committee_membership(
        self, info: Info[Context, None], input: Annotated[CommitteeMembershipInput, INPUT]
    ) -> CommitteeMembershipPayload:
        done = await _send(info, "committee.set", input, _committee)
        return CommitteeMembershipPayload(
            client_mutation_id=input.client_mutation_id, replayed=done.replayed,
            removed=done.result["removed"], roles=done.result["roles"],
        )  # fmt: skip

    @mutation(description="Merge two customers into one; undo with `unmergeCustomers`.")
    async def merge_customers(
        self, info: Info[Context, None], input: Annotated[MergeCustomersInput, INPUT]
    ) -> IdentityPayload:
        done = await _send(info, "customer.merge", input, _merge)
        return _identity(input.client_mutation_id, done.replayed, done.result)

    @mutation(description="Move source records out of a customer into a new one.")
    async def split_customer(
        self, info: Info[Context, None], input: Annotated[SplitCustomerInput, INPUT]
    ) -> IdentityPayload:
        done = await _send(info, "customer.split", input, _split)
        return _identity(input.client_mutation_id, done.replayed, done.result)

    @mutation(description="Undo a merge made by `mergeCustomers`.")
    async def unmerge_customers(
        self, info: Info[Context, None], input: Annotated[UnmergeCustomersInput, INPUT]
    ) -> IdentityPayload:
        done = await _send(info, "customer.unmerge", input, _unmerge)
        return _identity(input.client_mutation_id, done.replayed, done.result)

    @mutation(
        description="Erase a customer's personal data and source records everywhere, keeping "
        "anonymised facts (orders, scores) so portfolio figures stay the same."
    )
    async def erase_customer(
        self, info: Info[Context, None], input: Annotated[EraseCustomerInput, INPUT]
    ) -> ErasurePayload:
        done = await _send(info, "customer.erase", input, _erase)
        return ErasurePayload(
            client_mutation_id=input.client_mutation_id, replayed=done.replayed,
            erased_id=strawberry.ID(global_id(Family.PARTY, done.result["key"])),
            counts=done.result["counts"],
        )  # fmt: skip
