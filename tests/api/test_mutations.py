"""Mutations on the real Neo4j: each one's round trip, idempotency through the client mutation id,
validation errors, scope, and its audit entry. What the payloads read back is checked against the
input and against the graph read directly."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from neo4j import Driver
from starlette.testclient import TestClient

from graph.config import Settings
from graph.driver import run_with
from graph.read.positions import Family
from graph.security import receipts
from graph.security.principal import PII, WRITE, Role
from loaders.resolve import resolve
from schema.ids import global_id
from tests.api.mutation_helpers import call, client_for, codes, forget_api_writes

UPSERT = """mutation($input: CustomerInput!) {
  upsertCustomer(input: $input) {
    clientMutationId created replayed
    customer { id key kind name email phone country status segment roles sources
               ... on Person { givenName surname dateOfBirth street locality } }
  }
}"""
INTERACTION = """mutation($input: InteractionInput!) {
  recordInteraction(input: $input) {
    replayed interaction { key at channel direction type outcome sentiment
                           customer { key } product { key } }
  }
}"""
ORDER = """mutation($input: OrderInput!) {
  recordOrder(input: $input) {
    replayed order { key date amount currency quantity status customer { key }
                     lines { edges { node { lineNo quantity amount product { key } } } } }
  }
}"""
SURVEY = """mutation($input: SurveyResponseInput!) {
  recordSurveyResponse(input: $input) {
    replayed surveyResponse { key at score survey comment customer { key } }
  }
}"""
REFERRAL = """mutation($input: ReferralInput!) {
  recordReferral(input: $input) { replayed sourceId }
}"""
COMMITTEE = """mutation($input: CommitteeMembershipInput!) {
  setCommitteeMembership(input: $input) { replayed removed roles }
}"""
PRODUCT = "test-mutations:product-1"


def cmid() -> str:
    return uuid.uuid4().hex


@pytest.fixture(scope="module")
def admin(settings: Settings, driver: Driver) -> Iterator[TestClient]:
    db = settings.neo4j_database
    driver.execute_query(
        "MERGE (p:Product {id: $id}) SET p.name = 'Mutation test kit', p.price = 10.0",
        id=PRODUCT,
        database_=db,
    )
    with client_for(settings, Role.ADMIN, scopes=frozenset({PII, WRITE})) as client:
        yield client
    forget_api_writes(driver, settings)
    driver.execute_query("MATCH (p:Product {id: $id}) DETACH DELETE p", id=PRODUCT, database_=db)
    driver.execute_query(
        "MATCH (e:AuditEntry) WHERE e.actor = 'token:mutations-test' DETACH DELETE e", database_=db
    )


def person(client: TestClient, **fields: Any) -> dict[str, Any]:
    body = call(client, UPSERT, input={"clientMutationId": cmid(), "kind": "PERSON", **fields})
    assert "errors" not in body, body
    customer: dict[str, Any] = body["data"]["upsertCustomer"]["customer"]
    return customer


def test_create_a_customer_reads_back_and_is_stored_as_an_api_record(
    admin: TestClient, driver: Driver, settings: Settings
) -> None:
    given = {
        "clientMutationId": cmid(), "kind": "PERSON", "givenName": "Ada", "surname": "Lovelace",
        "email": " Ada.Lovelace@Example.ORG ", "phone": "020 7946 0018", "country": "GB",
        "dateOfBirth": "1815-12-10", "status": "ACTIVE", "segment": "vip",
    }  # fmt: skip
    body = call(admin, UPSERT, input=given)
    assert "errors" not in body, body
    payload = body["data"]["upsertCustomer"]
    assert payload["created"] is True and payload["replayed"] is False
    customer = payload["customer"]
    assert customer["key"].startswith("api:")
    assert customer == {
        "id": global_id(Family.PARTY, customer["key"]), "key": customer["key"], "kind": "PERSON",
        "name": "Ada Lovelace", "email": "ada.lovelace@example.org", "phone": "+442079460018",
        "country": "GB", "status": "ACTIVE", "segment": "vip", "roles": ["CUSTOMER"],
        "sources": ["api"], "givenName": "Ada", "surname": "Lovelace",
        "dateOfBirth": "1815-12-10", "street": None, "locality": None,
    }  # fmt: skip
    stored = driver.execute_query(
        "MATCH (s:SourceRecord)-[r:RESOLVES_TO]->(p:Party {id: $id}) "
        "RETURN s.id AS id, s.system AS system, s.entity AS entity, r.rule AS rule",
        id=customer["key"],
        database_=settings.neo4j_database,
    ).records
    assert [r.data() for r in stored] == [
        {"id": customer["key"], "system": "api", "entity": "person", "rule": "source"}
    ]


def test_the_same_client_mutation_id_replays_and_writes_nothing(
    admin: TestClient, driver: Driver, settings: Settings
) -> None:
    given = {"clientMutationId": cmid(), "kind": "ORGANIZATION", "name": "Replay Ltd"}
    first = call(admin, UPSERT, input=given)["data"]["upsertCustomer"]
    count = "MATCH (p:Party) WHERE p.name = 'Replay Ltd' RETURN count(p) AS n"
    db = settings.neo4j_database
    assert driver.execute_query(count, database_=db).records[0]["n"] == 1
    again = call(admin, UPSERT, input=given)["data"]["upsertCustomer"]
    assert again["replayed"] is True and again["created"] is True
    assert again["customer"]["key"] == first["customer"]["key"]
    assert driver.execute_query(count, database_=db).records[0]["n"] == 1

    other = call(admin, UPSERT, input={**given, "name": "Another Ltd"})
    assert codes(other) == ["BAD_USER_INPUT"]
    assert "already used" in other["errors"][0]["message"]
    assert (
        driver.execute_query(
            "MATCH (p:Party) WHERE p.name = 'Another Ltd' RETURN count(p) AS n", database_=db
        ).records[0]["n"]
        == 0
    )


def test_update_keeps_the_id_and_earlier_edits(admin: TestClient) -> None:
    created = person(admin, givenName="Grace", surname="Hopper", email="grace@example.com")
    key = created["key"]
    first = call(admin, UPSERT, input={"clientMutationId": cmid(), "id": created["id"],
                                      "phone": "+1 202 555 0143", "segment": "navy"})  # fmt: skip
    assert "errors" not in first, first
    second = call(admin, UPSERT, input={"clientMutationId": cmid(), "id": created["id"],
                                       "locality": "Arlington"})  # fmt: skip
    customer = second["data"]["upsertCustomer"]["customer"]
    assert second["data"]["upsertCustomer"]["created"] is False
    assert customer["key"] == key
    assert customer["phone"] == "+12025550143" and customer["segment"] == "navy"
    assert customer["locality"] == "Arlington" and customer["email"] == "grace@example.com"
    assert customer["name"] == "Grace Hopper"


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "PERSON", "email": "not-an-email"}, "email"),
        ({"kind": "PERSON", "domain": "example.com"}, "domain: does not apply"),
        ({"kind": "PERSON", "country": "Britain"}, "country"),
        ({"kind": "PERSON", "dateOfBirth": "2999-01-01"}, "future"),
        ({"kind": "ORGANIZATION"}, "name"),
        ({"name": "No kind"}, "Give `kind`"),
        ({"id": global_id(Family.PARTY, "nosuch:1"), "name": "x"}, "No customer with id"),
        ({"id": global_id(Family.PRODUCT, PRODUCT), "name": "x"}, "No customer with id"),
    ],
)
def test_invalid_customers_are_refused_with_their_reason(
    admin: TestClient, fields: dict[str, Any], message: str
) -> None:
    body = call(admin, UPSERT, input={"clientMutationId": cmid(), **fields})
    assert codes(body) == ["BAD_USER_INPUT"], body
    assert message in body["errors"][0]["message"]
    assert body["data"] is None


def test_interactions_orders_and_surveys_round_trip(admin: TestClient) -> None:
    customer = person(admin, givenName="Alan", surname="Turing")
    product = global_id(Family.PRODUCT, PRODUCT)
    at = "2026-11-20T09:30:00+00:00"
    body = call(admin, INTERACTION, input={
        "clientMutationId": cmid(), "customerId": customer["id"], "at": at, "channel": "PHONE",
        "direction": "INBOUND", "type": "complaint", "outcome": "resolved", "sentiment": -0.25,
        "productId": product,
    })  # fmt: skip
    interaction = body["data"]["recordInteraction"]["interaction"]
    assert interaction == {
        "key": interaction["key"], "at": "2026-11-20T09:30:00Z", "channel": "PHONE",
        "direction": "INBOUND", "type": "complaint", "outcome": "resolved", "sentiment": -0.25,
        "customer": {"key": customer["key"]}, "product": {"key": PRODUCT},
    }  # fmt: skip

    body = call(admin, ORDER, input={
        "clientMutationId": cmid(), "customerId": customer["id"], "date": "2026-11-21",
        "currency": "EUR", "lines": [{"productId": product, "quantity": 2, "amount": 19.9},
                                     {"productId": product, "quantity": 1, "amount": 10.05}],
    })  # fmt: skip
    order = body["data"]["recordOrder"]["order"]
    lines = [e["node"] for e in order.pop("lines")["edges"]]
    assert order == {
        "key": order["key"], "date": "2026-11-21", "amount": 29.95, "currency": "EUR",
        "quantity": 3, "status": None, "customer": {"key": customer["key"]},
    }  # fmt: skip
    assert lines == [
        {"lineNo": 1, "quantity": 2, "amount": 19.9, "product": {"key": PRODUCT}},
        {"lineNo": 2, "quantity": 1, "amount": 10.05, "product": {"key": PRODUCT}},
    ]

    body = call(admin, SURVEY, input={
        "clientMutationId": cmid(), "customerId": customer["id"], "at": at, "score": 9,
        "survey": "nps-2026", "comment": "Great",
    })  # fmt: skip
    answer = body["data"]["recordSurveyResponse"]["surveyResponse"]
    assert answer == {
        "key": answer["key"], "at": "2026-11-20T09:30:00Z", "score": 9, "survey": "nps-2026",
        "comment": "Great", "customer": {"key": customer["key"]},
    }  # fmt: skip

    view = call(admin, """query($id: ID!) { customer(id: $id) {
        ... on Person { orders { totalCount } interactions { totalCount } } } }""",
        id=customer["id"])  # fmt: skip
    assert view["data"]["customer"] == {
        "orders": {"totalCount": 1},
        "interactions": {"totalCount": 1},
    }


@pytest.mark.parametrize(
    ("mutation", "fields", "message"),
    [
        (ORDER, {"date": "2026-11-21", "lines": []}, "1 to 100 lines"),
        (ORDER, {"date": "2026-11-21", "lines": [{"productId": "UHJvZHVjdDpub3Bl",
                                                  "quantity": 1, "amount": 1}]}, "No product"),
        (ORDER, {"date": "2026-11-21", "lines": [{"productId": "UHJvZHVjdDp0ZXN0LW11dGF0aW9uczpwcm9kdWN0LTE",
                                                  "quantity": 0, "amount": 1}]}, "quantity"),
        (ORDER, {"date": "2026-11-21", "currency": "euro", "lines": [
            {"productId": "UHJvZHVjdDp0ZXN0LW11dGF0aW9uczpwcm9kdWN0LTE", "quantity": 1,
             "amount": 1}]}, "currency"),
        (SURVEY, {"at": "2026-11-20T09:30:00Z", "score": 11}, "score"),
        (INTERACTION, {"at": "2026-11-20T09:30:00Z", "channel": "WEB", "sentiment": 2}, "sentiment"),
    ],
)  # fmt: skip
def test_invalid_records_are_refused_and_write_nothing(
    admin: TestClient, driver: Driver, settings: Settings, mutation: str,
    fields: dict[str, Any], message: str,
) -> None:  # fmt: skip
    customer = person(admin, givenName="Invalid", surname="Records")
    body = call(admin, mutation, input={"clientMutationId": cmid(), "customerId": customer["id"],
                                        **fields})  # fmt: skip
    assert codes(body) == ["BAD_USER_INPUT"], body
    assert message in body["errors"][0]["message"]
    written = driver.execute_query(
        "MATCH (p:Party {id: $id})-[:PLACED|HAD|RESPONDED]->(x) RETURN count(x) AS n",
        id=customer["key"],
        database_=settings.neo4j_database,
    ).records[0]["n"]
    assert written == 0


def test_referrals_and_committee_seats(admin: TestClient, settings: Settings) -> None:
    firm = call(admin, UPSERT, input={"clientMutationId": cmid(), "kind": "ORGANIZATION",
                                      "name": "Committee Corp"})  # fmt: skip
    firm = firm["data"]["upsertCustomer"]["customer"]
    buyer = person(admin, givenName="Barbara", surname="Liskov")
    friend = person(admin, givenName="Frances", surname="Allen")

    body = call(admin, REFERRAL, input={
        "clientMutationId": cmid(), "referrerId": buyer["id"], "referredId": friend["id"],
        "date": "2026-10-01", "channel": "word of mouth", "incentive": 25, "currency": "USD",
    })  # fmt: skip
    assert body["data"]["recordReferral"]["sourceId"].startswith("api:")
    referred = call(admin, """query($id: ID!) { customer(id: $id) {
        ... on Person { referredBy { edges { node { key } date channel incentive currency } } } } }""",
        id=friend["id"])["data"]["customer"]  # fmt: skip
    assert referred["referredBy"]["edges"] == [{
        "node": {"key": buyer["key"]}, "date": "2026-10-01", "channel": "word of mouth",
        "incentive": 25.0, "currency": "USD",
    }]  # fmt: skip
    self_referral = call(admin, REFERRAL, input={
        "clientMutationId": cmid(), "referrerId": buyer["id"], "referredId": buyer["id"],
        "date": "2026-10-01"})  # fmt: skip
    assert "cannot refer itself" in self_referral["errors"][0]["message"]

    committee = """query($id: ID!) { buyingCommittee(account: $id) {
        members { person { key } roles influence primary } } }"""
    seat = {"clientMutationId": cmid(), "personId": buyer["id"], "accountId": firm["id"],
            "roles": ["CHAMPION", "DECISION_MAKER"], "influence": 0.8, "primary": True}  # fmt: skip
    body = call(admin, COMMITTEE, input=seat)
    assert body["data"]["setCommitteeMembership"] == {
        "replayed": False,
        "removed": 0,
        "roles": ["champion", "decision_maker"],
    }
    members = call(admin, committee, id=firm["id"])["data"]["buyingCommittee"]["members"]
    assert members == [{"person": {"key": buyer["key"]}, "roles": ["DECISION_MAKER", "CHAMPION"],
                        "influence": 0.8, "primary": True}]  # fmt: skip

    changed = call(admin, COMMITTEE, input={**seat, "clientMutationId": cmid(),
                                           "roles": ["BLOCKER"], "primary": False})  # fmt: skip
    assert changed["data"]["setCommitteeMembership"]["removed"] == 1
    members = call(admin, committee, id=firm["id"])["data"]["buyingCommittee"]["members"]
    assert [(m["person"]["key"], m["roles"]) for m in members] == [(buyer["key"], ["BLOCKER"])]

    removed = call(admin, COMMITTEE, input={**seat, "clientMutationId": cmid(), "roles": []})
    assert removed["data"]["setCommitteeMembership"] == {
        "replayed": False,
        "removed": 1,
        "roles": [],
    }
    assert call(admin, committee, id=firm["id"])["data"]["buyingCommittee"]["members"] == []

    neither = call(admin, COMMITTEE, input={**seat, "clientMutationId": cmid(), "accountId": None})
    assert "exactly one of" in neither["errors"][0]["message"]


def test_every_mutation_is_audited_with_its_request(
    admin: TestClient, driver: Driver, settings: Settings
) -> None:
    body = call(admin, UPSERT, input={"clientMutationId": cmid(), "kind": "HOUSEHOLD",
                                      "name": "The Audited Household", "email": "h@example.net"})  # fmt: skip
    key = body["data"]["upsertCustomer"]["customer"]["key"]
    entries = driver.execute_query(
        "MATCH (e:AuditEntry {requestId: $rid}) RETURN e {.*} AS e",
        rid=body["requestId"],
        database_=settings.neo4j_database,
    ).records
    assert len(entries) == 1
    entry = entries[0]["e"]
    assert (entry["actor"], entry["role"], entry["action"], entry["target"]) == (
        "token:mutations-test", "admin", "customer.upsert", key,
    )  # fmt: skip
    assert "h@example.net" not in entry["details"] and "Audited" not in entry["details"]
    replay_rid = call(admin, UPSERT, input={"clientMutationId": "same", "kind": "HOUSEHOLD",
                                            "name": "Twice"})["requestId"]  # fmt: skip
    call(admin, UPSERT, input={"clientMutationId": "same", "kind": "HOUSEHOLD", "name": "Twice"})
    audited = driver.execute_query(
        "MATCH (e:AuditEntry {action: 'customer.upsert', target: $t}) RETURN count(e) AS n",
        t=driver.execute_query(
            "MATCH (e:AuditEntry {requestId: $rid}) RETURN e.target AS t", rid=replay_rid,
            database_=settings.neo4j_database).records[0]["t"],
        database_=settings.neo4j_database,
    ).records[0]["n"]  # fmt: skip
    assert audited == 1  # the replay wrote no second entry


def test_a_failed_mutation_leaves_no_trace(
    admin: TestClient, driver: Driver, settings: Settings
) -> None:
    before = driver.execute_query(
        "MATCH (n) RETURN count(n) AS n", database_=settings.neo4j_database
    ).records[0]["n"]
    customer = person(admin, givenName="Rolled", surname="Back")
    after_create = driver.execute_query(
        "MATCH (n) RETURN count(n) AS n", database_=settings.neo4j_database
    ).records[0]["n"]
    body = call(admin, ORDER, input={
        "clientMutationId": cmid(), "customerId": customer["id"], "date": "2026-11-21",
        "lines": [{"productId": global_id(Family.PRODUCT, PRODUCT), "quantity": 1, "amount": 5},
                  {"productId": global_id(Family.PRODUCT, "nope"), "quantity": 1, "amount": 5}],
    })  # fmt: skip
    assert codes(body) == ["BAD_USER_INPUT"]
    assert (
        driver.execute_query(
            "MATCH (n) RETURN count(n) AS n", database_=settings.neo4j_database
        ).records[0]["n"]
        == after_create
    )
    assert after_create > before


def test_now_reads_are_causally_after_the_write(admin: TestClient) -> None:
    customer = person(admin, givenName="Causal", surname="Reader")
    seen = call(admin, "query($id: ID!) { customer(id: $id) { key } }", id=customer["id"])
    assert seen["data"]["customer"] == {"key": customer["key"]}
    assert dt.date.today().year >= 2026


def test_a_restricted_account_team_writes_only_to_its_accounts(
    admin: TestClient, driver: Driver, settings: Settings
) -> None:
    firm = call(admin, UPSERT, input={"clientMutationId": cmid(), "kind": "ORGANIZATION",
                                      "name": "Owned Account Inc"})  # fmt: skip
    owned = firm["data"]["upsertCustomer"]["customer"]
    stranger = person(admin, givenName="Not", surname="Owned")
    employee = f"api:employee-{uuid.uuid4().hex}"
    driver.execute_query(
        "MATCH (o:Party {id: $org}) CREATE (:Party:Person:Employee {id: $e})-[:OWNS_ACCOUNT]->(o)",
        org=owned["key"], e=employee, database_=settings.neo4j_database,
    )  # fmt: skip
    team = client_for(settings, Role.ACCOUNT_TEAM, subject=employee,
                      scopes=frozenset({WRITE}), owned_accounts_only=True)  # fmt: skip
    with team:

        def touch(customer_id: str) -> dict[str, Any]:
            return call(team, INTERACTION, input={
                "clientMutationId": cmid(), "customerId": customer_id,
                "at": "2026-11-22T10:00:00Z", "channel": "MEETING",
            })  # fmt: skip

        mine = touch(owned["id"])
        assert "errors" not in mine, mine
        assert mine["data"]["recordInteraction"]["interaction"]["customer"] == {"key": owned["key"]}
        theirs = touch(stranger["id"])
        unknown = touch(global_id(Family.PARTY, "api:nobody-at-all"))
        assert codes(theirs) == codes(unknown) == ["BAD_USER_INPUT"]
        assert theirs["errors"][0]["message"].replace(stranger["id"], "ID") == unknown["errors"][0][
            "message"
        ].replace(global_id(Family.PARTY, "api:nobody-at-all"), "ID")
        refused = call(team, """mutation($input: MergeCustomersInput!) {
            mergeCustomers(input: $input) { replayed } }""", input={
            "clientMutationId": cmid(), "firstId": owned["id"], "secondId": stranger["id"]})  # fmt: skip
        assert codes(refused) == ["FORBIDDEN"]


def test_concurrent_sends_of_one_mutation_write_it_once(
    admin: TestClient, driver: Driver, settings: Settings
) -> None:
    given = {"clientMutationId": cmid(), "kind": "ORGANIZATION", "name": "Concurrent Sends Ltd"}
    with ThreadPoolExecutor(max_workers=6) as pool:
        bodies = list(pool.map(lambda _: call(admin, UPSERT, input=given), range(6)))
    assert all("errors" not in b for b in bodies), bodies
    keys = {b["data"]["upsertCustomer"]["customer"]["key"] for b in bodies}
    assert len(keys) == 1
    assert sorted(b["data"]["upsertCustomer"]["replayed"] for b in bodies) == [False] + [True] * 5
    found = driver.execute_query(
        "MATCH (p:Party) WHERE p.name = 'Concurrent Sends Ltd' RETURN count(p) AS n",
        database_=settings.neo4j_database,
    ).records[0]["n"]
    assert found == 1


ERASE = """mutation($input: EraseCustomerInput!) {
  eraseCustomer(input: $input) { replayed erasedId counts }
}"""
KPIS = """query { portfolio(start: "2026-01-01", end: "2026-12-31", live: true) {
  customers activeAtStart activeAtEnd new retentionRate churnRate revenue { currency amount } nps
} }"""


def strings_anywhere(driver: Driver, settings: Settings, needles: list[str]) -> list[str]:
    """Every node or relationship property (strings and string lists) containing a needle."""
    found = driver.execute_query(
        """
        CALL () {
          MATCH (n) UNWIND keys(n) AS k WITH n[k] AS v, k RETURN k, v
          UNION ALL
          MATCH ()-[r]->() UNWIND keys(r) AS k WITH r[k] AS v, k RETURN k, v
        }
        WITH k, CASE WHEN v IS :: LIST<ANY> THEN v ELSE [v] END AS vs
        UNWIND vs AS v
        WITH k, v WHERE v IS :: STRING
          AND any(needle IN $needles WHERE toLower(v) CONTAINS needle)
        RETURN k + '=' + v AS hit
        """,
        needles=[n.lower() for n in needles],
        database_=settings.neo4j_database,
    ).records
    return [r["hit"] for r in found]


def test_erasure_through_the_api_removes_the_person_and_keeps_the_kpis(
    admin: TestClient, driver: Driver, settings: Settings
) -> None:
    customer = person(admin, givenName="Zebulon", surname="Quarrington",
                      email="zeb.quarrington@example.org", phone="+44 20 7946 0991",
                      status="ACTIVE")  # fmt: skip
    product = global_id(Family.PRODUCT, PRODUCT)
    call(admin, ORDER, input={"clientMutationId": cmid(), "customerId": customer["id"],
         "date": "2026-06-01", "lines": [{"productId": product, "quantity": 1, "amount": 42.5}]})  # fmt: skip
    call(admin, SURVEY, input={"clientMutationId": cmid(), "customerId": customer["id"],
         "at": "2026-06-02T10:00:00Z", "score": 3, "comment": "Zebulon Quarrington is unhappy"})  # fmt: skip
    needles = ["zeb.quarrington@example.org", "+442079460991", "Quarrington", "Zebulon"]
    assert strings_anywhere(driver, settings, needles)
    before = call(admin, KPIS)["data"]["portfolio"]

    given = {"clientMutationId": cmid(), "id": customer["id"]}
    body = call(admin, ERASE, input=given)
    assert "errors" not in body, body
    payload = body["data"]["eraseCustomer"]
    assert payload["erasedId"] == customer["id"] and payload["replayed"] is False
    assert payload["counts"]["records"] == 1 and payload["counts"]["alreadyErased"] is False

    assert strings_anywhere(driver, settings, needles) == []
    assert call(admin, KPIS)["data"]["portfolio"] == before
    assert call(admin, "query($id: ID!) { customer(id: $id) { name email } }",
                id=customer["id"])["data"]["customer"] == {"name": None, "email": None}  # fmt: skip

    again = call(admin, ERASE, input=given)["data"]["eraseCustomer"]
    assert again["replayed"] is True and again["counts"] == payload["counts"]
    twice = call(admin, ERASE, input={"clientMutationId": cmid(), "id": customer["id"]})
    assert twice["data"]["eraseCustomer"]["counts"]["alreadyErased"] is True
    unknown = call(admin, ERASE, input={"clientMutationId": cmid(),
                                        "id": global_id(Family.PARTY, "api:nobody")})  # fmt: skip
    assert codes(unknown) == ["BAD_USER_INPUT"]
    entry = driver.execute_query(
        "MATCH (e:AuditEntry {requestId: $rid}) RETURN e.action AS action, e.details AS details",
        rid=body["requestId"], database_=settings.neo4j_database,
    ).records[0]  # fmt: skip
    assert entry["action"] == "customer.erase"
    assert not any(n.lower() in entry["details"].lower() for n in needles)


IDENTITY = """
  replayed decisionId movedSourceIds
  customers { key name email ... on Person { orders { totalCount } } }
"""
MERGE = (
    "mutation($input: MergeCustomersInput!) { mergeCustomers(input: $input) {" + IDENTITY + "} }"
)
UNMERGE = (
    "mutation($input: UnmergeCustomersInput!) { unmergeCustomers(input: $input) {"
    + IDENTITY
    + "} }"
)
SPLIT = "mutation($input: SplitCustomerInput!) { splitCustomer(input: $input) {" + IDENTITY + "} }"


def test_merge_unmerge_and_split_through_the_api(admin: TestClient) -> None:
    one = person(admin, givenName="Merge", surname="One", email="merge.one@example.com")
    two = person(admin, givenName="Merge", surname="Two", email="merge.two@example.com")
    product = global_id(Family.PRODUCT, PRODUCT)
    for who in (one, two, two):
        call(admin, ORDER, input={"clientMutationId": cmid(), "customerId": who["id"],
             "date": "2026-05-01", "lines": [{"productId": product, "quantity": 1, "amount": 1}]})  # fmt: skip
    survivor, absorbed = sorted([one, two], key=lambda c: c["key"])

    merged = call(admin, MERGE, input={"clientMutationId": cmid(), "firstId": one["id"],
                                       "secondId": two["id"]})  # fmt: skip
    assert "errors" not in merged, merged
    payload = merged["data"]["mergeCustomers"]
    assert payload["movedSourceIds"] == [absorbed["key"]]
    assert [c["key"] for c in payload["customers"]] == [survivor["key"]]
    assert payload["customers"][0]["orders"] == {"totalCount": 3}
    gone = call(admin, "query($id: ID!) { customer(id: $id) { key } }", id=absorbed["id"])
    assert gone["data"]["customer"] is None

    undone = call(admin, UNMERGE, input={"clientMutationId": cmid(),
                                         "mergeId": payload["decisionId"]})  # fmt: skip
    assert "errors" not in undone, undone
    back = {c["key"]: c for c in undone["data"]["unmergeCustomers"]["customers"]}
    assert back[one["key"]]["orders"] == {"totalCount": 1}
    assert back[two["key"]]["orders"] == {"totalCount": 2}
    assert back[one["key"]]["email"] == "merge.one@example.com"
    assert back[two["key"]]["email"] == "merge.two@example.com"

    again = call(admin, MERGE, input={"clientMutationId": cmid(), "firstId": one["id"],
                                      "secondId": two["id"]})["data"]["mergeCustomers"]  # fmt: skip
    survivor_id = global_id(Family.PARTY, again["customers"][0]["key"])
    split = call(admin, SPLIT, input={"clientMutationId": cmid(), "id": survivor_id,
                                      "sourceIds": [absorbed["key"]]})  # fmt: skip
    assert "errors" not in split, split
    keys = sorted(c["key"] for c in split["data"]["splitCustomer"]["customers"])
    assert keys == sorted([one["key"], two["key"]])

    different = call(admin, UPSERT, input={"clientMutationId": cmid(), "kind": "ORGANIZATION",
                                           "name": "Not A Person"})  # fmt: skip
    firm = different["data"]["upsertCustomer"]["customer"]
    refused = call(admin, MERGE, input={"clientMutationId": cmid(), "firstId": one["id"],
                                        "secondId": firm["id"]})  # fmt: skip
    assert codes(refused) == ["BAD_USER_INPUT"]
    bad_split = call(admin, SPLIT, input={"clientMutationId": cmid(), "id": one["id"],
                                          "sourceIds": ["crm:not-on-this-party"]})  # fmt: skip
    assert codes(bad_split) == ["BAD_USER_INPUT"]


def test_every_mutation_replays_without_writing(
    admin: TestClient, driver: Driver, settings: Settings
) -> None:
    firm = call(admin, UPSERT, input={"clientMutationId": cmid(), "kind": "ORGANIZATION",
                                      "name": "Replays Inc"})["data"]["upsertCustomer"]["customer"]  # fmt: skip
    a = person(admin, givenName="Replay", surname="Alpha")
    b = person(admin, givenName="Replay", surname="Beta")
    product = global_id(Family.PRODUCT, PRODUCT)
    at = "2026-11-01T08:00:00Z"
    sends = [
        (UPSERT, {"id": a["id"], "segment": "replayed"}),
        (INTERACTION, {"customerId": a["id"], "at": at, "channel": "CHAT"}),
        (ORDER, {"customerId": a["id"], "date": "2026-11-01",
                 "lines": [{"productId": product, "quantity": 1, "amount": 3}]}),
        (SURVEY, {"customerId": a["id"], "at": at, "score": 8}),
        (REFERRAL, {"referrerId": a["id"], "referredId": b["id"], "date": "2026-11-01"}),
        (COMMITTEE, {"personId": a["id"], "accountId": firm["id"], "roles": ["USER"]}),
        (MERGE, {"firstId": a["id"], "secondId": b["id"]}),
    ]  # fmt: skip
    counts = """MATCH (n) WITH count(n) AS nodes
                MATCH ()-[r]->() RETURN nodes, count(r) AS relationships"""
    for document, fields in sends:
        given = {"clientMutationId": cmid(), **fields}
        first = call(admin, document, input=given)
        assert "errors" not in first, (document, first)
        before = driver.execute_query(counts, database_=settings.neo4j_database).records[0].data()
        again = call(admin, document, input=given)
        assert "errors" not in again, (document, again)
        [payload] = again["data"].values()
        assert payload["replayed"] is True, document
        [original] = first["data"].values()
        assert {k: v for k, v in payload.items() if k != "replayed"} == {
            k: v for k, v in original.items() if k != "replayed"
        }
        after = driver.execute_query(counts, database_=settings.neo4j_database).records[0].data()
        assert after == before, document


def test_old_receipts_are_pruned_and_then_the_mutation_runs_again(
    admin: TestClient, driver: Driver, settings: Settings
) -> None:
    given = {"clientMutationId": cmid(), "kind": "HOUSEHOLD", "name": "Pruned Receipts"}
    first = call(admin, UPSERT, input=given)["data"]["upsertCustomer"]
    db = settings.neo4j_database
    driver.execute_query(
        "MATCH (r:MutationReceipt {target: $t}) SET r.at = r.at - duration({days: 40})",
        t=first["customer"]["key"], database_=db,
    )  # fmt: skip
    before = dt.datetime.now(dt.UTC) - dt.timedelta(days=30)
    older = driver.execute_query(
        "MATCH (r:MutationReceipt) WHERE r.at < $before RETURN count(r) AS n",
        before=before, database_=db,
    ).records[0]["n"]  # fmt: skip
    assert older >= 1
    deleted = run_with(
        settings, lambda driver: receipts.prune(driver, settings.neo4j_database, before)
    )
    assert deleted == older
    again = call(admin, UPSERT, input=given)["data"]["upsertCustomer"]
    assert again["replayed"] is False
    assert again["customer"]["key"] != first["customer"]["key"]


def test_an_edit_survives_identity_resolution_and_keeps_the_party_id(
    admin: TestClient, settings: Settings
) -> None:
    created = person(admin, givenName="Edith", surname="Clarke", email="edith.clarke@example.com")
    call(admin, UPSERT, input={"clientMutationId": cmid(), "id": created["id"],
                               "phone": "+1 313 555 0100", "segment": "engineering"})  # fmt: skip

    run_with(settings, lambda driver: resolve(driver, settings.neo4j_database))
    after = call(admin, """query($id: ID!) { customer(id: $id) { key phone segment sources
        identities { edges { rule node { key } } } } }""", id=created["id"])["data"]["customer"]  # fmt: skip
    assert after["key"] == created["key"]
    assert (after["phone"], after["segment"]) == ("+13135550100", "engineering")
    assert sorted((e["node"]["key"], e["rule"]) for e in after["identities"]["edges"]) == [
        (created["key"], "manual"), (f"{created['key']}#api", "manual"),
    ]  # fmt: skip


def test_a_merged_away_key_finds_the_survivor_by_source_id(admin: TestClient) -> None:
    one = person(admin, givenName="Forward", surname="One")
    two = person(admin, givenName="Forward", surname="Two")
    survivor, absorbed = sorted([one, two], key=lambda c: c["key"])
    call(admin, MERGE, input={"clientMutationId": cmid(), "firstId": one["id"],
                              "secondId": two["id"]})  # fmt: skip
    found = call(admin, "query($s: String!) { customer(sourceId: $s) { key } }", s=absorbed["key"])
    assert found["data"]["customer"] == {"key": survivor["key"]}
