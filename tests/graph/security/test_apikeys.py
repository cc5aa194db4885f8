"""API keys on the real Neo4j: stored hashed, audited, listed, revoked."""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from neo4j import Driver
from neo4j.exceptions import ConstraintError

from graph.config import Settings
from graph.driver import run_with as run
from graph.security import apikeys, audit
from graph.security.apikeys import ApiKey, ApiKeyError
from graph.security.audit import Actor
from graph.security.principal import Kind, Principal, Role
from tests.factories import Graph, Party

PEPPER = "test-pepper"
IN_90_DAYS = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=90)


@pytest.fixture(scope="module")
def broker(driver: Driver, settings: Settings) -> Iterator[Party]:
    g = Graph()
    found = g.broker("Keys Brokerage Ltd")
    g.save(driver, settings.neo4j_database)
    yield found
    g.delete(driver, settings.neo4j_database)


@pytest.fixture
def actor(driver: Driver, settings: Settings) -> Iterator[Actor]:
    """An operator with a request id of its own; its keys and entries are deleted afterwards."""
    found = Actor("cli:tester", "admin", f"test-apikeys-{uuid.uuid4().hex}")
    yield found
    driver.execute_query(
        "MATCH (e:AuditEntry {requestId: $r}) "
        "OPTIONAL MATCH (k:ApiKey {id: e.target}) WHERE e.action = 'apikey.create' "
        "DETACH DELETE e, k",
        {"r": found.request_id},
        database_=settings.neo4j_database,
    )


def create(settings: Settings, actor: Actor, **kw: Any) -> tuple[ApiKey, str]:
    args: dict[str, Any] = {"name": "partner feed", "role": Role.PARTNER, "expires_at": IN_90_DAYS}
    return run(
        settings,
        lambda d: apikeys.create(d, settings.neo4j_database, actor, pepper=PEPPER, **(args | kw)),
    )


def entries(settings: Settings, actor: Actor) -> list[audit.AuditEntry]:
    return run(
        settings, lambda d: audit.entries(d, settings.neo4j_database, request_id=actor.request_id)
    )


def test_format_and_parse() -> None:
    key_id, secret = apikeys.new_key()
    assert len(key_id) == 16 and len(secret) == 43
    text = apikeys.format_key(key_id, secret)
    assert text == f"c360_{key_id}_{secret}"
    assert apikeys.parse_key(text) == (key_id, secret)
    assert apikeys.parse_key("c360_0123456789abcdef_" + "-_" * 21 + "x") == (
        "0123456789abcdef",
        "-_" * 21 + "x",
    )
    for bad in [
        "",
        text + "x",
        text[:-1],
        text.replace("c360_", "c361_"),
        f"c360_{key_id.upper()}_{secret}",
        f"c360_{key_id}-{secret}",
        f" {text}",
    ]:
        assert apikeys.parse_key(bad) is None, bad


def test_create_stores_only_a_peppered_hash_and_audits(
    settings: Settings, driver: Driver, actor: Actor, broker: Party
) -> None:
    key, text = create(settings, actor, broker_id=broker.id, scopes=frozenset({"pii"}))
    key_id, secret = apikeys.parse_key(text) or ("", "")
    assert key_id == key.id
    records, _, _ = driver.execute_query(
        "MATCH (k:ApiKey {id: $id}) RETURN k {.*} AS k",
        {"id": key.id},
        database_=settings.neo4j_database,
    )
    stored = records[0]["k"]
    created = stored.pop("createdAt").to_native()
    assert stored.pop("expiresAt").to_native() == IN_90_DAYS
    assert stored == {
        "id": key.id,
        "name": "partner feed",
        "role": "partner",
        "brokerId": broker.id,
        "scopes": ["pii"],
        "hash": apikeys.digest(PEPPER, key.id, secret),
    }
    assert secret not in str(records[0])
    assert key == ApiKey(
        key.id,
        "partner feed",
        Role.PARTNER,
        broker.id,
        frozenset({"pii"}),
        created,
        IN_90_DAYS,
        None,
        apikeys.digest(PEPPER, key.id, secret),
    )
    assert key.principal() == Principal(
        key.id, Role.PARTNER, Kind.APIKEY, broker.id, frozenset({"pii"})
    )
    [entry] = entries(settings, actor)
    assert (entry.actor, entry.role, entry.action, entry.target) == (
        "cli:tester",
        "admin",
        "apikey.create",
        key.id,
    )
    assert entry.details == {
        "name": "partner feed",
        "role": "partner",
        "brokerId": broker.id,
        "scopes": ["pii"],
        "expiresAt": IN_90_DAYS.isoformat(),
    }


def test_matches_in_constant_time_with_the_pepper(settings: Settings, actor: Actor) -> None:
    key, text = create(settings, actor, role=Role.FRONTEND)
    _, secret = apikeys.parse_key(text) or ("", "")
    assert apikeys.matches(key, secret, PEPPER)
    assert not apikeys.matches(key, secret, "another-pepper")
    assert not apikeys.matches(key, secret[:-1] + ("A" if secret[-1] != "A" else "B"), PEPPER)


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"broker_id": None}, "a partner needs a broker id"),
        ({"broker_id": "partners:nobody"}, "no broker has the id 'partners:nobody'"),
        ({"role": Role.ANALYST, "broker_id": "x"}, "only partners have a broker id"),
        ({"name": "  "}, "a key needs a name"),
        ({"expires_at": dt.datetime(2020, 1, 1, tzinfo=dt.UTC)}, "the expiry is in the past"),
    ],
)
def test_refused_keys_leave_nothing_behind(
    settings: Settings, driver: Driver, actor: Actor, kw: dict[str, Any], message: str
) -> None:
    before, _, _ = driver.execute_query(
        "MATCH (k:ApiKey) RETURN count(k) AS n", database_=settings.neo4j_database
    )
    with pytest.raises(ApiKeyError) as caught:
        create(settings, actor, **kw)
    assert str(caught.value) == message
    after, _, _ = driver.execute_query(
        "MATCH (k:ApiKey) RETURN count(k) AS n", database_=settings.neo4j_database
    )
    assert after[0]["n"] == before[0]["n"]
    assert entries(settings, actor) == []


def test_list_and_revoke(settings: Settings, actor: Actor, broker: Party) -> None:
    first, _ = create(settings, actor, name="first", broker_id=broker.id)
    second, _ = create(settings, actor, name="second", role=Role.ANALYST)
    db = settings.neo4j_database
    listed = run(settings, lambda d: apikeys.list_keys(d, db, actor))
    mine = [k for k in listed if k.id in (first.id, second.id)]
    assert mine == [first, second]

    revoked = run(settings, lambda d: apikeys.revoke(d, db, actor, first.id))
    assert revoked is not None and revoked.revoked_at is not None
    again = run(settings, lambda d: apikeys.revoke(d, db, actor, first.id))
    assert again == revoked  # the first revocation time stays
    assert run(settings, lambda d: apikeys.get(d, db, first.id)) == revoked
    assert run(settings, lambda d: apikeys.get(d, db, second.id)) == second
    assert run(settings, lambda d: apikeys.revoke(d, db, actor, "0000000000000000")) is None
    assert run(settings, lambda d: apikeys.get(d, db, "0000000000000000")) is None

    trail = [(e.action, e.target, e.details) for e in reversed(entries(settings, actor))]
    assert trail == [
        (
            "apikey.create",
            first.id,
            {
                "name": "first",
                "role": "partner",
                "brokerId": broker.id,
                "scopes": [],
                "expiresAt": IN_90_DAYS.isoformat(),
            },
        ),
        (
            "apikey.create",
            second.id,
            {
                "name": "second",
                "role": "analyst",
                "brokerId": None,
                "scopes": [],
                "expiresAt": IN_90_DAYS.isoformat(),
            },
        ),
        ("apikey.list", None, {"count": len(listed)}),
        ("apikey.revoke", first.id, {"name": "first", "alreadyRevoked": False}),
        ("apikey.revoke", first.id, {"name": "first", "alreadyRevoked": True}),
    ]


def test_status() -> None:
    now = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    key = ApiKey(
        "0123456789abcdef",
        "k",
        Role.FRONTEND,
        None,
        frozenset(),
        now - dt.timedelta(days=1),
        now + dt.timedelta(seconds=1),
        None,
        "",
    )
    assert key.status(now) == "active"
    assert key.status(now + dt.timedelta(seconds=1)) == "expired"
    assert dataclasses.replace(key, revoked_at=now).status(now) == "revoked"


def test_key_ids_are_unique(settings: Settings, driver: Driver) -> None:
    query = "CREATE (:ApiKey {id: 'test-apikeys-dup'})"
    driver.execute_query(query, database_=settings.neo4j_database)
    try:
        with pytest.raises(ConstraintError):
            driver.execute_query(query, database_=settings.neo4j_database)
    finally:
        driver.execute_query(
            "MATCH (k:ApiKey {id: 'test-apikeys-dup'}) DELETE k", database_=settings.neo4j_database
        )
