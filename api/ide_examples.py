"""The GraphiQL page's default document and its example operations, one tab per kind of user.

Each example finds its own subject (the first operation of a tab lists candidates, ordered so the
most interesting comes first) or takes a party by its key, so that it runs as it stands on the
demo graph (`make run`). tests/api/test_ide.py runs every one of them on a loaded sample.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Example:
    title: str  # who it is for and what it shows
    query: str
    variables: dict[str, Any] | None = None


DEFAULT_DOCUMENT = """\
# customer360: one graph of customers, households, organizations, brokers and their activity.
#
# Press the run button (or Ctrl-Enter). With authentication on, put your token in the Headers tab
# below: {"Authorization": "Bearer <c360 token issue --role frontend>"}.
# The other tabs hold an example for each kind of user; the Docs button explains every field.

# Top customers by lifetime value, with their household or employer and their latest orders.
query TopCustomers {
  server { version nodeCount relationshipCount }
  customers(first: 5, orderBy: {field: CLV, direction: DESC}) {
    totalCount
    edges {
      cursor
      node {
        id
        key
        kind
        name
        segment
        lifecycleStage
        clv
        churnRisk
        valueQuadrant
        orders(first: 3) { edges { node { date amount currency status } } }
      }
    }
    pageInfo { hasNextPage endCursor }
  }
}
"""

VIEW_360 = """\
# Account manager: everything about one customer on one screen.
# Run "Find" first, copy an id into the variables, then run "Customer360".
query Find {
  search(text: "martin", first: 5) { edges { score node { id key kind name } } }
}

query Customer360($id: ID!) {
  customer(id: $id) {
    id key kind name email phone country status segment sources createdAt
    revenue orderCount clv churnRisk probabilityAlive expectedPurchases
    npsScore npsCategory lifecycleStage valueQuadrant metricsAt lastActivityDate
    accountOwner { name }
    broker { key name }
    interactions(first: 5) { totalCount edges { node { at channel type outcome sentiment } } }
    orders(first: 5) { totalCount edges { node { date amount currency status } } }
    surveyResponses(first: 3) { edges { node { at score comment } } }
    referredBy(first: 3) { edges { node { key name } } }
    referrals(first: 3) { edges { date channel node { key name } } }
  }
}
"""

COMMITTEE = """\
# Sales: who sits on an account's buying committee, how engaged they are, which roles are missing.
# Run "Accounts", copy an id into the variables, then run "Committee".
query Accounts {
  customers(first: 5, filter: {kind: [ORGANIZATION]}, orderBy: {field: REVENUE, direction: DESC}) {
    edges { node { id key name ... on Organization { committeeSize committeeEngaged healthScore } } }
  }
}

query Committee($account: ID!) {
  buyingCommittee(account: $account) {
    name asOf
    people(first: 20) {
      totalCount
      edges { node { person { key name } roles influence primary title engagement { interactions trend lastInteraction } } }
    }
    coverage { role members engaged }
    gaps { role reason lastInteraction }
  }
}
"""

REFERRALS = """\
# Growth: everyone a customer brought in, directly or through the people it referred.
# Run "Referrers", copy an id into the variables, then run "Tree".
query Referrers {
  customers(first: 5, orderBy: {field: REVENUE, direction: DESC}, filter: {kind: [PERSON]}) {
    edges { node { id key name referralValue networkValue } }
  }
}

query Tree($root: ID!) {
  referralTree(root: $root, depth: 5, first: 20) {
    root { key name } size revenue deepest capped
    edges { node { depth parentKey party { key name } subtreeSize subtreeRevenue referral { date channel } } }
    pageInfo { hasNextPage endCursor }
  }
}
"""

PARTNERS = """\
# Partner manager (or a partner, who sees only its own network): a broker's book of business.
# Run "Brokers", copy an id into the variables, then run "Network".
query Brokers {
  search(text: "partners", first: 5) { edges { node { id key name kind roles } } }
}

query Network($broker: ID!) {
  partnerNetwork(broker: $broker, depth: 3, first: 10) {
    broker { key name } direct
    figures { parties prospects active former revenue conversion retention }
    levels { depth figures { parties revenue } }
    directCustomers {
      totalCount
      edges { node { party { key name } subtreeSize subtreeRevenue } }
      pageInfo { hasNextPage endCursor }
    }
  }
}
"""

KPIS = """\
# Management: the portfolio's KPIs for a period, by segment (or lifecycle stage, or broker).
query Kpis($start: Date!, $end: Date!) {
  portfolio(start: $start, end: $end, groupBy: SEGMENT) {
    key customers activeAtStart activeAtEnd new retentionRate churnRate nps revenue { currency amount } averageClv
  }
}
"""

EXAMPLES: tuple[Example, ...] = (
    Example("Start here: top customers", DEFAULT_DOCUMENT),
    Example("Account manager: 360 view", VIEW_360, {"id": "paste an id from Find"}),
    Example("Sales: committee with gaps", COMMITTEE, {"account": "paste an id from Accounts"}),
    Example("Growth: referral tree", REFERRALS, {"root": "paste an id from Referrers"}),
    Example("Partners: partner network", PARTNERS, {"broker": "paste an id from Brokers"}),
    Example("Management: KPIs", KPIS, {"start": "2025-01-01", "end": "2025-06-30"}),
)
