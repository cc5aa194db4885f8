"""The graph's today (`c360 db today`): committees default to the end of it instead of now."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from neo4j import Driver
from starlette.testclient import TestClient
from typer.testing import CliRunner

import cli.clock as clock_cli
from cli.main import app as c360
from graph.config import Settings
from graph.read.positions import Family
from schema.ids import global_id
from tests.factories import UTC, Graph, Party
from tests.schema.conftest import data

QUERY = """query($id: ID!) { buyingCommittee(account: $id) {
  asOf members { person { key } engagement { interactions } } gaps { role reason } } }"""


@pytest.fixture
def account(driver: Driver, settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Party]:
    """An account whose champion last talked to us in June 2024; the graph's today is cleared
    afterwards (the suite runs with none)."""
    monkeypatch.setattr(clock_cli, "get_settings", lambda: settings)
    g = Graph()
    firm = g.organization(f"Clocked {g.tag}")
    champion = g.person("Cara", f"Clock{g.tag}")
    g.committee(champion, firm, ["champion"], primary=True)
    g.interaction(champion, dt.datetime(2024, 6, 20, 10, 0, tzinfo=UTC), "meeting")
    g.save(driver, settings.neo4j_database)
    try:
        yield firm
    finally:
        CliRunner().invoke(c360, ["db", "today", "--clear"])
        g.delete(driver, settings.neo4j_database)


def test_committees_default_to_the_graphs_today(client: TestClient, account: Party) -> None:
    gid = global_id(Family.PARTY, account.id)
    runner = CliRunner()
    assert runner.invoke(c360, ["db", "today"]).stdout == "not set (the clock's today)\n"
    now = data(client, QUERY, {"id": gid})["buyingCommittee"]
    assert now["asOf"][:10] == dt.datetime.now(dt.UTC).date().isoformat()
    assert now["members"][0]["engagement"]["interactions"] == 0  # 2024 is long before now
    assert {"role": "CHAMPION", "reason": "DISENGAGED"} in now["gaps"]

    shown = runner.invoke(c360, ["db", "today", "2024-06-30"])
    assert shown.exit_code == 0, shown.output
    assert shown.stdout == "2024-06-30\n"
    then = data(client, QUERY, {"id": gid})["buyingCommittee"]
    assert then["asOf"] == "2024-06-30T23:59:59.999999Z"
    assert then["members"][0]["engagement"]["interactions"] == 1
    assert {"role": "CHAMPION", "reason": "DISENGAGED"} not in then["gaps"]

    assert runner.invoke(c360, ["db", "today", "--clear"]).stdout == "not set (the clock's today)\n"
    assert runner.invoke(c360, ["db", "today", "June"]).exit_code != 0
