"""Personal data a caller sees only with the `pii` scope, per property (documented in docs/api.md).

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
