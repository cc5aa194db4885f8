"""The per-role query cost budget: a query's estimated cost is taken from its caller's budget for the
minute before any Cypher runs; over it, RATE_LIMITED with Retry-After; larger than it, QUERY_TOO_COMPLEX."""

from __future__ import annotations

from graphql import OperationDefinitionNode, parse
from graphql.execution.values import get_variable_values
from starlette.testclient import TestClient

from api.app import create_app
from api.limits import cost
from graph.config import Settings
from graph.security.principal import Role
from schema.documents import fragments_of
from schema.schema import schema
from tests.conftest import auth_headers

SMALL = "{ customers(first: 10) { edges { node { key name } } } }"
LARGE = "{ customers(first: 100) { edges { node { key orders(first: 100) { edges { node { id } } } } } } }"


def estimate(query: str) -> int:
    document = parse(query)
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    variables = get_variable_values(schema._schema, operation.variable_definitions or (), {})
    assert not isinstance(variables, list)
    return cost(schema._schema, operation, fragments_of(document.definitions), variables)


def test_the_budget_is_spent_then_refused_with_retry_after(settings: Settings) -> None:
    small = estimate(SMALL)
    assert 0 < small < estimate(LARGE)
    budget = 3 * small + small // 2  # room for exactly three small queries
    limited = settings.model_copy(
        update={"cost_limit_per_minute": {**settings.cost_limit_per_minute, Role.ADMIN: budget}}
    )
    with TestClient(create_app(limited), headers=auth_headers(limited)) as client:
        statuses = [client.post("/graphql", json={"query": SMALL}).status_code for _ in range(4)]
        assert statuses == [200, 200, 200, 429]
        refused = client.post("/graphql", json={"query": SMALL})
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) >= 1
        assert refused.json()["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
        assert estimate(LARGE) > budget
        too_big = client.post("/graphql", json={"query": LARGE})
        assert too_big.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
        assert "data" not in too_big.json()


def test_an_unlimited_role_is_never_charged(settings: Settings) -> None:
    assert settings.cost_limit_per_minute[Role.ADMIN] == 0
    with TestClient(create_app(settings), headers=auth_headers(settings)) as client:
        assert all(
            client.post("/graphql", json={"query": SMALL}).status_code == 200 for _ in range(5)
        )


def test_every_filter_condition_counts_once_per_object_it_applies_to() -> None:
    plain = "{ customers(first: 10) { edges { node { key } } } }"
    assert estimate(plain) == 1 + 3 * 10  # customers, then edges, node and key ten times
    two = '{ customers(first: 10, filter: {or: [{country: ["GB"]}, {country: ["US"]}]}) ' \
        "{ edges { node { key } } } }"  # fmt: skip
    assert estimate(two) == estimate(plain) + 3  # `or` and its two conditions
    nested = (
        "{ customers(first: 10) { edges { node { orders(first: 5, filter: {date: {from: "
        '"2024-01-01"}}) { totalCount } } } } }'
    )
    # customers 1; edges, node, orders 10 each; `date` and `from` 2 x 10; totalCount 5 x 10
    assert estimate(nested) == 1 + 30 + 20 + 50


def test_every_response_reports_its_cost(settings: Settings) -> None:
    """`extensions.cost`: the estimate, what was charged and what is left of the minute's budget."""
    small = estimate(SMALL)
    budget = 10 * small
    limited = settings.model_copy(
        update={"cost_limit_per_minute": {**settings.cost_limit_per_minute, Role.ADMIN: budget}}
    )
    with TestClient(create_app(limited), headers=auth_headers(limited)) as client:
        first = client.post("/graphql", json={"query": SMALL}).json()
        assert first["extensions"]["cost"] == {
            "estimated": small,
            "charged": small,
            "remaining": budget - small,
            "limit": budget,
        }
        second = client.post("/graphql", json={"query": SMALL}).json()["extensions"]["cost"]
        # The bucket refills at budget/60 per second between the two requests, never above.
        assert budget - 2 * small <= second["remaining"] <= budget - small
        # A request refused before anything ran is charged nothing and still says what is left.
        refused = client.post("/graphql", json={"query": "{ nope }"}).json()
        assert refused["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
        cost = refused["extensions"]["cost"]
        assert (cost["estimated"], cost["charged"], cost["limit"]) == (0, 0, budget)
        assert cost["remaining"] >= second["remaining"]
        # Too large for the whole budget: the estimate is reported, nothing charged.
        too_big = client.post("/graphql", json={"query": LARGE}).json()
        assert too_big["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
        assert too_big["extensions"]["cost"]["estimated"] == estimate(LARGE)
        assert too_big["extensions"]["cost"]["charged"] == 0


def test_an_unlimited_role_reports_its_estimate_and_no_budget(client: TestClient) -> None:
    body = client.post("/graphql", json={"query": SMALL}).json()
    assert body["extensions"]["cost"] == {
        "estimated": estimate(SMALL),
        "charged": 0,
        "remaining": None,
        "limit": None,
    }


NESTED = """query Q($n: Int!) { customers(first: $n) { edges { node { key
  orders(first: $n) { edges { node { id } } } } } } }"""


def estimate_with(query: str, values: dict[str, object]) -> int:
    document = parse(query)
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    variables = get_variable_values(schema._schema, operation.variable_definitions or (), values)
    assert not isinstance(variables, list)
    return cost(schema._schema, operation, fragments_of(document.definitions), variables)


def test_an_estimate_kept_for_a_document_follows_its_page_size_variables(
    settings: Settings,
) -> None:
    small, large = estimate_with(NESTED, {"n": 2}), estimate_with(NESTED, {"n": 100})
    assert small < large
    limited = settings.model_copy(
        update={"cost_limit_per_minute": {**settings.cost_limit_per_minute, Role.ADMIN: large - 1}}
    )
    with TestClient(create_app(limited), headers=auth_headers(limited)) as client:
        asked = [{"query": NESTED, "variables": {"n": n}} for n in (2, 100, 2)]
        first, refused, again = (client.post("/graphql", json=body).json() for body in asked)
        assert "errors" not in first and "errors" not in again
        assert refused["errors"][0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
        assert f"may return {large} values" in refused["errors"][0]["message"]
