"""Loading a small but complete data set: every entity and relationship type, reloads, updates, order."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import orjson
from neo4j.time import Date, DateTime

from tests.loaders.conftest import Loader

FILES = {
    "people.csv": (
        "id,first,last,email,phone,country,status,since,household,hh_role,employer,title,dept,manager,owner,cust,updated\n"
        "p1,Ada,Lovelace,ADA@Example.com,+44 20 7946 0018,GB,A,03/02/2020,h1,head,o1,CTO,Tech,p2,e1,no,2024-01-01T10:00:00\n"
        "p2,Grace,Hopper,grace@example.com,,US,A,,,,o1,CEO,Board,,,no,\n"
        "p3,Alan,Turing,alan@example.org,(202) 555-0143,US,P,15/06/2021,h1,member,,,,,e1,yes,\n"
    ),
    "orgs.csv": (
        "id,name,domain,country,parent\no1,Analytical Engines Ltd,engines.example,GB,o2\no2,Babbage Holdings,,GB,\n"
    ),
    "households.csv": "id,name\nh1,Lovelace-Turing household\n",
    "brokers.jsonl.gz": '{"id": "b1", "name": "Bright Brokers", "type": "distributor"}\n',
    "employees.csv": "id,name,email,title\ne1,Emma Rep,emma@ourco.example,Account executive\n",
    "products.csv": "sku;name;category;price\npr1;Engine;Hardware;1.234,50\npr2;Manual;Books;19,99\n",
    "orders.csv": "id,customer,date,amount,qty\nord1,p3,2022-03-01,1254.49,3\nord2,o1,2022-04-02,99.5,1\n",
    "lines.csv": "id,order,product,no,qty,amount\nl1,ord1,pr1,1,1,1234.50\nl2,ord1,pr2,2,2,19.99\n",
    "interactions.jsonl": (
        '{"id": "i1", "customer": "p3", "at": "2023-05-01T09:30:00Z", "channel": "email", '
        '"direction": "outbound", "type": "offer", "outcome": "opened", "sentiment": 0.5, '
        '"product": "pr1", "employee": "e1"}\n'
        '{"id": "i2", "customer": "p1", "at": "2023-06-01T12:00:00Z", "channel": "meeting"}\n'
    ),
    "surveys.csv": "id,customer,at,score,comment\ns1,p3,2023-07-01T00:00:00Z,9,great\n",
    "referrals.csv": "id,from,to,date,channel,incentive\nr1,b1,p3,2021-06-01,partner,50\nr2,p3,p1,2021-09-01,word of mouth,\n",
    "committee.csv": "id,person,account,deal,roles,influence,primary\nc1,p1,o1,,champion|user,0.7,true\nc2,p2,,d1,decision_maker,0.9,false\n",
    "deals.csv": "id,account,name,stage,amount,opened\nd1,o1,Engines 2024,proposal,50000,2024-01-15\n",
    "knows.csv": "id,employee,person,strength,since\nk1,e1,p2,0.8,2019-05-05\n",
}


# fmt: off
def sources() -> list[dict[str, Any]]:
    return [
        {
            "file": "people.csv",
            "entity": "person",
            "fields": {
                "id": "id", "given_name": "first", "surname": "last", "email": "email",
                "phone": "phone", "country": "country",
                "status": {"column": "status", "codes": {"A": "active", "P": "prospect", "F": "former"}},
                "created_at": {"column": "since", "date": "%d/%m/%Y"},
                "household": "household", "household_role": "hh_role", "employer": "employer",
                "title": "title", "department": "dept", "manager": "manager", "owner": "owner",
                "is_customer": {"column": "cust", "codes": {"yes": True, "no": False}},
                "source_ts": {"column": "updated", "datetime": True},
            },
        },
        {"file": "orgs.csv", "entity": "organization",
         "fields": {"id": "id", "name": "name", "domain": "domain", "country": "country", "parent": "parent"}},
        {"file": "households.csv", "entity": "household", "fields": {"id": "id", "name": "name"}},
        {"file": "brokers.jsonl.gz", "entity": "broker",
         "fields": {"id": "id", "name": "name", "partner_type": "type"}},
        {"file": "employees.csv", "entity": "employee",
         "fields": {"id": "id", "name": "name", "email": "email", "title": "title"}},
        {"file": "products.csv", "entity": "product", "delimiter": ";",
         "fields": {"id": "sku", "name": "name", "category": "category",
                    "price": {"column": "price", "number": {"decimal": ",", "thousands": "."}},
                    "currency": {"const": "EUR"}}},
        {"file": "orders.csv", "entity": "order",
         "fields": {"id": "id", "customer": "customer", "date": {"column": "date", "date": True},
                    "amount": {"column": "amount", "number": {}}, "quantity": "qty"}},
        {"file": "lines.csv", "entity": "order_line",
         "fields": {"id": "id", "order": "order", "product": "product", "line_no": "no",
                    "quantity": "qty", "amount": {"column": "amount", "number": {}}}},
        {"file": "interactions.jsonl", "entity": "interaction",
         "fields": {"id": "id", "customer": "customer", "at": {"column": "at", "datetime": True},
                    "channel": "channel", "direction": "direction", "type": "type",
                    "outcome": "outcome", "sentiment": "sentiment", "product": "product",
                    "employee": "employee"}},
        {"file": "surveys.csv", "entity": "survey_response",
         "fields": {"id": "id", "customer": "customer", "at": {"column": "at", "datetime": True},
                    "score": "score", "comment": "comment"}},
        {"file": "referrals.csv", "entity": "referral",
         "fields": {"id": "id", "referrer": "from", "referred": "to",
                    "date": {"column": "date", "date": True}, "channel": "channel",
                    "incentive": "incentive", "currency": {"const": "USD"}}},
        {"file": "committee.csv", "entity": "committee",
         "fields": {"id": "id", "person": "person", "account": "account", "deal": "deal",
                    "roles": {"column": "roles", "split": "|"}, "influence": "influence",
                    "primary": "primary"}},
        {"file": "deals.csv", "entity": "deal",
         "fields": {"id": "id", "account": "account", "name": "name", "stage": "stage",
                    "amount": "amount", "opened_at": {"column": "opened", "date": True}}},
        {"file": "knows.csv", "entity": "knows",
         "fields": {"id": "id", "employee": "employee", "person": "person", "strength": "strength",
                    "since": {"column": "since", "date": True}}},
    ]
# fmt: on


def write_all(loader: Loader, overrides: dict[str, str] | None = None) -> None:
    for name, text in (FILES | (overrides or {})).items():
        loader.write(name, text)


def edges(loader: Loader, rel: str) -> list[dict[str, Any]]:
    return loader.query(
        f"MATCH (a)-[r:{rel}]->(b) WHERE a.id STARTS WITH $p OR b.id STARTS WITH $p "
        "RETURN a.id AS a, b.id AS b, properties(r) AS props ORDER BY a, b",
        p=f"{loader.system}:",
    )


def test_every_entity_and_relationship_round_trips(loader: Loader) -> None:
    write_all(loader)
    rejects = loader.folder / "rejects.jsonl"
    report = loader.run(loader.mapping(sources()), rejects=rejects)
    assert rejects.read_text() == ""
    s = loader.system

    assert [(r.entity, r.read, r.created, r.rejected) for r in report.sources] == [
        ("person", 3, 3, 0), ("organization", 2, 2, 0), ("household", 1, 1, 0),
        ("broker", 1, 1, 0), ("employee", 1, 1, 0), ("product", 2, 2, 0), ("order", 2, 2, 0),
        ("order_line", 2, 2, 0), ("interaction", 2, 2, 0), ("survey_response", 1, 1, 0),
        ("referral", 2, 2, 0), ("committee", 2, 2, 0), ("deal", 1, 1, 0), ("knows", 1, 1, 0),
    ]  # fmt: skip

    [p1] = loader.query(
        "MATCH (p:Party {id: $id}) RETURN p {.*, labels: labels(p)} AS p", id=f"{s}:p1"
    )
    p1 = p1["p"]
    assert sorted(p1["labels"]) == ["Party", "Person"]  # a contact, not a customer
    assert (p1["name"], p1["email"], p1["phone"]) == (
        "Ada Lovelace",
        "ada@example.com",
        "+442079460018",
    )
    assert (p1["status"], p1["createdAt"], p1["kind"]) == ("active", Date(2020, 2, 3), "person")
    assert (p1["sources"], p1["sourceIds"]) == ([s], [f"{s}:p1"])
    [p3] = loader.query(
        "MATCH (p:Party {id: $id}) RETURN labels(p) AS l, p.phone AS phone", id=f"{s}:p3"
    )
    assert (sorted(p3["l"]), p3["phone"]) == (["Customer", "Party", "Person"], "+12025550143")
    [b1] = loader.query(
        "MATCH (p:Broker) WHERE p.id = $id RETURN labels(p) AS l, p.partnerType AS t", id=f"{s}:b1"
    )
    assert (sorted(b1["l"]), b1["t"]) == (["Broker", "Organization", "Party"], "distributor")
    [e1] = loader.query("MATCH (p:Employee {id: $id}) RETURN labels(p) AS l", id=f"{s}:e1")
    assert sorted(e1["l"]) == ["Employee", "Party", "Person"]

    def pairs(rel: str) -> list[tuple[str, str, dict[str, Any]]]:
        return [
            (
                e["a"].removeprefix(f"{s}:"),
                e["b"].removeprefix(f"{s}:"),
                {k: v for k, v in e["props"].items() if k != "src"},
            )
            for e in edges(loader, rel)
        ]

    assert pairs("MEMBER_OF") == [("p1", "h1", {"role": "head"}), ("p3", "h1", {"role": "member"})]
    assert pairs("WORKS_FOR") == [
        ("p1", "o1", {"title": "CTO", "department": "Tech"}),
        ("p2", "o1", {"title": "CEO", "department": "Board"}),
    ]
    assert pairs("REPORTS_TO") == [("p1", "p2", {})]
    assert pairs("SUBSIDIARY_OF") == [("o1", "o2", {})]
    assert pairs("OWNS_ACCOUNT") == [("e1", "p1", {}), ("e1", "p3", {})]
    assert pairs("PLACED") == [("o1", "ord2", {}), ("p3", "ord1", {})]
    assert pairs("HAS_LINE") == [("ord1", "l1", {}), ("ord1", "l2", {})]
    assert pairs("OF_PRODUCT") == [("l1", "pr1", {}), ("l2", "pr2", {})]
    assert pairs("HAD") == [("p1", "i2", {}), ("p3", "i1", {})]
    assert pairs("HANDLED_BY") == [("i1", "e1", {})]
    assert pairs("ABOUT") == [("i1", "pr1", {})]
    assert pairs("RESPONDED") == [("p3", "s1", {})]
    assert pairs("REFERRED") == [
        (
            "b1",
            "p3",
            {"date": Date(2021, 6, 1), "channel": "partner", "incentive": 50.0, "currency": "USD"},
        ),
        ("p3", "p1", {"date": Date(2021, 9, 1), "channel": "word of mouth", "currency": "USD"}),
    ]
    assert pairs("ON_COMMITTEE") == [
        ("p1", "o1", {"roles": ["champion", "user"], "influence": 0.7, "primary": True}),
        ("p2", "d1", {"roles": ["decision_maker"], "influence": 0.9, "primary": False}),
    ]
    assert pairs("FOR_ACCOUNT") == [("d1", "o1", {})]
    assert pairs("KNOWS") == [("e1", "p2", {"strength": 0.8, "since": Date(2019, 5, 5)})]

    [pr1] = loader.query("MATCH (p:Product {id: $id}) RETURN p {.*} AS p", id=f"{s}:pr1")
    assert {k: pr1["p"][k] for k in ("name", "category", "price", "currency")} == {
        "name": "Engine", "category": "Hardware", "price": 1234.5, "currency": "EUR"
    }  # fmt: skip
    [i1] = loader.query("MATCH (i:Interaction {id: $id}) RETURN i {.*} AS i", id=f"{s}:i1")
    assert i1["i"]["at"] == DateTime(2023, 5, 1, 9, 30, 0, tzinfo=dt.UTC)
    assert (i1["i"]["channel"], i1["i"]["direction"], i1["i"]["sentiment"]) == (
        "email",
        "outbound",
        0.5,
    )
    [order] = loader.query("MATCH (o:Order {id: $id}) RETURN o {.*} AS o", id=f"{s}:ord1")
    assert (order["o"]["date"], order["o"]["amount"], order["o"]["quantity"]) == (
        Date(2022, 3, 1),
        1254.49,
        3,
    )
    [source] = loader.query(
        "MATCH (r:SourceRecord {id: $id})-[e:RESOLVES_TO]->(p) RETURN r {.*} AS r, e.rule AS rule, p.id AS p",
        id=f"{s}:p1",
    )
    assert (source["r"]["system"], source["r"]["recordId"], source["rule"], source["p"]) == (
        s,
        "p1",
        "source",
        f"{s}:p1",
    )
    assert orjson.loads(source["r"]["data"])["email"] == "ada@example.com"


def test_second_load_changes_nothing(loader: Loader) -> None:
    write_all(loader)
    mapping = loader.mapping(sources())
    loader.run(mapping)
    before = loader.snapshot()
    again = loader.run(mapping)
    assert loader.snapshot() == before
    assert all(r.created == r.updated == 0 and r.unchanged == r.read for r in again.sources)
    assert again.resolution is None  # no party record changed, so identities were not recomputed


def test_updated_extract_changes_exactly_what_changed(loader: Loader) -> None:
    write_all(loader)
    mapping = loader.mapping(sources())
    loader.run(mapping)
    before = loader.snapshot()
    write_all(
        loader,
        {
            "people.csv": FILES["people.csv"].replace(
                "alan@example.org", "alan.turing@example.org"
            ),
            "orders.csv": FILES["orders.csv"].replace("99.5,1", "120.0,2"),
        },
    )
    report = loader.run(mapping)
    changed = {r.entity: (r.created, r.updated, r.unchanged) for r in report.sources if r.updated}
    assert changed == {"person": (0, 1, 2), "order": (0, 1, 1)}
    after = loader.snapshot()
    differing = {k for k in before if before[k] != after[k]}
    s = loader.system
    assert differing == {f"Node:{s}:p3", f"SourceRecord:{s}:p3", f"Node:{s}:ord2"}
    [p3] = loader.query("MATCH (p:Party {id: $id}) RETURN p.email AS e", id=f"{s}:p3")
    assert p3["e"] == "alan.turing@example.org"
    [o] = loader.query(
        "MATCH (o:Order {id: $id}) RETURN o.amount AS a, o.quantity AS q", id=f"{s}:ord2"
    )
    assert (o["a"], o["q"]) == (120.0, 2)


def test_load_order_does_not_matter(loader: Loader) -> None:
    write_all(loader)
    forward = loader.mapping(sources())
    loader.run(forward)
    expected = loader.snapshot()
    loader.cleanup()
    backward = loader.mapping(list(reversed(sources())))
    loader.run(backward, batch_size=1)
    assert loader.snapshot() == expected


def test_older_source_timestamp_does_not_overwrite(loader: Loader) -> None:
    write_all(loader)
    mapping = loader.mapping(sources())
    loader.run(mapping)
    stale = (
        FILES["people.csv"]
        .replace("ADA@Example.com", "old@example.com")
        .replace("2024-01-01T10:00:00", "2023-01-01T10:00:00")
    )
    write_all(loader, {"people.csv": stale})
    report = loader.run(mapping)
    assert (report.sources[0].updated, report.sources[0].unchanged) == (0, 3)
    [p1] = loader.query("MATCH (p:Party {id: $id}) RETURN p.email AS e", id=f"{loader.system}:p1")
    assert p1["e"] == "ada@example.com"


def test_rows_read_equal_loaded_plus_rejected(loader: Loader, tmp_path: Path) -> None:
    write_all(loader)
    report = loader.run(loader.mapping(sources()), rejects=tmp_path / "rejects.jsonl")
    assert all(r.read == r.loaded + r.rejected for r in report.sources)
    assert report.read == sum(
        len(t.strip().splitlines()) - (0 if n.endswith(("jsonl", "jsonl.gz")) else 1)
        for n, t in FILES.items()
    )


def test_a_merge_is_undone_when_the_evidence_goes(loader: Loader) -> None:
    people = "id,first,last,email\na1,Ann,Lee,ann.lee@example.com\na2,Ann,Lee,ANN.LEE@example.com\n"
    orders = "id,customer,date,amount\nx1,a1,2024-01-01,10\nx2,a2,2024-02-01,20\n"
    sources: list[dict[str, Any]] = [
        {"file": "people.csv", "entity": "person",
         "fields": {"id": "id", "given_name": "first", "surname": "last", "email": "email"}},
        {"file": "orders.csv", "entity": "order",
         "fields": {"id": "id", "customer": "customer", "date": {"column": "date", "date": True},
                    "amount": "amount"}},
    ]  # fmt: skip
    loader.write("people.csv", people)
    loader.write("orders.csv", orders)
    mapping = loader.mapping(sources)
    loader.run(mapping)
    s = loader.system
    placed = (
        "MATCH (p:Party)-[:PLACED]->(o:Order) WHERE o.id STARTS WITH $p "
        "RETURN o.id AS order, p.id AS party ORDER BY order"
    )
    rules = (
        "MATCH (r:SourceRecord)-[e:RESOLVES_TO]->(p) WHERE r.id STARTS WITH $p "
        "RETURN r.id AS record, p.id AS party, e.rule AS rule ORDER BY record"
    )
    assert loader.query(placed, p=f"{s}:") == [
        {"order": f"{s}:x1", "party": f"{s}:a1"}, {"order": f"{s}:x2", "party": f"{s}:a1"}
    ]  # fmt: skip
    assert loader.query(rules, p=f"{s}:") == [
        {"record": f"{s}:a1", "party": f"{s}:a1", "rule": "source"},
        {"record": f"{s}:a2", "party": f"{s}:a1", "rule": "exact:email"},
    ]
    # A corrected extract: a2 is somebody else. The merge is undone and a2's order goes with it.
    loader.write("people.csv", people.replace("a2,Ann,Lee,ANN.LEE", "a2,Bob,Stone,bob.stone"))
    loader.run(mapping)
    assert loader.query(placed, p=f"{s}:") == [
        {"order": f"{s}:x1", "party": f"{s}:a1"}, {"order": f"{s}:x2", "party": f"{s}:a2"}
    ]  # fmt: skip
    assert loader.query(rules, p=f"{s}:") == [
        {"record": f"{s}:a1", "party": f"{s}:a1", "rule": "source"},
        {"record": f"{s}:a2", "party": f"{s}:a2", "rule": "source"},
    ]
    names = loader.query(
        "MATCH (p:Party) WHERE p.id STARTS WITH $p RETURN p.id AS id, p.name AS name, "
        "p.sourceIds AS ids ORDER BY id",
        p=f"{s}:",
    )
    assert names == [
        {"id": f"{s}:a1", "name": "Ann Lee", "ids": [f"{s}:a1"]},
        {"id": f"{s}:a2", "name": "Bob Stone", "ids": [f"{s}:a2"]},
    ]
