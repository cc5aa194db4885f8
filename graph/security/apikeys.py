"""API keys for server-to-server callers: `c360_<id>_<secret>`, shown once, stored hashed.

A key is an `:ApiKey {id, name, role, brokerId, scopes, hash, createdAt, expiresAt, revokedAt}`
node. `hash` is HMAC-SHA256 of `<id>:<secret>` keyed by a server pepper (`AUTH_APIKEY_PEPPER`):
the secret itself is never stored, and a stolen database alone does not let anyone check guesses.
Every creation, listing and revocation writes an audit entry in the same transaction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass, field
from typing import Any, LiteralString

from neo4j import AsyncDriver, AsyncManagedTransaction

from graph import writes
from graph.errors import InputRefused
from graph.read.run import read
from graph.security import audit
from graph.security.audit import Action, Actor
from graph.security.principal import Kind, Principal, PrincipalError, Role, principal

PREFIX = "c360_"
_KEY = re.compile(r"c360_([0-9a-f]{16})_([A-Za-z0-9_-]{43})")


class ApiKeyError(ValueError):
    """A key that cannot be created as asked."""


@dataclass(frozen=True, slots=True)
class ApiKey:
    id: str
    name: str
    role: Role
    broker_id: str | None
    scopes: frozenset[str]
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    hash: str = field(repr=False)

    def status(self, now: dt.datetime) -> str:
        """`revoked`, `expired` or `active`."""
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if now >= self.expires_at else "active"

    def principal(self) -> Principal:
        return Principal(self.id, self.role, Kind.APIKEY, self.broker_id, self.scopes)


def new_key() -> tuple[str, str]:
    """A fresh (id, secret): 64 random bits of id, 256 of secret."""
    return secrets.token_hex(8), secrets.token_urlsafe(32)


def format_key(key_id: str, secret: str) -> str:
    return f"{PREFIX}{key_id}_{secret}"


def parse_key(text: str) -> tuple[str, str] | None:
    """(id, secret) of a well-formed key, None otherwise."""
    found = _KEY.fullmatch(text)
    return (found[1], found[2]) if found else None


def digest(pepper: str, key_id: str, secret: str) -> str:
    return hmac.new(pepper.encode(), f"{key_id}:{secret}".encode(), hashlib.sha256).hexdigest()


def matches(key: ApiKey, secret: str, pepper: str) -> bool:
    """Whether `secret` is this key's, compared in constant time."""
    return hmac.compare_digest(key.hash, digest(pepper, key.id, secret))


BROKER_EXISTS: LiteralString = "MATCH (b:Party:Broker {id: $id}) RETURN count(b) > 0 AS found"

CREATE: LiteralString = """
CREATE (k:ApiKey {id: $id, name: $name, role: $role, brokerId: $brokerId, scopes: $scopes,
                  hash: $hash, createdAt: $createdAt, expiresAt: $expiresAt, revokedAt: null})
RETURN k {.*} AS k
"""

GET: LiteralString = "MATCH (k:ApiKey {id: $id}) RETURN k {.*} AS k"

LIST: LiteralString = "MATCH (k:ApiKey) RETURN k {.*} AS k ORDER BY k.createdAt, k.id"

REVOKE: LiteralString = """
MATCH (k:ApiKey {id: $id})
WITH k, k.revokedAt IS NOT NULL AS already
SET k.revokedAt = coalesce(k.revokedAt, $now)
RETURN k {.*} AS k, already
"""


async def known_broker(tx: AsyncManagedTransaction, broker_id: str) -> bool:
    """Whether a broker party has this id (checked before a partner credential is made)."""
    record = await (await tx.run(BROKER_EXISTS, {"id": broker_id})).single(strict=True)
    return bool(record["found"])


async def audit_token_issue(
    driver: AsyncDriver,
    database: str,
    actor: Actor,
    subject: str,
    broker_id: str | None,
    details: dict[str, Any],
) -> None:
    """Audit the issue of a token for `subject` (one write transaction, `graph.writes.write`);
    `InputRefused` when `broker_id` names no broker, and nothing is written then."""

    async def work(tx: AsyncManagedTransaction) -> None:
        if broker_id is not None and not await known_broker(tx, broker_id):
            raise InputRefused(f"no broker has the id {broker_id!r}")
        await audit.record(tx, actor, Action.TOKEN_ISSUE, subject, details)

    await writes.write(driver, database, work, None)


async def create(
    driver: AsyncDriver,
    database: str,
    actor: Actor,
    *,
    name: str,
    role: Role,
    expires_at: dt.datetime,
    pepper: str,
    broker_id: str | None = None,
    scopes: frozenset[str] = frozenset(),
) -> tuple[ApiKey, str]:
    """Store a new key and audit it; returns the key and its full text (shown once, never stored)."""
    name = name.strip()
    if not name:
        raise ApiKeyError("a key needs a name")
    now = dt.datetime.now(dt.UTC)
    if expires_at <= now:
        raise ApiKeyError("the expiry is in the past")
    key_id, secret = new_key()
    try:
        principal(key_id, role, Kind.APIKEY, broker_id=broker_id, scopes=scopes)
    except PrincipalError as exc:
        raise ApiKeyError(str(exc)) from None

    async def work(tx: AsyncManagedTransaction) -> ApiKey:
        if broker_id is not None and not await known_broker(tx, broker_id):
            raise ApiKeyError(f"no broker has the id {broker_id!r}")
        params = {
            "id": key_id,
            "name": name,
            "role": role.value,
            "brokerId": broker_id,
            "scopes": sorted(scopes),
            "hash": digest(pepper, key_id, secret),
            "createdAt": now,
            "expiresAt": expires_at,
        }
        record = await (await tx.run(CREATE, params)).single(strict=True)
        details: dict[str, Any] = {"name": name, "role": role.value, "brokerId": broker_id}
        details |= {"scopes": sorted(scopes), "expiresAt": expires_at.isoformat()}
        await audit.record(tx, actor, Action.APIKEY_CREATE, key_id, details)
        return _key(record["k"])

    key = await writes.write(driver, database, work, None)
    return key, format_key(key_id, secret)


async def get(driver: AsyncDriver, database: str, key_id: str) -> ApiKey | None:
    """One key by id (no audit: this is the per-request lookup, cached by the caller)."""
    records = await read(driver, database, GET, {"id": key_id}, None)
    return _key(records[0]["k"]) if records else None


async def list_keys(driver: AsyncDriver, database: str, actor: Actor) -> list[ApiKey]:
    """Every key, oldest first; the listing is audited."""

    async def work(tx: AsyncManagedTransaction) -> list[ApiKey]:
        keys = [_key(r["k"]) async for r in await tx.run(LIST)]
        await audit.record(tx, actor, Action.APIKEY_LIST, None, {"count": len(keys)})
        return keys

    return await writes.write(driver, database, work, None)


async def revoke(driver: AsyncDriver, database: str, actor: Actor, key_id: str) -> ApiKey | None:
    """Revoke a key (idempotent: the first revocation time stays); None when no key has this id."""

    async def work(tx: AsyncManagedTransaction) -> ApiKey | None:
        params = {"id": key_id, "now": dt.datetime.now(dt.UTC)}
        record = await (await tx.run(REVOKE, params)).single()
        if record is None:
            return None
        key = _key(record["k"])
        details = {"name": key.name, "alreadyRevoked": record["already"]}
        await audit.record(tx, actor, Action.APIKEY_REVOKE, key_id, details)
        return key

    return await writes.write(driver, database, work, None)


def _key(props: dict[str, Any]) -> ApiKey:
    revoked = props.get("revokedAt")
    return ApiKey(
        id=props["id"],
        name=props["name"],
        role=Role(props["role"]),
        broker_id=props.get("brokerId"),
        scopes=frozenset(props.get("scopes") or ()),
        created_at=props["createdAt"].to_native(),
        expires_at=props["expiresAt"].to_native(),
        revoked_at=revoked.to_native() if revoked is not None else None,
        hash=props["hash"],
    )
