"""What reads as null for a caller: personal data without the `pii` scope, and stored aggregates
over populations for a scoped caller (documented in docs/api.md).

Masked properties read as null in every statement the API renders (compiled or not), whatever the
node: e-mail, phone, street and house number, date of birth, national id, the ids other systems
give the party, and a source record's raw `data` (which holds all of these).

Nor are they searched: the full-text search (`party_text` over `name`, `email` and `phone`) matches only
the indexed properties that are not masked, so a search is no oracle for an e-mail address.
"""

from __future__ import annotations

PII_PROPERTIES: frozenset[str] = frozenset(
    {"email", "phone", "street", "streetNumber", "dateOfBirth", "nationalId", "externalIds", "data"}
)

# Stored aggregates (`c360 metrics compute`) counted over every party, whoever may see it: a scoped
# caller (a partner, an account team restricted to its accounts) reads them as null, so no figure
# counts past its scope; it gets figures computed within its scope from `partnerNetwork`,
# `referralTree`, `nextProducts`, `portfolio`, `Product.revenue` and `Broker.bookValue` (computed live, in scope).
SCOPED_AGGREGATES: frozenset[str] = frozenset(
    {
        "buyers", "repeatPurchaseRate",  # every buyer of a product
        "accountValue", "committeeSize", "committeeEngaged", "committeeEngagement",
        "healthScore",  # an organization's people, committee and their answers
        "householdValue", "memberCount",  # a household's members
        "referralValue", "networkValue",  # whom a customer or broker referred, down 10 levels
        "customersBrought", "conversionRate", "retentionRate", "networkSize",
    }
)  # fmt: skip


def masked(pii: bool, scoped: bool) -> frozenset[str]:
    """The properties that read as null for a caller with (or without) the `pii` scope and with
    (or without) a read scope."""
    return (frozenset() if pii else PII_PROPERTIES) | (SCOPED_AGGREGATES if scoped else frozenset())


# The properties the `party_text` full-text index covers (`graph/migrations.py`).
SEARCHED: tuple[str, ...] = ("name", "email", "phone")


def search_text(query: str, masked: frozenset[str]) -> str:
    """A full-text query (Lucene syntax, every special character of its words escaped) restricted
    to the searched properties that are not masked: `name:(query)` without the `pii` scope."""
    fields = [f for f in SEARCHED if f not in masked]
    if len(fields) == len(SEARCHED):
        return query
    if not fields:
        raise ValueError("every property the full-text index covers is masked")
    return " OR ".join(f"{f}:({query})" for f in fields)
