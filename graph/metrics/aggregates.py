"""Metrics of accounts, brokers, households and products, aggregated from their customers in Cypher.

Definitions (all as of the `as of` date, values in the orders' currency):
- Account (a customer organization): `accountValue` = the firm's revenue + CLV + those of the people who
  work for it; `committeeSize`, `committeeEngaged` (members with an interaction in the last 90 days),
  `committeeEngagement` (their share); `healthScore` 0-100 = weighted mean of committee engagement
  (0.4), P(alive) (0.3) and the mean NPS of the firm and its people over the last 365 days / 10 (0.3),
  over the components that exist.
- Broker: `customersBrought` (customers it referred directly), `bookValue` (their revenue + CLV),
  `conversionRate` (share of them who bought), `retentionRate` (share of buyers not `former`),
  `networkSize` and `networkValue` (everyone reached by referral chains to depth 10, each customer's
  revenue + CLV discounted by `decay^(depth-1)`).
- Broker networks (full runs only; a run limited to one `--system` removes them): per referral level
  1 to 11 of everyone the broker reaches (any party, each at its fewest edges), the parties, prospects,
  active and former customers and the sum of their stored revenue (`networkParties`,
  `networkProspects`, `networkActive`, `networkFormer`, `networkRevenue`, shallowest level first)
  and when they were read (`networkAt`, the server's clock): `partnerNetwork` answers from them
  (`graph.traversals.partners`). Level 11 only tells whether a network is capped at depth 10.
- Household: `householdValue` = revenue + CLV of the household and its members; `memberCount`.
- Product: `revenue` (sum of its order lines), `buyers` (distinct customers), `repeatPurchaseRate`
  (share of buyers who bought it in two or more orders).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import LiteralString

from neo4j import AsyncDriver

from graph.driver import together

_STAMP: LiteralString = "x.metricsAt = $computedAt, x.metricsVersion = $version"
_PAGE_END: LiteralString = "\n}\nRETURN max(x.id) AS last\n"

ACCOUNTS: LiteralString = (
    """
MATCH (x:Party:Organization:Customer)
WHERE x.id > $after AND ($system IS NULL OR $system IN x.sources)
WITH x ORDER BY x.id LIMIT $page
CALL (x) {
  CALL (x) {
    OPTIONAL MATCH (p:Person)-[:WORKS_FOR]->(x)
    RETURN sum(coalesce(p.revenue, 0.0) + coalesce(p.clv, 0.0)) AS people
  }
  CALL (x) {
    OPTIONAL MATCH (m:Person)-[:ON_COMMITTEE]->(x)
    WITH DISTINCT m
    RETURN count(m) AS members,
           count(CASE WHEN EXISTS {
             (m)-[:HAD]->(i:Interaction)
             WHERE i.at <= $asOfTime AND i.at > $asOfTime - duration({days: 90}) AND i.endedAt IS NULL
           } THEN 1 END) AS engaged
  }
  CALL (x) {
    UNWIND [x] + COLLECT { MATCH (p)-[:WORKS_FOR]->(x) RETURN DISTINCT p } AS who
    OPTIONAL MATCH (who)-[:RESPONDED]->(s:SurveyResponse)
    WHERE s.at <= $asOfTime AND s.at > $asOfTime - duration({days: 365}) AND s.endedAt IS NULL
    RETURN avg(s.score) AS nps
  }
  WITH x, people, members, engaged, nps,
       CASE WHEN members = 0 THEN null ELSE toFloat(engaged) / members END AS engagement
  WITH x, people, members, engaged, engagement,
       [part IN [[0.4, engagement], [0.3, x.pAlive], [0.3, nps / 10.0]] WHERE part[1] IS NOT NULL] AS parts
  SET x.accountValue = coalesce(x.revenue, 0.0) + coalesce(x.clv, 0.0) + people,
      x.committeeSize = members, x.committeeEngaged = engaged, x.committeeEngagement = engagement,
      x.healthScore = CASE WHEN size(parts) = 0 THEN null ELSE
        round(100 * reduce(s = 0.0, part IN parts | s + part[0] * part[1])
                   / reduce(w = 0.0, part IN parts | w + part[0]), 1) END,
"""
    + _STAMP
    + _PAGE_END
)

BROKERS: LiteralString = (
    """
MATCH (x:Party:Broker) WHERE x.id > $after AND ($system IS NULL OR $system IN x.sources)
WITH x ORDER BY x.id LIMIT $page
CALL (x) {
  CALL (x) {
    OPTIONAL MATCH (x)-[:REFERRED]->(c:Customer)
    WITH DISTINCT c
    RETURN count(c) AS brought,
           count(CASE WHEN c.orderCount > 0 THEN 1 END) AS converted,
           count(CASE WHEN c.orderCount > 0 AND c.status <> 'former' THEN 1 END) AS retained,
           sum(coalesce(c.revenue, 0.0) + coalesce(c.clv, 0.0)) AS book
  }
  CALL (x) {
    OPTIONAL MATCH p = (x)-[:REFERRED]->{1,10}(c:Customer)
    WITH c, min(length(p)) AS depth
    RETURN count(c) AS reached,
           sum((coalesce(c.revenue, 0.0) + coalesce(c.clv, 0.0)) * $decay ^ (depth - 1)) AS value
  }
  SET x.customersBrought = brought, x.bookValue = book,
      x.conversionRate = CASE WHEN brought = 0 THEN null ELSE toFloat(converted) / brought END,
      x.retentionRate = CASE WHEN converted = 0 THEN null ELSE toFloat(retained) / converted END,
      x.networkSize = reached, x.networkValue = value,
"""
    + _STAMP
    + _PAGE_END
)

NETWORKS: LiteralString = """
MATCH (x:Party:Broker) WHERE x.id > $after
WITH x ORDER BY x.id LIMIT $page
CALL (x) {
  MATCH p = (x)(()-[:REFERRED]->()){1,11}(d)
  WHERE d <> x
  WITH d, min(length(p)) AS depth
  WITH depth, coalesce(toFloat(d.revenue), 0.0) AS revenue, coalesce(d.status, '') AS status
  ORDER BY depth, revenue
  WITH depth, count(*) AS parties, count(CASE status WHEN 'prospect' THEN 1 END) AS prospects,
       count(CASE status WHEN 'active' THEN 1 END) AS active,
       count(CASE status WHEN 'former' THEN 1 END) AS former,
       reduce(s = 0.0, r IN collect(revenue) | s + r) AS revenue
  ORDER BY depth
  RETURN collect(parties) AS parties, collect(prospects) AS prospects, collect(active) AS active,
         collect(former) AS former, collect(revenue) AS revenue
}
SET x.networkParties = parties, x.networkProspects = prospects, x.networkActive = active,
    x.networkFormer = former, x.networkRevenue = revenue, x.networkAt = datetime.transaction()
RETURN max(x.id) AS last
"""

# A run limited to one source system leaves other brokers' networks as they were, with revenues
# that may have changed: their figures are withdrawn (partnerNetwork then walks the network).
NO_NETWORKS: LiteralString = """
MATCH (x:Party:Broker) WHERE x.id > $after AND x.networkAt IS NOT NULL
WITH x ORDER BY x.id LIMIT $page
REMOVE x.networkParties, x.networkProspects, x.networkActive, x.networkFormer, x.networkRevenue,
       x.networkAt
RETURN max(x.id) AS last
"""

HOUSEHOLDS: LiteralString = (
    """
MATCH (x:Party:Household) WHERE x.id > $after AND ($system IS NULL OR $system IN x.sources)
WITH x ORDER BY x.id LIMIT $page
CALL (x) {
  OPTIONAL MATCH (p:Person)-[:MEMBER_OF]->(x)
  WITH x, count(p) AS members, sum(coalesce(p.revenue, 0.0) + coalesce(p.clv, 0.0)) AS value
  SET x.memberCount = members,
      x.householdValue = coalesce(x.revenue, 0.0) + coalesce(x.clv, 0.0) + value,
"""
    + _STAMP
    + _PAGE_END
)

PRODUCTS: LiteralString = (
    """
MATCH (x:Product) WHERE x.id > $after
WITH x ORDER BY x.id LIMIT $page
CALL (x) {
  CALL (x) {
    OPTIONAL MATCH (c:Party)-[:PLACED]->(o:Order)-[:HAS_LINE]->(l:OrderLine)-[:OF_PRODUCT]->(x)
    WHERE o.date <= $asOf AND o.endedAt IS NULL
    WITH c, count(DISTINCT o) AS orders, sum(l.amount) AS amount
    RETURN count(c) AS buyers, sum(amount) AS revenue,
           count(CASE WHEN orders >= 2 THEN 1 END) AS repeaters
  }
  SET x.revenue = coalesce(revenue, 0.0), x.buyers = buyers,
      x.repeatPurchaseRate = CASE WHEN buyers = 0 THEN null ELSE toFloat(repeaters) / buyers END,
"""
    + _STAMP
    + _PAGE_END
)


# Accounts, brokers and households add up their customers' new values, so they run after the
# customers are written; products count order lines only, so they can run alongside everything else.
# Products come a few at a time: each one reads all its order lines (about 0.75 s per product at 1M
# customers), and a page must stay well inside the server's transaction timeout.
OF_CUSTOMERS: tuple[tuple[LiteralString, int], ...] = (
    (ACCOUNTS, 2000),
    (BROKERS, 200),
    (HOUSEHOLDS, 2000),
)
# Broker networks: on a full run, read afresh; on a run limited to one system, withdrawn.
OF_NETWORKS: dict[bool, tuple[LiteralString, int]] = {
    True: (NETWORKS, 200),
    False: (NO_NETWORKS, 5000),
}
OF_ORDERS: tuple[tuple[LiteralString, int], ...] = ((PRODUCTS, 8),)


async def compute(
    driver: AsyncDriver,
    database: str,
    as_of: dt.date,
    system: str | None,
    computed_at: dt.datetime,
    version: str,
    decay: float = 0.5,
    statements: Sequence[tuple[LiteralString, int]] = OF_CUSTOMERS + OF_ORDERS,
) -> None:
    """Run each aggregate over its nodes in keyset pages (by id), one write transaction each, so no
    transaction grows with the size of the graph; the `statements` (with their page sizes) run
    side by side, each on its own nodes."""
    as_of_time = dt.datetime.combine(as_of, dt.time.max, tzinfo=dt.UTC)
    params = {
        "asOf": as_of, "asOfTime": as_of_time, "system": system, "computedAt": computed_at,
        "version": version, "decay": decay,
    }  # fmt: skip

    async def run(statement: LiteralString, page: int) -> None:
        after = ""
        while True:
            records, _, _ = await driver.execute_query(
                statement, {**params, "after": after, "page": page}, database_=database
            )
            last = records[0]["last"] if records else None
            if last is None:
                break
            after = last

    await together(*(run(statement, page) for statement, page in statements))
