from __future__ import annotations

import asyncio

from neo4j import Driver

from graph.config import Settings
from graph.driver import open_driver
from graph.migrations import MIGRATIONS, migrate


def run_migrations(settings: Settings) -> list[str]:
    async def go() -> list[str]:
        driver = open_driver(settings)
        try:
            return await migrate(driver, settings.neo4j_database)
        finally:
            await driver.close()

    return asyncio.run(go())


def test_migrations_run_twice_and_leave_every_constraint_and_index(
    settings: Settings, driver: Driver
) -> None:
    first = run_migrations(settings)
    second = run_migrations(settings)
    assert first == second == [name for name, _ in MIGRATIONS]

    constraints, _, _ = driver.execute_query(
        "SHOW CONSTRAINTS YIELD name, type, labelsOrTypes, properties RETURN *",
        database_=settings.neo4j_database,
    )
    by_name = {r["name"]: r for r in constraints}
    assert by_name["party_id"]["type"] == "UNIQUENESS"
    assert by_name["party_id"]["labelsOrTypes"] == ["Party"]
    assert by_name["party_id"]["properties"] == ["id"]
    expected_constraints = {name for name, cypher in MIGRATIONS if "CONSTRAINT" in cypher}
    assert expected_constraints <= set(by_name)

    indexes, _, _ = driver.execute_query(
        "SHOW INDEXES YIELD name, state, type RETURN *", database_=settings.neo4j_database
    )
    states = {r["name"]: (r["type"], r["state"]) for r in indexes}
    assert states["party_text"] == ("FULLTEXT", "ONLINE")
    assert "party_search" not in states  # replaced by party_text (accent folding)
    assert all(
        states[name][1] == "ONLINE" for name, cypher in MIGRATIONS if not cypher.startswith("DROP")
    )


def test_party_id_constraint_is_enforced(settings: Settings, driver: Driver) -> None:
    from neo4j.exceptions import ConstraintError

    driver.execute_query(
        "CREATE (:Party {id: 'test-migrations-dup'})", database_=settings.neo4j_database
    )
    try:
        try:
            driver.execute_query(
                "CREATE (:Party {id: 'test-migrations-dup'})", database_=settings.neo4j_database
            )
        except ConstraintError:
            pass
        else:
            raise AssertionError("a second Party with the same id was accepted")
    finally:
        driver.execute_query(
            "MATCH (n:Party {id: 'test-migrations-dup'}) DELETE n",
            database_=settings.neo4j_database,
        )
