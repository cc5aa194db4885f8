"""Documents as the request path sees them: parsed, validated and analysed once per text.

One cache (`Documents`, least recently used first out) holds one `Document` per text: its parse,
validation errors, fragments (collected once, for the limits, the role checks and the compiler),
the variables its `@skip`/`@include` depend on, and per operation an `Operation`: depth, aliases,
guarded fields, and the slots where the cost estimate and the compiled plan are kept (both depend
on a few variables' values, so they are kept per those values). Strawberry keeps its own parse
and validation cache for the executor path.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from graphql import (
    ArgumentNode,
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    Visitor,
    get_operation_ast,
    parse,
    validate,
    visit,
)
from graphql.execution.collect_fields import FragmentDetails

from schema.access import guarded
from schema.compiler.plan import OperationPlan
from schema.errors import Code

V = TypeVar("V")

# the arguments the cost estimate reads
COST_ARGUMENTS = frozenset({"first", "last", "ids", "filter"})
PER_DOCUMENT = 64  # cost estimates and plans kept per operation (by their variables' values)


class ByValues(Generic[V]):
    """Values kept by the values of a few variables (a bounded dict: cleared when full)."""

    __slots__ = ("_found", "names")

    def __init__(self, names: tuple[str, ...]) -> None:
        self.names = names
        self._found: dict[tuple[Hashable, ...], V] = {}

    def key(self, coerced: dict[str, object]) -> tuple[Hashable, ...] | None:
        """The cache key for these variables, or None when a value cannot be a key."""
        key = tuple(_frozen(coerced.get(n)) for n in self.names)
        try:
            hash(key)
        except TypeError:
            return None
        return key

    def get(self, key: tuple[Hashable, ...] | None) -> tuple[bool, V | None]:
        if key is None or key not in self._found:
            return False, None
        return True, self._found[key]

    def put(self, key: tuple[Hashable, ...] | None, value: V) -> None:
        if key is None:
            return
        if len(self._found) >= PER_DOCUMENT:
            self._found.clear()
        self._found[key] = value


def _frozen(value: object) -> Hashable:
    if isinstance(value, list):
        return tuple(_frozen(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _frozen(v)) for k, v in value.items()))
    return value  # checked by ByValues.key


@dataclass(frozen=True, slots=True)
class Operation:
    """One operation of a document, analysed once."""

    node: OperationDefinitionNode
    depth: int  # the deepest field nesting, through fragments
    aliases: int
    guarded: frozenset[str]  # coordinates of the role-guarded fields it selects
    # estimated cost, filter conditions and filter list items (api/limits.py), by the values of
    # the variables of `first`/`ids`/`filter`
    costs: ByValues[tuple[int, int, int]]
    plans: ByValues[OperationPlan | None]  # compiled plan, by the `@skip`/`@include` inputs


@dataclass(slots=True)
class Document:
    text: str
    node: DocumentNode | None
    errors: list[GraphQLError] = field(default_factory=list)
    code: Code | None = None  # why it was refused: parse or validation failed, too many tokens
    fragments: dict[str, FragmentDefinitionNode] = field(default_factory=dict)
    details: dict[str, FragmentDetails] = field(default_factory=dict)  # the planner's form
    operations: dict[str | None, Operation | None] = field(default_factory=dict)
    schema: GraphQLSchema | None = None

    def operation(self, name: str | None) -> Operation | None:
        """The named operation (or the only one), analysed on first use; None when absent."""
        if name in self.operations:
            return self.operations[name]
        assert self.node is not None and self.schema is not None
        found = get_operation_ast(self.node, name)
        operation = None
        if found is not None:
            depth, aliases = depth_and_aliases(found, self.fragments)
            operation = Operation(
                found,
                depth,
                aliases,
                guarded(self.schema, found, self.fragments.values()),
                ByValues(_variables_of(found, self.fragments, COST_ARGUMENTS)),
                ByValues(directive_variables(self.node)),
            )
        self.operations[name] = operation
        return operation


class Documents:
    """The request path's one cache of documents, by text."""

    def __init__(self, schema: GraphQLSchema, max_tokens: int, maxsize: int = 1024) -> None:
        self.schema = schema
        self.max_tokens = max_tokens
        self.maxsize = maxsize
        self._cache: OrderedDict[str, Document] = OrderedDict()

    def get(self, text: str) -> Document:
        found = self._cache.get(text)
        if found is not None:
            self._cache.move_to_end(text)
            return found
        found = self._load(text)
        self._cache[text] = found
        if len(self._cache) > self.maxsize:
            self._cache.popitem(last=False)
        return found

    def _load(self, text: str) -> Document:
        try:
            node = parse(text, max_tokens=self.max_tokens)
        except GraphQLError as exc:
            too_many = "Document contains more than" in exc.message
            code = Code.QUERY_TOO_COMPLEX if too_many else Code.GRAPHQL_PARSE_FAILED
            return Document(text, None, [exc], code)
        errors = validate(self.schema, node)
        if errors:
            return Document(text, node, list(errors), Code.GRAPHQL_VALIDATION_FAILED)
        fragments = fragments_of(node.definitions)
        details = {name: FragmentDetails(d) for name, d in fragments.items()}
        return Document(text, node, fragments=fragments, details=details, schema=self.schema)


# ---- analyses ----------------------------------------------------------------------------------


def fragments_of(definitions: tuple[object, ...]) -> dict[str, FragmentDefinitionNode]:
    return {d.name.value: d for d in definitions if isinstance(d, FragmentDefinitionNode)}


def depth_and_aliases(
    operation: OperationDefinitionNode, fragments: dict[str, FragmentDefinitionNode]
) -> tuple[int, int]:
    """The deepest field nesting and the number of aliases, through fragments."""
    aliases = 0

    def walk(selection_set: SelectionSetNode, seen: frozenset[str]) -> int:
        nonlocal aliases
        deepest = 0
        for s in selection_set.selections:
            if isinstance(s, FieldNode):
                aliases += s.alias is not None
                below = walk(s.selection_set, seen) if s.selection_set else 0
                deepest = max(deepest, 1 + below)
            elif isinstance(s, InlineFragmentNode):
                deepest = max(deepest, walk(s.selection_set, seen))
            elif isinstance(s, FragmentSpreadNode) and s.name.value not in seen:
                found = fragments.get(s.name.value)
                if found is not None:
                    deepest = max(deepest, walk(found.selection_set, seen | {s.name.value}))
        return deepest

    return walk(operation.selection_set, frozenset()), aliases


class _Variables(Visitor):
    """The variables used in the arguments named `names` (of fields), or of `@skip`/`@include`."""

    def __init__(self, names: frozenset[str] | None) -> None:
        super().__init__()
        self.names = names
        self.found: set[str] = set()

    def enter_argument(self, node: ArgumentNode, *_: object) -> None:
        if self.names is not None and node.name.value in self.names:
            visit(node.value, _Collect(self.found))

    def enter_directive(self, node: DirectiveNode, *_: object) -> None:
        if self.names is None and node.name.value in {"skip", "include"}:
            for argument in node.arguments or ():
                visit(argument.value, _Collect(self.found))


class _Collect(Visitor):
    def __init__(self, into: set[str]) -> None:
        super().__init__()
        self.into = into

    def enter_variable(self, node: VariableNode, *_: object) -> None:
        self.into.add(node.name.value)


def _variables_of(
    operation: OperationDefinitionNode,
    fragments: dict[str, FragmentDefinitionNode],
    arguments: frozenset[str],
) -> tuple[str, ...]:
    found = _Variables(arguments)
    for node in (operation, *fragments.values()):
        visit(node, found)
    return tuple(sorted(found.found))


def directive_variables(document: DocumentNode) -> tuple[str, ...]:
    """The variables a document's `@skip`/`@include` depend on (they change the plan)."""
    found = _Variables(None)
    visit(document, found)
    return tuple(sorted(found.found))
