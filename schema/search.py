"""Full-text search over party names and emails (the `party_text` index, which folds accents).

Words are folded (accents removed, lower-cased) as the index's analyzer folds names, so "konig"
finds "König"; a word of four or more letters also matches one edit away ("Hnery" finds
"Henry"), below the exact and prefix matches. A text that is one e-mail address, for a caller with
the `pii` scope, matches that address only. `kind` keeps the parties of those kinds.

Without the `pii` scope the statement searches names only: the renderer restricts the query to
the indexed properties the caller may read (`graph.read.masking.search_text`), on both paths.
"""

from __future__ import annotations

import re
import unicodedata

import strawberry

from graph.read import criteria as c
from graph.read.criteria import CustomerField
from graph.read.positions import Position
from graph.read.relations import Relation, SortKey
from schema.descriptions import EDGE_PAGE
from schema.enums import PartyKind
from schema.errors import ClientError
from schema.meta import TARGET_FIELD, computed
from schema.parties import Party
from schema.relay import CURSOR, EdgeConnection

# Lucene's query syntax characters, escaped so that any text is a plain query.
_SPECIAL = re.compile(r'([+\-!(){}\[\]^"~*?:\\/&|])')
MAX_TERMS = 10
FUZZY_FROM = 4  # letters: shorter words match exactly or as a prefix only
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_PHONE = re.compile(r"\+[\d\s().-]{7,}")  # international format, as stored (E.164)

# The hits of the index: best score first, then key. Candidates come from the index call.
SEARCH = Relation("", Position.PARTY, (SortKey("{sc}", descending=True), SortKey("{t}.id")))


def fold(text: str) -> str:
    """Accents removed and lower-cased, as the index's `standard-folding` analyzer does."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def lucene_query(text: str, emails: bool = False) -> str:
    """Every word must match (a word made of letters and digits may also match as a prefix, and
    from four letters on one edit away). With `emails` (the caller may read personal data) a text
    that is one e-mail address matches that address as a phrase on the `email` field, and one
    phone number in international format (`+61 439 808 261`) that number on `phone`.

    Words are folded and lower-cased (as the index's analyzer does), which also keeps them from
    being read as operators (`AND`, `OR`, `NOT`).
    """
    stripped = text.strip()
    if emails and _EMAIL.fullmatch(stripped):
        return 'email:"' + _SPECIAL.sub(r"\\\1", fold(stripped)) + '"'
    if emails and _PHONE.fullmatch(stripped):
        return 'phone:"' + re.sub(r"\D", "", stripped) + '"'
    terms = fold(text).split()
    if not terms:
        raise ClientError("`text` must contain at least one word.")
    if len(terms) > MAX_TERMS:
        raise ClientError(f"`text` may have at most {MAX_TERMS} words.")
    parts = []
    for term in terms:
        escaped = _SPECIAL.sub(r"\\\1", term)
        if not term.isalnum():
            parts.append(escaped)
        elif len(term) >= FUZZY_FROM and not term.isdigit():
            parts.append(f"({escaped} OR {escaped}* OR {escaped}~1)")
        else:
            parts.append(f"({escaped} OR {escaped}*)")
    return " AND ".join(parts)


def kind_criterion(kinds: list[PartyKind] | None) -> c.Criterion | None:
    """Only parties of these kinds (None: any)."""
    if kinds is None:
        return None
    return c.OneOf(CustomerField.KIND, tuple(str(k) for k in kinds))


@strawberry.type(description="A search hit.")
class SearchEdge:
    cursor: str = strawberry.field(description=CURSOR)
    node: Party = strawberry.field(metadata=TARGET_FIELD, description="The party found.")
    score: float = strawberry.field(metadata=computed("score"), description="Relevance.")


@strawberry.type(name="SearchConnection", description=EDGE_PAGE)
class SearchConnection(EdgeConnection[SearchEdge]):
    pass
