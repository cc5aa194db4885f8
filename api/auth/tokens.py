"""Bearer JWTs: HS256 with the configured secret, RS256 with a JWKS key, nothing else.

The algorithm is pinned by the key, never taken on trust from the token: an HS256 token is checked
only against `AUTH_JWT_SECRET`, an RS256 token only against an RSA key of the JWKS. So `alg: none`,
other algorithms and the confusion attack (an HS256 token "signed" with the RSA public key as the
HMAC secret) are all refused. `exp`, `iss`, `aud` and `sub` are required; `nbf` and `iat` are
checked when present.

Claims: `sub`, `role` (admin, analyst, account_team, frontend, partner), `broker` (partners, and
only them), `scope` (space-separated, e.g. "pii"), `accounts: "owned"` (account teams restricted
to the accounts their employee `sub` owns).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
import time
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jwt
from jwt import PyJWK, PyJWKSet

from api.auth.errors import AuthError, AuthUnavailable
from graph.config import Settings
from graph.security.principal import Kind, Principal, PrincipalError, Role, principal

log = logging.getLogger("customer360.auth")

HS256 = "HS256"
RS256 = "RS256"
MIN_SECRET_BYTES = 32
REFETCH_AFTER_S = 30.0  # an unknown `kid` refetches the JWKS at most this often
MAX_JWKS_BYTES = 1_000_000
ROLES = frozenset(r.value for r in Role)

_REASONS: tuple[tuple[type[jwt.PyJWTError], str], ...] = (
    (jwt.ExpiredSignatureError, "The token has expired."),
    (jwt.ImmatureSignatureError, "The token is not valid yet."),
    (jwt.InvalidAudienceError, "The token is meant for another audience."),
    (jwt.InvalidIssuerError, "The token comes from an unknown issuer."),
    (jwt.InvalidSignatureError, "The token's signature is invalid."),
    (jwt.MissingRequiredClaimError, "The token lacks a required claim."),
)


def secret_bytes(settings: Settings) -> bytes | None:
    """The HS256 secret, or None; a secret shorter than 32 bytes is a configuration error."""
    if settings.auth_jwt_secret is None:
        return None
    secret = settings.auth_jwt_secret.get_secret_value().encode()
    if len(secret) < MIN_SECRET_BYTES:
        raise ValueError(f"AUTH_JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes")
    return secret


def sign(
    settings: Settings, who: Principal, ttl: dt.timedelta, now: dt.datetime | None = None
) -> tuple[str, dict[str, Any]]:
    """An HS256 token for `who`, valid from now for `ttl`, and its claims."""
    secret = secret_bytes(settings)
    if secret is None:
        raise ValueError("AUTH_JWT_SECRET is not set: tokens cannot be signed")
    issued = int((now or dt.datetime.now(dt.UTC)).timestamp())
    claims: dict[str, Any] = {
        "iss": settings.auth_jwt_issuer,
        "aud": settings.auth_jwt_audience,
        "sub": who.id,
        "role": who.role.value,
        "iat": issued,
        "nbf": issued,
        "exp": issued + int(ttl.total_seconds()),
        "jti": uuid.uuid4().hex,
    }
    if who.broker_id is not None:
        claims["broker"] = who.broker_id
    if who.scopes:
        claims["scope"] = " ".join(sorted(who.scopes))
    if who.owned_accounts_only:
        claims["accounts"] = "owned"
    return jwt.encode(claims, secret, algorithm=HS256), claims


def principal_of(claims: dict[str, Any]) -> Principal:
    """The principal a verified token's claims describe."""
    sub, role, broker = claims.get("sub"), claims.get("role"), claims.get("broker")
    scope, accounts = claims.get("scope", ""), claims.get("accounts", "all")
    if not isinstance(sub, str) or not isinstance(role, str) or role not in ROLES:
        raise AuthError("The token has no valid `sub` and `role`.")
    if not (broker is None or isinstance(broker, str)) or not isinstance(scope, str):
        raise AuthError("The token's `broker` and `scope` must be strings.")
    if accounts not in ("all", "owned"):
        raise AuthError('The token\'s `accounts` must be "all" or "owned".')
    try:
        return principal(
            sub,
            Role(role),
            Kind.TOKEN,
            broker_id=broker,
            scopes=frozenset(scope.split()),
            owned_accounts_only=accounts == "owned",
        )
    except PrincipalError as exc:
        raise AuthError(f"The token's claims do not fit together: {exc}.") from None


class Jwks:
    """The RS256 keys of a JWKS file or URL, cached for `cache_s`; refetched for an unknown `kid`.

    A URL is fetched in a worker thread with a timeout. When a refetch fails, the keys already
    known stay in use (and the failure is logged); with none known, tokens cannot be checked (503).
    """

    def __init__(
        self,
        location: str,
        timeout_s: float,
        cache_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.location = location
        self.timeout_s = timeout_s
        self.cache_s = cache_s
        self.clock = clock
        self._keys: list[PyJWK] | None = None
        self._fetched = -float("inf")
        self._lock = asyncio.Lock()

    async def key(self, kid: str | None) -> PyJWK:
        age = self.clock() - self._fetched
        if self._keys is None or age >= self.cache_s:
            await self._refresh()
        found = self._pick(kid)
        if found is None and self.clock() - self._fetched >= REFETCH_AFTER_S:
            await self._refresh()
            found = self._pick(kid)
        if found is None:
            raise AuthError("The token's signing key is unknown.")
        return found

    def _pick(self, kid: str | None) -> PyJWK | None:
        keys = self._keys or []
        if kid is None:
            return keys[0] if len(keys) == 1 else None
        return next((k for k in keys if k.key_id == kid), None)

    async def _refresh(self) -> None:
        seen = self._fetched
        async with self._lock:
            if self._fetched != seen:  # another request refreshed while this one waited
                return
            try:
                raw = await asyncio.to_thread(self._read)
                self._keys = rs256_keys(raw)
            except (OSError, ValueError, jwt.PyJWTError) as exc:
                log.warning("JWKS %s not loaded: %s", self.location, exc)
                if self._keys is None:
                    raise AuthUnavailable("the token signing keys cannot be loaded") from exc
            self._fetched = self.clock()

    def _read(self) -> bytes:
        if not self.location.startswith(("http://", "https://")):
            return Path(self.location).read_bytes()
        # http(s) only, checked above.
        request = urllib.request.Request(self.location, headers={"accept": "application/json"})  # noqa: S310
        with urllib.request.urlopen(request, timeout=self.timeout_s) as response:  # noqa: S310
            body: bytes = response.read(MAX_JWKS_BYTES + 1)
        if len(body) > MAX_JWKS_BYTES:
            raise ValueError("the JWKS is larger than 1 MB")
        return body


def rs256_keys(raw: bytes) -> list[PyJWK]:
    """The RSA signing keys for RS256 of a JWKS document; every other key is left out."""
    document = json.loads(raw)
    if not isinstance(document, dict):
        raise ValueError("a JWKS is a JSON object with `keys`")
    keys = [
        k
        for k in PyJWKSet.from_dict(document)
        if k.key_type == "RSA" and k.algorithm_name == RS256 and k.public_key_use in (None, "sig")
    ]
    if not keys:
        raise ValueError("the JWKS has no RS256 signing key")
    return keys


class JwtVerifier:
    """Checks bearer JWTs against the configured secret and JWKS."""

    def __init__(self, settings: Settings, jwks: Jwks | None = None) -> None:
        self.secret = secret_bytes(settings)
        self.jwks = jwks
        if jwks is None and settings.auth_jwks:
            self.jwks = Jwks(
                settings.auth_jwks, settings.auth_jwks_timeout_s, settings.auth_jwks_cache_s
            )
        self.issuer = settings.auth_jwt_issuer
        self.audience = settings.auth_jwt_audience
        self.leeway = settings.auth_jwt_leeway_s

    @property
    def accepts_tokens(self) -> bool:
        return self.secret is not None or self.jwks is not None

    async def verify(self, token: str) -> Principal:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise AuthError("The token is malformed.") from None
        alg = header.get("alg")
        key: bytes | PyJWK
        if alg == HS256 and self.secret is not None:
            key = self.secret
        elif alg == RS256 and self.jwks is not None:
            kid = header.get("kid")
            key = await self.jwks.key(kid if isinstance(kid, str) else None)
        else:
            shown = alg[:16] if isinstance(alg, str) else None  # the header is the caller's text
            raise AuthError(f"Tokens signed with {shown!r} are not accepted.")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=[alg],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options={
                    "require": ["exp", "iss", "aud", "sub"],
                    "enforce_minimum_key_length": True,
                },
            )
        except jwt.PyJWTError as exc:
            reason = next((m for t, m in _REASONS if isinstance(exc, t)), "The token is invalid.")
            raise AuthError(reason) from None
        return principal_of(claims)
