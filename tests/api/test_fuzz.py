"""Fuzzed requests against the real API and Neo4j: whatever the variables, bodies or documents, the
answer is data or coded errors (never INTERNAL_SERVER_ERROR, a 500 or a stack trace), and a
refused mutation writes nothing.

Hypothesis runs derandomized (the same examples on every run, so CI is repeatable); set
`HYPOTHESIS_PROFILE=explore` to search with fresh random examples and more of them (the profiles
are in tests/conftest.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from neo4j import Driver
from starlette.testclient import TestClient

from graph.config import Settings
from graph.read.positions import Family
from graph.security.principal import PII, WRITE, Role
from schema.errors import Code
from schema.ids import global_id
from tests.api.mutation_helpers import client_for, forget_api_writes

CODES = {c.value for c in Code} - {Code.INTERNAL_SERVER_ERROR.value}
PRODUCT = "test-fuzz:product"

scalars = (
    st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=40)
)  # fmt: skip
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=6,
)
PERSON, FIRM = "api:fuzz-person", "api:fuzz-firm"  # made by the fixture; `api:` ids are cleaned up
real_ids = st.sampled_from(
    [global_id(Family.PARTY, PERSON), global_id(Family.PARTY, FIRM),
     global_id(Family.PRODUCT, PRODUCT)]
)  # fmt: skip
ids = real_ids | st.sampled_from(
    [global_id(Family.PARTY, "nosuch:1"), "not-an-id", "", global_id(Family.ORDER, "x"),
     "UGFydHk6"]
) | st.text(max_size=30)  # fmt: skip
dates = st.dates().map(str) | st.text(max_size=12)


def plausible(
    required: dict[str, st.SearchStrategy[Any]], optional: dict[str, st.SearchStrategy[Any]]
) -> st.SearchStrategy[dict[str, Any]]:
    """Inputs of the right GraphQL types with adversarial values (optional fields sometimes left
    out), so that most get past variable coercion to the resolvers and the graph; and, one in
    four, inputs with arbitrary JSON values and an unknown field, for coercion itself."""
    cmid = st.text(min_size=1, max_size=40) | st.text(max_size=210)
    typed = st.fixed_dictionaries({"clientMutationId": cmid, **required}, optional=optional)
    fields = {**required, **optional}
    loose = {name: s | values for name, s in fields.items()}
    extra = st.dictionaries(st.text(min_size=1, max_size=8), values, max_size=1)
    wild = st.tuples(
        st.fixed_dictionaries({"clientMutationId": st.text(max_size=210)}, optional=loose), extra
    ).map(lambda pair: {**pair[1], **pair[0]})
    return typed | typed | typed | wild


day = st.dates(min_value=dt.date(1, 1, 1)).map(str)
instant = st.datetimes(timezones=st.just(dt.UTC)).map(lambda d: d.isoformat())
number = st.floats(allow_nan=False, allow_infinity=False)
small = st.integers(min_value=-(2**31), max_value=2**31 - 1)  # GraphQL Int
texts = st.text(max_size=60) | st.text(max_size=600)

MUTATIONS: dict[str, tuple[str, st.SearchStrategy[dict[str, Any]]]] = {
    "upsertCustomer": ("CustomerInput", plausible({}, {
        "id": ids, "kind": st.sampled_from(["PERSON", "ORGANIZATION", "HOUSEHOLD"]),
        "name": texts, "givenName": texts, "surname": texts,
        "email": st.emails() | texts, "phone": st.text(max_size=20), "country": st.text(max_size=3),
        "dateOfBirth": day, "size": small, "status": st.sampled_from(["ACTIVE", "FORMER", "PROSPECT"]),
        "segment": texts, "nationalId": texts, "street": texts,
    })),
    "recordInteraction": ("InteractionInput", plausible(
        {"customerId": ids, "at": instant, "channel": st.sampled_from(["WEB", "PHONE", "CHAT"])},
        {"sentiment": number, "productId": ids, "employeeId": ids, "type": texts,
         "direction": st.sampled_from(["INBOUND", "OUTBOUND"])},
    )),
    "recordOrder": ("OrderInput", plausible(
        {"customerId": ids, "date": day,
         "lines": st.lists(st.fixed_dictionaries(
             {"productId": ids, "quantity": small, "amount": number}), max_size=4)},
        {"currency": st.text(max_size=4), "status": texts},
    )),
    "recordSurveyResponse": ("SurveyResponseInput", plausible(
        {"customerId": ids, "at": instant, "score": small}, {"comment": texts, "survey": texts},
    )),
    "recordReferral": ("ReferralInput", plausible(
        {"referrerId": ids, "referredId": ids, "date": day},
        {"incentive": number, "channel": texts, "currency": st.text(max_size=4)},
    )),
    "setCommitteeMembership": ("CommitteeMembershipInput", plausible(
        {"personId": ids,
         "roles": st.lists(st.sampled_from(["USER", "CHAMPION", "BLOCKER"]), max_size=3)},
        {"accountId": ids, "dealId": ids, "influence": number, "primary": st.booleans()},
    )),
    "mergeCustomers": ("MergeCustomersInput", plausible({"firstId": ids, "secondId": ids}, {})),
    "splitCustomer": ("SplitCustomerInput", plausible(
        {"id": ids, "sourceIds": st.lists(st.sampled_from([PERSON, FIRM]) | texts, max_size=3)},
        {},
    )),
    "unmergeCustomers": ("UnmergeCustomersInput", plausible({"mergeId": texts}, {})),
    "eraseCustomer": ("EraseCustomerInput", plausible({"id": ids}, {})),
}  # fmt: skip

QUERIES: list[tuple[str, dict[str, st.SearchStrategy[Any]]]] = [
    ("query($id: ID!) { node(id: $id) { id } }", {"id": ids | values}),
    ("query($id: ID, $e: String, $s: String) { customer(id: $id, email: $e, sourceId: $s) { key } }",
     {"id": ids | values, "e": st.text(max_size=30) | values, "s": st.text(max_size=30)}),
    ("query($f: CustomerFilter, $n: Int!, $a: String) { customers(filter: $f, first: $n, after: $a) "
     "{ edges { node { key } } } }",
     {"f": values, "n": st.integers(min_value=-10, max_value=10**6), "a": st.text(max_size=40) | values}),
    ("query($t: String!) { search(text: $t, first: 5) { edges { node { key } } } }",
     {"t": st.text(max_size=60)}),
    ('query($s: Date!, $e: Date!) { portfolio(start: $s, end: $e) { customers } }',
     {"s": dates, "e": dates}),
    ("query($c: ID!, $k: Int!) { connectionPaths(from: $c, to: $c, k: $k) { paths { hops } } }",
     {"c": ids, "k": st.integers(min_value=-3, max_value=50)}),
]  # fmt: skip


@pytest.fixture(scope="module")
def admin(settings: Settings, driver: Driver) -> Iterator[TestClient]:
    driver.execute_query(
        "MERGE (p:Product {id: $id}) SET p.name = 'Fuzz kit'",
        id=PRODUCT,
        database_=settings.neo4j_database,
    )
    for key, kind, label in ((PERSON, "person", "Person"), (FIRM, "organization", "Organization")):
        data = f'{{"id": "{key}", "name": "Fuzz {kind}"}}'
        driver.execute_query(
            "CREATE (s:SourceRecord {id: $id, system: 'api', recordId: $id, entity: $kind, "
            "kind: $kind, data: $data})-[:RESOLVES_TO {rule: 'source', score: 1.0}]->"
            "(p:Party:Customer {id: $id, kind: $kind, name: 'Fuzz ' + $kind}) "
            "FOREACH (_ IN CASE WHEN $label = 'Person' THEN [1] ELSE [] END | SET p:Person) "
            "FOREACH (_ IN CASE WHEN $label = 'Organization' THEN [1] ELSE [] END | "
            "SET p:Organization)",
            id=key, kind=kind, data=data, label=label, database_=settings.neo4j_database,
        )  # fmt: skip
    with client_for(settings, Role.ADMIN, subject="fuzz", scopes=frozenset({PII, WRITE})) as c:
        yield c
    forget_api_writes(driver, settings)
    driver.execute_query(
        "MATCH (p:Product {id: $id}) DETACH DELETE p", id=PRODUCT, database_=settings.neo4j_database
    )
    driver.execute_query(
        "MATCH (e:AuditEntry) WHERE e.actor = 'token:fuzz' DETACH DELETE e",
        database_=settings.neo4j_database,
    )


def assert_clean(response: Any) -> dict[str, Any]:
    assert response.status_code in {200, 400, 403, 405, 406, 413, 415}, response.text
    assert "Traceback" not in response.text
    body: dict[str, Any] = response.json()
    for error in body.get("errors", []):
        assert error["extensions"]["code"] in CODES, error
    assert "errors" in body or "data" in body
    return body


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_fuzzed_mutation_inputs_get_data_or_coded_errors(
    admin: TestClient, driver: Driver, settings: Settings, name: str
) -> None:
    type_name, inputs = MUTATIONS[name]
    document = f"mutation($input: {type_name}!) {{ {name}(input: $input) {{ replayed }} }}"
    size = "MATCH (n) WITH count(n) AS n MATCH ()-[r]->() RETURN n, count(r) AS r"

    def graph_size() -> tuple[int, int]:
        found = driver.execute_query(size, database_=settings.neo4j_database).records[0]
        return found["n"], found["r"]

    @given(inputs)
    def check(given_input: dict[str, Any]) -> None:
        before = graph_size()
        variables = {"input": given_input}
        body = assert_clean(
            admin.post("/graphql", json={"query": document, "variables": variables})
        )
        if body.get("errors"):
            assert not body.get("data")  # a refused mutation answers no payload
            assert graph_size() == before  # and writes nothing, not even an audit entry

    check()


@pytest.mark.parametrize("index", range(len(QUERIES)))
def test_fuzzed_query_variables_get_data_or_coded_errors(admin: TestClient, index: int) -> None:
    document, variables = QUERIES[index]

    @given(st.fixed_dictionaries(variables))
    def check(given_variables: dict[str, Any]) -> None:
        assert_clean(admin.post("/graphql", json={"query": document, "variables": given_variables}))

    check()


@given(st.text(max_size=200) | st.binary(max_size=200).map(lambda b: b.decode("latin-1")))
def test_fuzzed_documents_and_bodies_get_coded_errors(admin: TestClient, text: str) -> None:
    assert_clean(admin.post("/graphql", json={"query": text}))
    assert_clean(
        admin.post("/graphql", content=text.encode(), headers={"content-type": "application/json"})
    )
    assert_clean(admin.get("/graphql", params={"query": text}))
