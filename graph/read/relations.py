"""Every traversal the API makes from one node to others, as whitelisted Cypher patterns.

A pattern binds `{s}` (the node we come from), `{t}` (the node we land on) and, where the edge has
properties, `{r}`; `{p}` names the path when the order depends on its length; `{chain}` is the
referral chain's pattern (`attribution.chain`, with the caller's scope). The order is a stable
sort key ending with a unique tiebreak, so pages are keyset pages (see `keyset.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import LiteralString

from graph.read.positions import Position


@dataclass(frozen=True, slots=True)
class SortKey:
    """One ORDER BY term: an expression over `{t}`, `{r}` or `{p}`, and its direction."""

    expr: LiteralString
    descending: bool = False


class Criteria(StrEnum):
    """Which filter argument a relation takes (see `criteria.py`)."""

    INTERACTIONS = "interactions"
    ORDERS = "orders"
    CUSTOMERS = "customers"


@dataclass(frozen=True, slots=True)
class Relation:
    pattern: LiteralString
    target: Position
    order: tuple[SortKey, ...]
    edge: bool = False  # `{r}` is bound and its properties can be read
    distinct: bool = False  # several paths may reach the same target: keep each once
    path: bool = False  # `{p}` is bound
    criteria: Criteria | None = None

    @property
    def id_label(self) -> LiteralString:
        """The label whose id index a root list of this relation walks in id order: its own
        (`Customer`, `Broker`: migrations `customer_id`, `broker_id`), not every party's."""
        for label in ("Customer", "Broker"):
            if self.pattern.startswith("({t}:Party:" + label + ")"):
                return label
        return "Party"


BY_ID = (SortKey("{t}.id"),)
BY_EDGE_SOURCE = (SortKey("{r}.src"),)
NEWEST_AT = (SortKey("{t}.at", descending=True), SortKey("{t}.id"))

RELATIONS: dict[str, Relation] = {
    # provenance
    "identities": Relation(
        "({t}:SourceRecord)-[{r}:RESOLVES_TO]->({s})", Position.SOURCE_RECORD, BY_ID, edge=True
    ),
    # households
    "household": Relation(
        "({s})-[{r}:MEMBER_OF]->({t}:Household)", Position.HOUSEHOLD, BY_ID, edge=True
    ),
    "members": Relation("({t}:Person)-[{r}:MEMBER_OF]->({s})", Position.PERSON, BY_ID, edge=True),
    # employment and hierarchy
    "employment": Relation(
        "({s})-[{r}:WORKS_FOR]->({t}:Organization)", Position.ORGANIZATION, BY_ID, edge=True
    ),
    "contacts": Relation("({t}:Person)-[{r}:WORKS_FOR]->({s})", Position.PERSON, BY_ID, edge=True),
    "manager": Relation("({s})-[:REPORTS_TO]->({t}:Person)", Position.PERSON, BY_ID),
    "reports": Relation("({t}:Person)-[:REPORTS_TO]->({s})", Position.PERSON, BY_ID),
    "parent": Relation("({s})-[:SUBSIDIARY_OF]->({t}:Organization)", Position.ORGANIZATION, BY_ID),
    "subsidiaries": Relation(
        "({t}:Organization)-[:SUBSIDIARY_OF]->({s})", Position.ORGANIZATION, BY_ID
    ),
    # buying committees and deals
    "committee_seats": Relation(
        "({s})-[{r}:ON_COMMITTEE]->({t})", Position.COMMITTEE_TARGET, BY_EDGE_SOURCE, edge=True
    ),
    "committee": Relation(
        "({t}:Person)-[{r}:ON_COMMITTEE]->({s})", Position.PERSON, BY_EDGE_SOURCE, edge=True
    ),
    "deals": Relation("({t}:Deal)-[:FOR_ACCOUNT]->({s})", Position.DEAL, BY_ID),
    "deal_account": Relation(
        "({s})-[:FOR_ACCOUNT]->({t}:Organization)", Position.ORGANIZATION, BY_ID
    ),
    # account ownership and relationships of our employees
    "account_owner": Relation("({t}:Employee)-[:OWNS_ACCOUNT]->({s})", Position.EMPLOYEE, BY_ID),
    "accounts": Relation("({s})-[:OWNS_ACCOUNT]->({t})", Position.CUSTOMER, BY_ID),
    "knows": Relation(
        "({s})-[{r}:KNOWS]->({t}:Person)", Position.PERSON, BY_EDGE_SOURCE, edge=True
    ),
    # referrals
    "referrals": Relation(
        "({s})-[{r}:REFERRED]->({t})",
        Position.CUSTOMER,
        (SortKey("{r}.date", descending=True), SortKey("{r}.src")),
        edge=True,
    ),
    "referred_by": Relation(
        "({t})-[{r}:REFERRED]->({s})",
        Position.PARTY,
        (SortKey("{r}.date", descending=True), SortKey("{r}.src")),
        edge=True,
    ),
    # The customers a broker (or a customer) brought in, directly or through a chain of referrals.
    "network": Relation(
        "({s})-[:REFERRED]->{{1,10}}({t}:Customer)",
        Position.CUSTOMER,
        BY_ID,
        distinct=True,
        criteria=Criteria.CUSTOMERS,
    ),
    # The customer's attributed broker (`attribution.py`): at the top of its referral chain.
    # `{chain}` is the chain's quantified path pattern, rendered with the caller's scope.
    "broker": Relation("({s}){chain}({t}:Broker)", Position.BROKER, BY_ID),  # one path at most
    # activity
    "interactions": Relation(
        "({s})-[:HAD]->({t}:Interaction)",
        Position.INTERACTION,
        NEWEST_AT,
        criteria=Criteria.INTERACTIONS,
    ),
    "survey_responses": Relation(
        "({s})-[:RESPONDED]->({t}:SurveyResponse)", Position.SURVEY_RESPONSE, NEWEST_AT
    ),
    "orders": Relation(
        "({s})-[:PLACED]->({t}:Order)",
        Position.ORDER,
        (SortKey("{t}.date", descending=True), SortKey("{t}.id")),
        criteria=Criteria.ORDERS,
    ),
    "products_owned": Relation(
        "({s})-[:PLACED]->(:Order)-[:HAS_LINE]->(:OrderLine)-[:OF_PRODUCT]->({t}:Product)",
        Position.PRODUCT,
        BY_ID,
        distinct=True,
    ),
    "lines": Relation(
        "({s})-[:HAS_LINE]->({t}:OrderLine)",
        Position.ORDER_LINE,
        (SortKey("{t}.lineNo"), SortKey("{t}.id")),
    ),
    "order_customer": Relation("({t})-[:PLACED]->({s})", Position.CUSTOMER, BY_ID),
    "line_order": Relation("({t}:Order)-[:HAS_LINE]->({s})", Position.ORDER, BY_ID),
    "line_product": Relation("({s})-[:OF_PRODUCT]->({t}:Product)", Position.PRODUCT, BY_ID),
    "interaction_customer": Relation("({t})-[:HAD]->({s})", Position.CUSTOMER, BY_ID),
    "handled_by": Relation("({s})-[:HANDLED_BY]->({t}:Employee)", Position.EMPLOYEE, BY_ID),
    "interaction_product": Relation("({s})-[:ABOUT]->({t}:Product)", Position.PRODUCT, BY_ID),
    "survey_customer": Relation("({t})-[:RESPONDED]->({s})", Position.CUSTOMER, BY_ID),
}


# How a root lookup finds its node, by `ir.LookupBy` (`{t}` the node, `{label}` its label, `{v}`
# the value).
LOOKUPS: dict[str, LiteralString] = {
    "id": "MATCH ({t}:{label} {{id: {v}}})",
    "email": "MATCH ({t}:{label}) WHERE {t}.email = {v}",
    "sourceId": "MATCH (:SourceRecord {{id: {v}}})-[:RESOLVES_TO]->({t}:{label})",
    "externalId": "MATCH ({t}:{label}) WHERE {v} IN {t}.externalIds",
}
