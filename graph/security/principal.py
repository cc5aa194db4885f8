"""Who is asking: the authenticated caller every layer sees (`request.state.principal`).

Built by `api/auth/middleware.py` from a bearer token or an API key; read by `schema/` to decide what the caller
may see and by `graph/security/audit.py` to say who did what.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"  # everything: reads, mutations, operator tasks
    ANALYST = "analyst"  # reads everything, metrics and KPIs included
    ACCOUNT_TEAM = "account_team"  # customers and accounts, optionally only those it owns
    FRONTEND = "frontend"  # customer views
    PARTNER = "partner"  # its own broker node and referral network, nothing else


class Kind(StrEnum):
    TOKEN = "token"  # noqa: S105 (a bearer JWT)
    APIKEY = "apikey"  # a `c360_<id>_<secret>` key
    ANONYMOUS = "anonymous"  # authentication disabled (development only)


PII = "pii"  # personal data unmasked
WRITE = "write"  # the mutations `schema/access.py` opens to account teams and frontends
# The scopes the API knows; tokens may carry others, which mean nothing.
SCOPES = frozenset({PII, WRITE})


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller.

    `id` is the token's `sub` or the API key's id. `broker_id` is set for partners (and only for
    them). `owned_accounts_only` restricts an account team to the accounts whose owner is the
    employee party `id` (`(:Party {id})-[:OWNS_ACCOUNT]->(account)`).
    """

    id: str
    role: Role
    kind: Kind
    broker_id: str | None = None
    scopes: frozenset[str] = frozenset()
    owned_accounts_only: bool = False

    @property
    def key(self) -> str:
        """A stable key for per-caller state (rate limits): a token subject never collides with a key id."""
        return f"{self.kind}:{self.id}"

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


ANONYMOUS = Principal(id="anonymous", role=Role.ADMIN, kind=Kind.ANONYMOUS, scopes=SCOPES)


class PrincipalError(ValueError):
    """A combination of role and claims that no principal may have."""


def principal(
    id: str,
    role: Role,
    kind: Kind,
    *,
    broker_id: str | None = None,
    scopes: frozenset[str] = frozenset(),
    owned_accounts_only: bool = False,
) -> Principal:
    """A checked principal: partners need a broker, only partners have one, only account teams
    may be restricted to their owned accounts."""
    if not id:
        raise PrincipalError("the subject is empty")
    if role is Role.PARTNER and not broker_id:
        raise PrincipalError("a partner needs a broker id")
    if role is not Role.PARTNER and broker_id is not None:
        raise PrincipalError("only partners have a broker id")
    if owned_accounts_only and role is not Role.ACCOUNT_TEAM:
        raise PrincipalError("only account teams may be restricted to their owned accounts")
    return Principal(id, role, kind, broker_id, scopes, owned_accounts_only)
