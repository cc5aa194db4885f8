"""Full-text search over party names and emails (the `party_search` index).

Without the `pii` scope the statement searches names only: the renderer restricts the query to
the indexed properties the caller may read (`graph.read.masking.search_text`), on both paths.
"""

from __future__ import annotations

import re

import strawberry

from graph.read.positions import Position
from graph.read.relations import Relation, SortKey
from schema.errors import ClientError
from schema.meta import TARGET_FIELD, computed
from schema.parties import Party
from schema.relay import EdgeConnection

# Lucene's query syntax characters, escaped so that any text is a plain query.
_SPECIAL = re.compile(r'([+\-!(){}\[\]^"~*?:\\/&|])')
MAX_TERMS = 10

# The hits of the index: best score first, then key. Candidates come from the index call.
SEARCH = Relation("", Position.PARTY, (SortKey("{sc}", descending=True), SortKey("{t}.id")))


def lucene_query(text: str) -> str:
    """Every word must match (a word made of letters and digits may also match as a prefix).

    Words are lower-cased (as the index's analyzer does), which also keeps them from being read
    as operators (`AND`, `OR`, `NOT`).
    """
    terms = text.lower().split()
    if not terms:
        raise ClientError("`text` must contain at least one word.")
    if len(terms) > MAX_TERMS:
        raise ClientError(f"`text` may have at most {MAX_TERMS} words.")
    parts = []
    for term in terms:
        escaped = _SPECIAL.sub(r"\\\1", term)
        parts.append(f"({escaped} OR {escaped}*)" if term.isalnum() else escaped)
    return " AND ".join(parts)


@strawberry.type(description="A search hit.")
class SearchEdge:
    cursor: str
    node: Party = strawberry.field(metadata=TARGET_FIELD)
    score: float = strawberry.field(metadata=computed("score"), description="Relevance.")


@strawberry.type(name="SearchConnection")
class SearchConnection(EdgeConnection[SearchEdge]):
    pass
