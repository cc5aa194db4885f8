"""Fixtures shared by every test: the settings, a sync driver on the real Neo4j, the API client.

`make test` starts a throwaway Neo4j and exports its address; tests create data with unique ids and
delete only what they made. Authentication stays on: the settings carry a random HS256 secret and
the `client` sends an admin token (`auth_headers`).
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from neo4j import Driver, GraphDatabase
from pydantic import SecretStr
from starlette.testclient import TestClient

from api.app import create_app
from api.auth.middleware import sign
from graph.config import PROJECT_ROOT, Settings
from graph.security.principal import SCOPES, Kind, Principal, Role
from loaders.load import LoadReport

# Fuzz tests: the same examples on every run in CI; `HYPOTHESIS_PROFILE=explore` searches afresh.
_SLOW_OK = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
hypothesis_settings.register_profile(
    "ci", max_examples=60, deadline=None, derandomize=True, suppress_health_check=_SLOW_OK
)
hypothesis_settings.register_profile(
    "explore", max_examples=1000, deadline=None, suppress_health_check=_SLOW_OK
)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

DEMO_PRIORITY: list[str] = yaml.safe_load((PROJECT_ROOT / "mappings" / "demo.yaml").read_text())[
    "priority"
]


@dataclass(frozen=True)
class DemoData:
    settings: Settings
    folder: Path
    report: LoadReport


@pytest.fixture(scope="session")
def settings() -> Settings:
    # Request and cost rate limits are off for the suite (tests/api/test_ratelimit.py sets its own).
    return Settings(
        auth_jwt_secret=SecretStr(secrets.token_urlsafe(32)),
        rate_limit_per_minute=dict.fromkeys(Role, 0),
        cost_limit_per_minute=dict.fromkeys(Role, 0),
    )


def auth_headers(settings: Settings) -> dict[str, str]:
    """An `Authorization` header with an admin token (every scope) signed for these settings."""
    admin = Principal("tests", Role.ADMIN, Kind.TOKEN, scopes=SCOPES)
    token, _ = sign(settings, admin, dt.timedelta(hours=12))
    return {"authorization": f"Bearer {token}"}


def without_cost(body: dict[str, Any]) -> dict[str, Any]:
    """The body without `extensions.cost` (api/cost.py), after checking its shape: every GraphQL
    response carries it; tests that compare whole bodies compare the rest."""
    extensions = dict(body.get("extensions", {}))
    cost = extensions.pop("cost")
    assert set(cost) == {"estimated", "charged", "remaining", "limit"}, cost
    assert isinstance(cost["estimated"], int) and cost["estimated"] >= 0, cost
    assert 0 <= cost["charged"] <= cost["estimated"], cost
    rest = {k: v for k, v in body.items() if k != "extensions"}
    return {**rest, "extensions": extensions} if extensions else rest


@pytest.fixture(scope="session")
def driver(settings: Settings) -> Iterator[Driver]:
    with GraphDatabase.driver(settings.bolt_uri, auth=settings.auth) as driver:
        driver.verify_connectivity()
        yield driver


@pytest.fixture(scope="session")
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), headers=auth_headers(settings)) as client:
        yield client


def resolve_everything(settings: Settings) -> None:
    """A full identity resolution, as `c360 identity resolve --full` runs it: the frozen name
    model (`(:IdentityModel)`, docs/loading.md) recounted from every person record in the graph
    now, and every party record re-linked with it (ties between sources broken by the demo's
    priority, the one multi-source data set the tests keep loaded).

    A load resolves with the stored model and recounts it only on a full run, which a load that
    more than doubles the person records starts. So the identities of records a test did not
    load itself depend on which loads ran before it unless it runs this first, and a test whose
    load ran a full resolution over records it then deletes leaves a model counted with them
    unless it runs this after (`identities_restored`)."""
    import asyncio

    from graph.driver import open_driver
    from loaders.resolve import resolve

    async def go() -> None:
        driver = open_driver(settings)
        try:
            await resolve(driver, settings.neo4j_database, priority=DEMO_PRIORITY, full=True)
        finally:
            await driver.close()

    asyncio.run(go())


@pytest.fixture
def identities_restored(settings: Settings) -> Iterator[None]:
    """For a test whose load runs a full identity resolution (it more than doubles the person
    records) over records it deletes afterwards: the model and the links of the records left are
    recounted without them, as the tests after it would find them had it not run."""
    yield
    resolve_everything(settings)


@pytest.fixture(scope="session")
def cdnow_loaded(settings: Settings) -> Settings:
    """The CDNOW sample loaded once through its shipped mapping (idempotent: reloads change nothing)."""
    import asyncio

    from graph.config import PROJECT_ROOT
    from graph.driver import open_driver
    from loaders.load import load
    from loaders.mapping import read_mapping

    async def go() -> None:
        driver = open_driver(settings)
        try:
            await load(
                driver,
                settings.neo4j_database,
                read_mapping(PROJECT_ROOT / "mappings" / "cdnow.yaml"),
            )
        finally:
            await driver.close()

    asyncio.run(go())
    return settings


@pytest.fixture(scope="session")
def demo_loaded(
    settings: Settings, tmp_path_factory: pytest.TempPathFactory, cdnow_loaded: Settings
) -> DemoData:
    """A 500-customer sample (seed 7) written and loaded once through mappings/demo.yaml, then
    every party record re-resolved with a name model recounted from the graph that now holds it.

    Identity resolution weighs names by the frozen model in the graph (`(:IdentityModel)`,
    docs/loading.md), which only a full run recounts: without the last step the demo's identities
    would depend on which load happened to run the last full one (CDNOW alone, the demo, or a
    test's records). The CDNOW sample goes in first, so the recount sees the same data sets
    whichever test asks first (and what earlier tests left in the graph, which they delete).
    """
    import asyncio

    from graph.driver import open_driver
    from loaders.load import load
    from loaders.mapping import read_mapping
    from loaders.sample.generate import write_sample

    folder = tmp_path_factory.mktemp("demo")
    write_sample(folder, 500, 7)
    mapping = read_mapping(PROJECT_ROOT / "mappings" / "demo.yaml", base=folder)

    async def go() -> LoadReport:
        driver = open_driver(settings)
        try:
            return await load(driver, settings.neo4j_database, mapping)
        finally:
            await driver.close()

    report = asyncio.run(go())
    resolve_everything(settings)
    return DemoData(settings, folder, report)
