"""One shape for what the three sides of the benchmark return, so that they can be compared.

Our API answers connections (`edges { node }`), the graph id as `key` (asked for instead of
the opaque global `id`), upper-case enums and instants like `2020-09-10T15:11:00Z`;
@neo4j/graphql answers plain lists (a to-one relationship is a list of at most one), `id`s, the
stored lower-case strings and instants with milliseconds (`2020-09-10T15:11:00.000Z`); the Cypher
statements answer driver values (`neo4j.time.Date`, `DateTime`) already in the common shape. Each
function below maps one side's `data` to plain JSON values: keys named as in the Cypher
statements, enums lower-case, dates `YYYY-MM-DD`, instants UTC with milliseconds (the demo's
instants are whole seconds; a sub-millisecond difference would go unseen). Numbers are
compared as parsed (both servers print the shortest representation of the same doubles).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import neo4j.time

Json = Any


def instant(text: str) -> str:
    """An ISO 8601 instant as UTC with milliseconds: `2020-09-10T15:11:00.000Z`."""
    parsed = dt.datetime.fromisoformat(text).astimezone(dt.UTC)
    return parsed.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _lower(value: str | None) -> str | None:
    return value.lower() if value is not None else None


def _edges(connection: Json) -> list[Json]:
    return list(connection["edges"]) if connection else []


def _one(items: list[Json] | None) -> Json:
    return items[0] if items else None


def _product(p: Json, key: str) -> Json:
    return {"key": p[key], "name": p["name"]} if p else None


# --- customer360 -------------------------------------------------------------------------------


def _ours_member(edge: Json) -> Json:
    return {"role": edge["role"], "key": edge["node"]["key"], "name": edge["node"]["name"]}


def ours_view(data: Json) -> Json:
    c = data["customer"]
    if c is None:
        return None
    membership = c.get("household")
    household = None
    if membership:
        h = membership["household"]
        household = {"role": membership["role"], "key": h["key"], "name": h["name"],
                     "members": [_ours_member(e) for e in _edges(h["members"])]}  # fmt: skip
    return {
        "key": c["key"], "name": c["name"], "email": c["email"], "status": _lower(c["status"]),
        "segment": c["segment"], "createdAt": c["createdAt"], "household": household,
        "members": [_ours_member(e) for e in _edges(c.get("members"))],
        "interactions": [
            {"key": i["key"], "at": instant(i["at"]), "channel": _lower(i["channel"]),
             "type": i["type"], "outcome": i["outcome"], "sentiment": i["sentiment"],
             "product": _product(i["product"], "key")}
            for i in (e["node"] for e in _edges(c["interactions"]))
        ],
        "orders": [
            {"key": o["key"], "date": o["date"], "amount": o["amount"], "status": o["status"],
             "lines": [
                 {"lineNo": line["lineNo"], "quantity": line["quantity"],
                  "amount": line["amount"], "product": _product(line["product"], "key")}
                 for line in (e["node"] for e in _edges(o["lines"]))]}
            for o in (e["node"] for e in _edges(c["orders"]))
        ],
        "surveys": [
            {"key": s["key"], "at": instant(s["at"]), "score": s["score"]}
            for s in (e["node"] for e in _edges(c["surveyResponses"]))
        ],
        "referredBy": [
            {"date": e["date"], "key": e["node"]["key"], "name": e["node"]["name"]}
            for e in _edges(c["referredBy"])
        ],
    }  # fmt: skip


def ours_page(data: Json) -> Json:
    return [
        {"key": c["key"], "name": c["name"], "status": _lower(c["status"]),
         "interactions": [
             {"key": i["key"], "at": instant(i["at"]), "channel": _lower(i["channel"]),
              "type": i["type"]}
             for i in (e["node"] for e in _edges(c["interactions"]))],
         "orders": [
             {"key": o["key"], "date": o["date"], "amount": o["amount"], "status": o["status"]}
             for o in (e["node"] for e in _edges(c["orders"]))]}
        for c in (e["node"] for e in _edges(data["customers"]))
    ]  # fmt: skip


def ours_light(data: Json) -> Json:
    c = data["customer"]
    return c and {"key": c["key"], "name": c["name"], "status": _lower(c["status"])}


def ours_top(data: Json) -> Json:
    return [
        {"key": c["key"], "name": c["name"], "status": _lower(c["status"]), "revenue": c["revenue"]}
        for c in (e["node"] for e in _edges(data["customers"]))
    ]


def ours_search(data: Json) -> Json:
    return [
        {"key": p["key"], "name": p["name"]} for p in (e["node"] for e in _edges(data["search"]))
    ]


def _ours_manager(m: Json) -> Json:
    """A manager and, when asked, its manager (the same keys as the Cypher's maps)."""
    if m is None:
        return None
    out = {"key": m["key"], "name": m["name"]}
    if "manager" in m:
        out["manager"] = _ours_manager(m["manager"])
    return out


def ours_committee(data: Json) -> Json:
    a = data["account"]
    return a and {
        "key": a["key"], "name": a["name"],
        "committee": [
            {"roles": [r.lower() for r in e["roles"]], "influence": e["influence"],
             "key": e["node"]["key"], "name": e["node"]["name"],
             "manager": _ours_manager(e["node"]["manager"])}
            for e in _edges(a["committee"])
        ],
    }  # fmt: skip


def ours_nested(data: Json) -> Json:
    a = data["account"]
    return a and {
        "key": a["key"], "name": a["name"],
        "contacts": [
            {"title": e["title"], "key": e["node"]["key"], "name": e["node"]["name"],
             "interactions": [
                 {"key": i["key"], "at": instant(i["at"]), "channel": _lower(i["channel"]),
                  "type": i["type"]}
                 for i in (x["node"] for x in _edges(e["node"]["interactions"]))]}
            for e in _edges(a["contacts"])
        ],
    }  # fmt: skip


# --- @neo4j/graphql ----------------------------------------------------------------------------


def _their_member(edge: Json) -> Json:
    return {
        "role": edge["properties"]["role"],
        "key": edge["node"]["id"],
        "name": edge["node"]["name"],
    }


def theirs_view(data: Json) -> Json:
    c = _one(data["customers"])
    if c is None:
        return None
    membership = _one(_edges(c["householdsConnection"]))
    household = None
    if membership:
        h = membership["node"]
        household = {"role": membership["properties"]["role"], "key": h["id"], "name": h["name"],
                     "members": [_their_member(e) for e in _edges(h["membersConnection"])]}  # fmt: skip
    return {
        "key": c["id"], "name": c["name"], "email": c["email"], "status": c["status"],
        "segment": c["segment"], "createdAt": c["createdAt"], "household": household,
        "members": [_their_member(e) for e in _edges(c["membersConnection"])],
        "interactions": [
            {"key": i["id"], "at": instant(i["at"]), "channel": i["channel"], "type": i["type"],
             "outcome": i["outcome"], "sentiment": i["sentiment"],
             "product": _product(_one(i["products"]), "id")}
            for i in c["interactions"]
        ],
        "orders": [
            {"key": o["id"], "date": o["date"], "amount": o["amount"], "status": o["status"],
             "lines": [
                 {"lineNo": line["lineNo"], "quantity": line["quantity"],
                  "amount": line["amount"], "product": _product(_one(line["products"]), "id")}
                 for line in o["lines"]]}
            for o in c["orders"]
        ],
        "surveys": [
            {"key": s["id"], "at": instant(s["at"]), "score": s["score"]}
            for s in c["surveyResponses"]
        ],
        "referredBy": [
            {"date": e["properties"]["date"], "key": e["node"]["id"], "name": e["node"]["name"]}
            for e in _edges(c["referredByConnection"])
        ],
    }  # fmt: skip


def theirs_page(data: Json) -> Json:
    return [
        {"key": c["id"], "name": c["name"], "status": c["status"],
         "interactions": [
             {"key": i["id"], "at": instant(i["at"]), "channel": i["channel"], "type": i["type"]}
             for i in c["interactions"]],
         "orders": [
             {"key": o["id"], "date": o["date"], "amount": o["amount"], "status": o["status"]}
             for o in c["orders"]]}
        for c in data["customers"]
    ]  # fmt: skip


def theirs_light(data: Json) -> Json:
    c = _one(data["customers"])
    return c and {"key": c["id"], "name": c["name"], "status": c["status"]}


def theirs_top(data: Json) -> Json:
    return [
        {"key": c["id"], "name": c["name"], "status": c["status"], "revenue": c["revenue"]}
        for c in data["customers"]
    ]


def theirs_search(data: Json) -> Json:
    return [{"key": p["id"], "name": p["name"]} for p in data["searchParties"]]


def _their_manager(m: Json) -> Json:
    if m is None:
        return None
    out = {"key": m["id"], "name": m["name"]}
    if "manager" in m:
        out["manager"] = _their_manager(_one(m["manager"]))
    return out


def theirs_committee(data: Json) -> Json:
    a = _one(data["accounts"])
    return a and {
        "key": a["id"], "name": a["name"],
        "committee": [
            {"roles": e["properties"]["roles"], "influence": e["properties"]["influence"],
             "key": e["node"]["id"], "name": e["node"]["name"],
             "manager": _their_manager(_one(e["node"]["manager"]))}
            for e in _edges(a["committeeConnection"])
        ],
    }  # fmt: skip


def theirs_nested(data: Json) -> Json:
    a = _one(data["accounts"])
    return a and {
        "key": a["id"], "name": a["name"],
        "contacts": [
            {"title": e["properties"]["title"], "key": e["node"]["id"],
             "name": e["node"]["name"],
             "interactions": [
                 {"key": i["id"], "at": instant(i["at"]), "channel": i["channel"],
                  "type": i["type"]}
                 for i in e["node"]["interactions"]]}
            for e in _edges(a["contactsConnection"])
        ],
    }  # fmt: skip


# --- hand-written Cypher -----------------------------------------------------------------------


def plain(value: Any) -> Json:
    """Driver values as JSON values: dates as `YYYY-MM-DD`, instants as `instant()` does."""
    if isinstance(value, neo4j.time.DateTime):
        return instant(value.iso_format())
    if isinstance(value, neo4j.time.Date):
        return value.iso_format()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


OURS: dict[str, Callable[[Json], Json]] = {
    "view": ours_view,
    "page": ours_page,
    "light": ours_light,
    "top": ours_top,
    "deep": ours_top,
    "search": ours_search,
    "committee": ours_committee,
    "nested": ours_nested,
}
THEIRS: dict[str, Callable[[Json], Json]] = {
    "view": theirs_view,
    "page": theirs_page,
    "light": theirs_light,
    "top": theirs_top,
    "deep": theirs_top,
    "search": theirs_search,
    "committee": theirs_committee,
    "nested": theirs_nested,
}
