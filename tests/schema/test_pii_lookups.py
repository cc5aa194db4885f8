"""Personal data is no oracle without the `pii` scope: lookups by email or external id and filters
or sorts on personal data are FORBIDDEN, and search matches names only, on both execution paths."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
from neo4j import Driver
from starlette.testclient import TestClient

from api.app import create_app
from graph.config import Settings
from graph.driver import open_driver
from graph.read.criteria import CustomerField
from graph.read.masking import PII_PROPERTIES
from graph.read.positions import Family
from graph.security.principal import PII
from schema.context import Context
from schema.errors import ClientError, Code
from schema.ids import global_id
from schema.inputs import refuse_personal
from schema.schema import schema
from tests.factories import Graph
from tests.schema.conftest import post_on
from tests.schema.test_pii import token


class People:
    """Two customers whose e-mail local parts and external ids appear nowhere else in the graph."""

    def __init__(self, g: Graph) -> None:
        self.g = g
        self.segment = f"pii-{g.tag}"
        self.local = f"mx{g.tag}"  # the e-mail's local part: in no name
        self.petra = g.person(
            "Petra", f"Lookup{g.tag}", email=f"{self.local}@example.org",
            externalIds=[f"legacy:{g.tag}"], segment=self.segment, country="NO",
        )  # fmt: skip
        self.paul = g.person(
            "Paul", f"Lookup{g.tag}", email=f"other{g.tag}@example.org", segment=self.segment,
            country="SE", createdAt=dt.date(2022, 5, 6),
        )  # fmt: skip

    @property
    def email(self) -> str:
        return str(self.petra["email"])


@pytest.fixture(scope="module")
def people(driver: Driver, settings: Settings) -> Iterator[People]:
    found = People(Graph())
    found.g.save(driver, settings.neo4j_database)
    try:
        yield found
    finally:
        found.g.delete(driver, settings.neo4j_database)


@pytest.fixture(scope="module")
def callers(settings: Settings) -> Iterator[dict[str, TestClient]]:
    """An analyst without `pii` ("plain") and one with it ("pii")."""
    plain = TestClient(create_app(settings), headers=token(settings, frozenset()))
    allowed = TestClient(create_app(settings), headers=token(settings, frozenset({PII})))
    with plain, allowed:
        yield {"plain": plain, "pii": allowed}


PATHS = pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "executor"])
LOOKUP = "query($v: String!) { customer(%s: $v) { key email ... on Person { givenName } } }"


def forbidden(field: str, message: str) -> dict[str, Any]:
    """The body of a root field refused for want of the pii scope."""
    return {
        "data": {field: None},
        "errors": [
            {
                "message": message,
                "locations": [{"line": 1, "column": 22}],
                "path": [field],
                "extensions": {"code": "FORBIDDEN"},
            }
        ],
    }


@PATHS
@pytest.mark.parametrize(("argument", "name"), [("email", "email"), ("externalId", "external id")])
def test_lookups_on_personal_data_need_pii(
    callers: dict[str, TestClient], people: People, compiled: bool, argument: str, name: str
) -> None:
    value = people.email if argument == "email" else f"legacy:{people.g.tag}"
    query = LOOKUP % argument
    refused = forbidden("customer", f"Looking customers up by {name} needs the pii scope.")
    assert post_on(callers["plain"], compiled, query, v=value) == refused
    # The refusal is the same whether anyone has that value: no oracle.
    assert (
        post_on(callers["plain"], compiled, query, v=f"nobody-{people.g.tag}@example.org")
        == refused
    )
    found = post_on(callers["pii"], compiled, query, v=value)
    assert found == {
        "data": {"customer": {"key": people.petra.id, "email": people.email, "givenName": "Petra"}}
    }


@PATHS
def test_lookups_by_id_and_source_id_stay_open(
    callers: dict[str, TestClient], people: People, compiled: bool
) -> None:
    query = """query($id: ID!, $s: String!) {
      a: customer(id: $id) { key email } b: customer(sourceId: $s) { key email } }"""
    body = post_on(
        callers["plain"], compiled, query,
        id=global_id(Family.PARTY, people.paul.id), s=people.petra.records[0].id,
    )  # fmt: skip
    assert body == {
        "data": {
            "a": {"key": people.paul.id, "email": None},
            "b": {"key": people.petra.id, "email": None},
        }
    }


SEARCH = """query($t: String!) { search(text: $t, first: 10) {
  totalCount edges { node { key name email } } } }"""


def hits(body: dict[str, Any]) -> list[tuple[str, str | None]]:
    assert "errors" not in body, body
    connection = body["data"]["search"]
    assert connection["totalCount"] == len(connection["edges"])
    return [(e["node"]["key"], e["node"]["email"]) for e in connection["edges"]]


@PATHS
def test_search_matches_emails_only_with_pii(
    callers: dict[str, TestClient], people: People, compiled: bool
) -> None:
    for text in (people.local, f"petra {people.local}"):
        assert hits(post_on(callers["plain"], compiled, SEARCH, t=text)) == [], text
        assert hits(post_on(callers["pii"], compiled, SEARCH, t=text)) == [
            (people.petra.id, people.email)
        ], text
    # A whole address is an exact lookup with pii (Paul's shares the domain, and is not found).
    assert hits(post_on(callers["plain"], compiled, SEARCH, t=people.email)) == []
    assert hits(post_on(callers["pii"], compiled, SEARCH, t=people.email)) == [
        (people.petra.id, people.email)
    ]
    assert hits(post_on(callers["pii"], compiled, SEARCH, t=f" {people.email.upper()} ")) == [
        (people.petra.id, people.email)
    ]
    # Names stay searchable for everyone (the e-mail itself stays masked).
    name = f"petra lookup{people.g.tag}"
    assert hits(post_on(callers["plain"], compiled, SEARCH, t=name)) == [(people.petra.id, None)]
    assert hits(post_on(callers["pii"], compiled, SEARCH, t=name)) == [
        (people.petra.id, people.email)
    ]
    both = f"lookup{people.g.tag}"
    assert sorted(hits(post_on(callers["plain"], compiled, SEARCH, t=both))) == sorted(
        [(people.petra.id, None), (people.paul.id, None)]
    )


CUSTOMERS = """query($f: CustomerFilter, $o: CustomerOrder) {
  customers(filter: $f, orderBy: $o, first: 10) { totalCount edges { node { key } } } }"""


@PATHS
@pytest.mark.parametrize(
    "order", ["ID", "NAME", "KIND", "STATUS", "SEGMENT", "COUNTRY", "CREATED_AT", "LAST_ACTIVITY",
              "CLV", "CHURN_RISK", "REVENUE", "LIFECYCLE_STAGE"],
)  # fmt: skip
def test_filters_and_sorts_on_other_data_stay_open(
    callers: dict[str, TestClient], people: People, compiled: bool, order: str
) -> None:
    """No filter or sort field holds personal data today: none is refused, and both callers get
    the same customers in the same order."""
    f = {"segment": [people.segment], "or": [{"country": ["NO"]}, {"not": {"kind": ["PERSON"]}},
         {"createdAt": {"from": "2022-01-01"}}]}  # fmt: skip
    variables = {"f": f, "o": {"field": order, "direction": "DESC"}}
    plain = post_on(callers["plain"], compiled, CUSTOMERS, **variables)
    assert plain == post_on(callers["pii"], compiled, CUSTOMERS, **variables)
    keys = [e["node"]["key"] for e in plain["data"]["customers"]["edges"]]
    assert sorted(keys) == sorted([people.petra.id, people.paul.id])


def test_every_personal_field_would_be_refused() -> None:
    """The guard reads the caller's masked set: a field is refused exactly when it is masked, and
    a caller not known (None: the compiler's binder) is refused every personal-data field."""
    for field in CustomerField:
        with pytest.raises(ClientError) as refused:
            refuse_personal([CustomerField.KIND, field], frozenset({field.value}))
        assert refused.value.code is Code.FORBIDDEN
        assert str(refused.value) == (
            f"Filtering or sorting customers on {field.value} needs the pii scope."
        )
        refuse_personal([field], frozenset())
        if field.value not in PII_PROPERTIES:
            refuse_personal([field], None)
            refuse_personal([field], PII_PROPERTIES)


def execute(settings: Settings, masked: frozenset[str], query: str, **variables: Any) -> Any:
    """Run an operation on Strawberry's executor with a context whose masked set is given."""

    async def go() -> Any:
        driver = open_driver(settings)
        try:
            context = Context(driver, settings.neo4j_database, "pii-test", masked=masked)
            return await schema.execute(query, variable_values=variables, context_value=context)
        finally:
            await driver.close()

    return asyncio.run(go())


def test_customers_refuses_masked_fields(settings: Settings, people: People) -> None:
    """Through the resolver: were `country` and `segment` personal data, a caller who cannot read
    them could neither filter (at any depth) nor sort on them; a caller who can, could."""
    masked = PII_PROPERTIES | {"country", "segment"}
    cases: list[tuple[dict[str, Any], str]] = [
        ({"f": {"country": ["NO"]}}, "country"),
        ({"f": {"kind": ["PERSON"], "or": [{"not": {"segment": [people.segment]}}]}}, "segment"),
        ({"f": {"and": [{"country": ["NO"]}, {"segment": ["x"]}]}}, "country, segment"),
        ({"o": {"field": "COUNTRY"}}, "country"),
    ]
    for variables, names in cases:
        result = execute(settings, masked, CUSTOMERS, **variables)
        assert result.data is None
        [error] = result.errors
        assert error.message == f"Filtering or sorting customers on {names} needs the pii scope."
        assert error.original_error.code is Code.FORBIDDEN
    allowed = execute(
        settings, frozenset(), CUSTOMERS, f={"segment": [people.segment], "country": ["NO"]},
        o={"field": "COUNTRY"},
    )  # fmt: skip
    assert allowed.errors is None
    assert allowed.data["customers"]["edges"] == [{"node": {"key": people.petra.id}}]
