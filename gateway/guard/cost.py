"""Query cost: what a document may make the gateway do, computed before it runs.

The model: a field that selects an object costs ``object`` (2) plus its selections, a
scalar or enum field costs ``scalar`` (1), and a field with ``first``/``last`` arguments (a
connection) multiplies its whole subtotal by the page size it asks for, the field's default when
it asks for none. Connections nested in connections therefore multiply. Lists without page
arguments (an article's authors, tags and categories) count once: they are short by design.
``__schema``/``__type`` cost nothing, so GraphiQL's introspection query always passes.

Unlike graphql-armor (which cannot see variables), ``first: $n`` uses the request's value of
``$n``, so a variable cannot hide a large page.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLNamedType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    NullValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
)
from graphql.utilities import get_operation_ast

INTROSPECTION_ROOTS = frozenset({"__schema", "__type"})
PAGE_ARGUMENTS = ("first", "last")
INT_MIN, INT_MAX = -(2**31), 2**31 - 1  # GraphQL's Int


@dataclass(frozen=True, slots=True)
class CostModel:
    object: int = 2
    scalar: int = 1
    default_page_size: int = 10


class _Calculator:
    def __init__(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        variables: Mapping[str, Any],
        operation: OperationDefinitionNode,
        model: CostModel,
    ) -> None:
        self.schema = schema
        self.model = model
        self.variables = dict(variables)
        # Variables the request left out take their declared default.
        for definition in operation.variable_definitions or ():
            name = definition.variable.name.value
            if name not in self.variables and isinstance(definition.default_value, IntValueNode):
                self.variables[name] = int(definition.default_value.value)
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        # A fragment's cost does not depend on where it is spread, so each is computed once:
        # fragments that spread other fragments many times cannot blow up the calculation.
        self.fragment_costs: dict[str, int] = {}
        self.visits = 0  # selections looked at: linear in the document (tests hold it there)
        self.read: set[str] = set()  # variables used as page sizes (the cost depends on them)

    def selection_set(self, selections: SelectionSetNode, parent: GraphQLNamedType) -> int:
        total = 0
        fields: dict[str, GraphQLField] = getattr(parent, "fields", {})
        for selection in selections.selections:
            self.visits += 1
            if isinstance(selection, FieldNode):
                name = selection.name.value
                if name in INTROSPECTION_ROOTS:
                    continue
                definition = fields.get(name)
                if definition is None:  # __typename (or a field validation has rejected)
                    total += self.model.scalar
                    continue
                total += self.field(selection, definition)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                target = self.schema.get_type(condition.name.value) if condition else parent
                if target is not None:
                    total += self.selection_set(selection.selection_set, target)
            elif isinstance(selection, FragmentSpreadNode):
                total += self.fragment(selection.name.value)
        return total

    def fragment(self, name: str) -> int:
        if name not in self.fragment_costs:
            self.fragment_costs[name] = 0  # a cycle (rejected by validation) adds nothing
            fragment = self.fragments.get(name)
            target = self.schema.get_type(fragment.type_condition.name.value) if fragment else None
            if fragment is not None and target is not None:
                self.fragment_costs[name] = self.selection_set(fragment.selection_set, target)
        return self.fragment_costs[name]

    def field(self, node: FieldNode, definition: GraphQLField) -> int:
        if node.selection_set is None:
            cost = self.model.scalar
        else:
            named = get_named_type(definition.type)
            cost = self.model.object + self.selection_set(node.selection_set, named)
        return cost * self.page_size(node, definition)

    def page_size(self, node: FieldNode, definition: GraphQLField) -> int:
        if not any(name in definition.args for name in PAGE_ARGUMENTS):
            return 1
        given = {arg.name.value: arg.value for arg in node.arguments or ()}
        sizes = []
        for name in PAGE_ARGUMENTS:
            if name not in definition.args:
                continue
            if name in given:
                sizes.append(self.int_value(given[name]))
            else:
                default = definition.args[name].default_value
                sizes.append(default if isinstance(default, int) else None)
        known = [s for s in sizes if s is not None]
        # No size at all (absent or null everywhere): the server's default page size applies.
        return max(0, max(known)) if known else self.model.default_page_size

    def int_value(self, value: Any) -> int | None:
        if isinstance(value, IntValueNode):
            return _graphql_int(int(value.value))
        if isinstance(value, VariableNode):
            self.read.add(value.name.value)
            raw = self.variables.get(value.name.value)
            # A non-integer (or one past GraphQL's 32-bit Int) fails variable coercion later,
            # as BAD_USER_INPUT; it cannot ask for a page.
            if isinstance(raw, int) and not isinstance(raw, bool):
                return _graphql_int(raw)
            return None
        if isinstance(value, NullValueNode):
            return None
        return None


def _graphql_int(value: int) -> int | None:
    return value if INT_MIN <= value <= INT_MAX else None


def query_cost(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
    model: CostModel,
) -> int:
    """The cost of the operation a request will run (0 when it cannot be determined: execution
    then reports the missing or ambiguous operation itself).

    Remembered on the parsed document (the parser's cache hands out the same object for the
    same text), per operation and per values of the variables the walk read (those given as
    page sizes): the same query with other values of those is walked again."""
    memo: dict[Any, Any] = document.__dict__.setdefault(COST_MARK, {})
    given = variables or {}
    key = (id(schema), model, operation_name)
    read = memo.get(key)
    if read is not None:
        values = tuple(given.get(name, _ABSENT) for name in read)
        found = memo.get((key, _hashable(values)))
        if found is not None:
            return int(found)
    calculator_cost, read_names = _walk(schema, document, operation_name, given, model)
    if len(memo) < COST_MEMO_SIZE:
        memo[key] = read_names
        values = tuple(given.get(name, _ABSENT) for name in read_names)
        memo[(key, _hashable(values))] = calculator_cost
    return calculator_cost


COST_MARK = "_gw_cost"  # where a parsed document keeps its costs
COST_MEMO_SIZE = 64  # entries per document (other page sizes are computed, not remembered)
_ABSENT = object()


def _hashable(values: tuple[Any, ...]) -> Any:
    """Variable values as a key: ints, None and absences as they are; anything else by type
    and repr (it is not a page size the walk can use, but must not collide with one)."""
    return tuple(
        v if v is None or v is _ABSENT or type(v) is int else (type(v).__name__, repr(v))
        for v in values
    )


def _walk(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any],
    model: CostModel,
) -> tuple[int, tuple[str, ...]]:
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return 0, ()
    root = schema.get_root_type(operation.operation)
    if root is None:
        return 0, ()
    calculator = _Calculator(schema, document, variables, operation, model)
    cost = calculator.selection_set(operation.selection_set, root)
    return cost, tuple(sorted(calculator.read))


def query_cost_walk(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None,
    variables: Mapping[str, Any] | None,
    model: CostModel,
) -> tuple[int, int]:
    """``query_cost`` and the number of selections it looked at."""
    operation = get_operation_ast(document, operation_name)
    if operation is None:
        return 0, 0
    root = schema.get_root_type(operation.operation)
    if root is None:
        return 0, 0
    calculator = _Calculator(schema, document, variables or {}, operation, model)
    return calculator.selection_set(operation.selection_set, root), calculator.visits
