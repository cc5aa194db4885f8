"""Which roles may use which operations: the role x operation matrix.

A field listed in `RULES` (by schema coordinate, `Type.field`) may be selected only by the roles
given; every other field is open to every authenticated role, within the caller's read scope
(`graph/read/scope.py`) and personal-data masking. `denied` finds the listed fields an operation
selects, through fragments too, before anything runs; the HTTP layer answers 403 FORBIDDEN naming
them, whatever data exists, so the refusal tells nothing about the graph.

Mutations are open to admins; `account_team` and `frontend` principals holding the `write` scope
may use the few listed for them, on the parties they may read.
"""

from __future__ import annotations

from collections.abc import Iterable

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
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

RULES: dict[str, frozenset[Role]] = {
    # Operator and model facts: node counts, fitted parameters.
    "Query.server": frozenset({ADMIN, ANALYST}),
    "Query.valueModel": frozenset({ADMIN, ANALYST}),
    # KPIs: a partner gets its own network's, an owned-accounts team its accounts'.
    "Query.portfolio": frozenset({ADMIN, ANALYST, TEAM, PARTNER}),
    # B2B account work.
    "Query.buyingCommittee": READERS_OF_ACCOUNTS,
    "Query.dealCommittee": READERS_OF_ACCOUNTS,
    # Networks: not a customer view.
    "Query.broker": frozenset({ADMIN, ANALYST, TEAM, PARTNER}),
    "Query.brokers": frozenset({ADMIN, ANALYST, TEAM, PARTNER}),
    "Query.partnerNetwork": frozenset({ADMIN, ANALYST, PARTNER}),
    "Query.referralTree": frozenset({ADMIN, ANALYST, TEAM, PARTNER}),
    "Query.connectionPaths": frozenset({ADMIN, ANALYST, TEAM, PARTNER}),
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
            coordinate = f"{get_named_type(parent).name}.{node.name.value}"
            if coordinate in RULES or coordinate.startswith("Mutation."):
                found.add(coordinate)

    document = DocumentNode(definitions=(operation, *fragments))
    visit(document, TypeInfoVisitor(info, Collect()))
    return frozenset(found)


def denied(principal: Principal, coordinates: Iterable[str]) -> list[str]:
    """The coordinates this principal may not select, sorted."""
    return sorted(c for c in coordinates if not allowed(principal, c))
