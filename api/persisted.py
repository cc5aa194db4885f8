"""Persisted and trusted documents: Apollo's automatic persisted queries (APQ) and an allow-list.

A client may send `extensions.persistedQuery = {"version": 1, "sha256Hash": H}` where H is the
hex SHA-256 of the document's text:

- without `query`: the document registered under H runs; when there is none the answer is
  `PersistedQueryNotFound` (code PERSISTED_QUERY_NOT_FOUND) and the client sends it again with
  the text;
- with `query`: H must be the text's hash (else BAD_USER_INPUT); the text runs and is remembered
  (in this process, at most `MAX_REMEMBERED`) under H.

With `API_TRUSTED_DOCUMENTS=true` only documents an operator registered (`c360 documents add`,
stored in the graph, `graph/security/documents.py`) run, whether sent by hash or in full; clients
cannot register anything, and anything else is FORBIDDEN. Registered texts are cached here.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import replace
from typing import Any

from graphql import GraphQLError
from starlette.requests import Request

from api.http import Params
from graph.security.documents import document_id, find
from schema.errors import Code

MAX_REMEMBERED = 10_000
_HASH = re.compile(r"[0-9a-f]{64}")


class PersistedRefusal(Exception):
    """A persisted-document request that cannot run: the message, its code and HTTP status."""

    def __init__(self, message: str, code: Code, status: int = 400) -> None:
        super().__init__(message)
        self.error = GraphQLError(message)
        self.code = code
        self.status = status


class PersistedDocuments:
    """Resolves a request's document from its hash, and enforces the trusted-documents setting."""

    def __init__(self, trusted_only: bool) -> None:
        self.trusted_only = trusted_only
        self._texts: OrderedDict[str, str] = OrderedDict()  # hash -> text, most recent last

    async def resolve(self, request: Request, params: Params) -> Params:
        """`params` with the document's text; PersistedRefusal when it may not or cannot run."""
        persisted = params.extensions.get("persistedQuery")
        if persisted is None:
            if self.trusted_only and await self._registered(request, params.query) is None:
                raise _untrusted()
            return params
        wanted = _hash_of(persisted)
        if params.query:
            if document_id(params.query) != wanted:
                raise PersistedRefusal("provided sha does not match query", Code.BAD_USER_INPUT)
            if self.trusted_only:
                if await self._registered(request, params.query) is None:
                    raise _untrusted()
            else:
                self._remember(wanted, params.query)
            return params
        text = self._texts.get(wanted)
        if text is None:
            text = await self._lookup(request, wanted)
        if text is None:
            raise PersistedRefusal("PersistedQueryNotFound", Code.PERSISTED_QUERY_NOT_FOUND)
        self._texts.move_to_end(wanted)
        return replace(params, query=text)

    async def _registered(self, request: Request, text: str) -> str | None:
        doc_id = document_id(text)
        if doc_id in self._texts:
            return doc_id
        return doc_id if await self._lookup(request, doc_id) is not None else None

    async def _lookup(self, request: Request, doc_id: str) -> str | None:
        """A registered text from the graph (remembered when found)."""
        state = request.app.state
        text = await find(state.driver, state.settings.neo4j_database, doc_id)
        if text is not None:
            self._remember(doc_id, text)
        return text

    def _remember(self, doc_id: str, text: str) -> None:
        self._texts[doc_id] = text
        self._texts.move_to_end(doc_id)
        while len(self._texts) > MAX_REMEMBERED:
            self._texts.popitem(last=False)


def _hash_of(persisted: Any) -> str:
    if (
        not isinstance(persisted, dict)
        or persisted.get("version") != 1
        or not isinstance(persisted.get("sha256Hash"), str)
        or not _HASH.fullmatch(persisted["sha256Hash"])
    ):
        raise PersistedRefusal(
            "`extensions.persistedQuery` must be {version: 1, sha256Hash: <64 lower-case hex>}.",
            Code.BAD_USER_INPUT,
        )
    found: str = persisted["sha256Hash"]
    return found


def _untrusted() -> PersistedRefusal:
    return PersistedRefusal(
        "Only registered documents run here (API_TRUSTED_DOCUMENTS); ask for yours to be added "
        "with `c360 documents add`.",
        Code.FORBIDDEN,
        403,
    )
