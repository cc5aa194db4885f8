"""A search's page from the full-text index's best hits, without reading every hit when they
decide it.

A page is the first `size + 1` hits that pass the filters, by score then key. The index's best
hits, a few times that many, are read first (a Lucene `limit`): if `size + 1` of them pass, the
last of those sets a floor no hit of the page scores below. When the hits read end below that
floor (or the index had no more), every hit at or above it is among them, and the page comes from
them alone. Otherwise every hit is read again, those under the floor dropped before anything else
is read of them: a common surname at 1M has 25,000 hits, most of them under the floor, and
reading each one's key for the sort was most of the search's time. With `totalCount`, that second
read counts the hits too, and none follows when the first had them all.

Ties are why the floor is needed: hits that score the same are ordered by key, and a one-word
match scores the same in every name of the same length, so the index's own top hits are not the
page. When thousands of hits tie on the page's last score (an exact common surname), the second
read happens and costs what reading every hit costs.
"""

from __future__ import annotations

from typing import LiteralString

from graph.read.writer import Writer

INDEX: LiteralString = "party_text"
WIDTH = 4  # the first read: the page's size + 1, this many times


def hits(
    query: LiteralString, t: LiteralString, score: LiteralString, best: LiteralString | None = None
) -> LiteralString:
    """The full-text index call binding `t` and `score`: every hit, or the `best` (a parameter)."""
    options: LiteralString = f", {{limit: {best}}}" if best else ""
    return (
        f"CALL db.index.fulltext.queryNodes('{INDEX}', {query}{options}) "
        f"YIELD node AS {t}, score AS {score}\n"
    )


def best_hits(
    w: Writer,
    query: LiteralString,
    t: LiteralString,
    score: LiteralString,
    passes: LiteralString,
    size: int,
    counted: bool,
) -> tuple[LiteralString, LiteralString, LiteralString]:
    """(the clauses, the variable they bind to the candidate [node, score] pairs and the variable
    of the count of every hit that `passes`) when `counted`; else (the clauses, "", ""), which
    bind the candidates as rows of `t` and `score`: streamed to the caller's top-N rather than
    collected and unwound (at 1M, a tenth of the time of a surname whose ties force the second
    read). `passes` is the filters' predicate on `t` and `score`; the caller orders the
    candidates and takes the page."""
    k, best = w.param(size), w.param(WIDTH * (size + 1))
    kept, scores, top = w.var("kept"), w.var("scores"), w.var("top")
    floor, enough = w.var("floor"), w.var("enough")
    pair: LiteralString = f"[{t}, {score}]"
    # enough: no hit at or above the floor lies past those read (with the count: no hit at all)
    decided: LiteralString = (
        "" if counted else f" OR (size({kept}) > {k} AND {scores}[-1] < {kept}[{k}][1])"
    )
    # read again: every hit to count them, else those under the floor dropped first
    again: LiteralString = passes if counted else f"{score} >= {floor} AND {passes}"
    text: LiteralString = (
        f"CALL () {{\n{hits(query, t, score, best)}"
        f"WITH {t}, {score} ORDER BY {score} DESC\n"
        f"WITH collect({score}) AS {scores}, collect(CASE WHEN {passes} THEN {pair} END) AS {kept}\n"
        f"RETURN {kept} AS {top}, "
        f"CASE WHEN size({kept}) > {k} THEN {kept}[{k}][1] ELSE -1.0 END AS {floor},\n"
        f"  size({scores}) < {best}{decided} AS {enough}\n}}\n"
        f"CALL ({top}, {floor}, {enough}) {{\n"
        f"WITH {top}, {floor}, {enough} WHERE {enough}\n"
    )
    if not counted:
        hit = w.var("hit")
        text += (
            f"UNWIND {top} AS {hit}\n"
            f"WITH {hit}[0] AS {t}, {hit}[1] AS {score} WHERE {score} >= {floor}\n"
            f"RETURN {t}, {score}\nUNION ALL\n"
            f"WITH {floor}, {enough} WHERE NOT {enough}\n"
            f"{hits(query, t, score)}WHERE {again}\nRETURN {t}, {score}\n}}\n"
        )
        return text, "", ""
    found, total = w.var("hits"), w.var("total")
    text += (
        f"RETURN [x IN {top} WHERE x[1] >= {floor}] AS {found}, size({top}) AS {total}\n"
        f"UNION ALL\n"
        f"WITH {floor}, {enough} WHERE NOT {enough}\n"
        f"CALL ({floor}) {{\n{hits(query, t, score)}WHERE {again}\n"
        f"RETURN collect(CASE WHEN {score} >= {floor} THEN {pair} END) AS {found}, "
        f"count(*) AS {total}\n}}\n"
        f"RETURN {found}, {total}\n}}\n"
    )
    return text, found, total
