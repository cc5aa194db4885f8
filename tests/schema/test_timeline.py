"""`timeline`: a party's interactions, orders, survey answers and referrals in one connection,
newest first (orders and referrals at 00:00 UTC of their date, undated last), paged with
cursors, filtered by kind and channel."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from neo4j import Driver
from starlette.testclient import TestClient

from graph.config import Settings
from graph.read.positions import Family
from schema.ids import global_id
from tests.factories import UTC, Graph
from tests.schema.conftest import data

QUERY = """query($id: ID!, $first: Int!, $after: String, $k: [TimelineKind!], $c: [String!]) {
  customer(id: $id) { timeline(first: $first, after: $after, kind: $k, channel: $c) {
    edges { cursor node { kind at channel node { id } } }
    pageInfo { hasNextPage hasPreviousPage endCursor } } } }"""


class Story:
    def __init__(self, g: Graph) -> None:
        self.g = g
        self.ann = g.person("Ann", "Timeline")
        friend = g.person("Fred", "Referred")
        later = g.person("Lena", "Undated")
        t = dt.datetime
        self.entries: list[tuple[str, str | None, str | None, str]] = []  # kind, at, channel, gid

        def add(kind: str, at: str | None, channel: str | None, family: Family, key: str) -> None:
            self.entries.append((kind, at, channel, global_id(family, key)))

        call = g.interaction(self.ann, t(2024, 5, 2, 9, 30, tzinfo=UTC), "phone")
        add("INTERACTION", "2024-05-02T09:30:00Z", "phone", Family.INTERACTION, call.id)
        mail = g.interaction(self.ann, t(2024, 3, 1, 8, 0, tzinfo=UTC), "email")
        add("INTERACTION", "2024-03-01T08:00:00Z", "email", Family.INTERACTION, mail.id)
        order = g.order(self.ann, dt.date(2024, 4, 15))
        add("ORDER", "2024-04-15T00:00:00Z", None, Family.ORDER, order.id)
        old = g.order(self.ann, dt.date(2023, 12, 31))
        add("ORDER", "2023-12-31T00:00:00Z", None, Family.ORDER, old.id)
        answer = g.survey(self.ann, t(2024, 4, 20, 17, 45, tzinfo=UTC), 9)
        add("SURVEY_RESPONSE", "2024-04-20T17:45:00Z", None, Family.SURVEY_RESPONSE, answer.id)
        g.referral(self.ann, friend, dt.date(2024, 5, 2), channel="word_of_mouth")
        add("REFERRAL", "2024-05-02T00:00:00Z", "word_of_mouth", Family.PARTY, friend.id)
        g.referral(self.ann, later, None, channel="partner")  # type: ignore[arg-type]
        add("REFERRAL", None, "partner", Family.PARTY, later.id)

    def newest_first(self) -> list[tuple[str, str | None, str | None, str]]:
        dated = sorted((e for e in self.entries if e[1]), key=lambda e: e[1] or "", reverse=True)
        return dated + [e for e in self.entries if e[1] is None]


@pytest.fixture(scope="module")
def story(driver: Driver, settings: Settings) -> Iterator[Story]:
    found = Story(Graph())
    found.g.save(driver, settings.neo4j_database)
    try:
        yield found
    finally:
        found.g.delete(driver, settings.neo4j_database)


def walk(client: TestClient, story: Story, first: int, **filters: Any) -> list[tuple[Any, ...]]:
    out: list[tuple[Any, ...]] = []
    after = None
    variables = {"id": global_id(Family.PARTY, story.ann.id), "first": first, **filters}
    while True:
        page = data(client, QUERY, variables | {"after": after})["customer"]["timeline"]
        assert page["pageInfo"]["hasPreviousPage"] is (after is not None)
        out += [
            (e["node"]["kind"], e["node"]["at"], e["node"]["channel"], e["node"]["node"]["id"])
            for e in page["edges"]
        ]
        if not page["pageInfo"]["hasNextPage"]:
            return out
        after = page["pageInfo"]["endCursor"]
        assert after == page["edges"][-1]["cursor"]


def test_everything_newest_first_across_pages(client: TestClient, story: Story) -> None:
    expected = story.newest_first()
    assert expected[0][0] == "INTERACTION" and expected[-1][1] is None
    for first in (2, 3, 100):
        assert walk(client, story, first) == expected, first


def test_filters_by_kind_and_channel(client: TestClient, story: Story) -> None:
    everything = story.newest_first()
    kinds = ["ORDER", "REFERRAL"]
    assert walk(client, story, 2, k=kinds) == [e for e in everything if e[0] in kinds]
    assert walk(client, story, 2, c=["phone", "partner"]) == [
        e for e in everything if e[2] in ("phone", "partner")
    ]
    assert walk(client, story, 2, k=["INTERACTION"], c=["email"]) == [
        e for e in everything if e[0] == "INTERACTION" and e[2] == "email"
    ]


def test_a_cursor_of_another_list_is_refused(client: TestClient, story: Story) -> None:
    variables = {"id": global_id(Family.PARTY, story.ann.id), "first": 1, "after": "bm9wZQ"}
    response = client.post("/graphql", json={"query": QUERY, "variables": variables}).json()
    assert response["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert response["errors"][0]["path"] == ["customer", "timeline"]


def test_referrals_show_only_to_roles_that_may_read_them(settings: Settings, story: Story) -> None:
    """`Customer.referrals` is for the roles that read networks (schema/access.py); a frontend's
    timeline holds no REFERRAL entry, every other kind stays."""
    from graph.security.principal import Role
    from tests.api.mutation_helpers import client_for

    everything = story.newest_first()
    with client_for(settings, Role.FRONTEND) as frontend:
        assert walk(frontend, story, 3) == [e for e in everything if e[0] != "REFERRAL"]
        assert walk(frontend, story, 3, k=["REFERRAL"]) == []
    with client_for(settings, Role.ANALYST) as analyst:
        assert walk(analyst, story, 3) == everything
