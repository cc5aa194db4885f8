"""Connection paths against a reference enumeration of simple paths (networkx distances, then a
depth-first search pruned by them): a hand-built graph with every kind of link, a cycle and a
1,000-hop chain, and the demo sample's referral, knows, committee and interaction links."""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator

import networkx as nx
import pytest
from neo4j import AsyncDriver, Driver

from graph.config import Settings
from graph.read.scope import BrokerNetwork
from graph.traversals.common import statement
from graph.traversals.paths import DEFAULT_LINKS, Connections, Link, _paths, connection_paths
from tests.conftest import DemoData
from tests.graph.traversals.factories import SCANS, TGraph, call, explain
from tests.graph.traversals.reference import load_sample

D = dt.date
UTC = dt.UTC
Triple = tuple[str, str, str]  # (relationship type, start id, end id)
Path = tuple[tuple[str, ...], tuple[Triple, ...]]

# --- the reference ------------------------------------------------------------------------------


class Reference:
    """An undirected multigraph of typed edges, each tagged with the link it belongs to."""

    def __init__(self) -> None:
        self.edges: list[tuple[Link, Triple]] = []

    def add(self, link: Link, type_: str, start: str, end: str) -> None:
        self.edges.append((link, (type_, start, end)))

    def paths(
        self, source: str, target: str, links: Iterable[Link], k: int, hops: int
    ) -> list[Path]:
        """Every simple path of the shortest lengths needed to hold k paths (at most `hops`)."""
        chosen = set(links)
        adjacency: dict[str, list[tuple[str, Triple]]] = defaultdict(list)
        graph: nx.MultiGraph = nx.MultiGraph()
        for link, triple in self.edges:
            if link in chosen:
                _, a, b = triple
                adjacency[a].append((b, triple))
                adjacency[b].append((a, triple))
                graph.add_edge(a, b)
        if source == target or source not in graph or target not in graph:
            return []
        distance = nx.single_source_shortest_path_length(graph, target, cutoff=hops)
        found: list[Path] = []

        def extend(nodes: list[str], edges: list[Triple], length: int) -> Iterator[Path]:
            here = nodes[-1]
            if here == target:
                yield tuple(nodes), tuple(edges)
                return
            for there, triple in adjacency[here]:
                if there in nodes or distance.get(there, hops + 1) > length - len(edges) - 1:
                    continue
                yield from extend([*nodes, there], [*edges, triple], length)

        for length in range(1, hops + 1):
            found.extend(p for p in extend([source], [], length) if len(p[1]) == length)
            if len(found) >= k:
                break
        return found


def assert_k_shortest(found: Connections, expected: list[Path], k: int) -> None:
    """The k shortest: their lengths, each a true simple path, the whole set when no tie is cut,
    in order of length, node ids, relationship types."""
    got = [
        (tuple(n.id for n in p.nodes), tuple((e.type, e.start_id, e.end_id) for e in p.edges))
        for p in found.paths
    ]
    by_length = sorted(expected, key=lambda p: len(p[1]))
    assert [len(p[1]) for p in got] == [len(p[1]) for p in by_length[:k]]
    assert not Counter(got) - Counter(expected)
    if len(by_length) <= k or len(by_length[k - 1][1]) < len(by_length[k][1]):
        assert Counter(got) == Counter(by_length[:k])
    assert got == sorted(got, key=lambda p: (len(p[1]), p[0], [t[0] for t in p[1]]))
    for path in found.paths:
        for i, edge in enumerate(path.edges):
            ends = {edge.start_id, edge.end_id}
            assert ends == {path.nodes[i].id, path.nodes[i + 1].id}
            assert edge.forward == (edge.start_id == path.nodes[i].id)


def reference_of(g: TGraph) -> Reference:
    ref = Reference()
    kinds = {
        "WORKS_FOR": Link.WORKS_FOR, "MEMBER_OF": Link.HOUSEHOLD, "KNOWS": Link.KNOWS,
        "REPORTS_TO": Link.REPORTS_TO, "ON_COMMITTEE": Link.COMMITTEE,
        "OWNS_ACCOUNT": Link.ACCOUNT_OWNER, "SUBSIDIARY_OF": Link.SUBSIDIARY,
    }  # fmt: skip
    for e in g.edges:
        if e.type == "REFERRED":
            broker = "Broker" in g.parties[e.start]["labels"]
            ref.add(Link.BROKERED if broker else Link.REFERRED, e.type, e.start, e.end)
        else:
            ref.add(kinds[e.type], e.type, e.start, e.end)
    for i in g.interactions:
        ref.add(Link.INTERACTED, "HAD", i.party, i.id)
        if i.employee:
            ref.add(Link.INTERACTED, "HANDLED_BY", i.id, i.employee)
    return ref


# --- hand-built ---------------------------------------------------------------------------------


@pytest.fixture
def graph(driver: Driver, settings: Settings) -> Iterator[TGraph]:
    g = TGraph()
    yield g
    g.delete(driver, settings.neo4j_database)


def world(g: TGraph) -> dict[str, str]:
    p = {"orgA": g.organization("orgA"), "orgB": g.organization("orgB"), "h1": g.household("h1")}
    p["B"] = g.broker("B")
    for name in ("e1", "e2"):
        p[name] = g.employee(name)
    for name in ("p1", "p2", "p3", "p4", "p5", "dm"):
        p[name] = g.customer(name)
    p["D1"] = g.deal("D1", p["orgA"])
    g.knows(p["e1"], p["p1"], 0.5, D(2020, 1, 1))
    g.knows(p["e1"], p["p3"], 0.7, D(2021, 1, 1))
    g.knows(p["e2"], p["p2"], 0.9, D(2022, 1, 1))
    g.edge("WORKS_FOR", p["p1"], p["orgA"], title="Engineer")
    g.edge("WORKS_FOR", p["dm"], p["orgA"], title="CEO")
    g.edge("WORKS_FOR", p["p5"], p["orgA"], title="Analyst")
    g.edge("SUBSIDIARY_OF", p["orgB"], p["orgA"])
    g.edge("REPORTS_TO", p["p1"], p["dm"])
    g.seat(p["dm"], p["orgA"], ["decision_maker"], 0.9, True)
    g.seat(p["dm"], p["D1"], ["decision_maker"], 0.9, True)
    g.seat(p["p4"], p["D1"], ["user"], 0.1, False)
    g.edge("OWNS_ACCOUNT", p["e1"], p["orgA"])
    g.edge("MEMBER_OF", p["p2"], p["h1"], role="head")
    g.edge("MEMBER_OF", p["p3"], p["h1"], role="spouse")
    g.refer(p["B"], p["p3"], D(2020, 5, 1), "branch", 100.0)
    g.refer(p["p3"], p["p4"], D(2021, 5, 1), "friend", 10.0)
    g.refer(p["p1"], p["p5"], D(2021, 6, 1))
    g.refer(p["p5"], p["p1"], D(2021, 7, 1))  # a two-party cycle
    g.interaction(p["dm"], dt.datetime(2024, 1, 5, 10, tzinfo=UTC), 0.4, p["e2"])
    g.interaction(p["p4"], dt.datetime(2024, 2, 5, 10, tzinfo=UTC), None, p["e2"])
    return p


CONFIGS = [
    (DEFAULT_LINKS, 3, 6),
    (frozenset(Link), 10, 6),
    (frozenset(Link), 2, 3),
    (frozenset({Link.KNOWS, Link.REFERRED, Link.WORKS_FOR}), 5, 4),
    (frozenset({Link.BROKERED, Link.HOUSEHOLD, Link.KNOWS}), 4, 6),
    (frozenset({Link.INTERACTED, Link.COMMITTEE}), 10, 6),
]


@pytest.mark.parametrize(("links", "k", "hops"), CONFIGS)
def test_paths_between_every_pair_equal_the_reference(
    graph: TGraph, driver: Driver, settings: Settings, links: frozenset[Link], k: int, hops: int
) -> None:
    world(graph)
    graph.write(driver, settings.neo4j_database)
    ref = reference_of(graph)
    pairs = [(a, b) for a in graph.parties for b in graph.parties if a < b]

    async def work(d: AsyncDriver, db: str) -> list[Connections | None]:
        return [
            await connection_paths(d, db, a, b, links=links, k=k, max_hops=hops) for a, b in pairs
        ]

    found_any = 0
    for (a, b), found in zip(pairs, call(settings, work), strict=True):
        assert found is not None and (found.source.id, found.target.id) == (a, b)
        assert_k_shortest(found, ref.paths(a, b, links, k, hops), k)
        found_any += bool(found.paths)
    assert found_any > 3


def test_a_warm_introduction_in_detail(graph: TGraph, driver: Driver, settings: Settings) -> None:
    p = world(graph)
    graph.write(driver, settings.neo4j_database)
    links = {Link.BROKERED, Link.REFERRED, Link.COMMITTEE}
    found = call(settings, lambda d, db: connection_paths(d, db, p["B"], p["dm"], links=links))
    assert found is not None and len(found.paths) == 1
    path = found.paths[0]
    # B brokered p3, whom p4 was referred by; p4 sits on deal D1 with the decision maker
    assert [n.id for n in path.nodes] == [p["B"], p["p3"], p["p4"], p["D1"], p["dm"]]
    assert [n.label for n in path.nodes] == ["Organization", "Person", "Person", "Deal", "Person"]
    assert [e.link for e in path.edges] == [
        Link.BROKERED,
        Link.REFERRED,
        Link.COMMITTEE,
        Link.COMMITTEE,
    ]
    assert [e.forward for e in path.edges] == [True, True, True, False]
    first = path.edges[0]
    assert (first.date, first.channel, first.incentive) == (D(2020, 5, 1), "branch", 100.0)
    assert path.edges[3].roles == ("decision_maker",) and path.hops == 4
    via_interactions = call(
        settings,
        lambda d, db: connection_paths(d, db, p["p4"], p["dm"], k=1, links={Link.INTERACTED}),
    )
    assert via_interactions is not None
    nodes = via_interactions.paths[0].nodes
    assert [n.label for n in nodes] == ["Person", "Interaction", "Person", "Interaction", "Person"]
    assert nodes[2].id == p["e2"] and nodes[2].roles == ("Employee",)
    assert nodes[1].at == dt.datetime(2024, 2, 5, 10, tzinfo=UTC) and nodes[1].channel == "meeting"


def test_referred_and_brokered_are_told_apart(
    graph: TGraph, driver: Driver, settings: Settings
) -> None:
    p = world(graph)
    graph.write(driver, settings.neo4j_database)

    async def work(d: AsyncDriver, db: str) -> list[Connections | None]:
        return [
            await connection_paths(d, db, p["B"], p["p4"], links={link}, k=3)
            for link in (Link.REFERRED, Link.BROKERED)
        ] + [await connection_paths(d, db, p["B"], p["p4"], links={Link.REFERRED, Link.BROKERED})]

    referred, brokered, both = call(settings, work)
    assert referred is not None and brokered is not None and both is not None
    assert (referred.paths, brokered.paths) == ((), ())
    assert [[e.link for e in path.edges] for path in both.paths] == [[Link.BROKERED, Link.REFERRED]]


def test_edge_cases(graph: TGraph, driver: Driver, settings: Settings) -> None:
    p = world(graph)
    ids = [graph.customer(f"h{i:04d}") for i in range(1001)]
    for i in range(1000):
        graph.refer(ids[i + 1], ids[i], D(2020, 1, 1))
    graph.write(driver, settings.neo4j_database)

    async def work(d: AsyncDriver, db: str) -> list[Connections | None]:
        return [
            await connection_paths(d, db, ids[0], ids[1000], k=10, links=frozenset(Link)),
            await connection_paths(d, db, ids[0], ids[6], k=10),
            await connection_paths(d, db, p["p1"], p["p1"]),
            await connection_paths(d, db, p["p1"], "t:nobody"),
            await connection_paths(d, db, p["e1"], p["dm"], scope=BrokerNetwork(p["B"])),
            await connection_paths(d, db, p["B"], p["p4"], scope=BrokerNetwork(p["B"])),
        ]

    began = time.perf_counter()
    far, six, same, nobody, hidden, visible = call(settings, work)
    assert time.perf_counter() - began < 5.0  # the 1,000-hop chain: nothing within 6 hops
    assert far is not None and far.paths == ()
    assert six is not None and [len(x.edges) for x in six.paths] == [6]
    assert same is not None and same.paths == ()
    assert (nobody, hidden) == (None, None)
    assert visible is not None and [len(x.edges) for x in visible.paths] == [2]
    with pytest.raises(ValueError, match="max_hops"):
        call(settings, lambda d, db: connection_paths(d, db, "a", "b", max_hops=7))
    with pytest.raises(ValueError, match="at least one"):
        call(settings, lambda d, db: connection_paths(d, db, "a", "b", links=()))


# --- the demo sample ----------------------------------------------------------------------------


def test_the_demo_samples_paths_equal_the_reference(
    demo_loaded: DemoData, driver: Driver, settings: Settings
) -> None:
    sample = load_sample(driver, settings.neo4j_database, demo_loaded.folder)
    ref = Reference()
    for r in sample.referrals:
        broker = "Broker" in sample.labels[r.referrer]
        ref.add(Link.BROKERED if broker else Link.REFERRED, "REFERRED", r.referrer, r.referred)
    for k in sample.knows:
        ref.add(Link.KNOWS, "KNOWS", k.employee, k.person)
    for s in sample.seats:
        ref.add(Link.COMMITTEE, "ON_COMMITTEE", s.person, s.target)
    for t in sample.touches:
        ref.add(Link.INTERACTED, "HAD", t.party, t.id)
        if t.employee:
            ref.add(Link.INTERACTED, "HANDLED_BY", t.id, t.employee)
    links = frozenset({Link.REFERRED, Link.BROKERED, Link.KNOWS, Link.COMMITTEE, Link.INTERACTED})
    employees = sorted(pid for pid, labels in sample.labels.items() if "Employee" in labels)
    deciders = sorted({s.person for s in sample.seats if "decision_maker" in s.roles})[:6]
    customers = sorted({r.referred for r in sample.referrals})[:4]
    pairs = [(e, x) for e in employees for x in deciders + customers]
    assert len(pairs) >= 100

    async def work(d: AsyncDriver, db: str) -> list[Connections | None]:
        return [await connection_paths(d, db, a, b, links=links, k=3) for a, b in pairs]

    lengths: Counter[int] = Counter()
    for (a, b), found in zip(pairs, call(settings, work), strict=True):
        assert found is not None
        assert_k_shortest(found, ref.paths(a, b, links, 3, 6), 3)
        lengths.update(len(p.edges) for p in found.paths)
    assert sum(lengths.values()) > 50 and len(lengths) >= 3


# --- plans --------------------------------------------------------------------------------------


@pytest.mark.parametrize("scoped", [False, True])
@pytest.mark.parametrize(("links", "k", "hops"), CONFIGS)
def test_path_statements_are_anchored_on_an_index_seek(
    driver: Driver, settings: Settings, scoped: bool, links: frozenset[Link], k: int, hops: int
) -> None:
    stmt = statement(_paths(links, k, hops), BrokerNetwork("t:b") if scoped else None)
    plan = explain(
        driver, settings.neo4j_database, stmt.text, {"from": "t:a", "to": "t:b", **stmt.params}
    )
    assert plan.anchor == "NodeUniqueIndexSeek" and ":Party(id)" in plan.anchor_details
    assert not SCANS & set(plan.operators)
    assert "StatefulShortestPath(Into)" in plan.operators  # a bidirectional search
