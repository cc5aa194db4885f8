"""The role x operation matrix: every guarded root field and every mutation, asked by every role,
with and without the `write` scope. A refused operation is a 403 FORBIDDEN before anything runs,
naming the field; an allowed one gets past authorization (here, to an unknown id's answer).

The expected matrix is written out below independently of `schema/access.py`, as a table a reader
can check against the README's.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from neo4j import Driver
from starlette.testclient import TestClient

from graph.config import Settings
from graph.read.positions import Family
from graph.security.principal import WRITE, Role
from schema.ids import global_id
from tests.api.mutation_helpers import call, client_for, codes
from tests.factories import Graph

NOBODY = global_id(Family.PARTY, "nosuch:access")
DEAL = global_id(Family.DEAL, "nosuch:access")
PRODUCT = global_id(Family.PRODUCT, "nosuch:access")

# operation -> (document, the roles allowed; "+w" means only with the write scope)
A, N, T, F, P = "admin", "analyst", "account_team", "frontend", "partner"
MATRIX: dict[str, tuple[str, set[str]]] = {
    "server": ("{ server { version } }", {A, N}),
    "valueModel": ("{ valueModel(kind: BGNBD) { kind } }", {A, N}),
    "loads": ('{ loads(first: 1, mapping: "nosuch") { id } }', {A}),
    "portfolio": (
        '{ portfolio(start: "2026-01-01", end: "2026-02-01") { customers } }',
        {A, N, T, P},
    ),
    "buyingCommittee": (f'{{ buyingCommittee(account: "{NOBODY}") {{ key }} }}', {A, N, T}),
    "dealCommittee": (f'{{ dealCommittee(deal: "{DEAL}") {{ key }} }}', {A, N, T}),
    "broker": (f'{{ broker(id: "{NOBODY}") {{ key }} }}', {A, N, T, P}),
    "partnerNetwork": (f'{{ partnerNetwork(broker: "{NOBODY}") {{ depth }} }}', {A, N, P}),
    "referralTree": (f'{{ referralTree(root: "{NOBODY}") {{ size }} }}', {A, N, T, P}),
    "connectionPaths": (
        f'{{ connectionPaths(from: "{NOBODY}", to: "{NOBODY}") {{ paths {{ hops }} }} }}',
        {A, N, T, P},
    ),
    # open to every role
    "customer": (f'{{ customer(id: "{NOBODY}") {{ key }} }}', {A, N, T, F, P}),
    "customers": ("{ customers(first: 1) { edges { cursor } } }", {A, N, T, F, P}),
    "search": ('{ search(text: "zzzqqq", first: 1) { edges { cursor } } }', {A, N, T, F, P}),
    "node": (f'{{ node(id: "{NOBODY}") {{ id }} }}', {A, N, T, F, P}),
    "referralChain": (f'{{ referralChain(customer: "{NOBODY}") {{ end }} }}', {A, N, T, F, P}),
    "likelyNextProducts": (
        f'{{ likelyNextProducts(customer: "{NOBODY}") {{ customer {{ key }} }} }}',
        {A, N, T, F, P},
    ),
    "product": (f'{{ product(id: "{PRODUCT}") {{ key }} }}', {A, N, T, F, P}),
    # mutations
    "upsertCustomer": (
        f'mutation {{ upsertCustomer(input: {{clientMutationId: "m", id: "{NOBODY}"}}) {{ created }} }}',
        {A, T + "+w", F + "+w"},
    ),
    "recordInteraction": (
        f'mutation {{ recordInteraction(input: {{clientMutationId: "m", customerId: "{NOBODY}", '
        f'at: "2026-01-01T00:00:00Z", channel: WEB}}) {{ replayed }} }}',
        {A, T + "+w", F + "+w"},
    ),
    "recordOrder": (
        f'mutation {{ recordOrder(input: {{clientMutationId: "m", customerId: "{NOBODY}", '
        f'date: "2026-01-01", lines: [{{productId: "{PRODUCT}", quantity: 1, amount: 1}}]}}) '
        "{ replayed } }",
        {A, F + "+w"},
    ),
    "recordSurveyResponse": (
        f'mutation {{ recordSurveyResponse(input: {{clientMutationId: "m", customerId: "{NOBODY}", '
        f'at: "2026-01-01T00:00:00Z", score: 5}}) {{ replayed }} }}',
        {A, T + "+w", F + "+w"},
    ),
    "recordReferral": (
        f'mutation {{ recordReferral(input: {{clientMutationId: "m", referrerId: "{NOBODY}", '
        f'referredId: "{NOBODY}", date: "2026-01-01"}}) {{ replayed }} }}',
        {A, T + "+w"},
    ),
    "setCommitteeMembership": (
        f'mutation {{ setCommitteeMembership(input: {{clientMutationId: "m", personId: "{NOBODY}", '
        f'accountId: "{NOBODY}", roles: [USER]}}) {{ replayed }} }}',
        {A, T + "+w"},
    ),
    "mergeCustomers": (
        f'mutation {{ mergeCustomers(input: {{clientMutationId: "m", firstId: "{NOBODY}", '
        f'secondId: "{NOBODY}"}}) {{ replayed }} }}',
        {A},
    ),
    "splitCustomer": (
        f'mutation {{ splitCustomer(input: {{clientMutationId: "m", id: "{NOBODY}", '
        'sourceIds: ["x:1"]}) { replayed } }',
        {A},
    ),
    "unmergeCustomers": (
        'mutation { unmergeCustomers(input: {clientMutationId: "m", mergeId: "nosuch"}) '
        "{ replayed } }",
        {A},
    ),
    "eraseCustomer": (
        f'mutation {{ eraseCustomer(input: {{clientMutationId: "m", id: "{NOBODY}"}}) '
        "{ replayed } }",
        {A},
    ),
}
PRINCIPALS = [(role, write) for role in Role for write in (False, True)]


@pytest.fixture(scope="module")
def clients(settings: Settings, driver: Driver) -> Iterator[dict[tuple[Role, bool], TestClient]]:
    g = Graph()
    broker = g.broker(f"Access Broker {g.tag}")
    g.save(driver, settings.neo4j_database)
    made = {
        (role, write): client_for(
            settings,
            role,
            subject=f"access-{role.value}-{write}",
            scopes=frozenset({WRITE}) if write else frozenset(),
            broker_id=broker.id if role is Role.PARTNER else None,
        )
        for role, write in PRINCIPALS
    }
    for client in made.values():
        client.__enter__()
    yield made
    for client in made.values():
        client.__exit__(None, None, None)
    g.delete(driver, settings.neo4j_database)


def expected(allowed: set[str], role: Role, write: bool) -> bool:
    return role.value in allowed or (write and f"{role.value}+w" in allowed)


@pytest.mark.parametrize("operation", sorted(MATRIX))
def test_role_operation_matrix(
    clients: dict[tuple[Role, bool], TestClient], operation: str
) -> None:
    document, allowed = MATRIX[operation]
    for role, write in PRINCIPALS:
        client = clients[(role, write)]
        body = client.post(
            "/graphql",
            json={"query": document},
            headers={"accept": "application/graphql-response+json"},
        )
        found = body.json()
        if expected(allowed, role, write):
            assert "FORBIDDEN" not in codes(found), (operation, role, write, found)
        else:
            assert body.status_code == 403, (operation, role, write, found)
            assert codes(found) == ["FORBIDDEN"]
            assert f".{operation}`" in found["errors"][0]["message"]
            assert "data" not in found


def test_a_guarded_field_inside_a_fragment_is_refused(
    clients: dict[tuple[Role, bool], TestClient],
) -> None:
    document = "query { ...F } fragment F on Query { server { version } customers(first: 1) { totalCount } }"
    body = call(clients[(Role.FRONTEND, False)], document)
    assert codes(body) == ["FORBIDDEN"]
    assert "`Query.server`" in body["errors"][0]["message"]
    allowed = call(clients[(Role.ANALYST, False)], document)
    assert "errors" not in allowed and allowed["data"]["server"]["version"]
