"""Manual merges and splits on the real Neo4j: files loaded through the loader, decisions made in a
managed transaction as the mutations make them, then checked against what identity resolution
produces on its own afterwards (a reload, a load of another file, `loaders.resolve.resolve`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from neo4j import AsyncManagedTransaction, Driver
from neo4j.time import Date

from graph.config import Settings
from graph.driver import open_driver
from graph.identity import merges
from graph.identity.merges import Decision, IdentityError, Merge, Split
from loaders.matching import MatchConfig, PartyRecord, find_links
from loaders.resolve import ResolutionReport, resolve
from tests.loaders.conftest import Loader

T = TypeVar("T")


@pytest.fixture
def loader(settings: Settings, driver: Driver, tmp_path: Path) -> Iterator[Loader]:
    """A loader with a system of its own; its nodes and the decisions on its records go after."""
    found = Loader(f"m{uuid.uuid4().hex[:10]}", tmp_path, settings, driver)
    yield found
    found.cleanup()
    driver.execute_query(
        "MATCH (d:IdentityDecision) WHERE any(x IN d.left + d.right WHERE x STARTS WITH $p) "
        "DELETE d",
        p=f"{found.system}:",
        database_=settings.neo4j_database,
    )


def write(settings: Settings, work: Callable[[AsyncManagedTransaction], Awaitable[T]]) -> T:
    """Run `work` in a managed write transaction of the async driver, as a mutation does."""

    async def go() -> T:
        driver = open_driver(settings)
        try:
            async with driver.session(database=settings.neo4j_database) as session:
                return await session.execute_write(work)
        finally:
            await driver.close()

    return asyncio.run(go())


def resolve_from_scratch(loader: Loader) -> ResolutionReport:
    """A whole identity resolution that rebuilds every party of this test from its records (their
    stored hashes are dropped first, so none is trusted to be up to date, and all its records are
    marked pending, so the run re-resolves them)."""
    prefix = f"{loader.system}:"
    loader.query("MATCH (p:Party) WHERE p.id STARTS WITH $p REMOVE p.reconciledHash", p=prefix)
    loader.query(
        "MATCH (s:SourceRecord) WHERE s.id STARTS WITH $p AND s.kind IS NOT NULL SET s:Pending",
        p=prefix,
    )

    async def go() -> ResolutionReport:
        driver = open_driver(loader.settings)
        try:
            found = await resolve(driver, loader.settings.neo4j_database)
            assert found is not None
            return found
        finally:
            await driver.close()

    return asyncio.run(go())


# Kate Moorcroft (p1) and Katherine Moorcroft (p2, and p3 with the same e-mail, so one party p2)
# are one woman the rules keep apart; p4 reports to p2, refers and was referred.
PEOPLE = (
    "id,first,last,email,phone,country,status,since,household,hh_role,employer,title,dept,"
    "manager,owner,updated\n"
    "p1,Kate,Moorcroft,kate@home.{s}.example,,GB,A,01/03/2021,,,o1,CTO,Tech,,e1,2024-06-01T00:00:00\n"
    "p2,Katherine,Moorcroft,kmoorcroft@{s}.example,,GB,A,03/02/2020,h1,head,,,,,,2024-01-01T00:00:00\n"
    "p3,Katherine,Moorcroft,KMoorcroft@{s}.example,+44 20 7946 0018,GB,P,,,,,,,,,2023-01-01T00:00:00\n"
    "p4,Leo,Brandtner,leo@{s}.example,,DE,A,,h1,member,,,,p2,,2023-05-05T00:00:00\n"
)
FILES = {
    "orgs.csv": "id,name,domain,country\no1,Moorcroft Engines,engines.{s}.example,GB\n",
    "households.csv": "id,name\nh1,Moorcroft household\n",
    "employees.csv": "id,name,email\ne1,Emma Rep,emma@{s}.example\n",
    "orders.csv": (
        "id,customer,date,amount\nx1,p2,2024-01-05,10\nx2,p3,2024-02-05,20\nx3,p1,2024-03-05,5.5\n"
    ),
    "interactions.jsonl": (
        '{"id": "i1", "customer": "p3", "at": "2024-04-01T09:00:00Z", "channel": "email"}\n'
        '{"id": "i2", "customer": "p1", "at": "2024-05-01T09:00:00Z", "channel": "phone"}\n'
    ),
    "surveys.csv": "id,customer,at,score\ns1,p2,2024-04-02T00:00:00Z,9\ns2,p1,2024-05-02T00:00:00Z,3\n",
    "referrals.csv": "id,from,to,date\nr1,p4,p2,2021-06-01\nr2,p1,p4,2022-06-01\n",
    "deals.csv": "id,account,name,stage\nd1,o1,Engines 2025,proposal\n",
    "committee.csv": "id,person,account,deal,roles\nc1,p3,o1,,champion\nc2,p1,,d1,decision_maker\n",
}


# fmt: off
def sources() -> list[dict[str, Any]]:
    return [
        {"file": "people.csv", "entity": "person",
         "fields": {"id": "id", "given_name": "first", "surname": "last", "email": "email",
                    "phone": "phone", "country": "country",
                    "status": {"column": "status", "codes": {"A": "active", "P": "prospect"}},
                    "created_at": {"column": "since", "date": "%d/%m/%Y"},
                    "household": "household", "household_role": "hh_role",
                    "employer": "employer", "title": "title", "department": "dept",
                    "manager": "manager", "owner": "owner",
                    "source_ts": {"column": "updated", "datetime": True}}},
        {"file": "orgs.csv", "entity": "organization",
         "fields": {"id": "id", "name": "name", "domain": "domain", "country": "country"}},
        {"file": "households.csv", "entity": "household", "fields": {"id": "id", "name": "name"}},
        {"file": "employees.csv", "entity": "employee",
         "fields": {"id": "id", "name": "name", "email": "email"}},
        {"file": "orders.csv", "entity": "order",
         "fields": {"id": "id", "customer": "customer", "date": {"column": "date", "date": True},
                    "amount": {"column": "amount", "number": {}}}},
        {"file": "interactions.jsonl", "entity": "interaction",
         "fields": {"id": "id", "customer": "customer", "at": {"column": "at", "datetime": True},
                    "channel": "channel"}},
        {"file": "surveys.csv", "entity": "survey_response",
         "fields": {"id": "id", "customer": "customer", "at": {"column": "at", "datetime": True},
                    "score": "score"}},
        {"file": "referrals.csv", "entity": "referral",
         "fields": {"id": "id", "referrer": "from", "referred": "to",
                    "date": {"column": "date", "date": True}}},
        {"file": "deals.csv", "entity": "deal",
         "fields": {"id": "id", "account": "account", "name": "name", "stage": "stage"}},
        {"file": "committee.csv", "entity": "committee",
         "fields": {"id": "id", "person": "person", "account": "account", "deal": "deal",
                    "roles": {"column": "roles", "split": "|"}}},
    ]


def people_only(file: str = "people.csv") -> list[dict[str, Any]]:
    return [{"file": file, "entity": "person",
             "fields": {"id": "id", "given_name": "first", "surname": "last", "email": "email",
                        "phone": "phone"}}]
# fmt: on


def load_world(loader: Loader, people: str = PEOPLE) -> Any:
    s = loader.system
    loader.write("people.csv", people.replace("{s}", s))
    for name, text in FILES.items():
        loader.write(name, text.replace("{s}", s))
    mapping = loader.mapping(sources())
    loader.run(mapping)
    return mapping


def load_unrelated(loader: Loader, name: str) -> None:
    """Load one new, unrelated person: a load whose resolution re-clusters every party record."""
    s = loader.system
    loader.write(
        f"{name}.csv", f"id,first,last,email,phone\n{name},Zed,Quill,{name}@{s}.example,\n"
    )
    report = loader.run(loader.mapping(people_only(f"{name}.csv")))
    assert report.resolution is not None  # resolution ran


def party_of(loader: Loader) -> dict[str, tuple[str, str, float]]:
    """Each party source record of this test: `record: (party, rule, score)`, without prefixes."""
    rows = loader.query(
        "MATCH (r:SourceRecord)-[e:RESOLVES_TO]->(p:Party) WHERE r.id STARTS WITH $p "
        "AND r.kind IS NOT NULL RETURN r.id AS r, p.id AS p, e.rule AS rule, e.score AS score",
        p=f"{loader.system}:",
    )
    return {r["r"].split(":", 1)[1]: (r["p"].split(":", 1)[1], r["rule"], r["score"]) for r in rows}


def props(loader: Loader, key: str) -> dict[str, Any]:
    [row] = loader.query(
        "MATCH (p:Party {id: $id}) RETURN properties(p) AS p, labels(p) AS l",
        id=f"{loader.system}:{key}",
    )
    return {**row["p"], "labels": sorted(row["l"])}


def edges(loader: Loader, key: str) -> list[tuple[str, str, str]]:
    """A party's edges but RESOLVES_TO: (direction, type, other node's key), sorted."""
    rows = loader.query(
        "MATCH (p:Party {id: $id})-[e]-(x) WHERE type(e) <> 'RESOLVES_TO' "
        "RETURN CASE WHEN startNode(e) = p THEN 'out' ELSE 'in' END AS d, type(e) AS t, x.id AS x",
        id=f"{loader.system}:{key}",
    )
    return sorted((r["d"], r["t"], r["x"].split(":", 1)[1]) for r in rows)


def revenue(loader: Loader, key: str) -> tuple[float, int]:
    [row] = loader.query(
        "MATCH (p:Party {id: $id}) OPTIONAL MATCH (p)-[:PLACED]->(o:Order) "
        "RETURN sum(o.amount) AS revenue, count(o) AS orders",
        id=f"{loader.system}:{key}",
    )
    return row["revenue"], row["orders"]


def parties(loader: Loader) -> list[str]:
    rows = loader.query(
        "MATCH (p:Party) WHERE p.id STARTS WITH $p AND (p:Person OR p:Organization OR "
        "p:Household) RETURN p.id AS id ORDER BY id",
        p=f"{loader.system}:",
    )
    return [r["id"].split(":", 1)[1] for r in rows]


def without_rules(snapshot: dict[str, Any]) -> dict[str, Any]:
    """A snapshot with the evidence (rule, score) on RESOLVES_TO edges left out."""
    return {
        key: (labels, properties, [(t, m, [] if t == "RESOLVES_TO" else p) for t, m, p in out])
        for key, (labels, properties, out) in snapshot.items()
    }


def renamed(items: list[tuple[str, str, str]], old: str, new: str) -> list[tuple[str, str, str]]:
    return [(d, t, new if x == old else x) for d, t, x in items]


def test_merge_moves_everything_onto_the_party_of_the_smallest_record(
    loader: Loader, settings: Settings
) -> None:
    load_world(loader)
    s = loader.system
    before = party_of(loader)
    assert {r: p for r, (p, _, _) in before.items()} == {
        "p1": "p1", "p2": "p2", "p3": "p2", "p4": "p4", "o1": "o1", "h1": "h1", "e1": "e1"
    }  # fmt: skip
    assert before["p3"][1] == "exact:email"
    a, b = props(loader, "p2"), props(loader, "p1")
    a_edges, b_edges = edges(loader, "p2"), edges(loader, "p1")
    assert revenue(loader, "p2") == (30.0, 2) and revenue(loader, "p1") == (5.5, 1)

    merged = write(
        settings, lambda tx: merges.merge_parties(tx, f"{s}:p2", f"{s}:p1", decided_by="test")
    )

    assert isinstance(merged, Merge) and merged.decision_id is not None
    assert merged == Merge(
        merged.decision_id, f"{s}:p1", (f"{s}:p2", f"{s}:p1"), (f"{s}:p2", f"{s}:p3")
    )
    after = party_of(loader)
    assert {r: after[r] for r in ("p1", "p2", "p3")} == dict.fromkeys(
        ("p1", "p2", "p3"), ("p1", "manual", 1.0)
    )
    assert "p2" not in parties(loader)
    # Every edge of both parties is on the survivor, and nothing else: each of p2's now p1's.
    assert edges(loader, "p1") == sorted(b_edges + renamed(a_edges, "p2", "p1"))
    assert ("out", "PLACED", "x2") in edges(loader, "p1")  # p3's order, from the merged-in party
    assert ("in", "REPORTS_TO", "p4") in edges(loader, "p1")  # p4's manager was p2
    assert ("out", "MEMBER_OF", "h1") in edges(loader, "p1")  # p2's household
    assert ("out", "WORKS_FOR", "o1") in edges(loader, "p1")  # p1's employer
    assert revenue(loader, "p1") == (35.5, 3)
    # Reconciled: newest source record first (p1, then p2, then p3), earliest createdAt.
    survivor = props(loader, "p1")
    assert survivor["labels"] == ["Customer", "Party", "Person"]
    assert (survivor["name"], survivor["email"], survivor["status"]) == (
        "Kate Moorcroft", b["email"], "active"
    )  # fmt: skip
    assert survivor["phone"] == a["phone"] == "+442079460018"  # only p3 has one
    assert (survivor["householdRef"], survivor["householdRole"]) == (f"{s}:h1", "head")
    assert (survivor["employerRef"], survivor["title"]) == (f"{s}:o1", "CTO")
    assert survivor["createdAt"] == Date(2020, 2, 3) == a["createdAt"]
    assert survivor["sourceIds"] == [f"{s}:p1", f"{s}:p2", f"{s}:p3"]
    [decision] = loader.query(
        "MATCH (d:IdentityDecision {id: $id}) RETURN properties(d) AS d", id=merged.decision_id
    )
    assert {k: v for k, v in decision["d"].items() if k != "at"} == {
        "id": merged.decision_id,
        "kind": "same",
        "left": [f"{s}:p2", f"{s}:p3"],
        "right": [f"{s}:p1"],
        "decidedBy": "test",
    }

    # What resolution makes of the same records from scratch equals what the merge did.
    snapshot = loader.snapshot()
    resolve_from_scratch(loader)
    assert loader.snapshot() == snapshot
    # And it survives a reload of the same files and a load that re-clusters everything.
    load_world(loader)
    load_unrelated(loader, "z1")
    assert {k: v for k, v in loader.snapshot().items() if "z1" not in k} == snapshot


def test_merging_again_or_with_itself_is_a_no_op(loader: Loader, settings: Settings) -> None:
    load_world(loader)
    s = loader.system
    same = write(
        settings, lambda tx: merges.merge_parties(tx, f"{s}:p2", f"{s}:p3", decided_by="test")
    )
    assert same == Merge(None, f"{s}:p2", (f"{s}:p2", f"{s}:p2"), (), noop=True)
    first = write(
        settings, lambda tx: merges.merge_parties(tx, f"{s}:p1", f"{s}:p2", decided_by="test")
    )
    assert first is not None and not first.noop
    snapshot = loader.snapshot()
    # p2 is a party no more, but its record still finds the survivor.
    again = write(
        settings, lambda tx: merges.merge_parties(tx, f"{s}:p2", f"{s}:p1", decided_by="test")
    )
    assert again == Merge(None, f"{s}:p1", (f"{s}:p1", f"{s}:p1"), (), noop=True)
    assert loader.snapshot() == snapshot
    [count] = loader.query(
        "MATCH (d:IdentityDecision) WHERE $r IN d.left + d.right RETURN count(d) AS n",
        r=f"{s}:p1",
    )
    assert count["n"] == 1


def test_unmerge_restores_both_parties_and_outlives_the_rules(
    loader: Loader, settings: Settings
) -> None:
    load_world(loader)
    s = loader.system
    original = loader.snapshot()
    p1_edges = edges(loader, "p1")
    merged = write(
        settings, lambda tx: merges.merge_parties(tx, f"{s}:p2", f"{s}:p1", decided_by="test")
    )
    assert merged is not None and merged.decision_id is not None
    merge_id = merged.decision_id

    undone = write(settings, lambda tx: merges.unmerge(tx, merge_id, decided_by="test"))

    assert isinstance(undone, Split) and undone.decision_id is not None
    assert undone == Split(
        undone.decision_id, f"{s}:p1", f"{s}:p2", f"{s}:p1", (f"{s}:p1",), (f"{s}:p2", f"{s}:p3")
    )
    # Ids, properties, labels and every edge are back where they were; only the evidence differs:
    # p2 and p3 are now one party by decision, not by their shared e-mail.
    restored = loader.snapshot()
    assert without_rules(restored) == without_rules(original)
    rules = party_of(loader)
    assert {r: rules[r] for r in ("p1", "p2", "p3")} == {
        "p1": ("p1", "source", 1.0), "p2": ("p2", "manual", 1.0), "p3": ("p2", "manual", 1.0)
    }  # fmt: skip
    [decision] = loader.query(
        "MATCH (d:IdentityDecision {id: $id}) RETURN properties(d) AS d", id=undone.decision_id
    )
    assert (decision["d"]["kind"], decision["d"]["left"], decision["d"]["right"]) == (
        "distinct", [f"{s}:p1"], [f"{s}:p2", f"{s}:p3"]
    )  # fmt: skip
    assert decision["d"]["undoes"] == merge_id
    [merge] = loader.query("MATCH (d:IdentityDecision {id: $id}) RETURN d.at AS at", id=merge_id)
    assert decision["d"]["at"] > merge["at"]
    # Undoing it twice changes nothing.
    twice = write(settings, lambda tx: merges.unmerge(tx, merge_id, decided_by="test"))
    assert twice == Split(None, f"{s}:p1", f"{s}:p2", f"{s}:p1", (f"{s}:p1",), (), noop=True)
    assert loader.snapshot() == restored

    # Resolution from scratch agrees with the unmerge.
    resolve_from_scratch(loader)
    assert loader.snapshot() == restored

    # A corrected extract gives p1 the same name and e-mail as p2: the rules alone would link them.
    same_as_p2 = PEOPLE.replace(
        "p1,Kate,Moorcroft,kate@home.{s}", "p1,Katherine,Moorcroft,kmoorcroft@{s}"
    )
    records = [
        PartyRecord(id="p1", kind="person", given_name="Katherine", surname="Moorcroft",
                    email=f"kmoorcroft@{s}.example"),
        PartyRecord(id="p2", kind="person", given_name="Katherine", surname="Moorcroft",
                    email=f"kmoorcroft@{s}.example"),
    ]  # fmt: skip
    assert [(x.a, x.b, x.rule) for x in find_links(records)] == [("p1", "p2", "exact:email")]
    load_world(loader, same_as_p2)
    load_unrelated(loader, "z2")
    after = party_of(loader)
    assert {r: after[r][0] for r in ("p1", "p2", "p3")} == {"p1": "p1", "p2": "p2", "p3": "p2"}
    assert edges(loader, "p1") == p1_edges
    assert without_rules(
        {k: v for k, v in loader.snapshot().items() if k.endswith((":p2", ":p3", ":x1", ":x2"))}
    ) == without_rules(
        {k: v for k, v in original.items() if k.endswith((":p2", ":p3", ":x1", ":x2"))}
    )


def test_split_of_an_automatic_merge_survives_reloads(loader: Loader, settings: Settings) -> None:
    s = loader.system
    people = (
        "id,first,last,email,phone\n"
        f"u1,Ivo,Tarrant,ivo@{s}.example,\n"
        f"u2,Ivo,Tarrant,IVO@{s}.example,\n"
        f"u3,Ivo,Tarrant,ivo@{s}.example,+61 2 9999 0001\n"
    )
    orders = "id,customer,date,amount\nx1,u1,2024-01-01,1\nx2,u2,2024-01-02,2\nx3,u3,2024-01-03,4\n"
    loader.write("people.csv", people)
    loader.write("orders.csv", orders)
    orders_source = next(x for x in sources() if x["entity"] == "order")
    mapping = loader.mapping([*people_only(), orders_source])
    loader.run(mapping)
    assert {r: p for r, (p, _, _) in party_of(loader).items()} == dict.fromkeys(
        ("u1", "u2", "u3"), "u1"
    )
    assert revenue(loader, "u1") == (7.0, 3)

    # Split the smallest record off: it keeps its party id, the others move to the next smallest.
    split = write(
        settings, lambda tx: merges.split_party(tx, f"{s}:u1", [f"{s}:u1"], decided_by="test")
    )

    assert isinstance(split, Split) and split.decision_id is not None
    assert split == Split(
        split.decision_id, f"{s}:u1", f"{s}:u2", f"{s}:u1", (f"{s}:u1",), (f"{s}:u2", f"{s}:u3")
    )
    expected = {
        "u1": ("u1", "source", 1.0),
        "u2": ("u2", "manual", 1.0),
        "u3": ("u2", "manual", 1.0),
    }
    assert party_of(loader) == expected
    assert parties(loader) == ["u1", "u2"]
    assert (revenue(loader, "u1"), revenue(loader, "u2")) == ((1.0, 1), (6.0, 2))
    assert (props(loader, "u1")["sourceIds"], props(loader, "u2")["sourceIds"]) == (
        [f"{s}:u1"], [f"{s}:u2", f"{s}:u3"]
    )  # fmt: skip
    assert (props(loader, "u1").get("phone"), props(loader, "u2")["phone"]) == (
        None,
        "+61299990001",
    )
    snapshot = loader.snapshot()

    resolve_from_scratch(loader)
    assert loader.snapshot() == snapshot
    loader.run(mapping)
    load_unrelated(loader, "z3")
    assert {k: v for k, v in loader.snapshot().items() if "z3" not in k} == snapshot

    # A second split of the remaining two: each its own party, u3's order goes with it.
    second = write(
        settings, lambda tx: merges.split_party(tx, f"{s}:u2", [f"{s}:u3"], decided_by="test")
    )
    assert second is not None and second.moved_records == (f"{s}:u3",)
    assert {r: p for r, (p, _, _) in party_of(loader).items() if r[0] == "u"} == {
        "u1": "u1", "u2": "u2", "u3": "u3"
    }  # fmt: skip
    assert (revenue(loader, "u2"), revenue(loader, "u3")) == ((2.0, 1), (4.0, 1))
    load_unrelated(loader, "z4")
    assert {r: p for r, (p, _, _) in party_of(loader).items() if r[0] == "u"} == {
        "u1": "u1", "u2": "u2", "u3": "u3"
    }  # fmt: skip


def test_a_distinct_decision_holds_against_links_through_a_third_record(
    loader: Loader, settings: Settings
) -> None:
    s = loader.system
    header = "id,first,last,email,phone\n"
    # The exact rules score a shared identifier by its agreement weight, in bits.
    email_bits, phone_bits = (
        round(MatchConfig().email.exact, 3),
        round(MatchConfig().phone.exact, 3),
    )
    loader.write(
        "people.csv",
        header
        + f"w1,Ola,Nyberg,ola@{s}.example,+46 8 555 0101\n"
        + f"w2,Ola,Nyberg,o.nyberg@{s}.example,+46 8 555 0101\n",
    )
    mapping = loader.mapping(people_only())
    loader.run(mapping)
    assert party_of(loader) == {
        "w1": ("w1", "source", 1.0),
        "w2": ("w1", "exact:phone", phone_bits),
    }
    split = write(
        settings, lambda tx: merges.split_party(tx, f"{s}:w1", [f"{s}:w2"], decided_by="test")
    )
    assert split is not None and split.new_party_id == f"{s}:w2"

    # w3 has w2's e-mail and the phone of both: the rules link it to w1 and to w2, which would
    # make them one party again through w3. The decision keeps them apart; w3 goes with its
    # strongest link (the e-mail).
    w1, w3 = (
        PartyRecord(id=i, kind="person", given_name="Ola", surname="Nyberg", email=e,
                    phone="+4685550101")
        for i, e in (("w1", f"ola@{s}.example"), ("w3", f"o.nyberg@{s}.example"))
    )  # fmt: skip
    assert [(x.a, x.b, x.rule) for x in find_links([w1, w3])] == [("w1", "w3", "exact:phone")]
    loader.write("people.csv", header + f"w3,Ola,Nyberg,o.nyberg@{s}.example,+46 8 555 0101\n")
    loader.run(mapping)
    assert party_of(loader) == {
        "w1": ("w1", "source", 1.0), "w2": ("w2", "source", 1.0), "w3": ("w2", "exact:email", email_bits)
    }  # fmt: skip


def test_unknown_ids_mismatched_kinds_and_foreign_records_are_refused(
    loader: Loader, settings: Settings
) -> None:
    load_world(loader)
    s = loader.system
    snapshot = loader.snapshot()

    def merge(a: str, b: str) -> Merge | None:
        return write(settings, lambda tx: merges.merge_parties(tx, a, b, decided_by="test"))

    def split(party: str, ids: list[str]) -> Split | None:
        return write(settings, lambda tx: merges.split_party(tx, party, ids, decided_by="test"))

    assert merge(f"{s}:p1", f"{s}:nobody") is None
    assert merge(f"{s}:nobody", f"{s}:p1") is None
    assert merge(f"{s}:p1", f"{s}:x1") is None  # an order, not a party
    assert split(f"{s}:nobody", [f"{s}:p1"]) is None
    assert write(settings, lambda tx: merges.unmerge(tx, "no-such-merge", decided_by="t")) is None
    with pytest.raises(IdentityError, match=r"different kinds \(person and organization\)"):
        merge(f"{s}:p1", f"{s}:o1")
    with pytest.raises(IdentityError, match=f"not source records of party {s}:p2: {s}:p1"):
        split(f"{s}:p2", [f"{s}:p1"])
    with pytest.raises(IdentityError, match="some, not all"):
        split(f"{s}:p2", [f"{s}:p2", f"{s}:p3"])
    with pytest.raises(IdentityError, match="some, not all"):
        split(f"{s}:p2", [])
    # An unmerge takes a merge's id; a split's decision is not one.
    done = split(f"{s}:p2", [f"{s}:p3"])
    assert done is not None and done.decision_id is not None
    split_id = done.decision_id
    assert write(settings, lambda tx: merges.unmerge(tx, split_id, decided_by="t")) is None
    changed = loader.snapshot()
    assert changed != snapshot  # only the split changed anything
    assert {k for k in changed if changed[k] != snapshot.get(k)} == {
        f"SourceRecord:{s}:p3", f"Node:{s}:p2", f"Node:{s}:p3"
    }  # fmt: skip


def test_a_later_decision_overrides_an_earlier_one_pair_by_pair() -> None:
    def at(minute: int) -> dt.datetime:
        return dt.datetime(2025, 1, 1, 0, minute, tzinfo=dt.UTC)

    merge = Decision("m", "same", ("a", "b"), ("c",), at(1))
    split = Decision("s", "distinct", ("c",), ("a", "b"), at(2))
    assert merges.verdicts([split, merge]) == merges.Verdicts(
        same=(("a", "b"),), apart=frozenset({("a", "c"), ("b", "c")})
    )
    again = Decision("m2", "same", ("c",), ("b",), at(3))
    assert merges.verdicts([again, split, merge]) == merges.Verdicts(
        same=(("b", "c"), ("a", "b")), apart=frozenset({("a", "c")})
    )
