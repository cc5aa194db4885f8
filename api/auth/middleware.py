"""Authentication and abuse limits for every request, as one ASGI middleware.

For each HTTP request except `/healthz`, `/readyz` and the browser pages (`api/ide.py`), in
this order:

1. a `Content-Length` above `API_MAX_BODY_BYTES` gets 413 before anything is read;
2. a client address with too many failed authentications in the last minute gets 429;
3. the credential is checked: `Authorization: Bearer <JWT>`, `Authorization: Bearer c360_…` or
   `X-API-Key: c360_…` (one of them); missing or invalid gets 401, uncheckable (Neo4j or the
   JWKS down) 503;
4. the caller's request budget (per role, api/ratelimit.py) is charged: spent gets 429 with
   `Retry-After`; every response carries the budget's `RateLimit-*` headers;
5. the request goes on with `request.state.principal` (a `graph.security.principal.Principal`) and
   `request.state.request_id` set, and a body that turns out larger than the limit while it is
   streamed gets 413.

Websockets are refused (close code 1008) while authentication is on: none are served yet.
Refusals are GraphQL-shaped: `{"errors": [{"message", "extensions": {"code", "requestId"}}]}`.
With `AUTH_DISABLED=true` and `ENVIRONMENT=development` every caller is an anonymous admin and a
warning is logged at every start; `AUTH_DISABLED=true` anywhere else stops the app from starting.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import uuid
from typing import Any

import orjson
from neo4j import AsyncDriver
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.auth.errors import AuthError, AuthUnavailable
from api.auth.keys import KeyStore
from api.auth.tokens import JwtVerifier, sign
from api.ide import is_public
from api.ratelimit import FailureLimits, Limiters, RequestLimits, retry_after
from graph.config import Settings
from graph.security.apikeys import PREFIX, audit_token_issue
from graph.security.audit import Actor
from graph.security.brokers import BrokerCheck, BrokerCheckUnavailable
from graph.security.principal import ANONYMOUS, Principal

__all__ = ["AuthMiddleware", "Authenticator", "issue_token", "sign"]

log = logging.getLogger("customer360.auth")

OPEN_PATHS = frozenset({"/healthz", "/readyz"})
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")


class Authenticator:
    """Turns a request's headers into a principal, or raises AuthError / AuthUnavailable."""

    def __init__(self, settings: Settings, tokens: JwtVerifier | None = None) -> None:
        self.database = settings.neo4j_database
        self.tokens = tokens or JwtVerifier(settings)
        self.keys = KeyStore(
            settings.auth_apikey_pepper.get_secret_value(), settings.auth_apikey_cache_s
        )
        self.brokers = BrokerCheck(settings.auth_apikey_cache_s)

    async def authenticate(self, headers: Headers, driver: AsyncDriver | None) -> Principal:
        """`driver` looks up API keys and partners' brokers; None (no database yet) makes them
        uncheckable. A partner's broker claim must name a broker party (401 otherwise)."""
        who = await self._credential(headers, driver)
        if who.broker_id is not None:
            try:
                found = await self.brokers.is_broker(driver, self.database, who.broker_id)
            except BrokerCheckUnavailable as exc:
                raise AuthUnavailable(f"the broker claim cannot be checked: {exc}") from exc
            if not found:
                raise AuthError("The credential's broker is not a broker.")
        return who

    async def _credential(self, headers: Headers, driver: AsyncDriver | None) -> Principal:
        authorization = headers.get("authorization")
        api_key = headers.get("x-api-key")
        if authorization is not None and api_key is not None:
            raise AuthError("Send one credential: `Authorization` or `X-API-Key`, not both.")
        if api_key is not None:
            return await self.keys.verify(driver, self.database, api_key.strip())
        if authorization is None:
            raise AuthError("Authentication required: send `Authorization: Bearer <token>`.")
        scheme, _, credential = authorization.strip().partition(" ")
        credential = credential.strip()
        if scheme.lower() != "bearer" or not credential:
            raise AuthError("The `Authorization` header must be `Bearer <token>`.")
        if credential.startswith(PREFIX):
            return await self.keys.verify(driver, self.database, credential)
        if not self.tokens.accepts_tokens:
            raise AuthError("Bearer tokens are not accepted here; use an API key.")
        return await self.tokens.verify(credential)


class _BodyTooLarge(Exception):
    pass


class AuthMiddleware:
    """See the module docstring."""

    def __init__(
        self,
        app: ASGIApp,
        settings: Settings,
        *,
        authenticator: Authenticator | None = None,
        limiters: Limiters | None = None,
    ) -> None:
        self.app = app
        self.max_body = settings.api_max_body_bytes
        self.requests = limiters.requests if limiters else RequestLimits(settings)
        self.failures = limiters.failures if limiters else FailureLimits(settings)
        self.authenticator: Authenticator | None = None
        if settings.auth_disabled and settings.environment != "development":
            raise RuntimeError(
                "AUTH_DISABLED=true is honoured only with ENVIRONMENT=development; refusing to start"
            )
        if not settings.auth_enabled:
            log.warning(
                "AUTHENTICATION IS DISABLED (AUTH_DISABLED=true, ENVIRONMENT=development): "
                "every caller is an anonymous admin. Never run this way with real data."
            )
            return
        self.authenticator = authenticator or Authenticator(settings)
        if not self.authenticator.tokens.accepts_tokens:
            log.warning("neither AUTH_JWT_SECRET nor AUTH_JWKS is set: only API keys are accepted")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket" and self.authenticator is not None:
            await send({"type": "websocket.close", "code": 1008})  # no authenticated websockets yet
            return
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS or is_public(scope):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        given = headers.get("x-request-id", "")
        request_id = given if _REQUEST_ID.fullmatch(given) else uuid.uuid4().hex
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_body:
            await self._too_large(send, request_id)
            return
        principal = await self._principal(scope, headers, send, request_id)
        if principal is None:
            return
        decision = await self.requests.take(principal)
        if not decision.allowed:
            log.info("rate limited request_id=%s principal=%s", request_id, principal.key)
            message = "Too many requests; slow down."
            retry = retry_after(decision.wait)
            await _refuse(send, 429, "RATE_LIMITED", message, request_id, retry, decision.headers())
            return
        state = scope.setdefault("state", {})
        state["principal"] = principal
        state["request_id"] = request_id
        await self._forward(scope, receive, with_headers(send, decision.headers()), request_id)

    async def _principal(
        self, scope: Scope, headers: Headers, send: Send, request_id: str
    ) -> Principal | None:
        """The caller, or None after answering 401, 429 or 503."""
        if self.authenticator is None:
            return ANONYMOUS
        client = scope.get("client")
        address = f"addr:{client[0] if client else 'unknown'}"
        waiting = await self.failures.wait(address)
        if waiting > 0:
            message = "Too many failed authentications; try again later."
            await _refuse(send, 429, "RATE_LIMITED", message, request_id, retry_after(waiting))
            return None
        try:
            driver = getattr(scope["app"].state, "driver", None)
            return await self.authenticator.authenticate(headers, driver)
        except AuthError as exc:
            await self.failures.failed(address)
            log.info("unauthenticated request_id=%s %s: %s", request_id, address, exc.message)
            await _refuse(send, 401, "UNAUTHENTICATED", exc.message, request_id)
        except AuthUnavailable as exc:
            log.warning("credentials not checkable request_id=%s: %s", request_id, exc)
            message = "Credentials cannot be checked right now; try again."
            await _refuse(send, 503, "SERVICE_UNAVAILABLE", message, request_id)
        return None

    async def _forward(self, scope: Scope, receive: Receive, send: Send, request_id: str) -> None:
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    raise _BodyTooLarge
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except _BodyTooLarge:
            if started:
                raise
            await self._too_large(send, request_id)

    async def _too_large(self, send: Send, request_id: str) -> None:
        message = f"The request body is larger than {self.max_body} bytes."
        await _refuse(send, 413, "BAD_USER_INPUT", message, request_id)


async def _refuse(
    send: Send,
    status: int,
    code: str,
    message: str,
    request_id: str,
    retry: str | None = None,
    extra: list[tuple[bytes, bytes]] | None = None,
) -> None:
    body = orjson.dumps(
        {"errors": [{"message": message, "extensions": {"code": code, "requestId": request_id}}]}
    )
    headers: list[tuple[bytes, bytes]] = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"x-request-id", request_id.encode()),
    ]
    if status == 401:
        headers.append((b"www-authenticate", b'Bearer realm="customer360"'))
    if retry is not None:
        headers.append((b"retry-after", retry.encode()))
    headers.extend(extra or ())
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def with_headers(send: Send, extra: list[tuple[bytes, bytes]]) -> Send:
    """`send` adding `extra` headers to the response's start."""
    if not extra:
        return send

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", ()), *extra]}
        await send(message)

    return sending


async def issue_token(
    driver: AsyncDriver,
    settings: Settings,
    actor: Actor,
    who: Principal,
    ttl: dt.timedelta,
) -> tuple[str, dict[str, Any]]:
    """Sign an HS256 token for `who` and audit it (the broker must exist); the token and claims."""
    token, claims = sign(settings, who, ttl)

    details = {k: v for k, v in claims.items() if k in ("role", "broker", "scope", "accounts")}
    details |= {"jti": claims["jti"], "expiresAt": claims["exp"]}
    await audit_token_issue(driver, settings.neo4j_database, actor, who.id, who.broker_id, details)
    return token, claims
