"""Which roles may use which operations: the role x operation matrix.

A field listed in `RULES` (by schema coordinate, `Type.field`) may be selected only by the roles
given; every other field is open to every authenticated role, within the caller's read scope
(`graph/read/scope.py`) and personal-data masking. Authorization follows the data, not the entry
point: a guarded datum is guarded on every field that reads it (a root such as `buyingCommittee`
and the nested `Organization.committee` alike), and a rule on an interface's field holds on every
type implementing it (and the other way round). `guarded` finds the listed fields an operation
selects, through fragments, aliases and `node(s)` too, before anything runs; the HTTP layer
answers 403 FORBIDDEN naming them, whatever data exists, so the refusal tells nothing about the
graph.

Mutations are open to admins; `account_team` and `frontend` principals holding the `write` scope
may use the few listed for them, on the parties they may read.
"""

from __future__ import annotations

from collections.abc import Iterable

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLInterfaceType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    OperationDefinitionNode,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    get_named_type,
    visit,
)

from graph.security.principal import WRITE, Principal, Role

ADMIN, ANALYST, TEAM, FRONTEND, PARTNER = (
    Role.ADMIN,
    Role.ANALYST,
    Role.ACCOUNT_TEAM,
    Role.FRONTEND,
    Role.PARTNER,
)
EVERYONE = frozenset(Role)
READERS_OF_ACCOUNTS = frozenset({ADMIN, ANALYST, TEAM})
READERS_OF_NETWORKS = frozenset({ADMIN, ANALYST, TEAM, PARTNER})
BROKER_BOOKS = frozenset({ADMIN, ANALYST, PARTNER})


def _on(roles: frozenset[Role], *coordinates: str) -> dict[str, frozenset[Role]]:
    return dict.fromkeys(coordinates, roles)


RULES: dict[str, frozenset[Role]] = {
    # Operator and model facts: node counts, fitted parameters.
    "Query.server": frozenset({ADMIN, ANALYST}),
    "Query.valueModel": frozenset({ADMIN, ANALYST}),
    # Load history: files, counts and rejects paths of the operator's loads.
    "Query.loads": frozenset({ADMIN}),
    # KPIs: a partner gets its own network's, an owned-accounts team its accounts'.
    "Query.portfolio": frozenset({ADMIN, ANALYST, TEAM, PARTNER}),
    # B2B account work: buying committees, wherever they are read, and the figures made of them.
    **_on(
        READERS_OF_ACCOUNTS,
        "Query.buyingCommittee",
        "Query.dealCommittee",
        "Organization.committee",
        "Deal.committee",
        "Person.committeeSeats",
        "Organization.committeeSize",
        "Organization.committeeEngaged",
        "Organization.committeeEngagement",
        "Organization.healthScore",
    ),
    # Networks, not a customer view: brokers' books, whom a party referred (its referral tree),
    # who knows whom (the links connection paths walk), and the figures made of them. Who
    # referred a customer, up to its attributed broker (`referredBy`, `Customer.broker`), is
    # open like `referralChain`, which shows the same; a broker's own fields are not.
    **_on(
        READERS_OF_NETWORKS,
        "Query.broker",
        "Query.brokers",
        "Query.referralTree",
        "Query.connectionPaths",
        "Customer.referrals",
        "Customer.referralValue",
        "Customer.networkValue",
        "Broker.referrals",
        "Broker.customersBrought",
        "Broker.bookValue",
        "Broker.conversionRate",
        "Broker.retentionRate",
        "Employee.knows",
    ),
    # A broker's whole network (its book of business): the broker's partner, not account teams.
    **_on(
        BROKER_BOOKS,
        "Query.partnerNetwork",
        "Broker.network",
        "Broker.networkSize",
        "Broker.networkValue",
    ),
}

# Mutations: who may call them with the `write` scope (admins always may).
WRITERS: dict[str, frozenset[Role]] = {
    "Mutation.upsertCustomer": frozenset({TEAM, FRONTEND}),
    "Mutation.recordInteraction": frozenset({TEAM, FRONTEND}),
    "Mutation.recordSurveyResponse": frozenset({TEAM, FRONTEND}),
    "Mutation.recordOrder": frozenset({FRONTEND}),
    "Mutation.recordReferral": frozenset({TEAM}),
    "Mutation.setCommitteeMembership": frozenset({TEAM}),
    "Mutation.mergeCustomers": frozenset(),
    "Mutation.splitCustomer": frozenset(),
    "Mutation.unmergeCustomers": frozenset(),
    "Mutation.eraseCustomer": frozenset(),
}


def allowed(principal: Principal, coordinate: str) -> bool:
    """May this principal select the field at `coordinate`?"""
    if principal.role is ADMIN:
        return True
    writers = WRITERS.get(coordinate)
    if writers is not None:
        return principal.role in writers and principal.has_scope(WRITE)
    if coordinate.startswith("Mutation."):
        return False  # a mutation nobody listed: admins only
    return principal.role in RULES.get(coordinate, EVERYONE)


def guarded(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: Iterable[FragmentDefinitionNode],
) -> frozenset[str]:
    """The coordinates of the guarded fields an operation selects (cache it per document)."""
    found: set[str] = set()
    info = TypeInfo(schema)

    class Collect(Visitor):
        def enter_field(self, node: FieldNode, *_: object) -> None:
            parent = info.get_parent_type()
            if parent is None:
                return
            named = get_named_type(parent)
            field = node.name.value
            if named.name == "Mutation":
                found.add(f"Mutation.{field}")
                return
            found.update(
                coordinate
                for t in related_types(schema, named)
                if (coordinate := f"{t}.{field}") in RULES
            )

    document = DocumentNode(definitions=(operation, *fragments))
    visit(document, TypeInfoVisitor(info, Collect()))
    return frozenset(found)


def related_types(schema: GraphQLSchema, named: GraphQLNamedType) -> list[str]:
    """The type and every type a field selected on it may come from or stand for: the interfaces
    it implements and, for an interface or a union, the types implementing it."""
    names = [named.name]
    if isinstance(named, GraphQLObjectType | GraphQLInterfaceType):
        names += [i.name for i in named.interfaces]
    if isinstance(named, GraphQLInterfaceType):
        names += [t.name for t in schema.get_possible_types(named)]
    return names


def denied(principal: Principal, coordinates: Iterable[str]) -> list[str]:
    """The coordinates this principal may not select, sorted."""
    return sorted(c for c in coordinates if not allowed(principal, c))
