"""A party's activity as one list, newest first: its interactions, orders, survey answers and the
referrals it made (the `timeline` connection, `schema/timeline.py`).

One statement: the four kinds are read with `UNION ALL` inside a `CALL` on the party, filtered by
kind and channel, then ordered by instant (newest first; an order or referral is at the start of
its UTC day; an entry without a date last) and id, keyset-paginated (`graph/read/keyset.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, LiteralString

from neo4j import AsyncDriver

from graph.read import keyset
from graph.read.run import read
from graph.read.writer import Writer

KINDS = ("INTERACTION", "ORDER", "SURVEY_RESPONSE", "REFERRAL")

_ENTRIES: LiteralString = """
MATCH (party:Party {id: $party})
CALL (party) {
  MATCH (party)-[:HAD]->(n:Interaction)
  RETURN 'INTERACTION' AS kind, n.at AS at, 'Interaction' AS family, n.id AS key,
         n.channel AS channel
  UNION ALL
  MATCH (party)-[:PLACED]->(n:Order)
  RETURN 'ORDER' AS kind, datetime({date: n.date, timezone: '+00:00'}) AS at, 'Order' AS family,
         n.id AS key, null AS channel
  UNION ALL
  MATCH (party)-[:RESPONDED]->(n:SurveyResponse)
  RETURN 'SURVEY_RESPONSE' AS kind, n.at AS at, 'SurveyResponse' AS family, n.id AS key,
         n.channel AS channel
  UNION ALL
  MATCH (party)-[r:REFERRED]->(n:Party)
  RETURN 'REFERRAL' AS kind,
         CASE WHEN r.date IS NULL THEN null ELSE datetime({date: r.date, timezone: '+00:00'}) END
           AS at,
         'Party' AS family, n.id AS key, r.channel AS channel
}
WITH kind, at, family, key, channel, kind + ':' + key AS entry
WHERE ($kinds IS NULL OR kind IN $kinds) AND ($channels IS NULL OR channel IN $channels)
"""
_KEYS: tuple[tuple[LiteralString, bool], ...] = (("at", True), ("entry", False))


@dataclass(frozen=True, slots=True)
class Entry:
    kind: str
    at: Any  # neo4j.time.DateTime or None
    family: str  # the label the node is found by (`graph.read.positions.Family`)
    key: str
    channel: str | None
    sort: tuple[Any, str]  # the keyset values (at, entry)


async def timeline(
    driver: AsyncDriver,
    database: str,
    party: str,
    size: int,
    after: tuple[Any, ...] | None,
    kinds: list[str] | None,
    channels: list[str] | None,
    timeout: float | None,
    before: tuple[Any, ...] | None = None,
    backward: bool = False,
) -> tuple[list[Entry], bool]:
    """One page of the party's entries between the cursors, the first `size` (or the last ones
    when `backward`: read in the reverse order and reversed back in the statement), and whether
    more lie beyond it in the direction read."""
    w = Writer()
    text: LiteralString = _ENTRIES
    if after is not None:
        text += "AND " + keyset.after(_KEYS, after, w) + "\n"
    if before is not None:
        text += "AND " + keyset.before(_KEYS, before, w) + "\n"
    text += (
        "WITH kind, at, family, key, channel, entry "
        f"ORDER BY {keyset.order_by(_KEYS, reverse=backward)} LIMIT $limit\n"
        "WITH collect([kind, at, family, key, channel, entry]) AS rows\n"
        + (
            "RETURN reverse(rows[0..$size]) AS page, "
            if backward
            else "RETURN rows[0..$size] AS page, "
        )
        + "size(rows) > $size AS more"
    )
    params = {
        "party": party, "kinds": kinds, "channels": channels, "size": size, "limit": size + 1,
        **w.params,
    }  # fmt: skip
    records = await read(driver, database, text, params, timeout)
    (record,) = records  # the aggregation answers one row, even for no entries
    entries = [
        Entry(kind, at, family, key, channel, (at, entry))
        for kind, at, family, key, channel, entry in record["page"]
    ]
    return entries, bool(record["more"])
