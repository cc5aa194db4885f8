"""`nodes`: an id that is not one, or names nothing, nulls its own entry with an error at that
entry's path; the other entries answer (on both paths)."""

from __future__ import annotations

import pytest
from neo4j import Driver
from starlette.testclient import TestClient

from graph.config import Settings
from graph.read.positions import Family
from schema.ids import global_id
from tests.factories import Graph
from tests.schema.conftest import post_on

QUERY = "query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Party { key name } } }"


@pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "executor"])
def test_a_bad_id_nulls_its_entry_only(
    client: TestClient, driver: Driver, settings: Settings, compiled: bool
) -> None:
    g = Graph()
    ann = g.person("Ann", "Entry")
    g.save(driver, settings.neo4j_database)
    try:
        good = global_id(Family.PARTY, ann.id)
        missing = global_id(Family.PARTY, f"crm:{g.tag}-none")
        body = post_on(client, compiled, QUERY, ids=[good, "not an id!", missing, "Zm9vOmJhcg"])
        assert body["data"] == {
            "nodes": [{"id": good, "key": ann.id, "name": "Ann Entry"}, None, None, None]
        }
        assert [(e["path"], e["extensions"]["code"], e["message"]) for e in body["errors"]] == [
            (["nodes", 1], "BAD_USER_INPUT", "Not a valid id: 'not an id!'."),
            (["nodes", 2], "NOT_FOUND", "No object with this id."),
            (["nodes", 3], "BAD_USER_INPUT", "Not a valid id: 'Zm9vOmJhcg'."),
        ]
        # Only valid ids: the unknown one is null with its own error, the known one answers.
        body = post_on(client, compiled, QUERY, ids=[missing, good])
        assert body["data"] == {"nodes": [None, {"id": good, "key": ann.id, "name": "Ann Entry"}]}
        assert [(e["path"], e["extensions"]["code"]) for e in body["errors"]] == [
            (["nodes", 0], "NOT_FOUND")
        ]
        # All found: no errors at all.
        body = post_on(client, compiled, QUERY, ids=[good, good])
        assert "errors" not in body and len(body["data"]["nodes"]) == 2
    finally:
        g.delete(driver, settings.neo4j_database)
