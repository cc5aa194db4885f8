"""Persisted documents (Apollo's APQ sha256 protocol) and trusted documents (`c360 documents add`,
`API_TRUSTED_DOCUMENTS=true`), on the real Neo4j."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from neo4j import Driver
from starlette.testclient import TestClient
from typer.testing import CliRunner

import cli.documents as documents_cli
from api.app import create_app
from cli.main import app as c360
from graph.config import Settings
from tests.conftest import auth_headers, without_cost


def _document() -> str:
    """A query unique to the test (a comment changes the hash, not the answer)."""
    return f"# {uuid.uuid4().hex}\nquery Edition {{ server {{ edition }} }}\n"


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _persisted(sha: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha}}


@pytest.fixture
def forget(driver: Driver) -> Iterator[list[str]]:
    """Hashes of the trusted documents a test registered, deleted afterwards with their audit."""
    made: list[str] = []
    yield made
    driver.execute_query(
        "MATCH (d:TrustedDocument) WHERE d.id IN $ids "
        "OPTIONAL MATCH (e:AuditEntry {action: 'document.add'}) WHERE e.target IN $ids "
        "DETACH DELETE d, e",
        ids=made,
    )


@pytest.fixture(scope="module")
def trusted(settings: Settings) -> Iterator[TestClient]:
    only = settings.model_copy(update={"api_trusted_documents": True})
    with TestClient(create_app(only), headers=auth_headers(only)) as client:
        yield client


def test_apq_registers_a_document_then_runs_it_by_hash(client: TestClient) -> None:
    text = _document()
    sha = _sha(text)
    unknown = client.post("/graphql", json={"extensions": _persisted(sha)})
    [error] = unknown.json()["errors"]
    assert error["message"] == "PersistedQueryNotFound"
    assert error["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    assert "data" not in unknown.json()
    full = client.post("/graphql", json={"query": text, "extensions": _persisted(sha)})
    assert without_cost(full.json()) == {"data": {"server": {"edition": "community"}}}
    by_hash = client.post("/graphql", json={"extensions": _persisted(sha)})
    assert by_hash.json() == full.json()
    # GET works too (the extensions as JSON in the query string): what a CDN can cache.
    got = client.get("/graphql", params={"extensions": json.dumps(_persisted(sha))})
    assert got.json() == full.json()


def test_apq_refuses_a_hash_that_is_not_the_texts(client: TestClient) -> None:
    text = _document()
    response = client.post(
        "/graphql", json={"query": text, "extensions": _persisted(_sha(text + " "))}
    )
    [error] = response.json()["errors"]
    assert (error["message"], error["extensions"]["code"]) == (
        "provided sha does not match query",
        "BAD_USER_INPUT",
    )
    # Nothing was remembered under either hash.
    again = client.post("/graphql", json={"extensions": _persisted(_sha(text + " "))})
    assert again.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"


@pytest.mark.parametrize(
    "extension",
    [
        {"version": 2, "sha256Hash": "0" * 64},
        {"version": 1, "sha256Hash": "ABC"},
        {"version": 1},
        "sha",
    ],
)
def test_a_malformed_persisted_query_extension_is_bad_input(
    client: TestClient, extension: Any
) -> None:
    response = client.post("/graphql", json={"extensions": {"persistedQuery": extension}})
    assert response.status_code == 200
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "persistedQuery" in error["message"]


def test_trusted_mode_runs_only_registered_documents(
    trusted: TestClient, settings: Settings, forget: list[str], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    text = _document()
    sha = _sha(text)
    refused = trusted.post(
        "/graphql", json={"query": text}, headers={"accept": "application/graphql-response+json"}
    )
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    # A client cannot register a document itself.
    apq = trusted.post("/graphql", json={"query": text, "extensions": _persisted(sha)})
    assert apq.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert (
        trusted.post("/graphql", json={"extensions": _persisted(sha)}).json()["errors"][0][
            "extensions"
        ]["code"]
        == "PERSISTED_QUERY_NOT_FOUND"
    )
    # The operator registers it with the CLI.
    monkeypatch.setattr(documents_cli, "get_settings", lambda: settings)
    file = tmp_path / "edition.graphql"
    file.write_text(text, encoding="utf-8")
    forget.append(sha)
    added = CliRunner().invoke(c360, ["documents", "add", str(file)])
    assert added.exit_code == 0, added.output
    assert added.stdout == f"{sha}\tedition.graphql\tadded\n"
    expected = {"data": {"server": {"edition": "community"}}}
    by_hash = trusted.post("/graphql", json={"extensions": _persisted(sha)})
    assert without_cost(by_hash.json()) == expected
    assert without_cost(trusted.post("/graphql", json={"query": text}).json()) == expected
    again = CliRunner().invoke(c360, ["documents", "add", str(file)])
    assert again.stdout == f"{sha}\tedition.graphql\talready registered\n"
    listed = CliRunner().invoke(c360, ["documents", "list"])
    assert f"{sha}\tedition.graphql\t" in listed.stdout


def test_documents_add_takes_a_manifest_and_refuses_invalid_documents(
    settings: Settings, driver: Driver, forget: list[str], tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setattr(documents_cli, "get_settings", lambda: settings)
    first, second = _document(), _document()
    manifest = tmp_path / "persisted-documents.json"
    manifest.write_text(json.dumps({_sha(first): first, _sha(second): second}))
    forget.extend([_sha(first), _sha(second)])
    added = CliRunner().invoke(c360, ["documents", "add", str(manifest)])
    assert added.exit_code == 0, added.output
    assert [line.split("\t")[0] for line in added.stdout.splitlines()] == forget
    stored = driver.execute_query(
        "MATCH (d:TrustedDocument) WHERE d.id IN $ids RETURN d.id AS id, d.text AS text",
        ids=forget,
    ).records
    assert {r["id"]: r["text"] for r in stored} == {_sha(first): first, _sha(second): second}

    invalid = tmp_path / "invalid.graphql"
    invalid.write_text("{ server { nope } }")
    refused = CliRunner().invoke(c360, ["documents", "add", str(invalid)])
    assert refused.exit_code != 0
    assert "Cannot query field 'nope'" in refused.output
    wrong = tmp_path / "wrong.json"
    wrong.write_text(json.dumps({"0" * 64: first}))
    assert CliRunner().invoke(c360, ["documents", "add", str(wrong)]).exit_code != 0
    count = driver.execute_query(
        "MATCH (d:TrustedDocument {id: $id}) RETURN count(d) AS n",
        id=_sha("{ server { nope } }"),
    ).records[0]["n"]
    assert count == 0
