"""Personal data a caller sees only with the `pii` scope, per property (documented in docs/api.md).

Masked properties read as null in every statement the API renders (compiled or not), whatever the
node: e-mail, phone, street and house number, date of birth, national id, the ids other systems
give the party, and a source record's raw `data` (which holds all of these).
"""

from __future__ import annotations

PII_PROPERTIES: frozenset[str] = frozenset(
    {"email", "phone", "street", "streetNumber", "dateOfBirth", "nationalId", "externalIds", "data"}
)
