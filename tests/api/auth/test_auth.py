"""Authentication on the real Neo4j: bearer JWTs (HS256, RS256 from a JWKS), API keys, the
middleware's answers (401, 413, 429, 503), disabling auth in development, and the operator CLI."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime as dt
import getpass
import hashlib
import hmac
import http.server
import json
import logging
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from neo4j import AsyncDriver, Driver
from neo4j.exceptions import ServiceUnavailable
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect
from typer.testing import CliRunner, Result

from api.app import create_app
from api.auth.errors import AuthError, AuthUnavailable
from api.auth.keys import KeyStore
from api.auth.middleware import AuthMiddleware, issue_token
from api.auth.tokens import Jwks, JwtVerifier
from cli import main as c360
from graph.config import Settings
from graph.driver import open_driver
from graph.driver import run_with as run
from graph.security import apikeys, audit
from graph.security.audit import Actor
from graph.security.brokers import BrokerCheck, BrokerCheckUnavailable
from graph.security.principal import Kind, Principal, Role
from tests.api.conftest import FakeTime
from tests.conftest import auth_headers, without_cost
from tests.factories import Graph, Party

PEPPER = "auth-tests-pepper"
OTHER_SECRET = "another-secret-that-is-long-enough-0123456789"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def new_rsa() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_jwk(key: rsa.RSAPrivateKey, **extra: str) -> dict[str, Any]:
    return RSAAlgorithm.to_jwk(key.public_key(), as_dict=True) | extra


def public_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


@dataclass(frozen=True)
class Keys:
    one: rsa.RSAPrivateKey  # in the JWKS as k1 (alg RS256) and as rs512 (alg RS512)
    two: rsa.RSAPrivateKey  # in the JWKS as k2 (no alg)
    stranger: rsa.RSAPrivateKey  # in no JWKS
    jwks: Path


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> Keys:
    one, two, stranger = new_rsa(), new_rsa(), new_rsa()
    document = {
        "keys": [
            public_jwk(one, kid="k1", use="sig", alg="RS256"),
            public_jwk(two, kid="k2"),
            public_jwk(one, kid="rs512", alg="RS512"),
            public_jwk(one, kid="enc", use="enc"),
            {"kty": "oct", "kid": "hmac", "k": b64(b"x" * 32)},
        ]
    }
    path = tmp_path_factory.mktemp("jwks") / "jwks.json"
    path.write_text(json.dumps(document))
    return Keys(one, two, stranger, path)


@pytest.fixture(scope="module")
def auth_settings(settings: Settings, keys: Keys) -> Settings:
    """The suite's settings with a JWKS as well as the secret, a pepper and no key caching."""
    return settings.model_copy(
        update={
            "auth_jwks": str(keys.jwks),
            "auth_apikey_pepper": SecretStr(PEPPER),
            "auth_apikey_cache_s": 0.0,
            "rate_limit_auth_failures_per_minute": 0,
        }
    )


def secret(settings: Settings) -> bytes:
    assert settings.auth_jwt_secret is not None
    return settings.auth_jwt_secret.get_secret_value().encode()


def claims(**changes: Any) -> dict[str, Any]:
    """Valid claims for an analyst, changed as asked (None removes a claim)."""
    now = int(time.time())
    base = {
        "iss": "customer360",
        "aud": "customer360-api",
        "sub": "alice",
        "role": "analyst",
        "iat": now,
        "exp": now + 300,
    }
    return {k: v for k, v in (base | changes).items() if v is not None}


def hs256(key: bytes, **changes: Any) -> str:
    return jwt.encode(claims(**changes), key, algorithm="HS256")


def rs(key: rsa.RSAPrivateKey, kid: str | None = "k1", alg: str = "RS256", **changes: Any) -> str:
    headers = {"kid": kid} if kid else None
    return jwt.encode(claims(**changes), key, algorithm=alg, headers=headers)


def forged(header: dict[str, Any], payload: dict[str, Any], key: bytes | None) -> str:
    """A token made by hand: HMAC-SHA256 with any bytes as the key, or no signature at all."""
    head = b64(json.dumps(header).encode()) + "." + b64(json.dumps(payload).encode())
    if key is None:
        return head + "."
    return head + "." + b64(hmac.new(key, head.encode(), hashlib.sha256).digest())


async def _whoami(request: Request) -> JSONResponse:
    body = await request.body()
    p: Principal = request.state.principal
    return JSONResponse(
        {
            "id": p.id,
            "role": p.role,
            "kind": p.kind,
            "broker": p.broker_id,
            "scopes": sorted(p.scopes),
            "owned": p.owned_accounts_only,
            "requestId": request.state.request_id,
            "bodyBytes": len(body),
        }
    )


def whoami_app(settings: Settings, **middleware: Any) -> Starlette:
    """A bare app behind the middleware whose `/graphql` answers with the caller it was given."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        app.state.driver = open_driver(settings)
        try:
            yield
        finally:
            await app.state.driver.close()

    return Starlette(
        routes=[Route("/graphql", _whoami, methods=["GET", "POST"])],
        lifespan=lifespan,
        middleware=[Middleware(AuthMiddleware, settings=settings, **middleware)],
    )


@pytest.fixture(scope="module")
def who(auth_settings: Settings) -> Iterator[TestClient]:
    with TestClient(whoami_app(auth_settings)) as client:
        yield client


def principal_of(client: TestClient, headers: dict[str, str]) -> dict[str, Any]:
    response = client.post("/graphql", headers=headers)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    del found["requestId"], found["bodyBytes"]
    return found


def refusal(message: str, request_id: str, code: str = "UNAUTHENTICATED") -> dict[str, Any]:
    return {"errors": [{"message": message, "extensions": {"code": code, "requestId": request_id}}]}


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


# The API itself ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bare(settings: Settings) -> Iterator[TestClient]:
    """The real app, without the suite's admin token."""
    with TestClient(create_app(settings)) as client:
        yield client


def test_probes_are_open_and_everything_else_needs_a_credential(bare: TestClient) -> None:
    assert bare.get("/healthz").json() == {"status": "ok"}
    assert bare.get("/readyz").json() == {"status": "ready"}
    response = bare.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"x-request-id": "req-1"}
    )
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="customer360"'
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-request-id"] == "req-1"
    assert response.json() == refusal(
        "Authentication required: send `Authorization: Bearer <token>`.", "req-1"
    )
    assert bare.get("/graphql", params={"query": "{ __typename }"}).status_code == 401
    assert bare.get("/nowhere").status_code == 401


def test_an_admin_token_reaches_graphql(bare: TestClient, settings: Settings) -> None:
    response = bare.post(
        "/graphql", json={"query": "{ __typename }"}, headers=auth_headers(settings)
    )
    assert (response.status_code, without_cost(response.json())) == (
        200,
        {"data": {"__typename": "Query"}},
    )


# Bearer JWTs ---------------------------------------------------------------------------------


def test_hs256_principals(who: TestClient, auth_settings: Settings, broker: Party) -> None:
    key = secret(auth_settings)
    assert principal_of(who, bearer(hs256(key))) == {
        "id": "alice",
        "role": "analyst",
        "kind": "token",
        "broker": None,
        "scopes": [],
        "owned": False,
    }
    partner = hs256(key, sub="feed", role="partner", broker=broker.id, scope="pii  extra")
    assert principal_of(who, bearer(partner)) == {
        "id": "feed",
        "role": "partner",
        "kind": "token",
        "broker": broker.id,
        "scopes": ["extra", "pii"],
        "owned": False,
    }
    team = hs256(key, sub="hr:eve", role="account_team", accounts="owned")
    assert principal_of(who, {"authorization": f"bearer  {team} "})["owned"] is True
    everything = hs256(key, sub="hr:sam", role="account_team", accounts="all")
    assert principal_of(who, bearer(everything))["owned"] is False
    late = hs256(key, exp=int(time.time()) - 10)  # within the 30 s leeway
    assert principal_of(who, bearer(late))["id"] == "alice"


def test_rs256_principals(who: TestClient, keys: Keys) -> None:
    assert principal_of(who, bearer(rs(keys.one, "k1", role="frontend"))) == {
        "id": "alice",
        "role": "frontend",
        "kind": "token",
        "broker": None,
        "scopes": [],
        "owned": False,
    }
    assert principal_of(who, bearer(rs(keys.two, "k2")))["role"] == "analyst"


@dataclass(frozen=True)
class Case:
    token: Callable[[bytes, Keys], str]
    message: str


def now() -> int:
    """The time a token is made (not when the module was imported: a case may run minutes later)."""
    return int(time.time())


SIGNATURE = "The token's signature is invalid."
UNKNOWN_KEY = "The token's signing key is unknown."
LACKS = "The token lacks a required claim."
FIT = "The token's claims do not fit together: "


def _tampered(key: bytes, keys: Keys) -> str:
    head, _, sig = hs256(key).split(".")
    return ".".join([head, b64(json.dumps(claims(role="admin")).encode()), sig])


REFUSED = {
    "expired": Case(lambda k, _: hs256(k, exp=now() - 120), "The token has expired."),
    "not yet valid": Case(lambda k, _: hs256(k, nbf=now() + 120), "The token is not valid yet."),
    "issued in the future": Case(
        lambda k, _: hs256(k, iat=now() + 120), "The token is not valid yet."
    ),
    "wrong audience": Case(
        lambda k, _: hs256(k, aud="someone-else"), "The token is meant for another audience."
    ),
    "wrong issuer": Case(
        lambda k, _: hs256(k, iss="evil"), "The token comes from an unknown issuer."
    ),
    "no exp": Case(lambda k, _: hs256(k, exp=None), LACKS),
    "no aud": Case(lambda k, _: hs256(k, aud=None), LACKS),
    "no iss": Case(lambda k, _: hs256(k, iss=None), LACKS),
    "no sub": Case(lambda k, _: hs256(k, sub=None), LACKS),
    "another secret": Case(lambda k, _: hs256(OTHER_SECRET.encode()), SIGNATURE),
    "tampered claims": Case(_tampered, SIGNATURE),
    "alg none": Case(
        lambda k, _: forged({"alg": "none", "typ": "JWT"}, claims(role="admin"), None),
        "Tokens signed with 'none' are not accepted.",
    ),
    "alg NONE": Case(
        lambda k, _: forged({"alg": "NONE"}, claims(), None),
        "Tokens signed with 'NONE' are not accepted.",
    ),
    "no alg": Case(
        lambda k, _: forged({"typ": "JWT"}, claims(), k),
        "Tokens signed with None are not accepted.",
    ),
    "HS512 with the secret": Case(
        lambda k, _: jwt.encode(claims(), k * 2, algorithm="HS512"),
        "Tokens signed with 'HS512' are not accepted.",
    ),
    "HS256 with the RSA public key as secret": Case(
        lambda k, keys: forged({"alg": "HS256", "kid": "k1"}, claims(), public_pem(keys.one)),
        SIGNATURE,
    ),
    "RS256 by a key outside the JWKS": Case(lambda k, keys: rs(keys.stranger, "k1"), SIGNATURE),
    "RS256 with another key's kid": Case(lambda k, keys: rs(keys.two, "k1"), SIGNATURE),
    "RS256 with an unknown kid": Case(lambda k, keys: rs(keys.one, "k9"), UNKNOWN_KEY),
    "RS256 naming the JWKS's HMAC key": Case(lambda k, keys: rs(keys.one, "hmac"), UNKNOWN_KEY),
    "RS256 naming an RS512 key": Case(lambda k, keys: rs(keys.one, "rs512"), UNKNOWN_KEY),
    "RS256 naming an encryption key": Case(lambda k, keys: rs(keys.one, "enc"), UNKNOWN_KEY),
    "RS256 without a kid among several keys": Case(lambda k, keys: rs(keys.one, None), UNKNOWN_KEY),
    "RS512": Case(
        lambda k, keys: rs(keys.one, "rs512", "RS512"),
        "Tokens signed with 'RS512' are not accepted.",
    ),
    "a long alg": Case(
        lambda k, _: forged({"alg": "HS256" * 10}, claims(), k),
        "Tokens signed with 'HS256HS256HS256H' are not accepted.",
    ),
    "malformed": Case(lambda k, _: "not-a-token", "The token is malformed."),
    "role as a list": Case(
        lambda k, _: hs256(k, role=["admin"]), "The token has no valid `sub` and `role`."
    ),
    "unknown role": Case(
        lambda k, _: hs256(k, role="root"), "The token has no valid `sub` and `role`."
    ),
    "partner without broker": Case(
        lambda k, _: hs256(k, role="partner"), FIT + "a partner needs a broker id."
    ),
    "broker on an analyst": Case(
        lambda k, _: hs256(k, broker="partners:b1"), FIT + "only partners have a broker id."
    ),
    "owned accounts on an analyst": Case(
        lambda k, _: hs256(k, accounts="owned"),
        FIT + "only account teams may be restricted to their owned accounts.",
    ),
    "empty sub": Case(lambda k, _: hs256(k, sub=""), FIT + "the subject is empty."),
    "odd accounts": Case(
        lambda k, _: hs256(k, role="account_team", accounts="some"),
        'The token\'s `accounts` must be "all" or "owned".',
    ),
    "scope as a list": Case(
        lambda k, _: hs256(k, scope=["pii"]), "The token's `broker` and `scope` must be strings."
    ),
}


@pytest.mark.parametrize("name", list(REFUSED))
def test_refused_tokens(who: TestClient, auth_settings: Settings, keys: Keys, name: str) -> None:
    case = REFUSED[name]
    token = case.token(secret(auth_settings), keys)
    response = who.post("/graphql", headers=bearer(token) | {"x-request-id": "req-bad"})
    assert response.status_code == 401
    assert response.json() == refusal(case.message, "req-bad")


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({"authorization": "Basic YWxpY2U6c2VjcmV0"}, "The `Authorization` header must be `Bearer <token>`."),
        ({"authorization": "Bearer"}, "The `Authorization` header must be `Bearer <token>`."),
        ({"authorization": "Bearer x", "x-api-key": "c360_x"}, "Send one credential: `Authorization` or `X-API-Key`, not both."),
        ({"x-api-key": "c360_nope"}, "The API key is malformed."),
        ({"authorization": "Bearer c360_nope"}, "The API key is malformed."),
    ],
)  # fmt: skip
def test_refused_headers(who: TestClient, headers: dict[str, str], message: str) -> None:
    response = who.post("/graphql", headers=headers | {"x-request-id": "req-h"})
    assert response.status_code == 401
    assert response.json() == refusal(message, "req-h")


def test_with_only_a_jwks_hs256_is_refused_outright(settings: Settings, keys: Keys) -> None:
    only_jwks = settings.model_copy(update={"auth_jwt_secret": None, "auth_jwks": str(keys.jwks)})
    with TestClient(whoami_app(only_jwks)) as client:
        assert principal_of(client, bearer(rs(keys.one)))["id"] == "alice"
        for token in [
            forged({"alg": "HS256"}, claims(), public_pem(keys.one)),  # the confusion attack
            hs256(secret(settings)),
        ]:
            response = client.post("/graphql", headers=bearer(token))
            assert response.status_code == 401
            assert response.json()["errors"][0]["message"] == (
                "Tokens signed with 'HS256' are not accepted."
            )


def test_without_secret_or_jwks_only_api_keys_work(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="customer360.auth")
    keys_only = settings.model_copy(update={"auth_jwt_secret": None, "auth_jwks": None})
    with TestClient(whoami_app(keys_only)) as client:
        response = client.post("/graphql", headers=bearer(hs256(secret(settings))))
    assert response.status_code == 401
    assert response.json()["errors"][0]["message"] == (
        "Bearer tokens are not accepted here; use an API key."
    )
    assert [r.getMessage() for r in caplog.records] == [
        "neither AUTH_JWT_SECRET nor AUTH_JWKS is set: only API keys are accepted"
    ]


def test_a_short_secret_stops_the_start(settings: Settings) -> None:
    short = settings.model_copy(update={"auth_jwt_secret": SecretStr("x" * 31)})
    with (
        pytest.raises(ValueError, match=r"^AUTH_JWT_SECRET must be at least 32 bytes$"),
        TestClient(create_app(short)),
    ):
        pass


# JWKS files and URLs ----------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_single_key_jwks_needs_no_kid(tmp_path: Path, keys: Keys, settings: Settings) -> None:
    path = tmp_path / "one.json"
    path.write_text(json.dumps({"keys": [public_jwk(keys.two)]}))
    verifier = JwtVerifier(
        settings.model_copy(update={"auth_jwt_secret": None}), Jwks(str(path), 1.0, 300.0)
    )
    found = asyncio.run(verifier.verify(rs(keys.two, None, sub="bob")))
    assert found == Principal("bob", Role.ANALYST, Kind.TOKEN)


class JwksServer:
    """A JWKS served on 127.0.0.1, counting its requests."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self.hits = 0
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.hits += 1
                body = json.dumps(owner.document).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/jwks.json"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        if self.thread.is_alive():
            self.server.shutdown()
            self.server.server_close()
            self.thread.join()


@pytest.fixture
def jwks_server(keys: Keys) -> Iterator[JwksServer]:
    server = JwksServer({"keys": [public_jwk(keys.one, kid="k1")]})
    yield server
    server.stop()


def test_a_jwks_url_is_cached_and_refetched_for_new_keys(
    jwks_server: JwksServer, keys: Keys, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    jwks = Jwks(jwks_server.url, timeout_s=2.0, cache_s=300.0, clock=clock)

    async def kid_of(kid: str) -> str | None:
        return (await jwks.key(kid)).key_id

    assert asyncio.run(kid_of("k1")) == "k1"
    assert asyncio.run(kid_of("k1")) == "k1"
    assert jwks_server.hits == 1
    jwks_server.document = {
        "keys": [public_jwk(keys.one, kid="k1"), public_jwk(keys.two, kid="k2")]
    }
    with pytest.raises(AuthError, match="signing key is unknown"):
        asyncio.run(kid_of("k2"))  # fetched less than 30 s ago: no refetch
    assert jwks_server.hits == 1
    clock.now += 30
    assert asyncio.run(kid_of("k2")) == "k2"
    assert jwks_server.hits == 2
    clock.now += 299
    assert asyncio.run(kid_of("k1")) == "k1"
    assert jwks_server.hits == 2
    clock.now += 1
    asyncio.run(kid_of("k1"))
    assert jwks_server.hits == 3

    jwks_server.stop()  # the keys known stay in use when a refetch fails
    caplog.set_level(logging.WARNING, logger="customer360.auth")
    clock.now += 300
    assert asyncio.run(kid_of("k2")) == "k2"
    [warning] = caplog.records
    assert warning.getMessage().startswith(f"JWKS {jwks_server.url} not loaded: ")


def test_an_unreachable_jwks_makes_tokens_uncheckable(settings: Settings, keys: Keys) -> None:
    server = JwksServer({"keys": []})
    url = server.url
    server.stop()
    jwks = Jwks(url, timeout_s=2.0, cache_s=300.0)
    with pytest.raises(AuthUnavailable):
        asyncio.run(jwks.key("k1"))
    unreachable = settings.model_copy(update={"auth_jwks": url})
    with TestClient(whoami_app(unreachable)) as client:
        response = client.post(
            "/graphql", headers=bearer(rs(keys.one)) | {"x-request-id": "req-503"}
        )
    assert response.status_code == 503
    assert response.json() == refusal(
        "Credentials cannot be checked right now; try again.", "req-503", "SERVICE_UNAVAILABLE"
    )


def test_a_jwks_without_rs256_keys_is_not_used(tmp_path: Path) -> None:
    path = tmp_path / "hmac.json"
    path.write_text(json.dumps({"keys": [{"kty": "oct", "k": b64(b"x" * 32)}]}))
    with pytest.raises(AuthUnavailable):
        asyncio.run(Jwks(str(path), 1.0, 300.0).key(None))


# API keys ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def broker(driver: Driver, settings: Settings) -> Iterator[Party]:
    g = Graph()
    found = g.broker("Auth Brokerage Ltd")
    g.save(driver, settings.neo4j_database)
    yield found
    g.delete(driver, settings.neo4j_database)


def test_a_partner_broker_claim_must_name_a_broker(
    who: TestClient, auth_settings: Settings, driver: Driver, broker: Party
) -> None:
    """A correctly signed partner token naming a party that is not a broker (or nothing) is
    refused when the principal is built: it would otherwise read that party's network."""
    g = Graph()
    person = g.person("Nora", f"NotABroker{g.tag}")
    firm = g.organization(f"Not A Broker Firm {g.tag}")
    g.save(driver, auth_settings.neo4j_database)
    try:
        key = secret(auth_settings)
        for claimed in (person.id, firm.id, f"partners:nobody-{g.tag}"):
            token = hs256(key, sub="feed", role="partner", broker=claimed)
            response = who.post("/graphql", headers=bearer(token))
            assert response.status_code == 401, claimed
            assert response.json()["errors"][0]["message"] == (
                "The credential's broker is not a broker."
            )
        token = hs256(key, sub="feed", role="partner", broker=broker.id)
        assert principal_of(who, bearer(token))["broker"] == broker.id
    finally:
        g.delete(driver, auth_settings.neo4j_database)


def test_an_api_key_whose_broker_stopped_being_one_is_refused(
    who: TestClient, auth_settings: Settings, driver: Driver, actor: Actor
) -> None:
    g = Graph()
    gone = g.broker(f"Soon Gone {g.tag}")
    g.save(driver, auth_settings.neo4j_database)
    try:
        _, text = new_api_key(auth_settings, actor, broker_id=gone.id)
        assert principal_of(who, bearer(text))["broker"] == gone.id
        driver.execute_query(
            "MATCH (b:Party {id: $id}) REMOVE b:Broker", {"id": gone.id},
            database_=auth_settings.neo4j_database,
        )  # fmt: skip
        response = who.post("/graphql", headers=bearer(text))
        assert response.status_code == 401
        assert response.json()["errors"][0]["message"] == "The credential's broker is not a broker."
    finally:
        g.delete(driver, auth_settings.neo4j_database)


def test_broker_checks_are_cached_for_the_ttl(settings: Settings, broker: Party) -> None:
    clock = [0.0]
    check = BrokerCheck(30.0, lambda: clock[0])
    nobody = f"partners:nobody-{uuid.uuid4().hex}"

    async def ask() -> list[bool]:
        async with open_driver(settings) as d:
            return [
                await check.is_broker(d, settings.neo4j_database, b)
                for b in (broker.id, broker.id, nobody, nobody)
            ]

    assert asyncio.run(ask()) == [True, True, False, False]
    assert check.lookups == 2
    clock[0] = 31.0
    assert asyncio.run(ask()) == [True, True, False, False]
    assert check.lookups == 4
    with pytest.raises(BrokerCheckUnavailable):
        asyncio.run(check.is_broker(None, settings.neo4j_database, "partners:uncached"))


@pytest.fixture
def actor(driver: Driver, settings: Settings) -> Iterator[Actor]:
    """An operator with a request id of its own; its keys and audit entries go afterwards."""
    found = Actor("cli:tester", "admin", f"test-auth-{uuid.uuid4().hex}")
    yield found
    driver.execute_query(
        "MATCH (e:AuditEntry {requestId: $r}) "
        "OPTIONAL MATCH (k:ApiKey {id: e.target}) WHERE e.action = 'apikey.create' "
        "DETACH DELETE e, k",
        {"r": found.request_id},
        database_=settings.neo4j_database,
    )


def new_api_key(
    settings: Settings, actor: Actor, role: Role = Role.PARTNER, **kw: Any
) -> tuple[apikeys.ApiKey, str]:
    expires = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    return run(
        settings,
        lambda d: apikeys.create(
            d,
            settings.neo4j_database,
            actor,
            name="auth tests",
            role=role,
            expires_at=expires,
            pepper=PEPPER,
            **kw,
        ),
    )


def test_api_keys(
    who: TestClient, auth_settings: Settings, driver: Driver, actor: Actor, broker: Party
) -> None:
    key, text = new_api_key(auth_settings, actor, broker_id=broker.id, scopes=frozenset({"pii"}))
    expected = {
        "id": key.id,
        "role": "partner",
        "kind": "apikey",
        "broker": broker.id,
        "scopes": ["pii"],
        "owned": False,
    }
    assert principal_of(who, bearer(text)) == expected
    assert principal_of(who, {"x-api-key": text}) == expected

    def refused(headers: dict[str, str]) -> tuple[int, str]:
        response = who.post("/graphql", headers=headers)
        return response.status_code, response.json()["errors"][0]["message"]

    wrong = text[:-1] + ("A" if text[-1] != "A" else "B")
    assert refused({"x-api-key": wrong}) == (401, "The API key is invalid.")
    _, key_secret = apikeys.parse_key(text) or ("", "")
    unknown = apikeys.format_key("0000000000000000", key_secret)
    assert refused(bearer(unknown)) == (401, "The API key is invalid.")
    other_pepper = auth_settings.model_copy(update={"auth_apikey_pepper": SecretStr("other")})
    with TestClient(whoami_app(other_pepper)) as client:
        response = client.post("/graphql", headers={"x-api-key": text})
        assert response.json()["errors"][0]["message"] == "The API key is invalid."

    driver.execute_query(
        "MATCH (k:ApiKey {id: $id}) SET k.expiresAt = datetime() - duration('PT1S')",
        {"id": key.id},
        database_=auth_settings.neo4j_database,
    )
    assert refused({"x-api-key": text}) == (401, "The API key has expired.")
    run(auth_settings, lambda d: apikeys.revoke(d, auth_settings.neo4j_database, actor, key.id))
    assert refused(bearer(text)) == (401, "The API key has been revoked.")


def test_validated_keys_are_cached_and_revocation_lands_within_the_ttl(
    auth_settings: Settings, actor: Actor
) -> None:
    key, text = new_api_key(auth_settings, actor, Role.FRONTEND)
    clock = Clock()
    store = KeyStore(PEPPER, 30.0, clock)
    db = auth_settings.neo4j_database

    async def check(d: AsyncDriver) -> list[Principal | str]:
        found: list[Principal | str] = []
        for step in range(6):
            if step == 2:
                await apikeys.revoke(d, db, actor, key.id)  # in another process, say
            if step == 4:
                clock.now += 30
            try:
                found.append(await store.verify(d, db, text))
            except AuthError as exc:
                found.append(exc.message)
        for _ in range(3):
            with contextlib.suppress(AuthError):
                await store.verify(d, db, apikeys.format_key("0000000000000000", "x" * 43))
        return found

    principal = Principal(key.id, Role.FRONTEND, Kind.APIKEY)
    revoked = "The API key has been revoked."
    assert run(auth_settings, check) == [principal] * 4 + [revoked] * 2
    assert store.lookups == 3  # the key twice (once per TTL), the unknown id once

    fresh, fresh_text = new_api_key(auth_settings, actor, Role.FRONTEND)

    async def forget(d: AsyncDriver) -> str:
        await store.verify(d, db, fresh_text)
        await apikeys.revoke(d, db, actor, fresh.id)
        store.forget(fresh.id)  # a revocation in this process lands at once
        try:
            await store.verify(d, db, fresh_text)
        except AuthError as exc:
            return exc.message
        return "accepted"

    assert run(auth_settings, forget) == revoked


class DownDriver:
    """A driver whose every session fails to connect (`graph.read.run.read` opens one)."""

    execute_query_bookmark_manager = None

    def session(self, *args: Any, **kwargs: Any) -> Any:
        raise ServiceUnavailable("connection refused")


def test_keys_are_uncheckable_while_neo4j_is_down() -> None:
    store = KeyStore(PEPPER, 30.0)
    text = apikeys.format_key("0123456789abcdef", "x" * 43)
    with pytest.raises(AuthUnavailable):
        asyncio.run(store.verify(cast(AsyncDriver, DownDriver()), "neo4j", text))
    with pytest.raises(AuthUnavailable):
        asyncio.run(store.verify(None, "neo4j", text))


# The middleware's other answers -----------------------------------------------------------


def test_body_size_limits(settings: Settings) -> None:
    small = settings.model_copy(update={"api_max_body_bytes": 1000})
    headers = auth_headers(settings) | {"x-request-id": "req-413"}
    too_large = refusal("The request body is larger than 1000 bytes.", "req-413", "BAD_USER_INPUT")
    with TestClient(whoami_app(small)) as client:
        fits = client.post("/graphql", content=b"x" * 1000, headers=headers)
        assert (fits.status_code, fits.json()["bodyBytes"]) == (200, 1000)
        declared = client.post("/graphql", content=b"x" * 1001, headers={"x-request-id": "req-413"})
        assert declared.status_code == 413  # before authentication: no credential needed
        assert declared.json() == too_large

        def chunks() -> Iterator[bytes]:
            yield from (b"x" * 400 for _ in range(3))

        streamed = client.post("/graphql", content=chunks(), headers=headers)
        assert "content-length" not in streamed.request.headers
        assert (streamed.status_code, streamed.json()) == (413, too_large)


def test_websockets_are_refused(who: TestClient, settings: Settings) -> None:
    with pytest.raises(WebSocketDisconnect) as closed, who.websocket_connect("/graphql"):
        pass
    assert closed.value.code == 1008


def test_request_ids(who: TestClient, settings: Settings) -> None:
    headers = auth_headers(settings)
    given = who.post("/graphql", headers=headers | {"x-request-id": "abc-123.x:y_z"})
    assert given.json()["requestId"] == "abc-123.x:y_z"
    for odd in ["has space", "x" * 129, "<script>"]:
        made = who.post("/graphql", headers=headers | {"x-request-id": odd}).json()["requestId"]
        assert len(made) == 32 and int(made, 16) >= 0


def test_failed_authentications_are_limited_per_address(
    auth_settings: Settings, fake_time: FakeTime
) -> None:
    strict = auth_settings.model_copy(update={"rate_limit_auth_failures_per_minute": 3})
    good = bearer(hs256(secret(strict)))
    with TestClient(whoami_app(strict)) as client:
        assert client.post("/graphql", headers=good).status_code == 200  # successes are free
        statuses = [client.post("/graphql", headers=bearer("bad")).status_code for _ in range(3)]
        assert statuses == [401, 401, 401]
        blocked = client.post("/graphql", headers=good | {"x-request-id": "req-x"})
        assert blocked.status_code == 429
        assert blocked.headers["retry-after"] == "50"  # 10 s into the minute
        assert blocked.json() == refusal(
            "Too many failed authentications; try again later.", "req-x", "RATE_LIMITED"
        )
        fake_time.now += 70  # 20 s into the next minute: 3 x 40/60 = 2 failures count
        assert client.post("/graphql", headers=good).status_code == 200


def test_disabled_auth_in_development(settings: Settings, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="customer360.auth")
    open_dev = settings.model_copy(update={"auth_disabled": True, "environment": "development"})
    assert not open_dev.auth_enabled
    for _ in range(2):  # a warning at every start
        with TestClient(whoami_app(open_dev)) as client:
            assert principal_of(client, {}) == {
                "id": "anonymous",
                "role": "admin",
                "kind": "anonymous",
                "broker": None,
                "scopes": ["pii", "write"],
                "owned": False,
            }
    assert [r.getMessage() for r in caplog.records] == [
        "AUTHENTICATION IS DISABLED (AUTH_DISABLED=true, ENVIRONMENT=development): every caller "
        "is an anonymous admin. Never run this way with real data."
    ] * 2
    with TestClient(create_app(open_dev)) as client:
        response = client.post("/graphql", json={"query": "{ __typename }"})
        assert without_cost(response.json()) == {"data": {"__typename": "Query"}}


def test_disabling_auth_outside_development_stops_the_start(settings: Settings) -> None:
    assert Settings(_env_file=None).auth_enabled
    assert Settings(_env_file=None, auth_disabled=True).auth_enabled  # production by default
    assert Settings(_env_file=None, auth_disabled=True, environment="staging").auth_enabled
    refused = settings.model_copy(update={"auth_disabled": True})
    with (
        pytest.raises(RuntimeError, match=r"^AUTH_DISABLED=true is honoured only with ENVIRONMENT"),
        TestClient(create_app(refused)),
    ):
        pass


# Issuing tokens and the operator CLI --------------------------------------------------------


def test_issue_token_signs_and_audits(
    settings: Settings, driver: Driver, actor: Actor, broker: Party
) -> None:
    who = Principal("feed", Role.PARTNER, Kind.TOKEN, broker.id, frozenset({"pii"}))
    token, issued = run(
        settings, lambda d: issue_token(d, settings, actor, who, dt.timedelta(minutes=15))
    )
    decoded = jwt.decode(token, secret(settings), algorithms=["HS256"], audience="customer360-api")
    assert decoded == issued
    assert issued == {
        "iss": "customer360",
        "aud": "customer360-api",
        "sub": "feed",
        "role": "partner",
        "broker": broker.id,
        "scope": "pii",
        "iat": issued["iat"],
        "nbf": issued["iat"],
        "exp": issued["iat"] + 900,
        "jti": issued["jti"],
    }
    assert abs(issued["iat"] - time.time()) < 5 and len(issued["jti"]) == 32
    assert asyncio.run(JwtVerifier(settings).verify(token)) == who
    [entry] = run(
        settings, lambda d: audit.entries(d, settings.neo4j_database, request_id=actor.request_id)
    )
    assert (entry.actor, entry.role, entry.action, entry.target) == (
        "cli:tester",
        "admin",
        "token.issue",
        "feed",
    )
    assert entry.details == {
        "role": "partner",
        "broker": broker.id,
        "scope": "pii",
        "jti": issued["jti"],
        "expiresAt": issued["exp"],
    }

    nobody = Principal("x", Role.PARTNER, Kind.TOKEN, "partners:nobody")
    with pytest.raises(ValueError, match=r"^no broker has the id 'partners:nobody'$"):
        run(settings, lambda d: issue_token(d, settings, actor, nobody, dt.timedelta(minutes=1)))
    assert (
        len(
            run(
                settings,
                lambda d: audit.entries(d, settings.neo4j_database, request_id=actor.request_id),
            )
        )
        == 1
    )


@pytest.fixture
def cli(
    auth_settings: Settings, driver: Driver, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., Result]]:
    """Runs `c360` with the test settings; removes the audit entries and keys it made."""
    monkeypatch.setattr(c360, "get_settings", lambda: auth_settings)
    runner = CliRunner()
    since = dt.datetime.now(dt.UTC)

    def invoke(*args: str) -> Result:
        return runner.invoke(c360.app, list(args))

    yield invoke
    driver.execute_query(
        "MATCH (e:AuditEntry {actor: $actor}) WHERE e.at >= $since "
        "OPTIONAL MATCH (k:ApiKey {id: e.target}) WHERE e.action = 'apikey.create' "
        "DETACH DELETE e, k",
        {"actor": f"cli:{getpass.getuser()}", "since": since},
        database_=auth_settings.neo4j_database,
    )


def test_cli_token_issue(
    cli: Callable[..., Result], auth_settings: Settings, broker: Party
) -> None:
    subject = f"test-cli-{uuid.uuid4().hex}"
    args = ["--role", "partner", "--broker", broker.id, "--scope", "pii", "--ttl", "15m"]
    result = cli("token", "issue", *args, "--subject", subject)
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    found = asyncio.run(JwtVerifier(auth_settings).verify(token))
    assert found == Principal(subject, Role.PARTNER, Kind.TOKEN, broker.id, frozenset({"pii"}))
    decoded = jwt.decode(token, options={"verify_signature": False})
    assert decoded["exp"] - decoded["iat"] == 900
    assert f"partner token for sub {subject!r}, expires " in result.stderr
    [entry] = run(
        auth_settings, lambda d: audit.entries(d, auth_settings.neo4j_database, target=subject)
    )
    assert (entry.actor, entry.action) == (f"cli:{getpass.getuser()}", "token.issue")

    default = cli("token", "issue", "--role", "analyst")
    assert default.exit_code == 0, default.output
    claims_ = jwt.decode(default.stdout.strip(), options={"verify_signature": False})
    assert (claims_["sub"], claims_["exp"] - claims_["iat"]) == ("analyst", 3600)
    owned = cli(
        "token", "issue", "--role", "account_team", "--subject", "hr:eve", "--owned-accounts"
    )
    assert (
        jwt.decode(owned.stdout.strip(), options={"verify_signature": False})["accounts"] == "owned"
    )

    no_broker = cli("token", "issue", "--role", "partner")
    assert (no_broker.exit_code, no_broker.stderr.strip()) == (
        1,
        "error: a partner needs a broker id",
    )
    bad_scope = cli("token", "issue", "--role", "analyst", "--scope", "everything")
    assert bad_scope.exit_code == 2 and "unknown scope(s) ['everything']" in bad_scope.stderr
    bad_ttl = cli("token", "issue", "--role", "analyst", "--ttl", "soon")
    assert bad_ttl.exit_code == 2 and "'soon' is not a duration" in bad_ttl.stderr


def test_cli_apikeys(cli: Callable[..., Result], auth_settings: Settings, broker: Party) -> None:
    name = f"cli-{uuid.uuid4().hex[:8]}"
    created = cli(
        "apikey", "create", "--name", name, "--broker", broker.id, "--expires", "2999-01-01"
    )
    assert created.exit_code == 0, created.output
    text = created.stdout.strip()
    parsed = apikeys.parse_key(text)
    assert parsed is not None
    key_id = parsed[0]
    assert f"key {key_id} ({name!r}, partner) expires 2999-01-01T00:00:00+00:00" in created.stderr
    store = KeyStore(PEPPER, 0.0)
    db = auth_settings.neo4j_database
    assert run(auth_settings, lambda d: store.verify(d, db, text)) == Principal(
        key_id, Role.PARTNER, Kind.APIKEY, broker.id
    )

    def listed_status() -> str:
        listing = cli("apikey", "list")
        assert listing.exit_code == 0, listing.output
        lines = listing.stdout.splitlines()
        assert lines[0] == "id\tname\trole\tbroker\tscopes\tcreated\texpires\tstatus"
        [row] = [line.split("\t") for line in lines if line.startswith(key_id)]
        assert row[:5] == [key_id, name, "partner", broker.id, "-"]
        assert row[6] == "2999-01-01T00:00:00+00:00"
        return row[7]

    assert listed_status() == "active"
    revoked = cli("apikey", "revoke", key_id)
    assert revoked.exit_code == 0 and f"key {key_id} ({name!r}) revoked at " in revoked.stdout
    assert listed_status() == "revoked"
    assert cli("apikey", "revoke", "0000000000000000").exit_code == 1

    for args, message in [
        (["--name", "x", "--role", "analyst", "--broker", broker.id], "error: only partners have a broker id"),
        (["--name", "x", "--broker", "partners:nobody"], "error: no broker has the id 'partners:nobody'"),
        (["--name", "x", "--broker", broker.id, "--expires", "2001-01-01"], "error: the expiry is in the past"),
    ]:  # fmt: skip
        refused = cli("apikey", "create", *args)
        assert (refused.exit_code, refused.stderr.strip()) == (1, message)
    operator = f"cli:{getpass.getuser()}"
    trail = run(auth_settings, lambda d: audit.entries(d, db, actor=operator, limit=4))
    assert [(e.action, e.target) for e in trail] == [
        ("apikey.list", None),
        ("apikey.revoke", key_id),
        ("apikey.list", None),
        ("apikey.create", key_id),
    ]  # refused creations leave no entry
