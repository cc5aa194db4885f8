"""Parsed and validated documents, cached by their text (the compiled path's parse and validation
cache; Strawberry keeps its own for the executor path)."""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

from graphql import DocumentNode, GraphQLError, GraphQLSchema, parse, validate

from schema.errors import Code


@dataclass(frozen=True, slots=True)
class Document:
    text: str
    node: DocumentNode | None
    errors: list[GraphQLError] = field(default_factory=list)
    code: Code | None = None  # why it was refused: parse or validation failed, too many tokens


class Documents:
    def __init__(self, schema: GraphQLSchema, max_tokens: int, maxsize: int = 1024) -> None:
        self.schema = schema
        self.max_tokens = max_tokens
        self.maxsize = maxsize
        self._cache: OrderedDict[str, Document] = OrderedDict()

    def get(self, text: str) -> Document:
        found = self._cache.get(text)
        if found is not None:
            self._cache.move_to_end(text)
            return found
        found = self._load(text)
        self._cache[text] = found
        if len(self._cache) > self.maxsize:
            self._cache.popitem(last=False)
        return found

    def _load(self, text: str) -> Document:
        try:
            node = parse(text, max_tokens=self.max_tokens)
        except GraphQLError as exc:
            too_many = "Document contains more than" in exc.message
            code = Code.QUERY_TOO_COMPLEX if too_many else Code.GRAPHQL_PARSE_FAILED
            return Document(text, None, [exc], code)
        errors = validate(self.schema, node)
        if errors:
            return Document(text, node, list(errors), Code.GRAPHQL_VALIDATION_FAILED)
        return Document(text, node)
