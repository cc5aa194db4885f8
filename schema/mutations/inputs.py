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
    id: strawberry.ID | None = strawberry.field(
        default=None, description="The global id or key of the customer to update; null: create."
    )
    kind: PartyKind | None = strawberry.field(
        default=None, description="Person, household or organization (needed to create)."
    )
    name: str | None = strawberry.field(default=None, description="Display name.")
    given_name: str | None = strawberry.field(default=None, description="A person's given name.")
    surname: str | None = strawberry.field(default=None, description="A person's family name.")
    email: str | None = strawberry.field(
        default=None, description="E-mail address (stored lower-cased)."
    )
    phone: str | None = strawberry.field(
        default=None, description="Phone number (stored as E.164)."
    )
    date_of_birth: Date | None = strawberry.field(
        default=None, description="A person's date of birth."
    )
    street_number: str | None = strawberry.field(default=None, description="House number.")
    street: str | None = strawberry.field(default=None, description="Street.")
    locality: str | None = strawberry.field(default=None, description="Town or city.")
    postcode: str | None = strawberry.field(default=None, description="Postal code.")
    state: str | None = strawberry.field(default=None, description="State or region.")
    country: str | None = strawberry.field(default=None, description="ISO 3166 alpha-2.")
    national_id: str | None = strawberry.field(
        default=None, description="A person's national id number."
    )
    status: CustomerStatus | None = strawberry.field(
        default=None, description="Prospect, active or former."
    )
    segment: str | None = strawberry.field(default=None, description="Its segment.")
    domain: str | None = strawberry.field(default=None, description="An organization's web domain.")
    industry: str | None = strawberry.field(default=None, description="An organization's industry.")
    size: int | None = strawberry.field(default=None, description="An organization's headcount.")


@strawberry.input(description="A touchpoint with a customer.")
class InteractionInput:
    client_mutation_id: str = strawberry.field(description=CLIENT_ID)
    customer_id: strawberry.ID = strawberry.field(description="The customer's global id or key.")
    at: DateTime = strawberry.field(description="When it happened.")
    channel: Channel = strawberry.field(description="The channel it was on.")
    direction: Direction | None = strawberry.field(default=None, description="Who started it.")
    type: str | None = strawberry.field(default=None, description="Its type (free text).")
    outcome: str | None = strawberry.field(default=None, description="Its outcome (free text).")
    sentiment: float | None = strawberry.field(default=None, description="-1 to 1.")
    product_id: strawberry.ID | None = strawberry.field(
        default=None, description="The product it was about (global id or key)."
    )
    employee_id: strawberry.ID | None = strawberry.field(
        default=None, description="Our employee who handled it (global id or key)."
    )


@strawberry.input(description="One line of an order.")
class OrderLineInput:
    product_id: strawberry.ID = strawberry.field(description="The product's global id or key.")
    quantity: int = strawberry.field(description="Units ordered (at least 1).")
    amount: float = strawberry.field(description="The line's total, in the order's currency.")


@strawberry.input(description="A purchase; its amount is the sum of its lines.")
class OrderInput:
    client_mutation_id: str = strawberry.field(description=CLIENT_ID)
    customer_id: strawberry.ID = strawberry.field(description="The customer's global id or key.")
    date: Date = strawberry.field(description="When it was placed.")
    lines: list[OrderLineInput] = strawberry.field(description="1 to 100 lines.")
    currency: str = strawberry.field(
        default="USD", description="ISO 4217 code of every line's amount."
    )
    status: str | None = strawberry.field(default=None, description="Its status (free text).")


@strawberry.input(description="An NPS answer.")
class SurveyResponseInput:
    client_mutation_id: str = strawberry.field(description=CLIENT_ID)
    customer_id: strawberry.ID = strawberry.field(description="The customer's global id or key.")
    at: DateTime = strawberry.field(description="When it was answered.")
    score: int = strawberry.field(description="0 to 10.")
    survey: str | None = strawberry.field(default=None, description="The survey's name.")
    comment: str | None = strawberry.field(
        default=None, description="A free-text comment (at most 5,000 characters)."
    )


@strawberry.input(description="A referral: a customer or broker brought in a customer.")
class ReferralInput:
    client_mutation_id: str = strawberry.field(description=CLIENT_ID)
    referrer_id: strawberry.ID = strawberry.field(
        description="The referring customer's or broker's global id or key."
    )
    referred_id: strawberry.ID = strawberry.field(
        description="The referred customer's global id or key."
    )
    date: Date = strawberry.field(description="When the referral was made.")
    channel: str | None = strawberry.field(
        default=None, description="How the referral came (free text)."
    )
    incentive: float | None = strawberry.field(
        default=None, description="The incentive paid, in `currency`."
    )
    currency: str | None = strawberry.field(
        default=None, description="ISO 4217 code of `incentive`."
    )


@strawberry.input(
    description="A person's seat on an account's or a deal's buying committee (exactly one of "
    "`accountId`, `dealId`): the roles replace whatever any source said; no roles removes the seat."
)
class CommitteeMembershipInput:
    client_mutation_id: str = strawberry.field(description=CLIENT_ID)
    person_id: strawberry.ID = strawberry.field(description="The person's global id or key.")
    account_id: strawberry.ID | None = strawberry.field(
        default=None, description="The organization's global id or key."
    )
    deal_id: strawberry.ID | None = strawberry.field(
        default=None, description="The deal's global id or key."
    )
    roles: list[CommitteeRole] = strawberry.field(
        description="The roles held on the committee (empty: remove the seat)."
    )
    influence: float | None = strawberry.field(default=None, description="0 to 1.")
    primary: bool = strawberry.field(
        default=False, description="Whether this is the person's primary seat."
    )


@strawberry.input(description="Two customers who are one (manual identity resolution).")
class MergeCustomersInput:
    client_mutation_id: str = strawberry.field(description=CLIENT_ID)
    first_id: strawberry.ID = strawberry.field(description="One customer's global id or key.")
    second_id: strawberry.ID = strawberry.field(
        description="The other customer's global id or key."
    )


@strawberry.input(description="Source records of a customer that belong to someone else.")
class SplitCustomerInput:
    client_mutation_id: str = strawberry.field(description=CLIENT_ID)
    id: strawberry.ID = strawberry.field(description="The customer's global id or key.")
    source_ids: list[str] = strawberry.field(description="`system:recordId` of each record.")


@strawberry.input(description="A manual merge to undo.")
class UnmergeCustomersInput:
    client_mutation_id: str = strawberry.field(description=CLIENT_ID)
    merge_id: str = strawberry.field(description="The `decisionId` that `mergeCustomers` returned.")


@strawberry.input(description="A customer to erase (right to erasure).")
class EraseCustomerInput:
    client_mutation_id: str = strawberry.field(description=CLIENT_ID)
    id: strawberry.ID = strawberry.field(description="The customer's global id or key.")


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
