"""Buying committees against plain-Python references: a hand-built account and deal (reporting
lines with a cycle, merged seats, engagement windows, gaps), and the demo sample's committees."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import pytest
from neo4j import AsyncDriver, Driver

from graph.config import Settings
from graph.ingest.records import CommitteeRole
from graph.read.scope import BrokerNetwork
from graph.traversals.committees import (
    Committee,
    Gap,
    GapReason,
    RoleCoverage,
    Trend,
    _anchor_account,
    _anchor_deal,
    _committee,
    account_committee,
    deal_committee,
)
from graph.traversals.common import statement
from tests.conftest import DemoData
from tests.graph.traversals.factories import SCANS, TGraph, call, explain
from tests.graph.traversals.reference import Knows, Seat, Touch, load_sample

UTC = dt.UTC
AS_OF = dt.datetime(2024, 6, 30, tzinfo=UTC)
R = CommitteeRole


def at(y: int, m: int, d: int) -> dt.datetime:
    return dt.datetime(y, m, d, 12, tzinfo=UTC)


# --- the reference ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RefMember:
    person: str
    roles: tuple[CommitteeRole, ...]
    influence: float | None
    primary: bool
    seats: tuple[str, ...]
    last: dt.datetime | None
    recent: int
    previous: int
    sentiment: float | None
    sentiment_previous: float | None
    known_by: tuple[tuple[str, float | None], ...]


def mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def reference_members(
    seats: Sequence[Seat], touches: Sequence[Touch], knows: Sequence[Knows], as_of: dt.datetime
) -> list[RefMember]:
    recent_start, previous_start = as_of - dt.timedelta(days=90), as_of - dt.timedelta(days=180)
    found: list[RefMember] = []
    for person in sorted({s.person for s in seats}):
        mine = [s for s in seats if s.person == person]
        held = {r for s in mine for r in s.roles}
        influences = [s.influence for s in mine if s.influence is not None]
        past = [t for t in touches if t.party == person and t.at <= as_of]
        recent = [t for t in past if t.at > recent_start]
        previous = [t for t in past if previous_start < t.at <= recent_start]
        acquainted = sorted(
            ((k.employee, k.strength) for k in knows if k.person == person),
            key=lambda e: (-(e[1] if e[1] is not None else -1.0), e[0]),
        )
        found.append(
            RefMember(
                person=person,
                roles=tuple(r for r in CommitteeRole if r.value in held),
                influence=max(influences) if influences else None,
                primary=any(s.primary for s in mine),
                seats=tuple(sorted(s.src for s in mine)),
                last=max((t.at for t in past), default=None),
                recent=len(recent),
                previous=len(previous),
                sentiment=mean([t.sentiment for t in recent if t.sentiment is not None]),
                sentiment_previous=mean([t.sentiment for t in previous if t.sentiment is not None]),
                known_by=tuple(acquainted),
            )
        )
    found.sort(
        key=lambda m: (not m.primary, -(m.influence if m.influence is not None else -1.0), m.person)
    )
    return found


def reference_gaps(
    members: list[RefMember], as_of: dt.datetime, stale_days: int
) -> tuple[list[RoleCoverage], list[Gap]]:
    since = as_of - dt.timedelta(days=stale_days)
    coverage: list[RoleCoverage] = []
    gaps: list[Gap] = []
    for role in CommitteeRole:
        holders = [m for m in members if role in m.roles]
        lasts = [m.last for m in holders if m.last is not None]
        last = max(lasts, default=None)
        engaged = len([t for t in lasts if t > since])
        coverage.append(RoleCoverage(role, len(holders), engaged, last))
        if not holders and role in (R.DECISION_MAKER, R.ECONOMIC_BUYER):
            gaps.append(Gap(role, GapReason.MISSING, None))
        elif holders and not engaged:
            gaps.append(Gap(role, GapReason.DISENGAGED, last))
    return coverage, gaps


def assert_members(found: Committee, expected: list[RefMember]) -> None:
    assert [m.person.id for m in found.members] == [m.person for m in expected]
    for m, e in zip(found.members, expected, strict=True):
        assert (m.roles, m.influence, m.primary, m.seats) == (
            e.roles, e.influence, e.primary, e.seats,
        )  # fmt: skip
        g = m.engagement
        assert (g.last_interaction, g.interactions, g.interactions_previous) == (
            e.last, e.recent, e.previous,
        )  # fmt: skip
        assert g.sentiment == pytest.approx(e.sentiment)
        assert g.sentiment_previous == pytest.approx(e.sentiment_previous)
        assert tuple((k.employee.id, k.strength) for k in m.known_by) == e.known_by


# --- hand-built ---------------------------------------------------------------------------------


@pytest.fixture
def graph(driver: Driver, settings: Settings) -> Iterator[TGraph]:
    g = TGraph()
    yield g
    g.delete(driver, settings.neo4j_database)


def acme(g: TGraph) -> dict[str, str]:
    p = {
        "acme": g.organization("Acme"),
        "other": g.organization("Other"),
        "bare": g.organization("Bare"),
    }
    for name in ("dm", "champ", "mgr", "user1", "infl", "loop1", "loop2", "newbie", "lonely"):
        p[name] = g.person(name)
    for name in ("e1", "e2"):
        p[name] = g.employee(name)
    acme_, d = p["acme"], g.deal("D1", p["acme"])
    p["D1"] = d
    g.edge("WORKS_FOR", p["dm"], acme_, title="CEO", department="Executive")
    g.edge("WORKS_FOR", p["champ"], acme_, title="VP Operations", department="Operations")
    g.edge("WORKS_FOR", p["newbie"], p["other"], title="Buyer", department="Purchasing")
    g.edge("WORKS_FOR", p["newbie"], acme_, title="Analyst", department="Finance")
    g.edge("REPORTS_TO", p["champ"], p["dm"])
    g.edge("REPORTS_TO", p["mgr"], p["champ"])
    g.edge("REPORTS_TO", p["user1"], p["mgr"])
    g.edge("REPORTS_TO", p["loop1"], p["loop2"])
    g.edge("REPORTS_TO", p["loop2"], p["loop1"])
    g.seat(p["dm"], acme_, ["decision_maker", "economic_buyer"], 0.9, False)
    g.seat(p["champ"], acme_, ["champion"], 0.5, True)
    g.seat(p["user1"], acme_, ["user"], 0.1, False)
    g.seat(p["infl"], acme_, ["influencer"], 0.3, False)
    g.seat(p["infl"], acme_, ["gatekeeper"], 0.4, False)
    g.seat(p["loop1"], acme_, ["blocker"], None, False)
    g.seat(p["champ"], d, ["champion"], 0.6, True)
    g.seat(p["newbie"], d, ["decision_maker"], 0.7, False)
    g.seat(p["lonely"], p["bare"], ["user"], 0.2, False)
    g.knows(p["e2"], p["dm"], 0.8, dt.date(2021, 1, 1))
    g.knows(p["e1"], p["dm"], 0.8, dt.date(2022, 1, 1))
    g.knows(p["e1"], p["champ"], 0.3, dt.date(2023, 1, 1))
    g.edge("OWNS_ACCOUNT", p["e1"], acme_)
    g.interaction(p["dm"], at(2024, 6, 1), 0.5, p["e1"])
    g.interaction(p["dm"], at(2024, 5, 1), 0.3)
    g.interaction(p["dm"], at(2024, 2, 1), -0.2)
    g.interaction(p["dm"], at(2024, 7, 15), -1.0)  # after the as-of instant
    g.interaction(p["champ"], at(2023, 6, 1), 0.9)
    g.interaction(p["infl"], at(2024, 4, 15), None)
    g.interaction(p["loop1"], at(2024, 3, 1), 0.1)
    g.interaction(p["loop1"], at(2024, 6, 20), 0.15)
    return p


def test_an_accounts_committee(graph: TGraph, driver: Driver, settings: Settings) -> None:
    p = acme(graph)
    graph.write(driver, settings.neo4j_database)
    found = call(settings, lambda d, db: account_committee(d, db, p["acme"], as_of=AS_OF))
    assert found is not None
    assert (found.id, found.name, found.kind, found.as_of) == (p["acme"], "Acme", "account", AS_OF)
    assert found.account is not None and found.account.id == p["acme"]
    assert [o.id for o in found.owners] == [p["e1"]]
    by_name = {m.person.name: m for m in found.members}
    assert [m.person.name for m in found.members] == ["champ", "dm", "infl", "user1", "loop1"]
    dm, champ, infl, user1, loop1 = (by_name[n] for n in ("dm", "champ", "infl", "user1", "loop1"))
    assert (dm.title, dm.department, dm.manager, dm.committee_manager_id) == (
        "CEO", "Executive", None, None,
    )  # fmt: skip
    assert dm.roles == (R.DECISION_MAKER, R.ECONOMIC_BUYER)
    assert [k.employee.id for k in dm.known_by] == [p["e1"], p["e2"]]  # same strength: by id
    assert dm.known_by[0].since == dt.date(2022, 1, 1)
    e = dm.engagement
    assert (e.last_interaction, e.interactions, e.interactions_previous) == (at(2024, 6, 1), 2, 1)
    assert e.sentiment == pytest.approx(0.4) and e.sentiment_previous == -0.2
    assert e.trend is Trend.RISING
    assert champ.primary and champ.committee_manager_id == p["dm"]
    assert [x.id for x in user1.reporting_line] == [p["mgr"], p["champ"], p["dm"]]
    assert user1.manager is not None and user1.manager.id == p["mgr"]
    assert user1.committee_manager_id == p["champ"]  # the nearest manager on the committee
    assert (infl.roles, infl.influence, infl.primary) == ((R.INFLUENCER, R.GATEKEEPER), 0.4, False)
    assert len(infl.seats) == 2 and infl.engagement.trend is Trend.UNKNOWN
    assert [x.id for x in loop1.reporting_line] == [p["loop2"]]  # cut before the cycle repeats
    assert loop1.engagement.trend is Trend.STEADY and loop1.influence is None
    assert [(c.role, c.members, c.engaged) for c in found.coverage] == [
        (R.DECISION_MAKER, 1, 1), (R.ECONOMIC_BUYER, 1, 1), (R.CHAMPION, 1, 0),
        (R.INFLUENCER, 1, 1), (R.USER, 1, 0), (R.GATEKEEPER, 1, 1), (R.BLOCKER, 1, 1),
    ]  # fmt: skip
    assert found.gaps == (
        Gap(R.CHAMPION, GapReason.DISENGAGED, at(2023, 6, 1)),
        Gap(R.USER, GapReason.DISENGAGED, None),
    )
    seats = [
        Seat(e.props["src"], e.start, e.end, tuple(e.props["roles"]), e.props["influence"],
             e.props["primary"])
        for e in graph.edges if e.type == "ON_COMMITTEE" and e.end == p["acme"]
    ]  # fmt: skip
    touches = [Touch(i.id, i.party, i.at, i.sentiment, i.employee) for i in graph.interactions]
    knows = [
        Knows(e.props["src"], e.start, e.end, e.props["strength"], e.props["since"])
        for e in graph.edges if e.type == "KNOWS"
    ]  # fmt: skip
    expected = reference_members(seats, touches, knows, AS_OF)
    assert_members(found, expected)
    assert (list(found.coverage), list(found.gaps)) == reference_gaps(expected, AS_OF, 90)


def test_a_deals_committee_and_missing_roles(
    graph: TGraph, driver: Driver, settings: Settings
) -> None:
    p = acme(graph)
    graph.write(driver, settings.neo4j_database)

    async def work(d: AsyncDriver, db: str) -> tuple[Committee | None, ...]:
        return (
            await deal_committee(d, db, p["D1"], as_of=AS_OF),
            await account_committee(d, db, p["bare"], as_of=AS_OF, stale_days=30),
            await account_committee(d, db, p["dm"]),  # a person is no account
            await deal_committee(d, db, "t:no-deal"),
            await account_committee(d, db, p["acme"], scope=BrokerNetwork("t:a-broker")),
        )

    deal, bare, person, missing, hidden = call(settings, work)
    assert deal is not None and (deal.kind, deal.id) == ("deal", p["D1"])
    assert deal.account is not None and deal.account.id == p["acme"]
    assert [(m.person.name, m.title, m.influence) for m in deal.members] == [
        ("champ", "VP Operations", 0.6), ("newbie", "Analyst", 0.7),
    ]  # fmt: skip
    assert deal.gaps == (
        Gap(R.DECISION_MAKER, GapReason.DISENGAGED, None),
        Gap(R.ECONOMIC_BUYER, GapReason.MISSING, None),
        Gap(R.CHAMPION, GapReason.DISENGAGED, at(2023, 6, 1)),
    )
    assert bare is not None and [g.role for g in bare.gaps] == [
        R.DECISION_MAKER, R.ECONOMIC_BUYER, R.USER,
    ]  # fmt: skip
    assert bare.gaps[0].reason is GapReason.MISSING
    assert (person, missing, hidden) == (None, None, None)
    with pytest.raises(ValueError, match="timezone"):
        call(
            settings,
            lambda d, db: account_committee(d, db, p["acme"], as_of=dt.datetime(2024, 1, 1)),
        )


# --- the demo sample ----------------------------------------------------------------------------


def test_the_demo_samples_committees_equal_the_reference(
    demo_loaded: DemoData, driver: Driver, settings: Settings
) -> None:
    sample = load_sample(driver, settings.neo4j_database, demo_loaded.folder)
    as_of = dt.datetime(2023, 12, 31, tzinfo=UTC)
    targets = sorted({s.target for s in sample.seats})
    deals = {s.target for s in sample.seats if s.target.startswith("crm:D")}
    assert len(targets) > 30 and deals

    async def work(d: AsyncDriver, db: str) -> list[Committee | None]:
        return [
            await (deal_committee if t in deals else account_committee)(d, db, t, as_of=as_of)
            for t in targets
        ]

    engaged = checked = 0
    for target, found in zip(targets, call(settings, work), strict=True):
        assert found is not None, target
        seats = [s for s in sample.seats if s.target == target]
        expected = reference_members(seats, sample.touches, sample.knows, as_of)
        assert_members(found, expected)
        assert (list(found.coverage), list(found.gaps)) == reference_gaps(expected, as_of, 90)
        engaged += sum(1 for m in found.members if m.engagement.interactions)
        for m in found.members:  # titles and managers of parties made of one CRM contact
            records = sample.records_of.get(m.person.id, [])
            if len(records) != 1 or records[0] not in sample.contacts:
                continue
            contact = sample.contacts[records[0]]
            assert (m.title, m.department) == (contact.title, contact.department)
            manager = sample.party_of.get(contact.manager) if contact.manager else None
            assert (m.manager.id if m.manager else None) == manager
            checked += 1
    assert engaged > 0 and checked > 50


# --- plans --------------------------------------------------------------------------------------


@pytest.mark.parametrize("scoped", [False, True])
@pytest.mark.parametrize("anchor", [_anchor_account, _anchor_deal])
def test_committee_statements_are_anchored_on_an_index_seek(
    driver: Driver, settings: Settings, scoped: bool, anchor: object
) -> None:
    scope = BrokerNetwork("t:some-broker") if scoped else None
    stmt = statement(_committee(anchor), scope)  # type: ignore[arg-type]
    params = {"id": "t:x", "asOf": AS_OF, "recent": AS_OF, "previous": AS_OF}
    plan = explain(driver, settings.neo4j_database, stmt.text, {**params, **stmt.params})
    label = "t:Deal(id)" if anchor is _anchor_deal else "t:Party(id)"
    assert plan.anchor == "NodeUniqueIndexSeek" and label in plan.anchor_details
    assert not SCANS & set(plan.operators)
