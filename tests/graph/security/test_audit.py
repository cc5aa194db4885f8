"""The audit trail on the real Neo4j: entries written in the operation's transaction, read back."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator

import pytest
from neo4j import AsyncDriver, AsyncManagedTransaction, Driver
from neo4j.exceptions import ConstraintError

from graph.config import Settings
from graph.driver import run_with as run
from graph.security import audit
from graph.security.audit import Action, Actor
from graph.security.principal import Kind, Principal, Role


@pytest.fixture
def actor(driver: Driver, settings: Settings) -> Iterator[Actor]:
    """An actor with a request id of its own; its entries are deleted afterwards."""
    found = Actor("token:auditor", "analyst", f"test-audit-{uuid.uuid4().hex}")
    yield found
    driver.execute_query(
        "MATCH (e:AuditEntry {requestId: $r}) DELETE e",
        {"r": found.request_id},
        database_=settings.neo4j_database,
    )


def test_record_writes_every_field(settings: Settings, driver: Driver, actor: Actor) -> None:
    before = dt.datetime.now(dt.UTC)

    async def work(d: AsyncDriver) -> str:
        async def tx_work(tx: AsyncManagedTransaction) -> str:
            details = {"ids": ["a", "b"], "count": 2, "at": dt.date(2024, 5, 1)}
            return await audit.record(tx, actor, "customer.merge", "crm:42", details)

        async with d.session(database=settings.neo4j_database) as session:
            return await session.execute_write(tx_work)

    entry_id = run(settings, work)
    records, _, _ = driver.execute_query(
        "MATCH (e:AuditEntry {requestId: $r}) RETURN e {.*} AS e",
        {"r": actor.request_id},
        database_=settings.neo4j_database,
    )
    assert len(records) == 1
    stored = records[0]["e"]
    at = stored.pop("at").to_native()
    assert before <= at <= dt.datetime.now(dt.UTC)
    assert stored == {
        "id": entry_id,
        "actor": "token:auditor",
        "role": "analyst",
        "action": "customer.merge",
        "target": "crm:42",
        "requestId": actor.request_id,
        "details": '{"at":"2024-05-01","count":2,"ids":["a","b"]}',
    }
    [read] = run(
        settings,
        lambda d: audit.entries(d, settings.neo4j_database, request_id=actor.request_id),
    )
    assert read == audit.AuditEntry(
        id=entry_id,
        at=at,
        actor="token:auditor",
        role="analyst",
        action="customer.merge",
        target="crm:42",
        request_id=actor.request_id,
        details={"at": "2024-05-01", "count": 2, "ids": ["a", "b"]},
    )


def test_an_entry_rolls_back_with_its_operation(
    settings: Settings, driver: Driver, actor: Actor
) -> None:
    class Boom(Exception):
        pass

    async def work(d: AsyncDriver) -> None:
        async def tx_work(tx: AsyncManagedTransaction) -> None:
            await audit.record(tx, actor, Action.APIKEY_REVOKE, "nope")
            raise Boom

        async with d.session(database=settings.neo4j_database) as session:
            await session.execute_write(tx_work)

    with pytest.raises(Boom):
        run(settings, work)
    assert run(settings, lambda d: audit.entries(d, settings.neo4j_database, target="nope")) == []


def test_entries_filter_and_come_newest_first(settings: Settings, actor: Actor) -> None:
    other = Actor("apikey:0123456789abcdef", "partner", actor.request_id)

    async def work(d: AsyncDriver) -> list[str]:
        made = []
        for who, action, target in [
            (actor, Action.TOKEN_ISSUE, "alice"),
            (other, Action.APIKEY_LIST, None),
            (actor, Action.TOKEN_ISSUE, "bob"),
        ]:
            async with d.session(database=settings.neo4j_database) as session:
                made.append(await session.execute_write(audit.record, who, action, target))
        return made

    first, second, third = run(settings, work)
    db, request_id = settings.neo4j_database, actor.request_id

    def ids(
        action: str | None = None, actor: str | None = None, target: str | None = None
    ) -> list[str]:
        found = run(
            settings,
            lambda d: audit.entries(
                d, db, action=action, actor=actor, target=target, request_id=request_id
            ),
        )
        return [e.id for e in found]

    assert ids() == [third, second, first]
    assert ids(actor="token:auditor") == [third, first]
    assert ids(action="apikey.list") == [second]
    assert ids(target="bob") == [third]
    assert ids(actor="token:auditor", target="alice") == [first]
    found = run(settings, lambda d: audit.entries(d, db, request_id=request_id, limit=1))
    assert [e.id for e in found] == [third]
    assert found[0].details == {} and found[0].role == "analyst"


def test_entry_ids_are_unique(settings: Settings, driver: Driver, actor: Actor) -> None:
    query = "CREATE (:AuditEntry {id: 'test-audit-dup', requestId: $r})"
    driver.execute_query(query, {"r": actor.request_id}, database_=settings.neo4j_database)
    with pytest.raises(ConstraintError):
        driver.execute_query(query, {"r": actor.request_id}, database_=settings.neo4j_database)


def test_actor_of_a_principal() -> None:
    partner = Principal("0123456789abcdef", Role.PARTNER, Kind.APIKEY, broker_id="partners:b1")
    assert Actor.of(partner, "req-1") == Actor("apikey:0123456789abcdef", "partner", "req-1")
    anonymous = Principal("anonymous", Role.ADMIN, Kind.ANONYMOUS)
    assert Actor.of(anonymous, "req-2") == Actor("anonymous:anonymous", "admin", "req-2")
