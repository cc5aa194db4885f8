"""Every root field and relationship field answers exactly what the factory wrote."""

from __future__ import annotations

import orjson
from starlette.testclient import TestClient

from tests.schema import expect as x
from tests.schema.conftest import World, data, run

PARTY = "id key kind roles name email phone country sources"
CUSTOMER = PARTY + " status segment createdAt externalIds"
PERSON = CUSTOMER + " givenName surname dateOfBirth streetNumber street locality postcode state"
INTERACTION = "key at channel direction type outcome sentiment"

JOHN_360 = f"""
query($id: ID!) {{
  customer(id: $id) {{
    __typename {CUSTOMER} lastActivityDate
    ... on Person {{
      givenName surname dateOfBirth streetNumber street locality postcode state
      household {{ role household {{ key name members {{ totalCount edges {{ role node {{ key }} }} }} }} }}
      employment {{ title department organization {{ key name }} }}
      manager {{ key name }}
      committeeSeats {{ edges {{ roles influence primary node {{ __typename ... on Organization {{ key }} }} }} }}
    }}
    identities {{ totalCount edges {{ rule score matchedAt node {{ key system recordId entity data }} }} }}
    interactions {{ totalCount edges {{ node {{ {INTERACTION}
      handledBy {{ key title team }} product {{ key name }} }} }} }}
    orders {{ edges {{ node {{ key date amount currency quantity status
      lines {{ edges {{ node {{ key lineNo quantity amount currency product {{ key name price currency }} }} }} }} }} }} }}
    productsOwned {{ totalCount edges {{ node {{ key name category }} }} }}
    surveyResponses {{ edges {{ node {{ key at score survey comment }} }} }}
    referredBy {{ edges {{ date channel incentive currency node {{ __typename key }} }} }}
    referrals {{ edges {{ date channel node {{ key }} }} }}
    broker {{ key name partnerType }}
    accountOwner {{ key title accounts {{ edges {{ node {{ key }} }} }} }}
  }}
}}
"""


def test_customer_360(client: TestClient, world: World) -> None:
    g, john = world.g, world.john
    found = data(client, JOHN_360, {"id": world.gid(john)})["customer"]
    records = sorted(john.records, key=lambda r: r.id)
    expected = (
        {"__typename": "Person"}
        | x.customer(john, world.gid(john))
        | {"lastActivityDate": x.last_activity(g, john)}
        | {k: v for k, v in x.person(john, "").items() if k not in x.customer(john, "")}
        | {
            "household": {
                "role": "head",
                "household": {
                    "key": world.smiths.id,
                    "name": "The Smiths",
                    "members": {
                        "totalCount": 3,
                        "edges": [
                            {
                                "role": {world.john.id: "head", world.jane.id: "spouse"}.get(p.id),
                                "node": {"key": p.id},
                            }
                            for p in sorted([world.john, world.jane, world.kid], key=lambda p: p.id)
                        ],
                    },
                },
            },
            "employment": {
                "title": "Engineer",
                "department": "R&D",
                "organization": {"key": world.acme.id, "name": "Acme GmbH"},
            },
            "manager": {"key": world.carol.id, "name": "Carol Decider"},
            "committeeSeats": {
                "edges": [
                    {
                        "roles": ["USER", "CHAMPION"],
                        "influence": 0.4,
                        "primary": False,
                        "node": {"__typename": "Organization", "key": world.acme.id},
                    }
                ]
            },
            "identities": {
                "totalCount": 3,
                "edges": [
                    {
                        "rule": r.rule,
                        "score": r.score,
                        "matchedAt": x.iso_instant(r.at),
                        "node": {
                            "key": r.id,
                            "system": r.system,
                            "recordId": r.record_id,
                            "entity": "person",
                            "data": orjson.dumps(r.data).decode(),
                        },
                    }
                    for r in records
                ],
            },
            "interactions": {
                "totalCount": 4,
                "edges": [
                    {
                        "node": x.interaction(n)
                        | {
                            "handledBy": None
                            if n["employeeRef"] is None
                            else {
                                "key": n["employeeRef"],
                                "title": g.parties[n["employeeRef"]]["title"],
                                "team": g.parties[n["employeeRef"]]["team"],
                            },
                            "product": {"key": world.widget.id, "name": "Widget"}
                            if g.out("ABOUT", n.id)
                            else None,
                        }
                    }
                    for n in x.newest_interactions(g, john)
                ],
            },
            "orders": {
                "edges": [
                    {
                        "node": {
                            "key": o.id,
                            "date": o["date"].isoformat(),
                            "amount": o["amount"],
                            "currency": o["currency"],
                            "quantity": o["quantity"],
                            "status": o["status"],
                            "lines": {
                                "edges": [
                                    {
                                        "node": {
                                            "key": line.id,
                                            "lineNo": line["lineNo"],
                                            "quantity": line["quantity"],
                                            "amount": line["amount"],
                                            "currency": line["currency"],
                                            "product": {
                                                k: x.product_of(g, line)[k]
                                                for k in ("name", "price", "currency")
                                            }
                                            | {"key": x.product_of(g, line).id},
                                        }
                                    }
                                    for line in x.lines(g, o)
                                ]
                            },
                        }
                    }
                    for o in x.newest_orders(g, john)
                ]
            },
            "productsOwned": {
                "totalCount": 2,
                "edges": [
                    {"node": {"key": p.id, "name": p["name"], "category": p["category"]}}
                    for p in x.products_owned(g, john)
                ],
            },
            "surveyResponses": {
                "edges": [
                    {
                        "node": {
                            "key": s.id,
                            "at": x.iso_instant(s["at"]),
                            "score": s["score"],
                            "survey": "nps",
                            "comment": s["comment"],
                        }
                    }
                    for s in sorted(world.surveys, key=lambda s: s["at"], reverse=True)
                ]
            },
            "referredBy": {
                "edges": [
                    {
                        "date": "2022-01-10",
                        "channel": "partner",
                        "incentive": 50.0,
                        "currency": "EUR",
                        "node": {"__typename": "Broker", "key": world.brokerage.id},
                    }
                ]
            },
            "referrals": {
                "edges": [
                    {"date": "2023-03-01", "channel": "friend", "node": {"key": world.kid.id}}
                ]
            },
            "broker": {
                "key": world.brokerage.id,
                "name": "Brokerage Partners Ltd",
                "partnerType": "BROKER",
            },
            "accountOwner": {
                "key": world.eve.id,
                "title": "Account Manager",
                "accounts": {
                    "edges": [{"node": {"key": k}} for k in sorted([world.john.id, world.acme.id])]
                },
            },
        }
    )
    assert found == expected
    assert list(found) == list(expected)  # fields come back in the order asked
    assert expected["lastActivityDate"] == "2024-03-12"
    assert [e["node"]["key"] for e in found["productsOwned"]["edges"]] == [
        world.widget.id,
        world.gadget.id,
    ]


ACCOUNT = """
query($id: ID!) {
  account(id: $id) {
    key name domain industry size status segment lastActivityDate
    parent { key name subsidiaries { edges { node { key } } } }
    contacts { totalCount edges { title department node { key name } } }
    committee { edges { roles influence primary node { key } } }
    deals { edges { node { key name stage amount currency openedAt
      account { key } committee { edges { roles influence primary node { key } } } } } }
    referredBy { edges { date channel incentive currency node { __typename key ... on Broker { partnerType } } } }
    broker { key }
    orders { edges { node { key amount currency customer { __typename key } } } }
    interactions { edges { node { key channel customer { key } handledBy { key } product { key } } } }
  }
}
"""


def test_account(client: TestClient, world: World) -> None:
    acme, carol, john = world.acme, world.carol, world.john
    found = data(client, ACCOUNT, {"id": world.gid(acme)})["account"]
    contacts = sorted([(john, "Engineer", "R&D"), (carol, "CFO", "Finance")], key=lambda c: c[0].id)
    seats = sorted((e for e in world.g.into("ON_COMMITTEE", acme.id)), key=lambda e: e["src"])
    assert found == {
        "key": acme.id,
        "name": "Acme GmbH",
        "domain": "acme.example",
        "industry": "tools",
        "size": 250,
        "status": "ACTIVE",
        "segment": "enterprise",
        "lastActivityDate": "2024-01-29",
        "parent": {
            "key": world.parent.id,
            "name": "Acme Holding AG",
            "subsidiaries": {"edges": [{"node": {"key": acme.id}}]},
        },
        "contacts": {
            "totalCount": 2,
            "edges": [
                {"title": t, "department": d, "node": {"key": p.id, "name": p["name"]}}
                for p, t, d in contacts
            ],
        },
        "committee": {
            "edges": [
                {
                    "roles": [r.upper() for r in e["roles"]],
                    "influence": e["influence"],
                    "primary": e["primary"],
                    "node": {"key": e.start},
                }
                for e in seats
            ]
        },
        "deals": {
            "edges": [
                {
                    "node": {
                        "key": world.deal.id,
                        "name": "Renewal 2024",
                        "stage": "negotiation",
                        "amount": 120000.0,
                        "currency": "EUR",
                        "openedAt": "2024-01-10",
                        "account": {"key": acme.id},
                        "committee": {
                            "edges": [
                                {
                                    "roles": ["DECISION_MAKER"],
                                    "influence": 0.9,
                                    "primary": True,
                                    "node": {"key": carol.id},
                                }
                            ]
                        },
                    }
                }
            ]
        },
        "referredBy": {
            "edges": [
                {
                    "date": "2021-06-01",
                    "channel": "event",
                    "incentive": 500.0,
                    "currency": "USD",
                    "node": {
                        "__typename": "Broker",
                        "key": world.solo.id,
                        "partnerType": "PARTNER",
                    },
                }
            ]
        },
        "broker": {"key": world.solo.id},
        "orders": {
            "edges": [
                {
                    "node": {
                        "key": world.orders[2].id,
                        "amount": 325.0,
                        "currency": "EUR",
                        "customer": {"__typename": "Organization", "key": acme.id},
                    }
                }
            ]
        },
        "interactions": {
            "edges": [
                {
                    "node": {
                        "key": world.interactions[4].id,
                        "channel": "MEETING",
                        "customer": {"key": acme.id},
                        "handledBy": {"key": world.eve.id},
                        "product": {"key": world.gizmo.id},
                    }
                }
            ]
        },
    }


BROKER = """
query($id: ID!) {
  broker(id: $id) {
    __typename key kind roles name partnerType
    referrals { edges { date node { __typename key } } }
    network { totalCount edges { node { key } } }
    identities { edges { rule node { key entity } } }
  }
}
"""


def test_brokers_and_their_networks(client: TestClient, world: World) -> None:
    g = world.g
    for broker in (world.brokerage, world.solo):
        found = data(client, BROKER, {"id": world.gid(broker)})["broker"]
        assert found == {
            "__typename": "Broker",
            "key": broker.id,
            "kind": broker.kind.upper(),
            "roles": ["BROKER"],
            "name": broker["name"],
            "partnerType": broker["partnerType"].upper(),
            "referrals": {
                "edges": [
                    {
                        "date": e["date"].isoformat(),
                        "node": {
                            "__typename": {"person": "Person", "organization": "Organization"}[
                                g.parties[e.end].kind
                            ],
                            "key": e.end,
                        },
                    }
                    for e in x.referrals_out(g, broker)
                ]
            },
            "network": {
                "totalCount": len(x.network(g, broker)),
                "edges": [{"node": {"key": p.id}} for p in x.network(g, broker)],
            },
            "identities": {
                "edges": [{"rule": "source", "node": {"key": broker.id, "entity": "broker"}}]
            },
        }
    assert [p.id for p in x.network(g, world.brokerage)] == sorted([world.john.id, world.kid.id])
    # the broker at the top of each customer's referral chain
    query = "query($id: ID!) { customer(id: $id) { broker { key } } }"
    for p in (world.john, world.kid, world.acme, world.jane):
        top = x.top_broker(g, p)
        found = data(client, query, {"id": world.gid(p)})["customer"]["broker"]
        assert found == (None if top is None else {"key": top.id})
    assert x.top_broker(g, world.kid) is world.brokerage


EMPLOYEE = """
query($id: ID!) {
  node(id: $id) {
    __typename
    ... on Employee { key name title team roles
      accounts { edges { node { __typename key } } }
      knows { edges { strength since node { key } } } }
  }
}
"""


def test_employee(client: TestClient, world: World) -> None:
    found = data(client, EMPLOYEE, {"id": world.gid(world.eve)})["node"]
    assert found == {
        "__typename": "Employee",
        "key": world.eve.id,
        "name": "Eve Agent",
        "title": "Account Manager",
        "team": "Sales",
        "roles": ["EMPLOYEE"],
        "accounts": {
            "edges": [
                {"node": {"__typename": t, "key": p.id}}
                for t, p in sorted(
                    [("Person", world.john), ("Organization", world.acme)], key=lambda tp: tp[1].id
                )
            ]
        },
        "knows": {
            "edges": [{"strength": 0.7, "since": "2020-01-01", "node": {"key": world.carol.id}}]
        },
    }


def test_customer_lookups(client: TestClient, world: World) -> None:
    john = world.john
    query = """query($id: ID, $email: String, $source: String, $external: String) {
      customer(id: $id, email: $email, sourceId: $source, externalId: $external) { key } }"""
    merged = sorted(r.id for r in john.records)[-1]
    for variables in (
        {"id": world.gid(john)},
        {"email": "  John.Smith@Example.com "},
        {"source": merged},
        {"external": "legacy:77"},
    ):
        assert data(client, query, variables) == {"customer": {"key": john.id}}, variables
    for variables in (
        {"email": "nobody@example.com"},
        {"email": "carol@acme.example"},  # a contact, not a customer
        {"id": world.gid(world.eve)},  # an employee
        {"id": world.gid(world.widget)},  # not a party
        {"source": "crm:nope"},
    ):
        assert data(client, query, variables) == {"customer": None}, variables


def test_stub_parties_are_never_returned(client: TestClient, world: World) -> None:
    query = """query($id: ID!) { customer(id: $id) {
      key referredBy { totalCount edges { node { key } } } broker { key } lastActivityDate } }"""
    found = data(client, query, {"id": world.gid(world.jane)})["customer"]
    assert found == {
        "key": world.jane.id,
        "referredBy": {"totalCount": 0, "edges": []},
        "broker": None,
        "lastActivityDate": "2022-05-05",
    }
    stub = next(k for k, n in world.g.nodes.items() if n.label == "StubParty")
    assert data(client, "query($id: ID!) { node(id: $id) { id } }", {"id": x_gid(stub)}) == {
        "node": None
    }


def x_gid(key: str) -> str:
    from graph.read.positions import Family
    from schema.ids import global_id

    return global_id(Family.PARTY, key)


NODE = """
query($ids: [ID!]!) {
  nodes(ids: $ids) {
    __typename id
    ... on Product { key name }
    ... on Order { key amount }
    ... on OrderLine { key lineNo order { key } product { key } }
    ... on Interaction { key channel }
    ... on SurveyResponse { key score customer { key } }
    ... on SourceRecord { key system }
    ... on Deal { key name }
    ... on Party { key kind }
  }
}
"""


def test_nodes_in_order_with_nulls(client: TestClient, world: World) -> None:
    g = world.g
    line = x.lines(g, world.orders[0])[1]
    record = sorted(world.john.records, key=lambda r: r.id)[1]
    from graph.read.positions import Family
    from schema.ids import global_id

    things: list[tuple[str, str, dict[str, object]]] = [
        ("Product", world.gid(world.gadget), {"key": world.gadget.id, "name": "Gadget"}),
        ("Order", world.gid(world.orders[1]), {"key": world.orders[1].id, "amount": 9.5}),
        (
            "OrderLine",
            world.gid(line),
            {"key": line.id, "lineNo": 2, "order": {"key": world.orders[0].id}, "product": {"key": world.gadget.id}},
        ),
        ("Interaction", world.gid(world.interactions[5]), {"key": world.interactions[5].id, "channel": "SOCIAL"}),
        ("SurveyResponse", world.gid(world.surveys[0]), {"key": world.surveys[0].id, "score": 9, "customer": {"key": world.john.id}}),
        ("SourceRecord", global_id(Family.SOURCE_RECORD, record.id), {"key": record.id, "system": "web"}),
        ("Deal", world.gid(world.deal), {"key": world.deal.id, "name": "Renewal 2024"}),
        ("Household", world.gid(world.smiths), {"key": world.smiths.id, "kind": "HOUSEHOLD"}),
        ("Broker", world.gid(world.solo), {"key": world.solo.id, "kind": "PERSON"}),
        ("Employee", world.gid(world.sam), {"key": world.sam.id, "kind": "PERSON"}),
        ("Person", world.gid(world.carol), {"key": world.carol.id, "kind": "PERSON"}),
        ("Organization", world.gid(world.parent), {"key": world.parent.id, "kind": "ORGANIZATION"}),
    ]  # fmt: skip
    missing = global_id(Family.ORDER, "erp:does-not-exist")
    ids = [gid for _, gid, _ in things] + [missing]
    body = run(client, NODE, {"ids": ids})
    found = body["data"]["nodes"]
    expected = [{"__typename": t, "id": gid} | rest for t, gid, rest in things] + [None]
    assert found == expected
    # The unknown id's entry, and only it, carries an error.
    assert [(e["path"], e["extensions"]["code"]) for e in body["errors"]] == [
        (["nodes", len(things)], "NOT_FOUND")
    ]
    for (t, gid, rest), one in zip(things, expected, strict=False):
        single = data(
            client,
            NODE.replace("$ids: [ID!]!", "$id: ID!").replace("nodes(ids: $ids)", "node(id: $id)"),
            {"id": gid},
        )
        assert single == {"node": one}, t
        assert rest


def test_product(client: TestClient, world: World) -> None:
    query = (
        "query($id: ID!) { product(id: $id) { __typename id key name category price currency } }"
    )
    found = data(client, query, {"id": world.gid(world.gadget)})
    assert found == {
        "product": {
            "__typename": "Product",
            "id": world.gid(world.gadget),
            "key": world.gadget.id,
            "name": "Gadget",
            "category": "tools",
            "price": 120.0,
            "currency": "EUR",
        }
    }
    assert data(client, query, {"id": world.gid(world.john)}) == {"product": None}


def test_household_and_interaction_filters(client: TestClient, world: World) -> None:
    query = """query($id: ID!, $f: InteractionFilter) { customer(id: $id) { __typename
      ... on Household { members { edges { role node { key household { role } } } } }
      interactions(filter: $f) { totalCount edges { node { key } } } } }"""
    found = data(client, query, {"id": world.gid(world.smiths)})["customer"]
    members = sorted([world.john, world.jane, world.kid], key=lambda p: p.id)
    roles = {world.john.id: "head", world.jane.id: "spouse", world.kid.id: None}
    assert found == {
        "__typename": "Household",
        "members": {
            "edges": [
                {"role": roles[p.id], "node": {"key": p.id, "household": {"role": roles[p.id]}}}
                for p in members
            ]
        },
        "interactions": {"totalCount": 0, "edges": []},
    }
    john = world.john
    at = world.interactions[1]["at"]
    f = {"channel": ["PHONE", "CHAT", "EMAIL"], "at": {"from": x.iso_instant(at)}}
    found = data(client, query, {"id": world.gid(john), "f": f})["customer"]["interactions"]
    expected = [
        n
        for n in x.newest_interactions(world.g, john)
        if n["channel"] in {"phone", "chat", "email"} and n["at"] >= at
    ]
    assert found == {"totalCount": 2, "edges": [{"node": {"key": n.id}} for n in expected]}
    f = {"at": {"to": x.iso_instant(at)}}  # the upper bound is excluded
    found = data(client, query, {"id": world.gid(john), "f": f})["customer"]["interactions"]
    assert found["edges"] == [{"node": {"key": world.interactions[0].id}}]


def test_search(client: TestClient, world: World, driver: object) -> None:
    from tests.factories import Graph

    g = Graph()
    token = "Zq" + g.tag
    a = g.organization(f"{token} Lighthouse Ltd")
    b = g.person("Ann", token, email=f"ann@{token.lower()}.example")
    c = g.person("Otto", "Other", email=f"{token.lower()}@mail.example")
    g.save(driver, "neo4j")  # type: ignore[arg-type]
    try:
        query = """query($t: String!) { search(text: $t, first: 10) {
          totalCount edges { score node { __typename key } } } }"""
        found = data(client, query, {"t": token})["search"]
        assert found["totalCount"] == 3
        assert {e["node"]["key"] for e in found["edges"]} == {a.id, b.id, c.id}
        scores = [e["score"] for e in found["edges"]]
        assert scores == sorted(scores, reverse=True) and all(s > 0 for s in scores)
        found = data(client, query, {"t": f"{token} lighthouse"})["search"]
        assert [e["node"] for e in found["edges"]] == [{"__typename": "Organization", "key": a.id}]
        prefix = data(client, query, {"t": token[:-2]})["search"]  # a prefix of the word
        assert {e["node"]["key"] for e in prefix["edges"]} >= {a.id, b.id}
        odd = data(client, query, {"t": 'x" OR (y:'})["search"]  # Lucene syntax is escaped
        assert odd["edges"] == []
    finally:
        g.delete(driver, "neo4j")  # type: ignore[arg-type]
