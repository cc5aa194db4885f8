"""Buying committees: who sits on an account's (or a deal's) committee, how engaged each member
is, which roles are left uncovered, and which of our employees know each member.

A member is a person with an `ON_COMMITTEE` edge to the account or the deal (several seats of one
person are merged: roles united, the highest influence, primary if any seat is). For each member:
title and department (its `WORKS_FOR` edge, the account's first), its reporting line (the
`REPORTS_TO` chain upwards, at most 10 managers, cut before a repeat) and the nearest manager on
the same committee (the committee's reports-to tree); engagement as of an instant (last
interaction, interactions and average sentiment in the last `window_days` and in the window
before, and the sentiment trend between them); the employees who `KNOWS` it.

Coverage: a role is engaged when a member holding it had an interaction in the last `stale_days`.
Gaps: a required role (decision maker, economic buyer) nobody holds, or a role whose holders are
all disengaged.

One statement per committee, anchored on the account's or the deal's id (unique index seeks).
With a scope, a deal is visible when its account is (a deal without an account is not), and
members, managers, owners and acquaintances the scope hides are left out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import Enum
from typing import Any, LiteralString

from neo4j import AsyncDriver

from graph.clock import now_or_graph_today
from graph.errors import InputRefused
from graph.ingest.records import CommitteeRole
from graph.read.scope import Scope
from graph.traversals.common import (
    PartyRef,
    Seen,
    bounded,
    day,
    everyone,
    instant,
    party_map,
    run,
    statement,
)

EARLIEST = dt.datetime.min.replace(tzinfo=dt.UTC)  # the windows before `as_of` must start after it
TREND_THRESHOLD = 0.1  # a sentiment change smaller than this is steady


REQUIRED_ROLES = (CommitteeRole.DECISION_MAKER, CommitteeRole.ECONOMIC_BUYER)


class Trend(Enum):
    RISING = "rising"
    STEADY = "steady"
    FALLING = "falling"
    UNKNOWN = "unknown"  # no sentiment in one of the two windows


class GapReason(Enum):
    MISSING = "missing"  # a required role nobody on the committee holds
    DISENGAGED = "disengaged"  # the role's holders had no interaction in the last `stale_days`


@dataclass(frozen=True, slots=True)
class Acquaintance:
    """One of our employees who knows a member."""

    employee: PartyRef
    strength: float | None
    since: dt.date | None


@dataclass(frozen=True, slots=True)
class Engagement:
    last_interaction: dt.datetime | None  # at or before the as-of instant
    interactions: int  # in (as_of - window, as_of]
    interactions_previous: int  # in (as_of - 2 window, as_of - window]
    sentiment: float | None  # average sentiment of `interactions`
    sentiment_previous: float | None
    trend: Trend


@dataclass(frozen=True, slots=True)
class Member:
    person: PartyRef
    roles: tuple[CommitteeRole, ...]
    influence: float | None
    primary: bool
    seats: tuple[str, ...]  # ids of the source records of its seats
    title: str | None
    department: str | None
    manager: PartyRef | None  # its direct manager, on the committee or not
    reporting_line: tuple[PartyRef, ...]  # manager, manager's manager, ...
    committee_manager_id: str | None  # the nearest manager in the line who is a member
    engagement: Engagement
    known_by: tuple[Acquaintance, ...]  # strongest first


@dataclass(frozen=True, slots=True)
class RoleCoverage:
    role: CommitteeRole
    members: int  # members holding the role
    engaged: int  # of them, those with an interaction in the last `stale_days`
    last_interaction: dt.datetime | None  # the latest of its holders'


@dataclass(frozen=True, slots=True)
class Gap:
    role: CommitteeRole
    reason: GapReason
    last_interaction: dt.datetime | None  # the holders' latest (None when missing)


@dataclass(frozen=True, slots=True)
class Committee:
    id: str  # the account's or the deal's id
    name: str | None
    kind: str  # "account" or "deal"
    account: PartyRef | None  # the account (for a deal, the one it is for)
    owners: tuple[PartyRef, ...]  # employees owning the account
    as_of: dt.datetime
    members: tuple[Member, ...]  # primary first, then by influence
    coverage: tuple[RoleCoverage, ...]  # one per role, in `CommitteeRole` order
    gaps: tuple[Gap, ...]


def _anchor_account(seen: Seen) -> LiteralString:
    return (
        "MATCH (t:Party {id: $id})\n"
        "WHERE t:Organization AND " + seen("t") + "\n"
        "WITH t, t AS account, 'account' AS kind\n"
    )


def _anchor_deal(seen: Seen) -> LiteralString:
    return (
        "MATCH (t:Deal {id: $id})\n"
        "OPTIONAL MATCH (t)-[:FOR_ACCOUNT]->(a:Party)\n"
        "WITH t, a AS account, 'deal' AS kind\n"
        "WHERE " + seen("account") + "\n"
    )


def _committee(anchor: Callable[[Seen], LiteralString]) -> Callable[[Seen], LiteralString]:
    def build(seen: Seen) -> LiteralString:
        return (
            anchor(seen) + "CALL (t, account) {\n"
            "  OPTIONAL MATCH (m:Party)-[s:ON_COMMITTEE]->(t)\n"
            "  WHERE " + seen("m") + "\n"
            "  CALL (m) {\n"
            "    OPTIONAL MATCH (m)-[:HAD]->(i:Interaction)\n"
            "    WHERE i.at <= $asOf\n"
            "    RETURN max(i.at) AS last,\n"
            "      count(CASE WHEN i.at > $recent THEN 1 END) AS recent,\n"
            "      count(CASE WHEN $previous < i.at <= $recent THEN 1 END) AS previous,\n"
            "      avg(CASE WHEN i.at > $recent THEN i.sentiment END) AS sentiment,\n"
            "      avg(CASE WHEN $previous < i.at <= $recent THEN i.sentiment END)\n"
            "        AS sentimentPrevious\n"
            "  }\n"
            "  RETURN collect(CASE WHEN m IS NULL THEN null ELSE {\n"
            "    person: " + party_map("m") + ", roles: s.roles, influence: s.influence,\n"
            "    primary: s.primary, seat: s.src,\n"
            "    job: COLLECT { MATCH (m)-[w:WORKS_FOR]->(o)\n"
            "      RETURN {title: w.title, department: w.department}\n"
            "      ORDER BY coalesce(o = account, false) DESC, o.id LIMIT 1 },\n"
            "    line: COLLECT { MATCH p = (m)(()-[:REPORTS_TO]->(x) WHERE "
            + seen("x")
            + "){1,10}()\n"
            "      RETURN [n IN nodes(p)[1..] | " + party_map("n") + "]\n"
            "      ORDER BY length(p) DESC LIMIT 1 },\n"
            "    knownBy: COLLECT { MATCH (e:Party)-[k:KNOWS]->(m) WHERE " + seen("e") + "\n"
            "      RETURN {employee: "
            + party_map("e")
            + ", strength: k.strength, since: k.since} },\n"
            "    last: last, recent: recent, previous: previous, sentiment: sentiment,\n"
            "    sentimentPrevious: sentimentPrevious\n"
            "  } END) AS members\n"
            "}\n"
            "RETURN t.id AS id, t.name AS name, kind, members,\n"
            "  CASE WHEN account IS NULL THEN null ELSE "
            + party_map("account")
            + " END AS account,\n"
            "  COLLECT { MATCH (e:Party)-[:OWNS_ACCOUNT]->(account) WHERE " + seen("e") + "\n"
            "    RETURN " + party_map("e") + " AS owner ORDER BY owner.id } AS owners\n"
        )

    return build


ACCOUNT_COMMITTEE: LiteralString = _committee(_anchor_account)(everyone)
DEAL_COMMITTEE: LiteralString = _committee(_anchor_deal)(everyone)


def _trend(recent: float | None, previous: float | None) -> Trend:
    if recent is None or previous is None:
        return Trend.UNKNOWN
    if recent - previous > TREND_THRESHOLD:
        return Trend.RISING
    if previous - recent > TREND_THRESHOLD:
        return Trend.FALLING
    return Trend.STEADY


def _line(person_id: str, found: list[list[dict[str, Any]]]) -> tuple[PartyRef, ...]:
    """The managers upwards, cut before the first party already met (a cycle)."""
    met = {person_id}
    line: list[PartyRef] = []
    for value in found[0] if found else []:
        if value["id"] in met:
            break
        met.add(value["id"])
        line.append(PartyRef.of(value))
    return tuple(line)


def _roles(values: list[Any] | None) -> set[CommitteeRole]:
    known = {r.value: r for r in CommitteeRole}
    return {known[v] for v in values or () if v in known}


def _members(rows: list[dict[str, Any]]) -> list[Member]:
    seats: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        seats.setdefault(row["person"]["id"], []).append(row)
    members: list[Member] = []
    for person_id, found in seats.items():
        row = found[0]
        roles = set().union(*(_roles(s["roles"]) for s in found))
        influences = [s["influence"] for s in found if s["influence"] is not None]
        job = row["job"][0] if row["job"] else {}
        line = _line(person_id, row["line"])
        known = sorted(
            (
                Acquaintance(PartyRef.of(k["employee"]), k["strength"], day(k["since"]))
                for k in row["knownBy"]
            ),
            key=lambda a: (-(a.strength if a.strength is not None else -1.0), a.employee.id),
        )
        members.append(
            Member(
                person=PartyRef.of(row["person"]),
                roles=tuple(r for r in CommitteeRole if r in roles),
                influence=max(influences) if influences else None,
                primary=any(bool(s["primary"]) for s in found),
                seats=tuple(sorted(s["seat"] for s in found if s["seat"] is not None)),
                title=job.get("title"),
                department=job.get("department"),
                manager=line[0] if line else None,
                reporting_line=line,
                committee_manager_id=None,
                engagement=Engagement(
                    last_interaction=instant(row["last"]),
                    interactions=row["recent"],
                    interactions_previous=row["previous"],
                    sentiment=row["sentiment"],
                    sentiment_previous=row["sentimentPrevious"],
                    trend=_trend(row["sentiment"], row["sentimentPrevious"]),
                ),
                known_by=tuple(known),
            )
        )
    on_committee = {m.person.id for m in members}
    members = [_with_committee_manager(m, on_committee) for m in members]
    members.sort(
        key=lambda m: (
            not m.primary,
            -(m.influence if m.influence is not None else -1.0),
            m.person.id,
        )
    )
    return members


def _with_committee_manager(member: Member, on_committee: set[str]) -> Member:
    boss = next((p.id for p in member.reporting_line if p.id in on_committee), None)
    if boss is None:
        return member
    return replace(member, committee_manager_id=boss)


def coverage(
    members: list[Member], as_of: dt.datetime, stale_days: int
) -> tuple[tuple[RoleCoverage, ...], tuple[Gap, ...]]:
    """Each role's holders and engaged holders, and the committee's gaps."""
    since = as_of - dt.timedelta(days=stale_days)
    found: list[RoleCoverage] = []
    gaps: list[Gap] = []
    for role in CommitteeRole:
        holders = [m for m in members if role in m.roles]
        lasts = [m.engagement.last_interaction for m in holders]
        seen = [t for t in lasts if t is not None]
        last = max(seen) if seen else None
        engaged = sum(1 for t in seen if t > since)
        found.append(RoleCoverage(role, len(holders), engaged, last))
        if not holders and role in REQUIRED_ROLES:
            gaps.append(Gap(role, GapReason.MISSING, None))
        elif holders and not engaged:
            gaps.append(Gap(role, GapReason.DISENGAGED, last))
    return tuple(found), tuple(gaps)


async def _committee_of(
    build: Callable[[Seen], LiteralString],
    driver: AsyncDriver,
    database: str,
    target_id: str,
    as_of: dt.datetime | None,
    window_days: int,
    stale_days: int,
    scope: Scope | None,
    timeout: float,
) -> Committee | None:
    bounded("window_days", window_days, 1, 3660)
    bounded("stale_days", stale_days, 1, 3660)
    at = as_of or await now_or_graph_today(driver, database)
    if at.tzinfo is None:
        raise InputRefused("as_of must be timezone-aware")
    window = dt.timedelta(days=window_days)
    earliest = EARLIEST + max(2 * window, dt.timedelta(days=stale_days))
    if at < earliest:
        raise InputRefused(
            f"asOf must be on or after {earliest.date().isoformat()} (its windows start "
            f"{2 * window_days} days before it)"
        )
    params = {"id": target_id, "asOf": at, "recent": at - window, "previous": at - 2 * window}
    records = await run(driver, database, statement(build, scope), params, timeout)
    if not records:
        return None
    record = records[0]
    members = _members(record["members"])
    roles, gaps = coverage(members, at, stale_days)
    account = record["account"]
    return Committee(
        id=record["id"],
        name=record["name"],
        kind=record["kind"],
        account=PartyRef.of(account) if account else None,
        owners=tuple(PartyRef.of(o) for o in record["owners"]),
        as_of=at,
        members=tuple(members),
        coverage=roles,
        gaps=gaps,
    )


async def account_committee(
    driver: AsyncDriver,
    database: str,
    account_id: str,
    *,
    as_of: dt.datetime | None = None,
    window_days: int = 90,
    stale_days: int = 90,
    scope: Scope | None = None,
    timeout: float = 10.0,
) -> Committee | None:
    """The buying committee of an organization (None when it does not exist, is not an
    organization or the scope hides it), as of `as_of` (timezone-aware; default now)."""
    return await _committee_of(
        _committee(_anchor_account), driver, database, account_id, as_of,
        window_days, stale_days, scope, timeout,
    )  # fmt: skip


async def deal_committee(
    driver: AsyncDriver,
    database: str,
    deal_id: str,
    *,
    as_of: dt.datetime | None = None,
    window_days: int = 90,
    stale_days: int = 90,
    scope: Scope | None = None,
    timeout: float = 10.0,
) -> Committee | None:
    """The buying committee of a deal (None when it does not exist or the scope hides its
    account), as of `as_of` (timezone-aware; default now)."""
    return await _committee_of(
        _committee(_anchor_deal), driver, database, deal_id, as_of,
        window_days, stale_days, scope, timeout,
    )  # fmt: skip
