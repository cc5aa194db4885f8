"""The workloads of the side-by-side benchmark, each written three times for the same data.

`OURS` is the GraphQL document for customer360, `THEIRS` the one for @neo4j/graphql (over the
type definitions in `server.mjs`), `CYPHER` the hand-written statement the driver runs (the
floor). Every list has the same order on the three sides, with a unique tie-breaker: interactions
and survey answers by `at` descending then id, orders by `date` descending then id, order lines by
`lineNo` then id, referrers by the edge's `date` descending then its `src`, households, members
and products by id. Parties without `kind` (stubs of records never loaded) are never returned by
our API; the other two sides filter them the same way.

- `view`: one customer's 360 view by id (workload a).
- `page`: 50 customers sorted by id with a small view, the page after a given key (workload b):
  ours with the connection's `after` cursor, @neo4j/graphql and Cypher with `id > $after`.
- `light`: one customer's name and status by id (workload c).

What each side returns is brought to one shape by `shapes.py`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import LiteralString


@dataclass(frozen=True, slots=True)
class Workload:
    name: str
    title: str
    ours: str
    theirs: str
    cypher: LiteralString


OURS_VIEW = """query View($id: ID!) { customer(id: $id) {
  key name email status segment createdAt
  ... on Person { household { role household { key name
    members(first: 10) { edges { role node { key name } } } } } }
  ... on Household { members(first: 10) { edges { role node { key name } } } }
  interactions(first: 20) { edges { node {
    key at channel type outcome sentiment product { key name } } } }
  orders(first: 10) { edges { node { key date amount status
    lines(first: 10) { edges { node { lineNo quantity amount product { key name } } } } } } }
  surveyResponses(first: 5) { edges { node { key at score } } }
  referredBy(first: 5) { edges { date node { key name } } }
} }"""

_KINDS = '["person", "household", "organization"]'
_MEMBERS = (
    'membersConnection(first: 10, sort: [{node: {id: ASC}}], where: {node: {kind: {eq: "person"}}})'
    " { edges { properties { role } node { id name } } }"
)
THEIRS_VIEW = (
    "query View($id: String!) { customers(where: {id: {eq: $id}, kind: {in: " + _KINDS + "}}) {\n"
    "  id name email status segment createdAt\n"
    "  householdsConnection(first: 1, sort: [{node: {id: ASC}}],"
    ' where: {node: {kind: {eq: "household"}}})'
    " { edges { properties { role } node { id name " + _MEMBERS + " } } }\n"
    "  " + _MEMBERS + "\n"
    "  interactions(limit: 20, sort: [{at: DESC}, {id: ASC}]) {\n"
    "    id at channel type outcome sentiment products(limit: 1, sort: [{id: ASC}]) { id name } }\n"
    "  orders(limit: 10, sort: [{date: DESC}, {id: ASC}]) { id date amount status\n"
    "    lines(limit: 10, sort: [{lineNo: ASC}, {id: ASC}]) { lineNo quantity amount\n"
    "      products(limit: 1, sort: [{id: ASC}]) { id name } } }\n"
    "  surveyResponses(limit: 5, sort: [{at: DESC}, {id: ASC}]) { id at score }\n"
    "  referredByConnection(first: 5, sort: [{edge: {date: DESC}}, {edge: {src: ASC}}],"
    " where: {node: {kind: {in: " + _KINDS + "}}})"
    " { edges { properties { date } node { id name } } }\n"
    "} }"
)

CYPHER_VIEW: LiteralString = """
MATCH (c:Party:Customer {id: $id}) WHERE c.kind IN ['person', 'household', 'organization']
RETURN c {
  key: c.id, .name, .email, .status, .segment, .createdAt,
  household: CASE WHEN c.kind = 'person' THEN COLLECT {
    MATCH (c)-[m:MEMBER_OF]->(h:Household) WHERE h.kind = 'household'
    WITH m, h ORDER BY h.id LIMIT 1
    RETURN {role: m.role, key: h.id, name: h.name, members: COLLECT {
      MATCH (p:Person)-[pm:MEMBER_OF]->(h) WHERE p.kind = 'person'
      WITH p, pm ORDER BY p.id LIMIT 10
      RETURN {role: pm.role, key: p.id, name: p.name} }}
  }[0] END,
  members: CASE WHEN c.kind = 'household' THEN COLLECT {
    MATCH (p:Person)-[pm:MEMBER_OF]->(c) WHERE p.kind = 'person'
    WITH p, pm ORDER BY p.id LIMIT 10
    RETURN {role: pm.role, key: p.id, name: p.name} } ELSE [] END,
  interactions: COLLECT {
    MATCH (c)-[:HAD]->(i:Interaction)
    WITH i ORDER BY i.at DESC, i.id LIMIT 20
    RETURN i {key: i.id, .at, .channel, .type, .outcome, .sentiment, product: COLLECT {
      MATCH (i)-[:ABOUT]->(p:Product) WITH p ORDER BY p.id LIMIT 1
      RETURN p {key: p.id, .name} }[0]} },
  orders: COLLECT {
    MATCH (c)-[:PLACED]->(o:Order)
    WITH o ORDER BY o.date DESC, o.id LIMIT 10
    RETURN o {key: o.id, .date, .amount, .status, lines: COLLECT {
      MATCH (o)-[:HAS_LINE]->(l:OrderLine)
      WITH l ORDER BY l.lineNo, l.id LIMIT 10
      RETURN l {.lineNo, .quantity, .amount, product: COLLECT {
        MATCH (l)-[:OF_PRODUCT]->(p:Product) WITH p ORDER BY p.id LIMIT 1
        RETURN p {key: p.id, .name} }[0]} }} },
  surveys: COLLECT {
    MATCH (c)-[:RESPONDED]->(s:SurveyResponse)
    WITH s ORDER BY s.at DESC, s.id LIMIT 5
    RETURN s {key: s.id, .at, .score} },
  referredBy: COLLECT {
    MATCH (r:Party)-[e:REFERRED]->(c) WHERE r.kind IN ['person', 'household', 'organization']
    WITH r, e ORDER BY e.date DESC, e.src LIMIT 5
    RETURN {date: e.date, key: r.id, name: r.name} }
} AS data
"""

OURS_PAGE = """query Page($after: String) { customers(first: 50, after: $after) { edges { node {
  key name status
  interactions(first: 5) { edges { node { key at channel type } } }
  orders(first: 5) { edges { node { key date amount status } } }
} } } }"""

THEIRS_PAGE = (
    "query Page($after: String!) { customers(limit: 50, sort: [{id: ASC}],"
    " where: {id: {gt: $after}, kind: {in: " + _KINDS + "}}) {\n"
    "  id name status\n"
    "  interactions(limit: 5, sort: [{at: DESC}, {id: ASC}]) { id at channel type }\n"
    "  orders(limit: 5, sort: [{date: DESC}, {id: ASC}]) { id date amount status }\n"
    "} }"
)

CYPHER_PAGE: LiteralString = """
MATCH (c:Party:Customer) WHERE c.id > $after AND c.kind IN ['person', 'household', 'organization']
WITH c ORDER BY c.id LIMIT 50
RETURN collect(c {
  key: c.id, .name, .status,
  interactions: COLLECT {
    MATCH (c)-[:HAD]->(i:Interaction) WITH i ORDER BY i.at DESC, i.id LIMIT 5
    RETURN i {key: i.id, .at, .channel, .type} },
  orders: COLLECT {
    MATCH (c)-[:PLACED]->(o:Order) WITH o ORDER BY o.date DESC, o.id LIMIT 5
    RETURN o {key: o.id, .date, .amount, .status} }
}) AS data
"""

OURS_LIGHT = "query Light($id: ID!) { customer(id: $id) { key name status } }"
THEIRS_LIGHT = (
    "query Light($id: String!) { customers(where: {id: {eq: $id}, kind: {in: "
    + _KINDS
    + "}}) { id name status } }"
)
CYPHER_LIGHT: LiteralString = """
MATCH (c:Party:Customer {id: $id}) WHERE c.kind IN ['person', 'household', 'organization']
RETURN c {key: c.id, .name, .status} AS data
"""

WORKLOADS = (
    Workload("view", "a. one customer's 360 view", OURS_VIEW, THEIRS_VIEW, CYPHER_VIEW),
    Workload("page", "b. page of 50 customers", OURS_PAGE, THEIRS_PAGE, CYPHER_PAGE),
    Workload("light", "c. name and status by id", OURS_LIGHT, THEIRS_LIGHT, CYPHER_LIGHT),
)
