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
- `top`, `deep`: active customers with a revenue, by revenue (highest first, then id), 20 a
  page: the first page (d) and pages deep in the list (e), after a cursor on ours, after the
  (revenue, id) pair with a keyset filter on the other two.
- `search`: the 10 best full-text matches of a word (f), by score then id; the peer runs the
  index query in a `@cypher` field (it has no full-text search over our index's fields: its
  `@fulltext` needs the index to cover exactly the fields it declares), with our Lucene query.
  The peer and the floor read the index's best hits first, as customer360 does (a floor on the
  page's scores; every hit only when ties at the floor may lie past them).
- `committee`: an account's buying committee (20 seats by seat record) with each member's
  reporting line two managers up (g).
- `nested`: an account's contacts (10, by id) and each one's 5 latest interactions (h).

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

TOP_FILTER = "filter: {status: [ACTIVE], revenue: {min: 0.01}}"
OURS_TOP = (
    "query Top($after: String) { customers(first: 20, after: $after, " + TOP_FILTER + ","
    " orderBy: {field: REVENUE, direction: DESC}) { edges { node { key name status revenue } } } }"
)
_TOP_WHERE = 'status: {eq: "active"}, revenue: {gte: 0.01}, kind: {in: ' + _KINDS + "}"
THEIRS_TOP = (
    "query Top { customers(limit: 20, sort: [{revenue: DESC}, {id: ASC}],"
    " where: {" + _TOP_WHERE + "}) { id name status revenue } }"
)
THEIRS_DEEP = (
    "query Deep($revenue: Float!, $after: String!) { customers(limit: 20,"
    " sort: [{revenue: DESC}, {id: ASC}], where: {" + _TOP_WHERE + ", OR: ["
    "{revenue: {lt: $revenue}}, {revenue: {eq: $revenue}, id: {gt: $after}}]})"
    " { id name status revenue } }"
)
CYPHER_TOP: LiteralString = """
MATCH (c:Party:Customer)
WHERE c.status = 'active' AND c.revenue >= 0.01
  AND c.kind IN ['person', 'household', 'organization']
  AND ($revenue IS NULL OR c.revenue < $revenue OR (c.revenue = $revenue AND c.id > $after))
WITH c ORDER BY c.revenue DESC, c.id LIMIT 20
RETURN collect(c {key: c.id, .name, .status, .revenue}) AS data
"""

OURS_SEARCH = """query Search($text: String!) { search(text: $text, first: 10) {
  edges { node { key name } } } }"""
THEIRS_SEARCH = "query Search($q: String!) { searchParties(query: $q, first: 10) { id name } }"
CYPHER_SEARCH: LiteralString = """
CALL db.index.fulltext.queryNodes('party_text', $q, {limit: 44}) YIELD node, score
WITH node, score ORDER BY score DESC
WITH collect([node, score]) AS best
WITH best, CASE WHEN size(best) > 10 THEN best[10][1] ELSE -1.0 END AS floor,
     size(best) < 44 OR (size(best) > 10 AND best[-1][1] < best[10][1]) AS whole
CALL (best, floor, whole) {
  WITH best, floor, whole WHERE whole
  UNWIND best AS hit
  WITH hit[0] AS node, hit[1] AS score WHERE score >= floor
  RETURN node, score
  UNION ALL
  WITH floor, whole WHERE NOT whole
  CALL db.index.fulltext.queryNodes('party_text', $q) YIELD node, score
  WITH node, score WHERE score >= floor
  RETURN node, score
}
WITH node, score ORDER BY score DESC, node.id LIMIT 10
RETURN collect(node {key: node.id, .name}) AS data
"""

_MANAGER = 'manager(limit: 1, sort: [{id: ASC}], where: {kind: {eq: "person"}})'
OURS_COMMITTEE = """query Committee($id: ID!) { account(id: $id) { key name
  committee(first: 20) { edges { roles influence node { key name
    manager { key name manager { key name } } } } } } }"""
THEIRS_COMMITTEE = (
    'query Committee($id: ID!) { accounts(where: {id: {eq: $id}, kind: {eq: "organization"}})'
    " { id name committeeConnection(first: 20, sort: [{edge: {src: ASC}}],"
    ' where: {node: {kind: {eq: "person"}}}) { edges { properties { roles influence }'
    " node { id name " + _MANAGER + " { id name " + _MANAGER + " { id name } } } } } } }"
)
CYPHER_COMMITTEE: LiteralString = """
MATCH (a:Party:Customer:Organization {id: $id}) WHERE a.kind = 'organization'
RETURN a {key: a.id, .name, committee: COLLECT {
  MATCH (p:Person)-[s:ON_COMMITTEE]->(a) WHERE p.kind = 'person'
  WITH p, s ORDER BY s.src LIMIT 20
  RETURN {roles: s.roles, influence: s.influence, key: p.id, name: p.name, manager: COLLECT {
    MATCH (p)-[:REPORTS_TO]->(m:Person) WHERE m.kind = 'person'
    WITH m ORDER BY m.id LIMIT 1
    RETURN {key: m.id, name: m.name, manager: COLLECT {
      MATCH (m)-[:REPORTS_TO]->(mm:Person) WHERE mm.kind = 'person'
      WITH mm ORDER BY mm.id LIMIT 1
      RETURN {key: mm.id, name: mm.name} }[0]} }[0]} }
} AS data
"""

OURS_NESTED = """query Contacts($id: ID!) { account(id: $id) { key name
  contacts(first: 10) { edges { title node { key name
    interactions(first: 5) { edges { node { key at channel type } } } } } } } }"""
THEIRS_NESTED = (
    'query Contacts($id: ID!) { accounts(where: {id: {eq: $id}, kind: {eq: "organization"}})'
    " { id name contactsConnection(first: 10, sort: [{node: {id: ASC}}],"
    ' where: {node: {kind: {eq: "person"}}}) { edges { properties { title } node { id name'
    " interactions(limit: 5, sort: [{at: DESC}, {id: ASC}]) { id at channel type } } } } } }"
)
CYPHER_NESTED: LiteralString = """
MATCH (a:Party:Customer:Organization {id: $id}) WHERE a.kind = 'organization'
RETURN a {key: a.id, .name, contacts: COLLECT {
  MATCH (p:Person)-[w:WORKS_FOR]->(a) WHERE p.kind = 'person'
  WITH p, w ORDER BY p.id LIMIT 10
  RETURN {title: w.title, key: p.id, name: p.name, interactions: COLLECT {
    MATCH (p)-[:HAD]->(i:Interaction) WITH i ORDER BY i.at DESC, i.id LIMIT 5
    RETURN i {key: i.id, .at, .channel, .type} }} }
} AS data
"""

WORKLOADS = (
    Workload("view", "a. one customer's 360 view", OURS_VIEW, THEIRS_VIEW, CYPHER_VIEW),
    Workload("page", "b. page of 50 customers", OURS_PAGE, THEIRS_PAGE, CYPHER_PAGE),
    Workload("light", "c. name and status by id", OURS_LIGHT, THEIRS_LIGHT, CYPHER_LIGHT),
    Workload("top", "d. top customers by revenue", OURS_TOP, THEIRS_TOP, CYPHER_TOP),
    Workload("deep", "e. a deep page of (d)", OURS_TOP, THEIRS_DEEP, CYPHER_TOP),
    Workload("search", "f. full-text search", OURS_SEARCH, THEIRS_SEARCH, CYPHER_SEARCH),
    Workload(
        "committee",
        "g. committee, reporting lines",
        OURS_COMMITTEE,
        THEIRS_COMMITTEE,
        CYPHER_COMMITTEE,
    ),
    Workload(
        "nested", "h. account>contacts>interactions", OURS_NESTED, THEIRS_NESTED, CYPHER_NESTED
    ),
)
