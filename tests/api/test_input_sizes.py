"""Every free-text mutation input has a documented maximum (500 characters, a survey's comment
5,000, a list 100 items): over it is BAD_USER_INPUT and nothing is written. 89 kB `type` and
`outcome` values used to be stored."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from neo4j import Driver
from pydantic import ValidationError
from starlette.testclient import TestClient

from graph.config import Settings
from graph.ingest.records import InteractionRecord, PersonRecord, SurveyResponseRecord
from tests.api.mutation_helpers import call, codes

UPSERT = """mutation($input: CustomerInput!) {
  upsertCustomer(input: $input) { customer { id key name } } }"""
INTERACTION = """mutation($input: InteractionInput!) {
  recordInteraction(input: $input) { interaction { key type } } }"""
SURVEY = """mutation($input: SurveyResponseInput!) {
  recordSurveyResponse(input: $input) { surveyResponse { key comment } } }"""
SPLIT = """mutation($input: SplitCustomerInput!) { splitCustomer(input: $input) { replayed } }"""
WRITTEN = """
MATCH (p:Party {id: $key})
RETURN COUNT { (p)-[:HAD]->() } AS interactions, COUNT { (p)-[:RESPONDED]->() } AS answers
"""
FORGET = """
MATCH (p:Party {id: $key})
OPTIONAL MATCH (p)-[:HAD|RESPONDED]->(x)
WITH p, collect(x.id) AS ids
MATCH (n) WHERE n.id = $key OR n.id STARTS WITH $key + '#' OR n.id IN ids
   OR (n:MutationReceipt AND n.target = $key)
DETACH DELETE n
"""


def cmid() -> str:
    return uuid.uuid4().hex


@pytest.fixture
def person(client: TestClient, driver: Driver, settings: Settings) -> Iterator[dict[str, Any]]:
    name = "N" * 500  # the most a name may hold
    body = call(client, UPSERT, input={"clientMutationId": cmid(), "kind": "PERSON", "name": name})
    assert "errors" not in body, body
    made: dict[str, Any] = body["data"]["upsertCustomer"]["customer"]
    assert made["name"] == name
    yield made
    driver.execute_query(FORGET, key=made["key"], database_=settings.neo4j_database)


def written(driver: Driver, settings: Settings, key: str) -> tuple[int, int]:
    records, _, _ = driver.execute_query(WRITTEN, key=key, database_=settings.neo4j_database)
    return records[0]["interactions"], records[0]["answers"]


def test_texts_over_their_maximum_are_refused_and_nothing_is_written(
    client: TestClient, driver: Driver, settings: Settings, person: dict[str, Any]
) -> None:
    touch = {"clientMutationId": cmid(), "customerId": person["id"],
             "at": "2024-01-01T00:00:00Z", "channel": "EMAIL"}  # fmt: skip
    refused = [
        (UPSERT, {"clientMutationId": cmid(), "id": person["id"], "name": "N" * 501},
         "Invalid input: name: at most 500 characters, not 501."),
        (INTERACTION, {**touch, "type": "t" * 89_000},
         "Invalid input: type: at most 500 characters, not 89000."),
        (INTERACTION, {**touch, "outcome": "o" * 501},
         "Invalid input: outcome: at most 500 characters, not 501."),
        (SURVEY, {"clientMutationId": cmid(), "customerId": person["id"],
                  "at": "2024-01-01T00:00:00Z", "score": 9, "comment": "c" * 5_001},
         "Invalid input: comment: at most 5000 characters, not 5001."),
        (SPLIT, {"clientMutationId": cmid(), "id": person["id"],
                 "sourceIds": [f"x:{i}" for i in range(101)]},
         "Invalid input: sourceIds: at most 100 items, not 101."),
    ]  # fmt: skip
    for query, given, message in refused:
        body = call(client, query, input=given)
        assert codes(body) == ["BAD_USER_INPUT"], body
        assert body["errors"][0]["message"] == message
        assert body["data"] is None
    assert written(driver, settings, person["key"]) == (0, 0)

    body = call(client, INTERACTION, input={**touch, "type": "t" * 500})
    assert body["data"]["recordInteraction"]["interaction"]["type"] == "t" * 500
    body = call(client, SURVEY, input={
        "clientMutationId": cmid(), "customerId": person["id"], "at": "2024-01-01T00:00:00Z",
        "score": 9, "comment": "c" * 5_000,
    })  # fmt: skip
    assert body["data"]["recordSurveyResponse"]["surveyResponse"]["comment"] == "c" * 5_000
    assert written(driver, settings, person["key"]) == (1, 1)


def test_the_records_hold_the_same_bounds_for_every_source() -> None:
    InteractionRecord(id="f:1", customer="f:c", at="2024-01-01T00:00:00Z", channel="email",
                      type="t" * 500)  # fmt: skip
    with pytest.raises(ValidationError, match="at most 500 characters"):
        InteractionRecord(id="f:1", customer="f:c", at="2024-01-01T00:00:00Z", channel="email",
                          outcome="o" * 501)  # fmt: skip
    with pytest.raises(ValidationError, match="at most 500 characters"):
        PersonRecord(id="f:2", street="s" * 501)
    with pytest.raises(ValidationError, match="at most 5000 characters"):
        SurveyResponseRecord(id="f:3", customer="f:c", at="2024-01-01T00:00:00Z", score=3,
                             comment="c" * 5_001)  # fmt: skip
