"""Erasure on request: personal data leaves the whole graph, facts and KPIs stay, nothing comes back.

Each test loads a small multi-system data set through the loader under its own systems (`<s>` and
`<s>x`, a second system holding another record of the same person), then erases that person the way
the mutation will: `erase_party` in a managed write transaction of the async driver.
"""

from __future__ import annotations

import datetime as dt
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import orjson
import pytest
from neo4j import AsyncDriver, Driver

from graph.config import Settings
from graph.driver import run_with
from graph.identity.erase import Erasure, erase_party
from graph.ingest import normalize
from graph.metrics.compute import Options, compute
from graph.metrics.kpis import GroupBy, Kpis, portfolio
from graph.money import Amount
from tests.loaders.conftest import Loader

START, END = dt.date(2024, 1, 1), dt.date(2024, 12, 31)
FILLERS = 12  # customers with repeat orders, so that BG/NBD and Gamma-Gamma are fitted (>= 10)


def _filler_orders() -> list[tuple[str, str, dt.date, float]]:
    """(order key, customer key, date, amount): a few irregular orders per filler customer."""
    found: list[tuple[str, str, dt.date, float]] = []
    for i in range(FILLERS):
        rng = random.Random(i)
        days = sorted(rng.sample(range(0, 700), 1 + rng.randrange(8)))
        for n, day in enumerate(days):
            amount = round(rng.uniform(5, 200), 2)
            found.append((f"f{i}-{n}", f"f{i}", dt.date(2023, 1, 5) + dt.timedelta(day), amount))
    return found


def _phone(rng: random.Random) -> tuple[str, str, str]:
    """A valid, random San Francisco number: (E.164, "(415) 2xx-xxxx", "415.2xx.xxxx")."""
    exchange, line = rng.randrange(200, 990), rng.randrange(0, 10000)
    if exchange % 100 == 11:
        exchange += 1
    e164 = f"+1415{exchange:03d}{line:04d}"
    assert normalize.phone(e164, "US") == e164
    return e164, f"(415) {exchange:03d}-{line:04d}", f"415.{exchange:03d}.{line:04d}"


@dataclass(frozen=True)
class Person:
    key: str  # record id in its file
    given: str
    surname: str
    email: str
    phone: tuple[str, str, str]  # E.164 and two raw spellings

    @property
    def full(self) -> str:
        return f"{self.given} {self.surname}"


@dataclass
class World:
    loader: Loader
    s: str  # main system
    x: str  # second system: another record of the erased person
    ada: Person  # erased
    bob: Person  # keeps everything
    org: str

    def id(self, key: str) -> str:
        return f"{self.s}:{key}"

    @property
    def settings(self) -> Settings:
        return self.loader.settings

    def query(self, cypher: str, **params: Any) -> list[dict[str, Any]]:
        return self.loader.query(cypher, **params)


def _world(loader: Loader) -> World:
    tag = uuid.uuid4().hex[:8]
    rng = random.Random(tag)
    ada = Person("p1", f"Adelheid{tag}", "Quennell", f"adelheid.{tag}@example.com", _phone(rng))
    bob = Person("p2", f"Bartholomew{tag}", "Okonkwo", f"bart.{tag}@example.org", _phone(rng))
    return World(loader, loader.system, f"{loader.system}x", ada, bob, f"Frobisher{tag} Analytics")


# fmt: off
def _files(w: World) -> dict[str, str]:
    a, b = w.ada, w.bob
    people = [
        "id,first,last,email,phone,country,status,segment,since,household,hh_role,employer,title,"
        "dept,owner,dob,street,city,postcode,natid,ext",
        f"p1,{a.given},{a.surname},{a.email.upper()},{a.phone[1]},US,A,gold,03/02/2020,h1,head,o1,"
        "CFO,Finance,e1,1980-04-05,12 Harbour St,Springfield,94110,AB-123-456,crm-77|erp-9",
        f"p2,{b.given},{b.surname},{b.email},{b.phone[1]},US,A,silver,15/06/2021,h1,member,o1,"
        "Analyst,Finance,,1990-01-02,9 Elm Rd,Springfield,94111,,",
    ]
    people += [
        f"f{i},Filler{i},Person{w.s},filler{i}.{w.s}@example.net,,US,A,{'gold' if i % 2 else 'bronze'},"
        "01/01/2022,,,,,,,,,,,,"
        for i in range(FILLERS)
    ]
    orders = ["id,customer,date,amount"]
    orders += ["ord1,p1,2023-03-01,120.00", "ord2,p1,2024-02-10,80.50", "ord3,p2,2024-05-05,40.00",
               "ord4,o1,2024-06-01,990.00"]
    orders += [f"{key},{who},{day.isoformat()},{amount:.2f}" for key, who, day, amount in _filler_orders()]
    return {
        "people.csv": "\n".join(people) + "\n",
        "shop.csv": f"id,name,email,phone,country\nc1,{a.full},{a.email},{a.phone[2]},US\n",
        "orgs.csv": f"id,name,domain,country,industry,size\no1,{w.org} Ltd,frob{w.s}.example,US,Software,40\n",
        "households.csv": f"id,name\nh1,{a.surname}-{b.surname} household\n",
        "brokers.csv": "id,name\nb1,Bright Brokers\n",
        "employees.csv": "id,name,email,title\ne1,Emma Rep,emma@ourco.example,Account executive\n",
        "products.csv": "id,name,price\npr1,Engine,99.5\n",
        "orders.csv": "\n".join(orders) + "\n",
        "shop_orders.csv": "id,customer,date,amount\nso1,c1,2024-08-08,55.00\n",
        "lines.csv": "id,order,product,qty,amount\nl1,ord1,pr1,1,120.00\nl2,ord2,pr1,1,80.50\n",
        "interactions.jsonl": (
            '{"id": "i1", "customer": "p1", "at": "2024-05-01T09:30:00Z", "channel": "email", '
            '"type": "offer", "outcome": "opened", "employee": "e1", "product": "pr1"}\n'
            f'{{"id": "i2", "customer": "p2", "at": "2024-06-01T12:00:00Z", "channel": "phone", '
            f'"type": "call", "outcome": "forwarded to {a.email}"}}\n'
        ),
        "surveys.csv": (
            "id,customer,at,score,comment\n"
            f"s1,p1,2024-07-01T00:00:00Z,9,great - write me at {a.email}\n"
            f"s2,p2,2024-07-02T00:00:00Z,3,{a.given.upper()} {a.surname} said call her on {a.phone[1]}\n"
            "s3,f1,2024-07-03T00:00:00Z,10,\n"
        ),
        "referrals.csv": (
            "id,from,to,date,channel\n"
            "r1,p2,p1,2021-09-01,word of mouth\nr2,b1,p2,2021-06-01,partner\n"
            f"r3,b1,f1,2022-01-01,via {a.surname} {a.given}\n"
        ),
        "committee.csv": "id,person,account,roles\nc1,p1,o1,champion\n",
        "deals.csv": f"id,account,name\nd1,o1,Renewal for {a.full}\nd2,o1,Platform 2025\n",
        "knows.csv": "id,employee,person,strength\nk1,e1,p1,0.8\n",
    }


def _sources(w: World) -> list[dict[str, Any]]:
    person = {
        "id": "id", "given_name": "first", "surname": "last", "email": "email", "phone": "phone",
        "country": "country", "status": {"column": "status", "codes": {"A": "active"}},
        "segment": "segment", "created_at": {"column": "since", "date": "%d/%m/%Y"},
        "household": "household", "household_role": "hh_role", "employer": "employer",
        "title": "title", "department": "dept", "owner": "owner",
        "date_of_birth": {"column": "dob", "date": True}, "street": "street", "locality": "city",
        "postcode": "postcode", "national_id": "natid", "external_ids": {"column": "ext", "split": "|"},
    }
    orders = {"id": "id", "customer": "customer", "date": {"column": "date", "date": True},
              "amount": {"column": "amount", "number": {}}}
    return [
        {"file": "people.csv", "entity": "person", "fields": person},
        {"file": "shop.csv", "entity": "person", "system": w.x,
         "fields": {"id": "id", "name": "name", "email": "email", "phone": "phone", "country": "country"}},
        {"file": "orgs.csv", "entity": "organization",
         "fields": {"id": "id", "name": "name", "domain": "domain", "country": "country",
                    "industry": "industry", "size": "size"}},
        {"file": "households.csv", "entity": "household", "fields": {"id": "id", "name": "name"}},
        {"file": "brokers.csv", "entity": "broker", "fields": {"id": "id", "name": "name"}},
        {"file": "employees.csv", "entity": "employee",
         "fields": {"id": "id", "name": "name", "email": "email", "title": "title"}},
        {"file": "products.csv", "entity": "product",
         "fields": {"id": "id", "name": "name", "price": {"column": "price", "number": {}}}},
        {"file": "orders.csv", "entity": "order", "fields": orders},
        {"file": "shop_orders.csv", "entity": "order", "system": w.x, "fields": orders},
        {"file": "lines.csv", "entity": "order_line",
         "fields": {"id": "id", "order": "order", "product": "product", "quantity": "qty",
                    "amount": {"column": "amount", "number": {}}}},
        {"file": "interactions.jsonl", "entity": "interaction",
         "fields": {"id": "id", "customer": "customer", "at": {"column": "at", "datetime": True},
                    "channel": "channel", "type": "type", "outcome": "outcome",
                    "employee": "employee", "product": "product"}},
        {"file": "surveys.csv", "entity": "survey_response",
         "fields": {"id": "id", "customer": "customer", "at": {"column": "at", "datetime": True},
                    "score": "score", "comment": "comment"}},
        {"file": "referrals.csv", "entity": "referral",
         "fields": {"id": "id", "referrer": "from", "referred": "to",
                    "date": {"column": "date", "date": True}, "channel": "channel"}},
        {"file": "committee.csv", "entity": "committee",
         "fields": {"id": "id", "person": "person", "account": "account",
                    "roles": {"column": "roles", "split": "|"}}},
        {"file": "deals.csv", "entity": "deal", "fields": {"id": "id", "account": "account", "name": "name"}},
        {"file": "knows.csv", "entity": "knows",
         "fields": {"id": "id", "employee": "employee", "person": "person", "strength": "strength"}},
    ]
# fmt: on


@pytest.fixture
def world(settings: Settings, driver: Driver, tmp_path: Path) -> Iterator[World]:
    """The data set loaded under fresh systems; everything they made is deleted afterwards."""
    found = _world(Loader(f"t{uuid.uuid4().hex[:10]}", tmp_path, settings, driver))

    def cleanup() -> None:
        found.query(
            "MATCH (n) WHERE n.id STARTS WITH $s OR n:ValueModel AND n.scope STARTS WITH $s "
            "DETACH DELETE n",
            s=found.s,
        )

    cleanup()
    for name, text in _files(found).items():
        found.loader.write(name, text)
    report = found.loader.run(found.loader.mapping(_sources(found)))
    assert report.rejected == 0
    yield found
    cleanup()


def erase(settings: Settings, party_id: str) -> Erasure | None:
    """Erase as the mutation does: in a managed write transaction of the async driver."""

    async def work(driver: AsyncDriver) -> Erasure | None:
        async with driver.session(database=settings.neo4j_database) as session:
            found: Erasure | None = await session.execute_write(
                lambda tx: erase_party(tx, party_id)
            )
            return found

    found: Erasure | None = run_with(settings, work)
    return found


def kpis(w: World) -> dict[GroupBy, list[Kpis]]:
    """Portfolio KPIs of this world's customers, whole and by segment and broker (scanned, so
    `as_of` is the time of the call and left out)."""

    async def work(driver: AsyncDriver) -> dict[GroupBy, list[Kpis]]:
        return {
            group: await portfolio(
                driver,
                w.settings.neo4j_database,
                START,
                END,
                group=group,
                predicate="any(x IN c.sources WHERE x STARTS WITH $s)",
                params={"s": w.s},
            )
            for group in (GroupBy.NONE, GroupBy.SEGMENT, GroupBy.BROKER)
        }

    found: dict[GroupBy, list[Kpis]] = run_with(w.settings, work)
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
    return {g: [replace(k, as_of=epoch) for k in ks] for g, ks in found.items()}


def compute_metrics(w: World) -> None:
    async def work(driver: AsyncDriver) -> None:
        await compute(driver, w.settings.neo4j_database, Options(as_of=END, system=w.s))

    run_with(w.settings, work)


SNAPSHOT = """
MATCH (n) WHERE n.id STARTS WITH $s
OPTIONAL MATCH (n)-[r]->(m)
RETURN elementId(n) AS node, n.id AS id, labels(n) AS labels, properties(n) AS props,
       collect(CASE WHEN r IS NULL THEN null
               ELSE [elementId(r), type(r), m.id, properties(r)] END) AS out
"""


@dataclass(frozen=True)
class Snapshot:
    nodes: dict[str, tuple[str, frozenset[str], dict[str, Any]]]  # element id → (id, labels, props)
    edges: dict[str, tuple[str, str, str, dict[str, Any]]]  # element id → (type, from, to, props)


def snapshot(w: World) -> Snapshot:
    nodes: dict[str, tuple[str, frozenset[str], dict[str, Any]]] = {}
    edges: dict[str, tuple[str, str, str, dict[str, Any]]] = {}
    for r in w.query(SNAPSHOT, s=w.s):
        nodes[r["node"]] = (r["id"], frozenset(r["labels"]), r["props"])
        for element, rel, to, props in r["out"]:
            edges[element] = (rel, r["id"], to, props)
    return Snapshot(nodes, edges)


def changes(before: Snapshot, after: Snapshot) -> dict[tuple[str, ...], set[str]]:
    """What changed: (kind, type or label, id...) → the properties (or `+label`) removed, added or
    changed. Nodes and edges must be the same before and after."""
    assert set(before.nodes) == set(after.nodes) and set(before.edges) == set(after.edges)
    found: dict[tuple[str, ...], set[str]] = {}
    for element, (node_id, labels, props) in before.nodes.items():
        _, labels_after, props_after = after.nodes[element]
        key = ("SourceRecord" if "SourceRecord" in labels else "node", node_id)
        diff = {k for k in props.keys() | props_after.keys() if props.get(k) != props_after.get(k)}
        diff |= {f"+{label}" for label in labels_after - labels}
        if diff - {"loadedAt"}:
            found[key] = diff
    for element, (rel, start, end, props) in before.edges.items():
        props_after = after.edges[element][3]
        diff = {k for k in props.keys() | props_after.keys() if props.get(k) != props_after.get(k)}
        if diff:
            found[(rel, start, end)] = diff
    return found


def removed(before: Snapshot, after: Snapshot) -> int:
    """How many property values the change removed, nodes and edges together."""
    count = sum(
        1
        for element, (_, _, props) in before.nodes.items()
        for k in props
        if k not in after.nodes[element][2]
    )
    return count + sum(
        1 for element, e in before.edges.items() for k in e[3] if k not in after.edges[element][3]
    )


STRINGS = """
CALL () {
  MATCH (n) UNWIND keys(n) AS k
  WITH n[k] AS v, 'node ' + coalesce(n.id, elementId(n)) + ' ' + k AS where
  RETURN v, where
  UNION ALL
  MATCH ()-[r]->() UNWIND keys(r) AS k
  WITH r[k] AS v, 'edge ' + type(r) + ' ' + k AS where
  RETURN v, where
}
WITH where, CASE WHEN v IS :: LIST<ANY> THEN v ELSE [v] END AS values
UNWIND values AS value
WITH where, value WHERE value IS :: STRING
  AND any(needle IN $needles WHERE toLower(value) CONTAINS needle)
RETURN where, value
"""


def mentions(w: World, person: Person) -> list[dict[str, Any]]:
    """Every string, anywhere in the graph (nodes, relationships, lists), that holds the person's
    e-mail, phone (E.164, national digits, each raw spelling of the files) or full name."""
    e164, raw, dotted = person.phone
    needles = [
        person.email.lower(), e164, e164.removeprefix("+1"), raw, dotted,
        person.full.lower(), f"{person.surname} {person.given}".lower(),
    ]  # fmt: skip
    return w.query(STRINGS, needles=needles)


def party(w: World, party_id: str) -> dict[str, Any]:
    [found] = w.query(
        "MATCH (p:Party {id: $id}) RETURN p {.*, labels: labels(p)} AS p", id=party_id
    )
    props: dict[str, Any] = found["p"]
    return props


FACTS = """
MATCH (p:Party {id: $id})
RETURN COLLECT { MATCH (p)-[:PLACED]->(o:Order) RETURN [o.id, o.amount] ORDER BY o.id } AS orders,
       COLLECT { MATCH (p)-[:PLACED]->(:Order)-[:HAS_LINE]->(l) RETURN l.id ORDER BY l.id } AS lines,
       COLLECT { MATCH (p)-[:HAD]->(i) RETURN [i.id, i.channel, i.type, i.outcome] ORDER BY i.id }
         AS interactions,
       COLLECT { MATCH (p)-[:RESPONDED]->(s) RETURN [s.id, s.score] ORDER BY s.id } AS scores,
       COLLECT { MATCH (x)-[r:REFERRED]->(p) RETURN [x.id, r.channel] ORDER BY x.id } AS referredBy,
       COLLECT { MATCH (p)-[:ON_COMMITTEE]->(a) RETURN a.id } AS committees,
       COLLECT { MATCH (e)-[:KNOWS]->(p) RETURN e.id } AS knownBy,
       COLLECT { MATCH (e)-[:OWNS_ACCOUNT]->(p) RETURN e.id } AS owners,
       COLLECT { MATCH (p)-[:WORKS_FOR]->(o) RETURN o.id } AS employers,
       COLLECT { MATCH (p)-[:MEMBER_OF]->(h) RETURN h.id } AS households,
       [k IN ['revenue', 'orderCount', 'clv', 'pAlive', 'expectedPurchases', 'lifecycleStage',
              'frequency', 'npsScore', 'referralValue'] | p[k]] AS metrics
"""


def facts(w: World, party_id: str) -> dict[str, Any]:
    [found] = w.query(FACTS, id=party_id)
    return found


def test_erasure_removes_personal_data_everywhere_and_keeps_facts_and_kpis(world: World) -> None:
    w = world
    p1, p2 = w.id("p1"), w.id("p2")
    compute_metrics(w)
    assert [r["id"] for r in w.query(
        "MATCH (s:SourceRecord)-[:RESOLVES_TO]->(:Party {id: $id}) RETURN s.id AS id ORDER BY id",
        id=p1,
    )] == [p1, f"{w.x}:c1"]  # fmt: skip
    # The scan finds her wherever the files put her: her party, both records (their data and the
    # sort key identity resolution keeps), free texts.
    assert {m["where"].replace(w.s, "<s>") for m in mentions(w, w.ada)} == {
        "node <s>:p1 name", "node <s>:p1 email", "node <s>:p1 phone", "node <s>:p1 data",
        "node <s>:p1 matchOrder", "node <s>x:c1 data", "node <s>x:c1 matchOrder", "node <s>:s1 comment", "node <s>:s2 comment", "node <s>:i2 outcome",
        "node <s>:d1 name", "node <s>:r3 data", "edge REFERRED channel",
    }  # fmt: skip
    bob_mentions = mentions(w, w.bob)
    kpis_before, facts_before, bob_before = kpis(w), facts(w, p1), party(w, p2)
    assert facts_before["orders"] == [[p1.replace(":p1", ":ord1"), 120.0],
                                      [p1.replace(":p1", ":ord2"), 80.5], [f"{w.x}:so1", 55.0]]  # fmt: skip
    assert facts_before["metrics"][0] == 255.5 and facts_before["metrics"][2] is not None  # clv
    ada_before = party(w, p1)
    before = snapshot(w)

    erased = erase(w.settings, p1)

    after = snapshot(w)
    assert erased is not None and not erased.already_erased
    # Nothing anywhere holds Ada's e-mail, phone or name any more; Bob keeps every mention of his.
    assert mentions(w, w.ada) == []
    assert mentions(w, w.bob) == bob_mentions
    assert party(w, p2) == bob_before

    # Exactly these changed: Ada, her two records, what her record said on her edges, her answer's
    # comment, and the free texts elsewhere that named her.
    found = changes(before, after)
    ada_removed = {
        "name", "givenName", "surname", "email", "phone", "dateOfBirth", "street", "locality",
        "postcode", "nationalId", "externalIds", "title", "department", "householdRole",
        "reconciledHash",
    }  # fmt: skip
    tombstone = {"data", "hash", "kind", "matchKeys", "matchOrder", "erased", "erasedAt"}
    s = w.s
    assert found == {
        ("node", p1): ada_removed | {"erasedAt", "+Erased"},
        ("SourceRecord", p1): tombstone,
        ("SourceRecord", f"{w.x}:c1"): tombstone,
        ("WORKS_FOR", p1, f"{s}:o1"): {"title", "department"},
        ("MEMBER_OF", p1, f"{s}:h1"): {"role"},
        ("node", f"{s}:s1"): {"comment"},  # her own answer
        ("node", f"{s}:s2"): {"comment"},  # Bob's answer naming her and her phone
        ("node", f"{s}:i2"): {"outcome"},  # Bob's call forwarded to her e-mail
        ("node", f"{s}:d1"): {"name"},  # "Renewal for <her name>"
        ("SourceRecord", f"{s}:r3"): {"data"},  # a referral "via <surname> <given name>"
        ("REFERRED", f"{s}:b1", f"{s}:f1"): {"channel"},
    }
    ada = party(w, p1)
    assert set(ada) == (set(ada_before) - ada_removed) | {"erasedAt"}
    assert sorted(ada["labels"]) == ["Customer", "Erased", "Party", "Person"]
    kept = {k: ada[k] for k in ("kind", "status", "segment", "country", "createdAt", "sources")}
    assert kept == {
        "kind": "person", "status": "active", "segment": "gold", "country": "US",
        "createdAt": ada_before["createdAt"], "sources": sorted([s, w.x]),
    }  # fmt: skip
    assert (ada["householdRef"], ada["employerRef"], ada["ownerRef"]) == (
        f"{s}:h1", f"{s}:o1", f"{s}:e1"
    )  # fmt: skip
    [stone] = w.query("MATCH (s:SourceRecord {id: $id}) RETURN properties(s) AS p", id=p1)
    assert set(stone["p"]) == {
        "id",
        "system",
        "recordId",
        "entity",
        "loadedAt",
        "erased",
        "erasedAt",
    }
    assert stone["p"]["erased"] is True and stone["p"]["erasedAt"] == ada["erasedAt"]

    # The counts say what the snapshots say, and hold no personal data.
    assert (erased.party, erased.records, erased.mentions) == (p1, 2, 5)
    assert erased.properties == removed(before, after)
    assert erased.nodes == sum(1 for k in found if k[0] in {"node", "SourceRecord"})
    assert erased.relationships == sum(1 for k in found if k[0] not in {"node", "SourceRecord"})
    assert erased.erased_at == ada["erasedAt"].to_native()

    # Facts, metrics and KPIs: unchanged, and unchanged again once the metrics are recomputed.
    assert facts(w, p1) == facts_before  # her own interaction keeps its type and outcome
    assert kpis(w) == kpis_before
    compute_metrics(w)
    assert facts(w, p1) == facts_before
    assert kpis(w) == kpis_before
    assert mentions(w, w.ada) == []
    segments = {k.key: k for k in kpis_before[GroupBy.SEGMENT]}
    gold = {f"f{i}" for i in range(1, FILLERS, 2)}
    in_period = [a for _, who, day, a in _filler_orders() if who in gold and START <= day <= END]
    assert (segments["gold"].customers, segments["gold"].revenue) == (
        1 + len(gold),
        (Amount("USD", round(80.5 + 55.0 + sum(in_period), 2)),),
    )  # fmt: skip  (orders stating no currency are USD: `OrderRecord`)

    # Erasing again changes nothing and says so; an unknown id is None.
    settled = snapshot(w)
    again = erase(w.settings, p1)
    assert again == Erasure(p1, erased.erased_at, True, 0, 0, 0, 0, 0)
    assert changes(settled, snapshot(w)) == {}
    assert erase(w.settings, f"{s}:nobody") is None


def test_reload_rejects_erased_records_and_resolution_never_merges_into_them(
    world: World,
) -> None:
    w = world
    p1, s = w.id("p1"), w.s
    assert erase(w.settings, p1) is not None
    erased_at = party(w, p1)["erasedAt"]

    # The same files again: Ada's two records are rejected, nothing of hers comes back.
    rejects = w.loader.folder / "rejects.jsonl"
    report = w.loader.run(w.loader.mapping(_sources(w)), rejects=rejects)
    assert all(r.read == r.loaded + r.rejected for r in report.sources)
    assert [(r.file, r.read, r.rejected, r.erased) for r in report.sources if r.rejected] == [
        ("people.csv", 2 + FILLERS, 1, 1),
        ("shop.csv", 1, 1, 1),
    ]
    assert sum(r.created + r.updated for r in report.sources) == 0
    found = [orjson.loads(line) for line in rejects.read_bytes().splitlines()]
    assert [(r["file"].rsplit("/", 1)[-1], r["line"], r["raw"], r["reasons"]) for r in found] == [
        ("people.csv", 2, None, ["erased on request"]),
        ("shop.csv", 2, None, ["erased on request"]),
    ]
    assert mentions(w, w.ada) == []
    assert party(w, p1)["erasedAt"] == erased_at and "name" not in party(w, p1)

    # New facts about her records still reach the anonymised party, without free text.
    w.loader.write("late_orders.csv", "id,customer,date,amount\nord9,p1,2025-01-02,7.00\n")
    w.loader.write("late_shop.csv", "id,customer,date,amount\nso9,c1,2025-01-03,8.00\n")
    w.loader.write(
        "late_surveys.csv",
        f"id,customer,at,score,comment\ns9,p1,2025-01-04T00:00:00Z,8,{w.ada.full} again\n"
        "s1,p1,2024-07-01T00:00:00Z,9,a changed comment\n",
    )
    sources = {src["file"]: src for src in _sources(w)}
    late = w.loader.run(
        w.loader.mapping(
            [
                sources["orders.csv"] | {"file": "late_orders.csv"},
                sources["shop_orders.csv"] | {"file": "late_shop.csv"},
                sources["surveys.csv"] | {"file": "late_surveys.csv"},
            ]
        )
    )
    assert [(r.read, r.created, r.updated, r.rejected) for r in late.sources] == [
        (1, 1, 0, 0), (1, 1, 0, 0), (2, 1, 1, 0),
    ]  # fmt: skip
    placed = facts(w, p1)["orders"]
    assert [o[0] for o in placed] == [
        f"{s}:ord1",
        f"{s}:ord2",
        f"{s}:ord9",
        f"{w.x}:so1",
        f"{w.x}:so9",
    ]
    answers = w.query(
        "MATCH (:Party {id: $id})-[:RESPONDED]->(r) RETURN r.id AS id, r.score AS score, "
        "r.comment AS comment ORDER BY id",
        id=p1,
    )
    assert answers == [
        {"id": f"{s}:s1", "score": 9, "comment": None},
        {"id": f"{s}:s9", "score": 8, "comment": None},
    ]
    assert mentions(w, w.ada) == []

    # A new record that matches Ada by e-mail and name stays a party of its own; one matching Bob
    # (not erased) by e-mail joins him, so the matcher would have merged it.
    w.loader.write(
        "crm2.csv",
        f"id,first,last,email\nz1,{w.ada.given},{w.ada.surname},{w.ada.email}\n"
        f"z2,{w.bob.given},{w.bob.surname},{w.bob.email}\n",
    )
    crm2 = w.loader.run(
        w.loader.mapping(
            [
                {
                    "file": "crm2.csv",
                    "entity": "person",
                    "fields": {
                        "id": "id",
                        "given_name": "first",
                        "surname": "last",
                        "email": "email",
                    },
                }
            ]
        )
    )
    assert [(r.read, r.created, r.rejected) for r in crm2.sources] == [(2, 2, 0)]
    resolved = w.query(
        "MATCH (r:SourceRecord)-[:RESOLVES_TO]->(p) WHERE r.id IN $ids RETURN r.id AS r, p.id AS p "
        "ORDER BY r",
        ids=[f"{s}:z1", f"{s}:z2", p1, f"{w.x}:c1"],
    )
    assert [(r["r"], r["p"]) for r in resolved] == [
        (p1, p1), (f"{s}:z1", f"{s}:z1"), (f"{s}:z2", f"{s}:p2"), (f"{w.x}:c1", p1),
    ]  # fmt: skip
    assert party(w, f"{s}:z1")["email"] == w.ada.email
    assert "Erased" not in party(w, f"{s}:z1")["labels"]
    assert "email" not in party(w, p1) and "Erased" in party(w, p1)["labels"]


def test_an_organization_is_erased_and_its_people_keep_theirs(world: World) -> None:
    w = world
    o1, s = w.id("o1"), w.s
    before = party(w, o1)
    assert (before["name"], before["industry"], before["size"]) == (f"{w.org} Ltd", "Software", 40)
    works = w.query(
        "MATCH (p)-[e:WORKS_FOR]->(:Party {id: $id}) RETURN p.id AS p, e.title AS title ORDER BY p",
        id=o1,
    )
    erased = erase(w.settings, o1)
    assert erased is not None and (erased.records, erased.mentions) == (1, 0)
    after = party(w, o1)
    assert {"name", "domain", "industry", "size"} & set(after) == set()
    assert (after["kind"], after["country"]) == ("organization", "US")
    assert sorted(after["labels"]) == ["Customer", "Erased", "Organization", "Party"]
    # People who work there keep their own titles; its deals and orders stay.
    assert w.query(
        "MATCH (p)-[e:WORKS_FOR]->(:Party {id: $id}) RETURN p.id AS p, e.title AS title ORDER BY p",
        id=o1,
    ) == works  # fmt: skip
    assert works == [{"p": w.id("p1"), "title": "CFO"}, {"p": w.id("p2"), "title": "Analyst"}]
    assert w.query(
        "MATCH (d:Deal)-[:FOR_ACCOUNT]->(:Party {id: $id}) RETURN d.name AS name ORDER BY d.id",
        id=o1,
    ) == [{"name": f"Renewal for {w.ada.full}"}, {"name": "Platform 2025"}]  # fmt: skip
    assert facts(w, o1)["orders"] == [[f"{s}:ord4", 990.0]]
    assert party(w, w.id("p1"))["name"] == w.ada.full


def test_a_namesake_keeps_their_name(world: World) -> None:
    """Two people called the same: erasing one leaves the other's name, e-mail and record."""
    w = world
    w.loader.write(
        "namesake.csv", f"id,first,last,email\nn1,{w.ada.given},{w.ada.surname},twin@example.net\n"
    )
    w.loader.run(
        w.loader.mapping(
            [
                {
                    "file": "namesake.csv",
                    "entity": "person",
                    "fields": {
                        "id": "id",
                        "given_name": "first",
                        "surname": "last",
                        "email": "email",
                    },
                }
            ]
        )
    )
    twin = w.id("n1")
    before = party(w, twin)
    [record] = w.query("MATCH (s:SourceRecord {id: $id}) RETURN s.data AS data", id=twin)
    assert before["name"] == w.ada.full and before["id"] == twin
    assert erase(w.settings, w.id("p1")) is not None
    assert party(w, twin) == before
    assert w.query("MATCH (s:SourceRecord {id: $id}) RETURN s.data AS data", id=twin) == [record]
