"""Erasure on request (GDPR article 17): a party's personal data leaves the graph, its facts stay.

`erase_party` runs in the caller's managed write transaction. It
1. removes the party's record-derived properties (`graph.identity.reconcile.PROPERTIES`: names, e-mail,
   phone, address, date of birth, national id, domain, job title...; `externalIds` and the
   reconciliation hash) except `KEPT` (what KPIs, filters and metrics use: kind, status, segment,
   country, createdAt, partner type, and the record ids of its household, employer, manager, parent
   firm and account owner, which keep its edges movable), labels it `:Erased` with `erasedAt`;
2. turns each of its `SourceRecord`s into a tombstone: `data`, `hash`, `kind`, `sourceTs` and the
   blocking keys and sort key identity resolution kept (`matchKeys`, `matchOrder`) go,
   `erased: true` and `erasedAt` come, the `RESOLVES_TO` edge stays. Without `kind` the record is no
   party record any more, so identity resolution (`graph.identity.store.RECORDS_OF`)
   never reads it, never moves it and never rebuilds the party; references to its id (orders,
   interactions, relationships, other parties' household or employer) keep resolving to the
   anonymised party, and `graph.ingest.upsert` rejects a row carrying its id;
3. drops what its own record said about it on its edges (`WORKS_FOR` title and department,
   `MEMBER_OF` role) and the comments of its survey answers;
4. removes, anywhere in the graph, free text (`FREE_TEXT`: survey comments, interaction types and
   outcomes, deal names; and a referral's channel, on its edge and in its record's raw data) that
   mentions its e-mail, phone (any spacing) or full name, case-insensitively.

Orders, order lines, interactions, survey scores and every relationship stay, as do stored metrics,
so portfolio KPIs and `c360 metrics compute` give the same numbers. Other parties' own properties and
records are never touched: a namesake or a housemate sharing a phone keeps theirs. Erasing an erased
party does nothing and says so.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, LiteralString

import orjson
import phonenumbers
from neo4j import AsyncManagedTransaction

from graph.identity.reconcile import PROPERTIES

KEPT: frozenset[str] = frozenset(
    {
        "kind", "status", "segment", "country", "createdAt", "partnerType",
        "householdRef", "employerRef", "managerRef", "parentRef", "ownerRef",
    }
)  # fmt: skip
"""Record-derived party properties an erased party keeps: none identifies a person on its own."""

ERASED_PROPERTIES: tuple[str, ...] = tuple(
    sorted({*PROPERTIES.values(), "externalIds", "reconciledHash"} - KEPT)
)
TOMBSTONE_DROPPED: tuple[str, ...] = ("data", "hash", "kind", "sourceTs", "matchKeys", "matchOrder")
EDGE_DROPPED: tuple[str, ...] = ("title", "department", "role")  # its WORKS_FOR and MEMBER_OF

# Properties holding free text a source may write anything into, scanned graph-wide for mentions.
FREE_TEXT: tuple[tuple[LiteralString, LiteralString], ...] = (
    ("SurveyResponse", "comment"),
    ("Interaction", "type"),
    ("Interaction", "outcome"),
    ("Deal", "name"),
)


@dataclass(frozen=True, slots=True)
class Erasure:
    """What an erasure did, in counts only (no personal data): fit for an audit entry."""

    party: str  # the party's id, a `system:recordId`
    erased_at: dt.datetime
    already_erased: bool  # nothing was left to do: every count is zero
    records: int  # source records turned into tombstones
    properties: int  # property values removed, everywhere
    nodes: int  # nodes changed (the party, its tombstones, answers and other nodes scrubbed)
    relationships: int  # relationships changed
    mentions: int  # free-text values elsewhere removed because they mentioned the party


def counts(erasure: Erasure) -> dict[str, Any]:
    """The erasure as JSON-ready values (camelCase keys) for an audit entry or a payload."""
    return {
        "erasedAt": erasure.erased_at.isoformat(),
        "alreadyErased": erasure.already_erased,
        "records": erasure.records,
        "properties": erasure.properties,
        "nodes": erasure.nodes,
        "relationships": erasure.relationships,
        "mentions": erasure.mentions,
    }


READ: LiteralString = """
MATCH (p:Party {id: $id})
RETURN p:Erased AS erased, p.erasedAt AS erasedAt, properties(p) AS props,
       COLLECT { MATCH (s:SourceRecord)-[:RESOLVES_TO]->(p) WHERE s.data IS NOT NULL
                 RETURN s.data ORDER BY s.id } AS data
"""

EDGES: LiteralString = """
MATCH (:Party {id: $id})-[e:WORKS_FOR|MEMBER_OF]->()
WITH e, size([k IN $dropped WHERE e[k] IS NOT NULL]) AS removed
WHERE removed > 0
SET e += $nulls
RETURN count(e) AS relationships, coalesce(sum(removed), 0) AS removed
"""

TOMBSTONES: LiteralString = """
MATCH (s:SourceRecord)-[:RESOLVES_TO]->(:Party {id: $id})
WITH s, size([k IN $dropped WHERE s[k] IS NOT NULL]) AS removed
SET s += $nulls, s.erased = true, s.erasedAt = $at
RETURN count(s) AS records, coalesce(sum(removed), 0) AS removed
"""

PARTY: LiteralString = """
MATCH (p:Party {id: $id})
SET p += $nulls, p:Erased, p.erasedAt = $at
"""

COMMENTS: LiteralString = """
MATCH (:Party {id: $id})-[:RESPONDED]->(r:SurveyResponse)
WHERE r.comment IS NOT NULL
REMOVE r.comment
RETURN collect(elementId(r)) AS nodes
"""

# A relationship record's data holds record ids, dates, numbers and codes, and one free text: a
# referral's channel, also on the `REFERRED` edge it asserts (`src`). Both go when it mentions the party.
REFERRAL_CHANNELS: LiteralString = """
MATCH ()-[e:REFERRED]->()
WHERE e.channel =~ $pattern
OPTIONAL MATCH (s:SourceRecord {id: e.src}) WHERE s.data IS NOT NULL
REMOVE e.channel, s.data
RETURN collect(elementId(e)) AS relationships, collect(elementId(s)) AS nodes
"""


def _scrub_node(label: LiteralString, prop: LiteralString) -> LiteralString:
    return (
        f"MATCH (n:{label}) WHERE n.{prop} =~ $pattern REMOVE n.{prop} "
        "RETURN collect(elementId(n)) AS nodes"
    )


SCRUB_NODES: tuple[LiteralString, ...] = tuple(_scrub_node(label, p) for label, p in FREE_TEXT)


def _quote(text: str) -> str:
    r"""`text` as a literal in a Java regular expression (Cypher's `=~`): `\Q...\E`."""
    return r"\Q" + text.replace(r"\E", r"\E\\E\Q") + r"\E"


_WORD = re.compile(r"\w+")
_EDGE = r"(?<![\p{L}\p{N}])"  # no letter or digit just before a name ...
_END = r"(?![\p{L}\p{N}])"  # ... nor just after it
_GAP = r"[^\p{L}\p{N}]+"


def _name(words: list[str]) -> str:
    return _EDGE + _GAP.join(_quote(w) for w in words) + _END


def _phone(e164: str) -> str | None:
    """The national number's digits, each gap allowing a couple of separators: "(415) 555-0143",
    "415.555.0143" and "+1 415 555 0143" all match."""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return None
    digits = phonenumbers.national_significant_number(number)
    return "[^0-9]{0,2}".join(digits) if len(digits) >= 7 else None


def mention_pattern(kind: str | None, facts: Iterable[dict[str, Any]]) -> str | None:
    """A case-insensitive regular expression (Java syntax, for `=~`) matching a text that mentions
    the party: any of its e-mails or phones, or its full name (a person's given name and surname
    in either order; an organization's or household's name). `facts` are the party's properties
    and its records' data (snake_case or camelCase keys). None when there is nothing to look for;
    a person's lone given name is not enough (it would match everyone called that)."""
    found: set[str] = set()
    for fact in facts:
        email = fact.get("email")
        if isinstance(email, str) and "@" in email:
            found.add(_quote(email.strip()))
        phone = fact.get("phone")
        if isinstance(phone, str):
            pattern = _phone(phone)
            if pattern:
                found.add(pattern)
        national_id = fact.get("national_id") or fact.get("nationalId")
        if isinstance(national_id, str) and len(national_id.strip()) >= 5:
            found.add(_quote(national_id.strip()))
        given = _WORD.findall(str(fact.get("given_name") or fact.get("givenName") or ""))
        surname = _WORD.findall(str(fact.get("surname") or ""))
        if given and surname:
            found.add(_name(given + surname))
            found.add(_name(surname + given))
        name = _WORD.findall(str(fact.get("name") or ""))
        if len(name) >= 2 or (kind not in (None, "person") and name and len(name[0]) >= 3):
            found.add(_name(name))
    if not found:
        return None
    return "(?isu).*(?:" + "|".join(sorted(found)) + ").*"


async def _single(tx: AsyncManagedTransaction, query: LiteralString, **params: Any) -> Any:
    return await (await tx.run(query, params)).single(strict=True)


async def erase_party(tx: AsyncManagedTransaction, party_id: str) -> Erasure | None:
    """Erase a party's personal data (see the module docstring); None when there is no such party."""
    found = await (await tx.run(READ, id=party_id)).single()
    if found is None:
        return None
    if found["erased"]:
        at = found["erasedAt"].to_native()
        return Erasure(party_id, at, True, 0, 0, 0, 0, 0)
    at = dt.datetime.now(dt.UTC)
    props: dict[str, Any] = found["props"]
    facts = [props, *(orjson.loads(d) for d in found["data"])]
    pattern = mention_pattern(props.get("kind"), facts)

    edges = await _single(
        tx, EDGES, id=party_id, dropped=list(EDGE_DROPPED), nulls=dict.fromkeys(EDGE_DROPPED)
    )
    tombstones = await _single(
        tx,
        TOMBSTONES,
        id=party_id,
        at=at,
        dropped=list(TOMBSTONE_DROPPED),
        nulls=dict.fromkeys(TOMBSTONE_DROPPED),
    )
    removed = [k for k in ERASED_PROPERTIES if props.get(k) is not None]
    await (await tx.run(PARTY, id=party_id, at=at, nulls=dict.fromkeys(removed))).consume()
    answers = (await _single(tx, COMMENTS, id=party_id))["nodes"]

    scrubbed_nodes: list[str] = []
    scrubbed_edges: list[str] = []
    if pattern is not None:
        for query in SCRUB_NODES:
            scrubbed_nodes += (await _single(tx, query, pattern=pattern))["nodes"]
        referrals = await _single(tx, REFERRAL_CHANNELS, pattern=pattern)
        scrubbed_edges += referrals["relationships"]
        scrubbed_nodes += referrals["nodes"]
    mentions = len(scrubbed_nodes) + len(scrubbed_edges)  # one property each
    properties = len(removed) + tombstones["removed"] + edges["removed"] + len(answers) + mentions
    return Erasure(
        party=party_id,
        erased_at=at,
        already_erased=False,
        records=tombstones["records"],
        properties=properties,
        nodes=len({*answers, *scrubbed_nodes}) + tombstones["records"] + 1,
        relationships=edges["relationships"] + len(set(scrubbed_edges)),
        mentions=mentions,
    )
