"""Incremental identity resolution equals a full resolution from scratch.

Random sequences of loads and edits of person records (typos, shared and placeholder mailboxes, people
coming and going from blocks, an e-mail shared by more records than an exact rule trusts); after each
load, the graph's parties and stored links must be those `find_links` + `clusters` give over every party
record in the graph with the stored name model. The records use made-up names, places and a birth
year no other test uses, so no other test's records share a blocking key with them.
"""

from __future__ import annotations

import asyncio

import orjson
from hypothesis import event, given, settings
from hypothesis import strategies as st

from graph.driver import open_driver
from graph.identity import progress, reconcile, store
from loaders.matching import MatchConfig, NameStats, PartyRecord, clusters, find_links
from tests.loaders.conftest import Loader

GIVEN = ["quorble", "zandry", "vexil", "quorbel", "zandri"]  # two typo pairs
SURNAMES = ["thrangwick", "thrangwik", "mulberrow"]
PLACES = [("9901", "zyxville"), ("9902", "qatown")]
MAILBOX = "everyone@{s}.invalid"  # on many records: past `max_exact_group` it links nothing

RECORD = st.fixed_dictionaries(
    {
        "given": st.sampled_from(GIVEN),
        "surname": st.sampled_from(SURNAMES),
        "day": st.integers(1, 3),
        "place": st.integers(0, 1),
        "email": st.sampled_from(["own", "family", "mailbox", "none"]),
    }
)
# A step writes some of 24 record slots (new records or edits of loaded ones).
STEP = st.dictionaries(st.integers(0, 23), RECORD, min_size=1, max_size=24)

FIELDS = {
    "id": "id",
    "given_name": "first",
    "surname": "last",
    "email": "email",
    "date_of_birth": {"column": "dob", "date": "%Y-%m-%d"},
    "postcode": "postcode",
    "locality": "town",
}


def row(loader: Loader, slot: int, r: dict[str, object]) -> str:
    s = loader.system
    email = {
        "own": f"{r['given']}.{slot}@{s}.invalid",
        "family": f"{r['surname']}@{s}.invalid",
        "mailbox": MAILBOX.format(s=s),
        "none": "",
    }[str(r["email"])]
    postcode, town = PLACES[int(str(r["place"]))]
    return f"r{slot:02d},{r['given']},{r['surname']},{email},1901-02-0{r['day']},{postcode},{town}"


def full_resolution(loader: Loader) -> tuple[dict[str, str], set[tuple[str, str, str, float]]]:
    """Parties and links of this test's records by a full resolution with the stored model."""

    async def go() -> tuple[list[progress.Row], progress.Model | None]:
        driver = open_driver(loader.settings)
        try:
            db = loader.settings.neo4j_database
            return await progress.all_records(driver, db), await progress.model(driver, db)
        finally:
            await driver.close()

    rows, model = asyncio.run(go())
    assert model is not None and model.complete
    records = [PartyRecord.of(r.id, r.kind, orjson.loads(r.data)) for r in rows]
    links = find_links(records, MatchConfig(), NameStats(model.counts, model.people))
    assignment = clusters((r.id for r in records), links)
    mine = f"{loader.system}:"
    return (
        {r: p for r, p in assignment.items() if r.startswith(mine)},
        {(k.a, k.b, k.rule, k.score) for k in links if k.a.startswith(mine)},
    )


def graph_resolution(loader: Loader) -> tuple[dict[str, str], set[tuple[str, str, str, float]]]:
    parties = loader.query(
        "MATCH (s:SourceRecord)-[:RESOLVES_TO]->(p:Party) WHERE s.id STARTS WITH $p "
        "RETURN s.id AS record, p.id AS party",
        p=f"{loader.system}:",
    )
    links = loader.query(
        "MATCH (a:SourceRecord)-[m:MATCHES]->(b) WHERE a.id STARTS WITH $p "
        "RETURN a.id AS a, b.id AS b, m.rule AS rule, m.score AS score",
        p=f"{loader.system}:",
    )
    return (
        {r["record"]: r["party"] for r in parties},
        {(r["a"], r["b"], r["rule"], r["score"]) for r in links},
    )


@settings(max_examples=8)
@given(st.lists(STEP, min_size=2, max_size=3))
def test_incremental_resolution_equals_a_full_one(loader: Loader, steps: list[dict]) -> None:  # type: ignore[type-arg]
    loader.cleanup()
    mapping = loader.mapping([{"file": "people.csv", "entity": "person", "fields": FIELDS}])
    for step in steps:
        lines = [row(loader, slot, r) for slot, r in sorted(step.items())]
        loader.write("people.csv", "id,first,last,email,dob,postcode,town\n" + "\n".join(lines))
        report = loader.run(mapping)
        assert report.rejected == 0
        parties, links = graph_resolution(loader)
        if report.resolution is not None:  # (None: the step repeated what was loaded)
            event("full" if report.resolution.full else "incremental")
        assert (parties, links) == full_resolution(loader)
        assert stale_parties(loader, set(parties.values())) == []
        event(f"merged records: {sum(r != p for r, p in parties.items()) > 0}")


def stale_parties(loader: Loader, party_ids: set[str]) -> list[str]:
    """The parties whose stored labels and properties are not those their records give now (a
    party a load should have rebuilt and did not)."""
    found = loader.query(store.RECORDS_OF, ids=sorted(party_ids))[0]["parties"]
    assert {p["id"] for p in found} == party_ids
    return [
        p["id"] for p in found if reconcile.party(p["id"], p["records"], ())["hash"] != p["hash"]
    ]
