"""The browser pages: `/`, `/graphiql` and its vendored assets, public and offline.

The last test opens the IDE in Debian's headless Chromium, which resolves no host but 127.0.0.1,
types a token into the header editor, runs the default document and compares what the page shows
with the same query sent directly.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from graphql import parse, validate
from neo4j import Driver
from starlette.testclient import TestClient

from api.app import create_app
from api.ide import STATIC_DIR
from api.ide_examples import DEFAULT_DOCUMENT, EXAMPLES
from graph.config import Settings
from schema.schema import schema
from tests.api.browser import CHROMIUM, browser, serving
from tests.conftest import DemoData, auth_headers

ASSETS = (
    "graphiql.min.js",
    "graphiql.min.css",
    "react.production.min.js",
    "react-dom.production.min.js",
)


@pytest.fixture(scope="module")
def anonymous(settings: Settings) -> Iterator[TestClient]:
    """A client without credentials, on the same app as the authenticated tests."""
    with TestClient(create_app(settings)) as client:
        yield client


def test_index_says_what_the_service_is_and_links_the_ide(anonymous: TestClient) -> None:
    response = anonymous.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "customer360" in response.text
    assert 'href="/graphiql"' in response.text


def test_the_ide_page_needs_no_credentials_but_graphql_does(anonymous: TestClient) -> None:
    page = anonymous.get("/graphiql")
    assert page.status_code == 200
    # A browser opening /graphql gets the same page.
    assert anonymous.get("/graphql", headers={"accept": "text/html"}).text == page.text
    refused = anonymous.post("/graphql", json={"query": "{ server { version } }"})
    assert refused.status_code == 401
    # A GET with a query is an API call, not the page: it needs credentials too.
    api_get = anonymous.get("/graphql?query={server{version}}", headers={"accept": "text/html"})
    assert api_get.status_code == 401


def test_the_ide_page_loads_only_its_own_assets(anonymous: TestClient) -> None:
    page = anonymous.get("/graphiql").text
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sorted(sources) == sorted(f"/static/graphiql/{name}" for name in ASSETS)
    assert "http://" not in page
    assert "https://" not in page
    total = 0
    for name in ASSETS:
        asset = anonymous.get(f"/static/graphiql/{name}", headers={"accept-encoding": "gzip"})
        assert asset.status_code == 200, name
        assert asset.content == (STATIC_DIR / "graphiql" / name).read_bytes()
        assert asset.headers["content-encoding"] == "gzip"
        total += len(asset.content)
    assert total < 2_000_000  # what a first visit downloads, before gzip
    for license_file in ("graphiql", "graphql", "react", "react-dom"):
        assert (
            (STATIC_DIR / "graphiql" / f"LICENSE.{license_file}")
            .read_text()
            .startswith("MIT License")
        )


def test_assets_outside_the_folder_are_not_served(anonymous: TestClient) -> None:
    # Public (under the assets' folder) yet refused by StaticFiles: no path escapes the folder.
    assert anonymous.get("/static/graphiql/..%2F..%2Fapp.py").status_code == 404
    assert anonymous.get("/static/graphiql/missing.js").status_code == 404
    assert anonymous.post("/graphiql").status_code in (401, 405)


def test_the_page_carries_the_default_document_and_a_tab_per_example(
    anonymous: TestClient,
) -> None:
    page = anonymous.get("/graphiql").text
    found = re.search(r'<script id="graphiql-config" type="application/json">(.*?)</script>', page)
    assert found is not None
    config = json.loads(found.group(1))
    assert config["query"] == DEFAULT_DOCUMENT
    assert [t["query"] for t in config["tabs"]] == [e.query for e in EXAMPLES]
    # Authentication is on in the tests: the header editor starts with the Bearer header to fill.
    assert json.loads(config["headers"]) == {"Authorization": "Bearer <paste a token here>"}


def test_every_example_is_valid_against_the_schema() -> None:
    for example in EXAMPLES:
        assert validate(schema._schema, parse(example.query)) == [], example.title


def _post(client: TestClient, query: str, name: str, variables: Any = None) -> dict[str, Any]:
    response = client.post(
        "/graphql", json={"query": query, "operationName": name, "variables": variables or {}}
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert "errors" not in body, (name, body.get("errors"))
    return body


@pytest.fixture(scope="module")
def patient(settings: Settings) -> Iterator[TestClient]:
    """An admin client whose statements may take a minute: the first plan of a 360 view's large
    statement can take over the default 10 s on a loaded machine (speed is for bench/)."""
    slow = settings.model_copy(update={"neo4j_query_timeout_s": 60.0})
    with TestClient(create_app(slow), headers=auth_headers(slow)) as client:
        yield client


def test_every_example_runs_on_the_demo(patient: TestClient, demo_loaded: DemoData) -> None:
    """Each tab's finder returns a subject and its main operation answers it without errors."""
    client = patient
    top = _post(client, DEFAULT_DOCUMENT, "TopCustomers")["data"]
    assert len(top["customers"]["edges"]) == 5
    finders: dict[str, tuple[str, str, Callable[[Any], list[Any]]]] = {
        "Customer360": ("Find", "id", lambda d: d["search"]["edges"]),
        "Committee": ("Accounts", "account", lambda d: d["customers"]["edges"]),
        "Tree": ("Referrers", "root", lambda d: d["customers"]["edges"]),
        "Network": ("Brokers", "broker", lambda d: d["search"]["edges"]),
    }
    ran = []
    for example in EXAMPLES[1:]:
        names = re.findall(r"^query (\w+)", example.query, re.MULTILINE)
        main = names[-1]
        variables = dict(example.variables or {})
        if main in finders:
            finder, variable, edges_of = finders[main]
            edges = edges_of(_post(client, example.query, finder)["data"])
            assert edges, finder
            variables[variable] = edges[0]["node"]["id"]
        data = _post(client, example.query, main, variables)["data"]
        assert all(value is not None for value in data.values()), (main, data)
        ran.append(main)
    assert ran == ["Customer360", "Committee", "Tree", "Network", "Kpis"]


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_the_ide_renders_and_runs_a_query_with_no_network(
    settings: Settings, client: TestClient, driver: Driver
) -> None:
    token = auth_headers(settings)["authorization"]
    with serving(create_app(settings)) as base, browser() as page:
        page.call("Page.navigate", url=f"{base}/graphiql")
        page.wait_for("document.querySelector('.graphiql-execute-button') !== null")
        editors = "Array.from(document.querySelectorAll('.graphiql-container .CodeMirror'))"
        query_editor = f"{editors}.find(e => e.closest('.graphiql-query-editor'))"
        assert page.evaluate(f"{query_editor}.CodeMirror.getValue()") == DEFAULT_DOCUMENT
        headers_editor = (
            f"{editors}.find(e => e.closest('.graphiql-editor-tool') && "
            "e.CodeMirror.getValue().includes('Authorization'))"
        )
        typed = json.dumps(json.dumps({"Authorization": token}))
        page.evaluate(f"{headers_editor}.CodeMirror.setValue({typed})")
        page.evaluate("document.querySelector('.graphiql-execute-button').click()")
        result = "document.querySelector('.result-window .CodeMirror').CodeMirror.getValue()"
        shown = json.loads(page.wait_for(f"{result}.includes('totalCount') && {result}"))
        requests = [url for url in page.requests if not url.startswith("data:")]
    direct = client.post("/graphql", json={"query": DEFAULT_DOCUMENT}).json()
    assert shown == direct
    count = driver.execute_query("MATCH (c:Party:Customer) RETURN count(c) AS n").records[0]["n"]
    assert shown["data"]["customers"]["totalCount"] == count
    assert requests, "the browser recorded no request"
    assert all(url.startswith(base + "/") for url in requests), requests
    assert f"{base}/graphql" in requests
    assert {f"{base}/static/graphiql/{name}" for name in ASSETS} <= set(requests)
