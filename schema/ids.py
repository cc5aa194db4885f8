"""Global ids: opaque, url-safe base64 of `Family:key` (the label a node is found by, its `id`).

Every party has one global id whatever type it shows as (a broker that is also a customer), so
`node`, `customer`, `broker` and `account` all accept it. Roots that take a party, deal or product
also accept its key (`system:recordId`, the `key` field, e.g. `partners:BR00001`): a key always
has a colon, which url-safe base64 never has (`parse_id`).
"""

from __future__ import annotations

import base64
import binascii

from graph.read.positions import Family
from schema.errors import ClientError

_FAMILIES = {f.value: f for f in Family}


def global_id(family: Family, key: str) -> str:
    return base64.urlsafe_b64encode(f"{family.value}:{key}".encode()).decode().rstrip("=")


def parse_id(value: str, family: Family) -> tuple[Family, str]:
    """A global id, or a key of `family` (anything with a colon); ClientError when neither."""
    if ":" in value:
        key = value.strip()
        if key.startswith(":") or key.endswith(":"):
            raise ClientError(f"Not a valid id or key: {value!r}.")
        return family, key
    return parse_global_id(value)


def parse_global_id(value: str) -> tuple[Family, str]:
    """(family, key) of a global id; a ClientError (BAD_USER_INPUT) when it is not one."""
    try:
        raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ClientError(f"Not a valid id: {value!r}.") from None
    family, _, key = raw.partition(":")
    if family not in _FAMILIES or not key:
        raise ClientError(f"Not a valid id: {value!r}.")
    return _FAMILIES[family], key
