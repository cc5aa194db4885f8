"""`c360 documents`: the trusted GraphQL documents (`API_TRUSTED_DOCUMENTS=true` runs only these).

`add` takes `.graphql` files (one document each, registered by the SHA-256 of its exact text) or a
persisted-documents manifest (`.json`, `{"<sha256>": "<text>", ...}`, as GraphQL Code Generator
and Relay write them); every document is validated against the schema first.
"""

from __future__ import annotations

import getpass
import uuid
from pathlib import Path
from typing import Annotated

import orjson
import typer

from graph.config import get_settings
from graph.driver import run_with
from graph.security import documents
from graph.security.audit import Actor
from graph.security.principal import Role

app = typer.Typer(help="Trusted GraphQL documents (the allow-list of API_TRUSTED_DOCUMENTS).")


def _documents(file: Path) -> list[tuple[str, str]]:
    """(name, text) of each document in a file; BadParameter when one is not valid."""
    from graphql import GraphQLError, parse, validate

    from schema.schema import schema

    raw = file.read_text(encoding="utf-8")
    found: list[tuple[str, str]] = []
    if file.suffix == ".json":
        manifest = orjson.loads(raw)
        if not isinstance(manifest, dict) or not all(isinstance(v, str) for v in manifest.values()):
            raise typer.BadParameter(f"{file}: a manifest maps sha256 hashes to document texts")
        for given, text in manifest.items():
            if documents.document_id(text) != given:
                raise typer.BadParameter(f"{file}: {given} is not the sha256 of its text")
            found.append((f"{file.name}:{given[:12]}", text))
    else:
        found.append((file.name, raw))
    for name, text in found:
        try:
            errors = validate(schema._schema, parse(text))
        except GraphQLError as exc:
            errors = [exc]
        if errors:
            raise typer.BadParameter(f"{name}: {errors[0].message}")
    return found


@app.command("add")
def add(
    files: Annotated[list[Path], typer.Argument(help=".graphql files or a .json manifest.")],
) -> None:
    """Register documents; prints each one's sha256 and whether it is new."""
    settings = get_settings()
    actor = Actor(f"cli:{getpass.getuser()}", Role.ADMIN.value, uuid.uuid4().hex)
    for file in files:
        for name, text in _documents(file):
            doc_id, created = run_with(
                settings,
                lambda d, n=name, t=text: documents.add(  # type: ignore[misc]
                    d, settings.neo4j_database, actor, t, n
                ),
            )
            typer.echo(f"{doc_id}\t{name}\t{'added' if created else 'already registered'}")


@app.command("list")
def listing() -> None:
    """Every registered document: sha256, name, when added."""
    settings = get_settings()
    found = run_with(settings, lambda d: documents.listing(d, settings.neo4j_database))
    for doc in found:
        typer.echo(f"{doc.id}\t{doc.name or '-'}\t{doc.added_at.isoformat(timespec='seconds')}")
