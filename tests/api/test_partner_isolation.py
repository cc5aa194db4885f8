"""Proof of partner isolation: for anything outside its referral network, a partner gets exactly the
response an id that does not exist gets, through every root field that takes an id or a key.

The ids tried are harvested: every other partner (the demo graph's brokers, and two hand-built
brokers whose networks hold households, organizations and deals) is asked, through the API, for all
it can see; an admin's view of those parties adds what no partner sees (our employees, households
and employers around the demo's networks). Each outside id is then asked for by the partner under
test, and compared, body for body, with a twin: the same family with a key that does not exist.
What the partner does see is checked against the admin's view cut down to the network, which is
computed here from the graph (BFS over `REFERRED`, depth 10), not by the API.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
import re
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest
from neo4j import Driver
from starlette.testclient import TestClient

from api.app import create_app
from api.auth.tokens import sign
from graph.config import Settings
from graph.driver import open_driver
from graph.metrics.kpis import GroupBy, portfolio
from graph.read.positions import Family
from graph.security.principal import PII, Kind, Principal, Role
from schema.ids import global_id, parse_global_id
from schema.schema import schema
from tests.conftest import DemoData
from tests.factories import UTC, Graph, Node, Party
from tests.schema.conftest import graphql_app, post_on

DEPTH = 10  # how far a broker's referral chains reach (`graph/read/scope.py`)
PERIOD = {"start": "2000-01-01", "end": "2030-12-31"}
NODE_TYPES = frozenset(t.name for t in schema._schema.get_possible_types(schema._schema.get_type("Node")))  # type: ignore[arg-type]  # fmt: skip
PATHS = pytest.mark.parametrize("compiled", [True, False], ids=["compiled", "executor"])
FACTORY_ID = re.compile(r"^[a-z]+:[0-9a-f]{10}-\d{5}$")  # `tests/factories.py` ids
OWNED_TYPES = frozenset({"Order", "OrderLine", "Interaction", "SurveyResponse", "SourceRecord", "Deal"})  # fmt: skip


def chunks(items: Sequence[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


# ---- the hand-built networks -------------------------------------------------------------------


@dataclass
class Built:
    """Two brokers whose networks share customers; `beta` is made first, so its id is the smaller
    one and wins every tie an unscoped computation breaks by id."""

    g: Graph
    eve: Party  # our employee: owns ann and firm, handled ann's call, knows ann
    beta: Party
    alpha: Party
    ann: Party  # alpha's and beta's (both referred her directly)
    ben: Party  # referred by ann (alpha's) and by zed (beta's)
    house: Party  # alpha's household: ann and zoe (nobody's) live there
    firm: Party  # alpha's account: ben and zoe work there, ben and zed sit on its committee
    deal_in: Node  # firm's deal, ben on its committee
    zed: Party  # beta's; ann reports to him
    zoe: Party  # nobody's
    zhouse: Party  # beta's household: ben and zed live there
    zfirm: Party  # beta's account, firm's parent; ann works there, sits on its committee
    zdeal: Node  # zfirm's deal: ann and ben sit on its committee
    zsub: Party  # nobody's: a subsidiary of firm
    widget: Node

    def gid(self, x: Party | Node) -> str:
        if isinstance(x, Party):
            return global_id(Family.PARTY, x.id)
        return global_id(Family(x.label), x.id)


def build() -> Built:
    g = Graph()
    t = g.tag
    eve = g.employee(f"Eve Iso{t}", "Account Manager", "Sales")
    beta = g.broker(f"Beta Brokers {t}")
    alpha = g.broker(f"Alpha Brokers {t}")
    ann = g.person("Ann", f"Inside{t}", email=f"ann{t}@example.org", externalIds=[f"ann:{t}"])
    ben = g.person("Ben", f"Inside{t}", segment=f"iso-{t}")
    house = g.household(f"Inside House {t}")
    firm = g.organization(f"Inside Firm {t}")
    zed = g.person("Zed", f"Outside{t}", email=f"zed{t}@example.org", externalIds=[f"zed:{t}"])
    zoe = g.person("Zoe", f"Nobody{t}", email=f"zoe{t}@example.org")
    zhouse = g.household(f"Outside House {t}")
    zfirm = g.organization(f"Outside Firm {t}")
    zsub = g.organization(f"Nobody Sub {t}")
    deal_in = g.deal(firm, f"Inside Deal {t}", "proposal", 1000.0, dt.date(2024, 1, 5))
    zdeal = g.deal(zfirm, f"Outside Deal {t}", "negotiation", 9000.0, dt.date(2024, 2, 5))
    day = dt.date(2022, 1, 1)
    for referrer, referred in ((beta, ann), (alpha, ann), (ann, ben), (alpha, house),
                               (alpha, firm), (beta, zed), (zed, ben), (beta, zhouse),
                               (beta, zfirm)):  # fmt: skip
        g.referral(referrer, referred, day)
    g.member(ann, house, "head")
    g.member(zoe, house, "partner")
    g.member(ben, zhouse, "lodger")
    g.member(zed, zhouse, "head")
    g.works_for(ann, zfirm, "Buyer", "Purchasing")
    g.works_for(ben, firm, "Engineer", "R&D")
    g.works_for(zoe, firm, "CFO", "Finance")
    g.reports_to(ann, zed)
    g.reports_to(zoe, ben)
    g.subsidiary(firm, zfirm)
    g.subsidiary(zsub, firm)
    g.committee(ann, zfirm, ["decision_maker"], 0.9, True)
    g.committee(ann, zdeal, ["champion"], 0.7)
    g.committee(ben, zdeal, ["user"], 0.2)
    g.committee(ben, firm, ["champion"], 0.6)
    g.committee(zed, firm, ["blocker"], 0.5)
    g.committee(ben, deal_in, ["decision_maker"], 0.8, True)
    g.owns(eve, ann)
    g.owns(eve, firm)
    g.knows(eve, ann, 0.6, dt.date(2021, 1, 1))
    widget = g.product(f"Widget {t}", "tools", 10.0)
    gadget = g.product(f"Gadget {t}", "tools", 25.0)
    for who, when in ((ann, dt.date(2024, 1, 3)), (ben, dt.date(2024, 2, 3)),
                      (firm, dt.date(2024, 3, 3)), (zed, dt.date(2024, 1, 9)),
                      (zfirm, dt.date(2024, 2, 9))):  # fmt: skip
        g.order(who, when, [(widget, 1, 10.0), (gadget, 2, 50.0)])
    at = dt.datetime(2024, 4, 1, 9, 0, tzinfo=UTC)
    g.interaction(ann, at, "phone", employee=eve, product=widget)
    g.interaction(zed, at, "email", employee=eve, product=gadget)
    g.survey(ann, at, 9)
    g.survey(zed, at, 3)
    return Built(
        g, eve, beta, alpha, ann, ben, house, firm, deal_in, zed, zoe, zhouse, zfirm, zdeal,
        zsub, widget,
    )  # fmt: skip


@pytest.fixture(scope="module")
def built(driver: Driver, demo_loaded: DemoData) -> Iterator[Built]:
    """Saved after the demo load, so that identity resolution never re-matches it."""
    world = build()
    world.g.save(driver, demo_loaded.settings.neo4j_database)
    try:
        yield world
    finally:
        world.g.delete(driver, demo_loaded.settings.neo4j_database)


# ---- the truth, read from the graph ------------------------------------------------------------


@dataclass
class Truth:
    """The graph as plain Python: who referred whom, which party owns which node."""

    referrals: dict[str, list[str]]
    customers: set[str]
    brokers: set[str]
    owners: dict[str, set[str]]  # a non-party node's key -> the parties it hangs off

    def network(self, broker: str) -> set[str]:
        """The parties the broker's referral chains reach (depth 10), itself excluded."""
        reached: set[str] = set()
        frontier = [broker]
        for _ in range(DEPTH):
            frontier = [b for a in frontier for b in self.referrals[a] if b not in reached]
            frontier = [b for b in dict.fromkeys(frontier) if b != broker]
            reached.update(frontier)
        return reached

    def sees(self, broker: str) -> Callable[[str], bool]:
        """Whether a partner of this broker may see the node of a global id."""
        parties = self.network(broker) | {broker}

        def seen(gid: str) -> bool:
            family, key = parse_global_id(gid)
            if family is Family.PARTY:
                return key in parties
            if family is Family.PRODUCT:
                return True  # the catalogue
            return bool(self.owners.get(key, set()) & parties)

        return seen


OWNED: dict[Family, str] = {
    Family.ORDER: "MATCH (o:Party)-[:PLACED]->(v:Order)",
    Family.ORDER_LINE: "MATCH (o:Party)-[:PLACED]->(:Order)-[:HAS_LINE]->(v:OrderLine)",
    Family.INTERACTION: "MATCH (o:Party)-[:HAD]->(v:Interaction)",
    Family.SURVEY_RESPONSE: "MATCH (o:Party)-[:RESPONDED]->(v:SurveyResponse)",
    Family.SOURCE_RECORD: "MATCH (v:SourceRecord)-[:RESOLVES_TO]->(o:Party)",
    Family.DEAL: "MATCH (v:Deal)-[:FOR_ACCOUNT]->(o:Party)",
}


def read_truth(driver: Driver, database: str) -> Truth:
    def rows(query: str) -> list[Any]:
        return list(driver.execute_query(query, database_=database).records)

    referrals: dict[str, list[str]] = defaultdict(list)
    for r in rows("MATCH (a:Party)-[:REFERRED]->(b:Party) RETURN a.id AS a, b.id AS b"):
        referrals[r["a"]].append(r["b"])
    customers = {r["id"] for r in rows("MATCH (c:Customer) RETURN c.id AS id")}
    brokers = {r["id"] for r in rows("MATCH (b:Broker) RETURN b.id AS id")}
    owners: dict[str, set[str]] = defaultdict(set)
    for pattern in OWNED.values():
        for r in rows(pattern + " RETURN v.id AS v, o.id AS o"):
            owners[r["v"]].add(r["o"])
    return Truth(referrals, customers, brokers, owners)


# ---- clients and requests ----------------------------------------------------------------------


def client_for(settings: Settings, principal: Principal) -> TestClient:
    token, _ = sign(settings, principal, dt.timedelta(hours=2))
    return TestClient(create_app(settings), headers={"authorization": f"Bearer {token}"})


def partner(broker: str, scopes: frozenset[str] = frozenset()) -> Principal:
    return Principal(f"iso-{broker}", Role.PARTNER, Kind.TOKEN, broker_id=broker, scopes=scopes)


def data(client: TestClient, query: str, compiled: bool = True, **variables: Any) -> Any:
    body = post_on(client, compiled, query, **variables)
    assert "errors" not in body, body
    return body["data"]


# Everything a node leads to, each object with its type name and global id. Buying committees
# are not a partner's (`schema/access.py`, refused on every path: `test_committees_are_refused`).
DEEP = """
fragment P on Party { __typename id key name }
fragment Deal on Deal { __typename id key name account { ...P } }
fragment Deep on Node {
  __typename id
  ... on Party { key name identities(first: 20) { totalCount edges { node { __typename id key } } } }
  ... on Customer {
    broker { ...P } accountOwner { ...P }
    referredBy(first: 20) { totalCount edges { node { ...P } } }
    referrals(first: 20) { totalCount edges { node { ...P } } }
    orders(first: 20) { totalCount edges { node { __typename id key customer { ...P }
      lines(first: 20) { totalCount edges { node { __typename id key product { __typename id }
        order { __typename id } } } } } } }
    interactions(first: 20) { totalCount edges { node { __typename id key customer { ...P }
      handledBy { ...P } product { __typename id } } } }
    surveyResponses(first: 20) { totalCount edges { node { __typename id key customer { ...P } } } }
    productsOwned(first: 20) { totalCount edges { node { __typename id } } }
  }
  ... on Person {
    household { role household { ...P members(first: 20) { totalCount edges { node { ...P } } } } }
    employment { title organization { ...P } } manager { ...P }
    directReports(first: 20) { totalCount edges { node { ...P } } }
  }
  ... on Household { members(first: 20) { totalCount edges { role node { ...P } } } }
  ... on Organization {
    parent { ...P } subsidiaries(first: 20) { totalCount edges { node { ...P } } }
    contacts(first: 20) { totalCount edges { node { ...P } } }
    deals(first: 20) { totalCount edges { node { ...Deal } } }
  }
  ... on Broker {
    referrals(first: 20) { totalCount edges { node { ...P } } }
    network(first: 20) { totalCount edges { node { ...P } } }
  }
  ... on Employee {
    accounts(first: 20) { totalCount edges { node { ...P } } }
    knows(first: 20) { totalCount edges { node { ...P } } }
  }
  ... on Order { customer { ...P } lines(first: 20) { totalCount edges { node { __typename id } } } }
  ... on OrderLine { order { __typename id customer { ...P } } product { __typename id } }
  ... on Interaction { customer { ...P } handledBy { ...P } product { __typename id } }
  ... on SurveyResponse { customer { ...P } }
  ... on Deal { account { ...P } }
}
"""
DEEP_NODE = "query($id: ID!) { node(id: $id) { ...Deep } }" + DEEP


def typed_ids(value: Any) -> Iterator[tuple[str, str]]:
    """(type name, global id) of every object of a response that has both."""
    if isinstance(value, list):
        for item in value:
            yield from typed_ids(item)
    elif isinstance(value, dict):
        if isinstance(value.get("__typename"), str) and isinstance(value.get("id"), str):
            yield value["__typename"], value["id"]
        for item in value.values():
            yield from typed_ids(item)


def strings(value: Any) -> Iterator[str]:
    """Every string value of a response, at any depth."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, list | tuple):
        for item in value:
            yield from strings(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from strings(item)


# Wrapper objects (no type name selected) around a non-null node: null when the node is not seen.
WRAPPERS = {"household": "household", "employment": "organization"}


def restrict(value: Any, seen: Callable[[str], bool]) -> Any:
    """An unrestricted response cut down to what a scope sees: unseen nodes null, their edges
    dropped, counts recounted (lists are assumed to fit in one page)."""
    if isinstance(value, list):
        return [restrict(item, seen) for item in value]
    if not isinstance(value, dict):
        return value
    if isinstance(value.get("id"), str) and "__typename" in value and not seen(value["id"]):
        return None
    out = {k: restrict(v, seen) for k, v in value.items()}
    for name, inner in WRAPPERS.items():
        wrapper = out.get(name)
        if isinstance(wrapper, dict) and "__typename" not in wrapper and wrapper[inner] is None:
            out[name] = None
    if isinstance(out.get("edges"), list):
        out["edges"] = [e for e in out["edges"] if e.get("node") is not None]
        if "totalCount" in out:
            out["totalCount"] = len(out["edges"])
    return out


def whole_lists(value: Any) -> bool:
    """Every connection of a response holds its whole list (what `restrict` assumes)."""
    if isinstance(value, list):
        return all(map(whole_lists, value))
    if not isinstance(value, dict):
        return True
    if isinstance(value.get("edges"), list) and value.get("totalCount") != len(value["edges"]):
        return False
    return all(map(whole_lists, value.values()))


def without_broker(value: Any) -> Any:
    """A response without `Customer.broker`: the top of a referral chain the caller can see
    differs from the true one when the true one is hidden (checked apart)."""
    if isinstance(value, list):
        return [without_broker(item) for item in value]
    if isinstance(value, dict):
        return {k: without_broker(v) for k, v in value.items() if k != "broker"}
    return value


# ---- harvesting --------------------------------------------------------------------------------


@dataclass
class Harvest:
    """The global ids a view showed, by type name."""

    ids: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))

    def add(self, response: Any) -> None:
        for typename, gid in typed_ids(response):
            self.ids[typename].add(gid)

    def all(self) -> set[str]:
        return set().union(*self.ids.values())


def harvest_view(client: TestClient, broker: str) -> Harvest:
    """Everything a partner's client sees, starting from its broker and its customers."""
    found = Harvest()
    roots = data(
        client,
        """query($b: ID!) { customers(first: 100) { edges { node { __typename id } } }
          broker(id: $b) { __typename id }
          partnerNetwork(broker: $b, first: 100) { customers { party { id } } } }""",
        False,
        b=global_id(Family.PARTY, broker),
    )
    found.add(roots)
    todo = [global_id(Family.PARTY, broker)]
    todo += [e["node"]["id"] for e in roots["customers"]["edges"]]
    todo += [c["party"]["id"] for c in (roots["partnerNetwork"] or {"customers": []})["customers"]]
    for gid in dict.fromkeys(todo):
        found.add(data(client, DEEP_NODE, id=gid))
    return found


@dataclass
class Scene:
    """The partner under test, the outside ids to try and the truth to compare with."""

    name: str
    broker: str
    client: TestClient
    pii_client: TestClient  # the same partner holding the pii scope
    truth: Truth
    seen: Callable[[str], bool]
    network: set[str]  # customers and other parties its chains reach
    inside: str  # a global id of one of its customers
    own: Harvest  # what it sees of its own network
    outside: dict[str, set[str]]  # harvested global ids it must not see, by type name
    by_partners: set[str]  # the type names of those found in other partners' views
    products: set[str]  # harvested product ids (the catalogue: seen by everyone)
    emails: set[str]  # of outside parties
    external_ids: set[str]  # of outside parties
    names: set[str]  # of outside parties

    def outside_ids(self) -> list[str]:
        return sorted(set().union(*self.outside.values()))


def demo_broker(truth: Truth, exclude: set[str]) -> str:
    """A demo broker whose network shares a customer with a broker of smaller id (the case where
    an unscoped tie-break by id shows the other broker), else the one with the largest network."""
    brokers = sorted(b for b in truth.brokers - exclude if not FACTORY_ID.match(b))
    nets = {b: truth.network(b) & truth.customers for b in brokers}
    shared = [a for a in brokers for b in brokers if b < a and nets[a] & nets[b]]
    if shared:
        return max(shared, key=lambda b: (len(nets[b]), b))
    return max(brokers, key=lambda b: (len(nets[b]), b))


@pytest.fixture(scope="module")
def views(settings: Settings, driver: Driver, built: Built, client: TestClient) -> dict[str, Any]:
    """Every broker's partner view (harvested once) and the admin's view of their parties."""
    truth = read_truth(driver, settings.neo4j_database)
    harvests: dict[str, Harvest] = {}
    for broker in sorted(truth.brokers):
        with client_for(settings, partner(broker)) as other:
            harvests[broker] = harvest_view(other, broker)
    admin = Harvest()
    personal: dict[str, dict[str, Any]] = {}
    parties = set().union(*(h.ids[t] for h in harvests.values() for t in h.ids))
    parties |= {built.gid(p) for p in (built.zoe, built.zsub, built.eve)}
    for gid in sorted(parties):
        if parse_global_id(gid)[0] is Family.PARTY:
            admin.add(data(client, DEEP_NODE, id=gid))
    query = "query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Party { name email } ... on Customer { externalIds } } }"  # fmt: skip
    everything = sorted(admin.all() | parties)
    for chunk in chunks(everything, 100):
        for node in data(client, query, ids=chunk)["nodes"]:
            if node is not None and "name" in node:
                personal[node["id"]] = node
    return {"truth": truth, "harvests": harvests, "admin": admin, "personal": personal}


@pytest.fixture(scope="module", params=["demo", "built"])
def scene(
    request: pytest.FixtureRequest, settings: Settings, views: dict[str, Any], built: Built
) -> Iterator[Scene]:
    truth: Truth = views["truth"]
    mine = {p.id for p in built.g.parties.values()}
    broker = demo_broker(truth, mine) if request.param == "demo" else built.alpha.id
    seen = truth.sees(broker)
    outside: dict[str, set[str]] = defaultdict(set)
    by_partners: set[str] = set()  # the types of the outside ids other partners' views held
    products: set[str] = set()
    harvests: dict[str, Harvest] = views["harvests"]
    sources = [(h, True) for b, h in harvests.items() if b != broker] + [(views["admin"], False)]
    for source, from_partner in sources:
        for typename, gids in source.ids.items():
            for gid in gids:
                if typename == "Product":
                    products.add(gid)
                elif not seen(gid):
                    outside[typename].add(gid)
                    by_partners |= {typename} if from_partner else set()
    personal: dict[str, dict[str, Any]] = views["personal"]
    strangers = [personal[g] for g in set().union(*outside.values()) if g in personal]
    network = truth.network(broker)
    inside = sorted(network & truth.customers)[0]
    with (
        client_for(settings, partner(broker)) as plain,
        client_for(settings, partner(broker, frozenset({PII}))) as pii,
    ):
        yield Scene(
            name=request.param,
            broker=broker,
            client=plain,
            pii_client=pii,
            truth=truth,
            seen=seen,
            network=network,
            inside=global_id(Family.PARTY, inside),
            own=harvests[broker],
            outside=dict(outside),
            by_partners=by_partners,
            products=products,
            emails={p["email"] for p in strangers if p.get("email")},
            external_ids={x for p in strangers for x in p.get("externalIds") or ()},
            names={p["name"] for p in strangers if p.get("name")},
        )


_twins = itertools.count(1)


def twin(gid: str) -> str:
    """The same family with a key that does not exist."""
    family, _ = parse_global_id(gid)
    return global_id(family, f"nosuch:iso-{next(_twins):06d}")


# ---- the harvest covers every node type --------------------------------------------------------


def test_the_harvest_covers_every_node_type(scene: Scene) -> None:
    """Every type of node is tried (products: the catalogue, which everyone sees); all but
    employees, which no partner sees, were found in other partners' views."""
    tried = {t for t, gids in scene.outside.items() if gids} | ({"Product"} if scene.products else set())  # fmt: skip
    assert tried == NODE_TYPES, NODE_TYPES ^ tried
    assert scene.by_partners == NODE_TYPES - {"Product", "Employee"}
    assert len(scene.outside_ids()) >= 50, len(scene.outside_ids())


# ---- outside ids answer like ids that do not exist ---------------------------------------------


def unechoed(value: Any, variables: dict[str, Any]) -> Any:
    """A body with the ids it was asked for (echoed by "Not a broker id: ..." errors) replaced by
    their variable names: an echo of the caller's own input tells it nothing."""
    if isinstance(value, str):
        for name, given in variables.items():
            value = value.replace(str(given), f"${name}")
        return value
    if isinstance(value, list):
        return [unechoed(item, variables) for item in value]
    if isinstance(value, dict):
        return {k: unechoed(v, variables) for k, v in value.items()}
    return value


def compare(
    scene: Scene, query: str, compiled: bool, variables: dict[str, Any], names: list[str]
) -> None:
    """The body for the outside ids equals the body for their twins (the ids in `names`)."""
    twins = {k: twin(v) if k in names else v for k, v in variables.items()}
    outside = unechoed(post_on(scene.client, compiled, query, **variables), variables)
    unknown = unechoed(post_on(scene.client, compiled, query, **twins), twins)
    assert outside == unknown, (variables, outside, unknown)


BY_ID = "n{i}: node(id: $x{i}) {{ ...N }} c{i}: customer(id: $x{i}) {{ ...N }} a{i}: account(id: $x{i}) {{ ...N }} b{i}: broker(id: $x{i}) {{ ...N }}"  # fmt: skip
NODE_FIELDS = "fragment N on Node { __typename id ... on Party { key name } }"


@PATHS
def test_lookups_by_id_answer_like_unknown_ids(scene: Scene, compiled: bool) -> None:
    ids = scene.outside_ids()
    for chunk in chunks(ids, 7):
        names = [f"x{i}" for i in range(len(chunk))]
        text = "query(" + ", ".join(f"${n}: ID!" for n in names) + ") { "
        text += " ".join(BY_ID.format(i=i) for i in range(len(chunk))) + " }" + NODE_FIELDS
        compare(scene, text, compiled, dict(zip(names, chunk, strict=True)), names)
    # Mixed with an inside id, in one `nodes` list.
    query = "query($ids: [ID!]!) { nodes(ids: $ids) { ...N } }" + NODE_FIELDS
    for chunk in chunks(ids, 99):
        outside = post_on(scene.client, compiled, query, ids=[*chunk, scene.inside])
        unknown = post_on(scene.client, compiled, query, ids=[*map(twin, chunk), scene.inside])
        assert outside == unknown
        assert outside["data"]["nodes"][:-1] == [None] * len(chunk)
        assert outside["data"]["nodes"][-1]["id"] == scene.inside


@PATHS
def test_lookups_by_key_answer_like_unknown_keys(scene: Scene, compiled: bool) -> None:
    records = sorted(parse_global_id(g)[1] for g in scene.outside["SourceRecord"])
    assert records
    query = "query($s: String!) { customer(sourceId: $s) { ...N } }" + NODE_FIELDS
    for key in records:
        outside = post_on(scene.client, compiled, query, s=key)
        assert outside == post_on(scene.client, compiled, query, s=f"nosuch:{key}")
        assert outside == {"data": {"customer": None}}
    # A partner holding the pii scope may look up by email or external id: not an outsider's.
    assert scene.emails and scene.external_ids
    lookups = [("email", e) for e in sorted(scene.emails)]
    lookups += [("externalId", x) for x in sorted(scene.external_ids)]
    for argument, value in lookups:
        query = f"query($v: String!) {{ customer({argument}: $v) {{ ...N }} }}" + NODE_FIELDS
        outside = post_on(scene.pii_client, compiled, query, v=value)
        assert outside == post_on(scene.pii_client, compiled, query, v=f"nosuch.{value}")
        assert outside == {"data": {"customer": None}}, value


@PATHS
def test_filters_on_outside_brokers_answer_like_unknown_ones(scene: Scene, compiled: bool) -> None:
    parties = sorted(g for t, gids in scene.outside.items() if t not in OWNED_TYPES for g in gids)
    own = global_id(Family.PARTY, scene.broker)
    for chunk in chunks(parties, 8):
        names = [f"x{i}" for i in range(len(chunk))]
        text = "query($b: ID!, " + ", ".join(f"${n}: ID!" for n in names) + ") {"
        for i in range(len(chunk)):
            text += f"""
              c{i}: customers(filter: {{broker: $x{i}}}, first: 100) {{ totalCount edges {{ node {{ id }} }} }}
              n{i}: broker(id: $b) {{ network(filter: {{broker: $x{i}}}, first: 100) {{ totalCount edges {{ node {{ id }} }} }} }}
              o{i}: customers(filter: {{not: {{broker: $x{i}}}}}, first: 1) {{ totalCount }}"""  # fmt: skip
        compare(scene, text + "}", compiled, {"b": own, **dict(zip(names, chunk, strict=True))}, names)  # fmt: skip


TRAVERSALS = """
  rc{i}: referralChain(customer: $x{i}) {{ ...Chain }}
  rt{i}: referralTree(root: $x{i}, first: 5) {{ root {{ key }} size nodes {{ party {{ key }} }} }}
  pn{i}: partnerNetwork(broker: $x{i}, first: 5) {{ broker {{ key }} figures {{ parties }} }}
  lp{i}: likelyNextProducts(customer: $x{i}) {{ customer {{ key }} suggestions {{ product {{ key }} }} }}
  ci{i}: connectionPaths(from: $in, to: $x{i}) {{ ...Paths }}
  co{i}: connectionPaths(from: $x{i}, to: $in) {{ ...Paths }}
  cb{i}: connectionPaths(from: $x{i}, to: $y{i}) {{ ...Paths }}
  pf{i}: portfolio(start: "2000-01-01", end: "2030-12-31", filter: {{broker: $x{i}}}) {{ key customers revenue {{ currency amount }} }}
"""  # fmt: skip
TRAVERSAL_FIELDS = """
fragment Chain on ReferralChain { customer { key } hops { referrer { key } } origin { key } end }
fragment Paths on Connections { source { key } target { key } paths { nodes { key label } } }"""


def test_traversals_answer_like_unknown_ids(scene: Scene) -> None:
    """The traversal roots run on the executor only (and `portfolio` with a broker filter)."""
    ids = scene.outside_ids()
    pairs = list(zip(ids, ids[1:] + ids[:1], strict=True))
    for chunk in chunks(pairs, 3):
        names = [n for i in range(len(chunk)) for n in (f"x{i}", f"y{i}")]
        text = "query($in: ID!, " + ", ".join(f"${n}: ID!" for n in names) + ") {"
        text += "".join(TRAVERSALS.format(i=i) for i in range(len(chunk))) + "}" + TRAVERSAL_FIELDS
        variables = {"in": scene.inside}
        for i, (x, y) in enumerate(chunk):
            variables |= {f"x{i}": x, f"y{i}": y}
        compare(scene, text, False, variables, names)


# ---- what the partner sees is its network, exactly ---------------------------------------------


@PATHS
def test_customers_are_the_network(scene: Scene, compiled: bool) -> None:
    expected = scene.network & scene.truth.customers
    query = """query($b: ID!) {
      customers(first: 100) { totalCount edges { node { key } } }
      mine: customers(filter: {broker: $b}, first: 100) { totalCount edges { node { key } } }
      broker(id: $b) { key network(first: 100) { totalCount edges { node { key } } } } }"""
    found = data(scene.client, query, compiled, b=global_id(Family.PARTY, scene.broker))
    assert len(expected) >= 2
    for connection in (found["customers"], found["mine"], found["broker"]["network"]):
        assert [e["node"]["key"] for e in connection["edges"]] == sorted(expected)
        assert connection["totalCount"] == len(expected)
    assert found["broker"]["key"] == scene.broker
    assert not (scene.network & scene.truth.brokers), "no broker inside: all its own customers"


def test_partners_see_their_networks_as_the_admin_does(scene: Scene, client: TestClient) -> None:
    """Every node the partner can reach, with everything it leads to, is the admin's view of it
    with what lies outside the network cut away (checked on both paths)."""
    own = scene.own.all()
    assert {parse_global_id(g)[1] for g in scene.own.ids["Person"] | scene.own.ids.get(
        "Household", set()) | scene.own.ids.get("Organization", set())} == scene.network  # fmt: skip
    assert all(map(scene.seen, own)), sorted(g for g in own if not scene.seen(g))
    for gid in sorted(g for g in own if parse_global_id(g)[0] is not Family.PRODUCT):
        everything = data(client, DEEP_NODE, id=gid)
        assert whole_lists(everything), gid
        expected = without_broker(restrict(everything, scene.seen))
        for compiled in (True, False):
            found = data(scene.client, DEEP_NODE, compiled, id=gid)
            assert without_broker(found) == expected, gid
            tops = [v for t, v in typed_ids(found) if t == "Broker"]
            assert all(map(scene.seen, tops))


def keys(connection: dict[str, Any]) -> list[str]:
    """The keys of a connection's nodes (which holds its whole list)."""
    assert connection["totalCount"] == len(connection["edges"])
    return [e["node"]["key"] for e in connection["edges"]]


@PATHS
def test_built_network_in_detail(settings: Settings, built: Built, compiled: bool) -> None:
    """The hand-built network, spelled out: everything that leads outside is cut."""
    with client_for(settings, partner(built.alpha.id)) as client:

        def view(who: Party) -> Any:
            return data(client, DEEP_NODE, compiled, id=built.gid(who))["node"]

        ann, ben, firm, alpha = (
            view(built.ann),
            view(built.ben),
            view(built.firm),
            view(built.alpha),
        )
    assert ann["household"]["household"]["key"] == built.house.id
    assert keys(ann["household"]["household"]["members"]) == [built.ann.id]
    assert (ann["employment"], ann["manager"], ann["accountOwner"]) == (None, None, None)
    assert keys(ann["referredBy"]) == [built.alpha.id]
    assert keys(ann["referrals"]) == [built.ben.id]
    assert ann["broker"]["key"] == built.alpha.id  # beta is the true top, hidden
    assert [e["node"]["handledBy"] for e in ann["interactions"]["edges"]] == [None]
    assert (ben["household"], ben["employment"]["organization"]["key"]) == (None, built.firm.id)
    assert keys(ben["referredBy"]) == [built.ann.id]
    assert keys(ben["directReports"]) == []
    assert (firm["parent"], firm["accountOwner"]) == (None, None)
    assert keys(firm["subsidiaries"]) == []
    assert keys(firm["contacts"]) == [built.ben.id]
    assert keys(firm["deals"]) == [built.deal_in.id]
    assert sorted(keys(alpha["referrals"])) == sorted([built.ann.id, built.house.id, built.firm.id])
    assert keys(alpha["network"]) == sorted(
        [built.ann.id, built.ben.id, built.house.id, built.firm.id]
    )


def test_committees_are_refused_to_a_partner_on_every_path(
    settings: Settings, built: Built
) -> None:
    """Buying committees are account work: a partner is refused them even on its own account."""
    asks: dict[str, tuple[str, Party | Node]] = {
        "Organization.committee": ("query($id: ID!) { node(id: $id) { ... on Organization { committee { totalCount } } } }", built.firm),
        "Person.committeeSeats": ("query($id: ID!) { customer(id: $id) { ... on Person { committeeSeats { totalCount } } } }", built.ben),
        "Deal.committee": ("query($id: ID!) { node(id: $id) { ... on Deal { committee { totalCount } } } }", built.deal_in),
        "Organization.healthScore": ("query($id: ID!) { account(id: $id) { healthScore committeeSize } }", built.firm),
    }  # fmt: skip
    with client_for(settings, partner(built.alpha.id)) as client:
        for coordinate, (query, who) in asks.items():
            body = post_on(client, True, query, id=built.gid(who))
            assert [e["extensions"]["code"] for e in body["errors"]] == ["FORBIDDEN"], body
            assert f"`{coordinate}`" in body["errors"][0]["message"] and "data" not in body


def test_paths_between_insiders_stay_inside(settings: Settings, built: Built) -> None:
    """Every kind of link allowed, the paths from ann to ben go through the network only."""
    query = """query($a: ID!, $b: ID!, $links: [LinkKind!]) {
      connectionPaths(from: $a, to: $b, k: 10, links: $links) { paths { nodes { key label } } } }"""
    links = ["WORKS_FOR", "HOUSEHOLD", "REFERRED", "BROKERED", "KNOWS", "INTERACTED",
             "REPORTS_TO", "COMMITTEE", "ACCOUNT_OWNER", "SUBSIDIARY"]  # fmt: skip
    with client_for(settings, partner(built.alpha.id)) as alpha:
        found = data(
            alpha, query, False, a=built.gid(built.ann), b=built.gid(built.ben), links=links
        )["connectionPaths"]
    assert found["paths"], "ann referred ben"
    inside = {built.alpha.id, built.ann.id, built.ben.id, built.house.id, built.firm.id,
              built.deal_in.id}  # fmt: skip
    for path in found["paths"]:
        assert {n["key"] for n in path["nodes"]} <= inside, path


def test_traversals_inside_stay_inside(scene: Scene) -> None:
    """Trees, chains, paths and suggestions from inside never name an outsider."""
    forbidden = set(scene.outside_ids()) | {parse_global_id(g)[1] for g in scene.outside_ids()}
    own = global_id(Family.PARTY, scene.broker)
    customers = sorted(global_id(Family.PARTY, k) for k in scene.network & scene.truth.customers)
    query = (
        """query($c: ID!, $b: ID!) {
      referralChain(customer: $c) { ...Chain }
      tree: referralTree(root: $c) { root { key } nodes { party { key } parentKey } }
      ownTree: referralTree(root: $b) { root { key } size nodes { party { key } parentKey } }
      partnerNetwork(broker: $b) { broker { key } figures { parties } customers { party { key } } }
      likelyNextProducts(customer: $c) { customer { key } }
      connectionPaths(from: $b, to: $c) { ...Paths }
    }"""
        + TRAVERSAL_FIELDS
    )
    for gid in customers:
        found = data(scene.client, query, False, c=gid, b=own)
        assert not (set(strings(found)) & forbidden), gid
        assert found["referralChain"]["customer"]["key"] == parse_global_id(gid)[1]
        tree = found["ownTree"]
        assert {n["party"]["key"] for n in tree["nodes"]} == scene.network
        assert tree["size"] == len(scene.network)
        assert found["partnerNetwork"]["figures"]["parties"] == len(scene.network)


def test_search_never_shows_outsiders(scene: Scene, settings: Settings) -> None:
    """Searching outsiders' names finds exactly the reference's hits that lie inside (the reference:
    an analyst without pii, who searches names too, over everything)."""
    names = sorted(scene.names)
    assert names
    reference = Principal("iso-analyst", Role.ANALYST, Kind.TOKEN)
    query = "query($t: String!) { search(text: $t, first: 100) { totalCount edges { node { id key } } } }"  # fmt: skip
    with client_for(settings, reference) as analyst:
        for name in names:
            everyone = data(analyst, query, t=name)["search"]
            assert everyone["totalCount"] <= 100, name
            expected = [e["node"]["key"] for e in everyone["edges"] if scene.seen(e["node"]["id"])]
            for compiled in (True, False):
                found = data(scene.client, query, compiled, t=name)["search"]
                assert [e["node"]["key"] for e in found["edges"]] == expected, name
                assert found["totalCount"] == len(expected)


def kpis(settings: Settings, customers: set[str], group: GroupBy) -> list[dict[str, Any]]:
    """`graph.metrics.kpis.portfolio` over exactly these customers, as the API spells it."""

    async def go() -> list[Any]:
        driver = open_driver(settings)
        try:
            return await portfolio(
                driver, settings.neo4j_database, dt.date(2000, 1, 1), dt.date(2030, 12, 31),
                group=group, predicate="c.id IN $iso", params={"iso": sorted(customers)},
            )  # fmt: skip
        finally:
            await driver.close()

    return [
        {"key": k.key, "customers": k.customers, "activeAtStart": k.active_at_start,
         "activeAtEnd": k.active_at_end, "new": k.new, "retentionRate": k.retention_rate,
         "churnRate": k.churn_rate, "nps": k.nps, "surveyAnswers": k.survey_answers,
         "revenue": [{"currency": m.currency, "amount": m.amount} for m in k.revenue],
         "averageClv": k.average_clv}
        for k in asyncio.run(go())
    ]  # fmt: skip


PORTFOLIO = """query($g: KpiGroup) { portfolio(start: "2000-01-01", end: "2030-12-31", groupBy: $g) {
  key customers activeAtStart activeAtEnd new retentionRate churnRate nps surveyAnswers
  revenue { currency amount } averageClv } }"""


@pytest.mark.parametrize("group", [GroupBy.NONE, GroupBy.SEGMENT, GroupBy.LIFECYCLE_STAGE])
def test_portfolio_counts_the_network_only(
    scene: Scene, settings: Settings, group: GroupBy
) -> None:
    customers = scene.network & scene.truth.customers
    expected = kpis(settings, customers, group)
    found = data(scene.client, PORTFOLIO, g=group.name)["portfolio"]
    assert len(found) == len(expected)
    for got, want in zip(found, expected, strict=True):
        assert got.pop("revenue") == want.pop("revenue")  # rounded per currency: exact
        assert got == pytest.approx(want)
    assert sum(k["customers"] for k in found) == len(customers)


def test_portfolio_by_broker_names_no_outside_broker(scene: Scene, settings: Settings) -> None:
    customers = scene.network & scene.truth.customers
    [expected] = kpis(settings, customers, GroupBy.NONE)
    found = data(scene.client, PORTFOLIO, g="BROKER")["portfolio"]
    assert [k["key"] for k in found] == [scene.broker], found
    assert found[0].pop("revenue") == expected.pop("revenue")
    assert found[0] == pytest.approx(expected | {"key": scene.broker})


# ---- a partner whose broker is not a broker is refused ------------------------------------------


@PATHS
def test_a_partner_whose_broker_is_not_a_broker_is_refused(
    settings: Settings, built: Built, compiled: bool
) -> None:
    """Its token is correctly signed, but the claim names nothing or a customer (`ann`): refused
    with 401 when the principal is built, before any read (it would otherwise see ann's network)."""
    query = "query($a: ID!) { customers(first: 5) { totalCount } broker(id: $a) { key } }"
    for claimed in (f"nosuch:iso-{built.g.tag}", built.ann.id):
        with client_for(settings, partner(claimed)) as nobody:
            app = graphql_app(nobody)
            app.compiled = compiled
            response = nobody.post(
                "/graphql", json={"query": query, "variables": {"a": built.gid(built.alpha)}}
            )
            assert response.status_code == 401, claimed
            assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
            assert "data" not in response.json()
