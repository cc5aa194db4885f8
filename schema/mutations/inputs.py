"""Inputs of the mutations: every one carries the client's `clientMutationId` (idempotency).

Every text input holds at most `MAX_TEXT` (500) characters, a survey's `comment` `MAX_LONG_TEXT`
(5,000), a `clientMutationId` 200 (`schema/mutations/run.py`); every list at most `MAX_ITEMS`
(100) items. `check_sizes` refuses more before anything runs (the records' validation in
`graph/ingest/records.py` holds the same bounds for every source).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import strawberry

from graph.ingest.records import MAX_LONG_TEXT, MAX_TEXT
from schema.enums import Channel, CommitteeRole, CustomerStatus, Direction, PartyKind
from schema.errors import ClientError
from schema.scalars import Date, DateTime

CLIENT_ID = "Chosen by the client, unique per intended change: sending the same mutation again with " \
    "it returns the first result and writes nothing."  # fmt: skip


@strawberry.input(
    description="A customer to create (no `id`: `kind` needed) or to update (`id`). Omitted or "
    "null fields are left as they are; given ones win over every source, as the newest record."
)
class CustomerInput:
    client_mutation_id: str = strawberry.field(description=CLIENT_ID)
    id: strawberry.ID | None = None
    kind: PartyKind | None = None
    name: str | None = None
    given_name: str | None = None
    surname: str | None = None
    email: str | None = None
    phone: str | None = None
    date_of_birth: Date | None = None
    street_number: str | None = None
    street: str | None = None
    locality: str | None = None
    postcode: str | None = None
    state: str | None = None
    country: str | None = strawberry.field(default=None, description="ISO 3166 alpha-2.")
    national_id: str | None = None
    status: CustomerStatus | None = None
    segment: str | None = None
    domain: str | None = None
    industry: str | None = None
    size: int | None = None


@strawberry.input(description="A touchpoint with a customer.")
class InteractionInput:
    client_mutation_id: str = strawberry.field(description=CLIENT_ID)
    customer_id: strawberry.ID
    at: DateTime
    channel: Channel
    direction: Direction | None = None
    type: str | None = None
    outcome: str | None = None
    sentiment: float | None = strawberry.field(default=None, description="-1 to 1.")
    product_id: strawberry.ID | None = None
    employee_id: strawberry.ID | None = None


@strawberry.input(description="One line of an order.")
class OrderLineInput:
    product_id: strawberry.ID
    quantity: int
    amount: float = strawberry.field(description="The line's total, in the order's currency.")


@strawberry.input(description="A purchase; its amount is the sum of its lines.")
class OrderInput:
    client_mutation_id: str = strawberry.field(description=CLIENT_ID)
    customer_id: strawberry.ID
    date: Date
    lines: list[OrderLineInput] = strawberry.field(description="1 to 100 lines.")
    currency: str = "USD"
    status: str | None = None


@strawberry.input(description="An NPS answer.")
class SurveyResponseInput:
    client_mutation_id: str = strawberry.field(description=CLIENT_ID)
    customer_id: strawberry.ID
    at: DateTime
    score: int = strawberry.field(description="0 to 10.")
    survey: str | None = None
    comment: str | None = None


@strawberry.input(description="A referral: a customer or broker brought in a customer.")
class ReferralInput:
    client_mutation_id: str = strawberry.field(description=CLIENT_ID)
    referrer_id: strawberry.ID
    referred_id: strawberry.ID
    date: Date
    channel: str | None = None
    incentive: float | None = None
    currency: str | None = None


@strawberry.input(
    description="A person's seat on an account's or a deal's buying committee (exactly one of "
    "`accountId`, `dealId`): the roles replace whatever any source said; no roles removes the seat."
)
class CommitteeMembershipInput:
    client_mutation_id: str = strawberry.field(description=CLIENT_ID)
    person_id: strawberry.ID
    account_id: strawberry.ID | None = None
    deal_id: strawberry.ID | None = None
    roles: list[CommitteeRole]
    influence: float | None = strawberry.field(default=None, description="0 to 1.")
    primary: bool = False


@strawberry.input(description="Two customers who are one (manual identity resolution).")
class MergeCustomersInput:
    client_mutation_id: str = strawberry.field(description=CLIENT_ID)
    first_id: strawberry.ID
    second_id: strawberry.ID


@strawberry.input(description="Source records of a customer that belong to someone else.")
class SplitCustomerInput:
    client_mutation_id: str = strawberry.field(description=CLIENT_ID)
    id: strawberry.ID
    source_ids: list[str] = strawberry.field(description="`system:recordId` of each record.")


@strawberry.input(description="A manual merge to undo.")
class UnmergeCustomersInput:
    client_mutation_id: str = strawberry.field(description=CLIENT_ID)
    merge_id: str


@strawberry.input(description="A customer to erase (right to erasure).")
class EraseCustomerInput:
    client_mutation_id: str = strawberry.field(description=CLIENT_ID)
    id: strawberry.ID


MAX_ITEMS = 100
LONG_TEXT = frozenset({"comment"})


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p.title() for p in rest)


def _problem(value: Any, where: str) -> str | None:
    """The first text or list of `value` (an input, a list, a scalar) over its bound."""
    if isinstance(value, str):
        name = where.rsplit(".", 1)[-1].split("[", 1)[0]
        most = MAX_LONG_TEXT if name in LONG_TEXT else MAX_TEXT
        if len(value) > most:
            return f"{where}: at most {most} characters, not {len(value)}"
        return None
    if isinstance(value, list):
        if len(value) > MAX_ITEMS:
            return f"{where}: at most {MAX_ITEMS} items, not {len(value)}"
        return next((p for i, v in enumerate(value) if (p := _problem(v, f"{where}[{i}]"))), None)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            path = f"{where}.{_camel(f.name)}" if where else _camel(f.name)
            found = _problem(getattr(value, f.name), path)
            if found is not None:
                return found
    return None


def check_sizes(given: Any) -> None:
    """Refuse (BAD_USER_INPUT) an input with a text or a list over its bound."""
    found = _problem(given, "")
    if found is not None:
        raise ClientError(f"Invalid input: {found}.")
