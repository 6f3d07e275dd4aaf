"""Compile a validated query operation into an ``OperationPlan``.

Field collection (fragments, inline fragments, type conditions, ``@skip``/``@include``) is
graphql-core's own ``collect_fields``/``collect_subfields``, run once at compile time with the
request's variables; the plan is therefore only valid for the same values of the variables that
``@skip``/``@include`` read, which is why plans are cached per such values
(``directive_variables``). Everything else (response keys, getters, leaf serialisers, constant
arguments) is decided here once.

Not supported (the document runs on graphql-core): introspection fields other than
``__typename``, fields without a Strawberry definition, fields with field extensions or
permission classes, fragment variables and ``@defer``/``@stream``.
"""

from __future__ import annotations

from collections.abc import Mapping
from operator import attrgetter
from typing import TYPE_CHECKING, Any

from graphql import (
    GraphQLField,
    GraphQLID,
    GraphQLObjectType,
    GraphQLString,
    ListValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    ValueNode,
    VariableNode,
    get_named_type,
    is_abstract_type,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
    is_object_type,
)
from graphql.execution.collect_fields import collect_fields
from graphql.execution.values import get_argument_values
from graphql.language import DirectiveNode, FieldNode, FragmentSpreadNode, InlineFragmentNode
from strawberry.relay.types import GlobalID
from strawberry.types.arguments import convert_arguments
from strawberry.types.base import StrawberryMaybe, StrawberryOptional, StrawberryType

from schema.execution.plan import (
    ABSTRACT,
    LEAF,
    LIST,
    OBJECT,
    FieldPlan,
    ObjectPlan,
    OperationPlan,
    Resolver,
    Shape,
    Unsupported,
    caller,
)

if TYPE_CHECKING:
    from graphql.execution.executor import Executor

# The key Strawberry stores its field definition under in each GraphQLField's extensions.
DEFINITION_BACKREF = "strawberry-definition"


def compile_operation(executor: Executor[Any]) -> OperationPlan:
    """The plan of the executor's (query) operation; ``Unsupported`` when there is none."""
    schema = executor.schema
    root_type = schema.query_type
    if root_type is None:
        raise Unsupported("no query type")
    collected = collect_fields(
        schema,
        executor.fragments,
        executor.variable_values,
        root_type,
        executor.operation,
        executor.hide_suggestions,
    )
    builder = _Builder(executor)
    root = builder.object_plan(root_type, collected.grouped_field_set)
    return OperationPlan(root=root, slots=len(builder.fields), fields=builder.fields)


class _Builder:
    def __init__(self, executor: Executor[Any]) -> None:
        self.executor = executor
        self.fields: list[FieldPlan] = []
        strawberry_schema = getattr(executor.schema, "_strawberry_schema", None)
        if strawberry_schema is None:
            raise Unsupported("not a Strawberry schema")
        self.config = strawberry_schema.config
        self.scalars = strawberry_schema.schema_converter.scalar_registry

    def object_plan(self, type_: GraphQLObjectType, grouped: Any) -> ObjectPlan:
        fields = []
        for key, details in grouped.items():
            if any(d.fragment_variable_values is not None or d.defer_usage for d in details):
                raise Unsupported("fragment variables or @defer")
            nodes = [d.node for d in details]
            name = nodes[0].name.value
            slot = len(self.fields)
            self.fields.append(None)  # type: ignore[arg-type]  # reserved: children come next
            if name == "__typename":
                plan = FieldPlan(key, slot, None, nodes, type_, Shape(LEAF, True), None, type_.name)
            elif name.startswith("__"):
                raise Unsupported("introspection")
            else:
                field_def = type_.fields[name]
                resolver = self.resolver(field_def, nodes[0])
                shape = self.shape(field_def.type, details)
                plan = FieldPlan(key, slot, field_def, nodes, type_, shape, resolver)
            self.fields[slot] = plan
            fields.append(plan)
        definition = (type_.extensions or {}).get("strawberry-definition")
        origin = None
        if definition is not None and getattr(definition, "concrete_of", None) is None:
            origin = definition.origin
        return ObjectPlan(type=type_, fields=fields, is_type_of=type_.is_type_of, origin=origin)

    def shape(self, type_: Any, details: Any) -> Shape:
        non_null = is_non_null_type(type_)
        if non_null:
            type_ = type_.of_type
        if is_list_type(type_):
            return Shape(LIST, non_null, item=self.shape(type_.of_type, details))
        if is_leaf_type(type_):
            passthrough = type_ is GraphQLString or type_ is GraphQLID
            return Shape(LEAF, non_null, coerce=type_.coerce_output_value, str_ok=passthrough)
        if is_object_type(type_):
            return Shape(OBJECT, non_null, plan=self.sub_plan(type_, details))
        if is_abstract_type(type_):
            possible = self.executor.schema.get_possible_types(type_)
            plans = {t.name: self.sub_plan(t, details) for t in possible}
            return Shape(ABSTRACT, non_null, abstract=type_, plans=plans)
        raise Unsupported(f"output type {get_named_type(type_)}")

    def sub_plan(self, type_: GraphQLObjectType, details: Any) -> ObjectPlan:
        collected = self.executor.collect_subfields(type_, details)
        return self.object_plan(type_, collected.grouped_field_set)

    def resolver(self, field_def: GraphQLField, node: FieldNode) -> Resolver:
        field = (field_def.extensions or {}).get(DEFINITION_BACKREF)
        if field is None:
            raise Unsupported("a field without a Strawberry definition")
        if getattr(field_def.resolve, "_is_default", False):
            return Resolver(attribute=field.python_name, getter=attrgetter(field.python_name))
        if field.extensions or getattr(field, "permission_classes", None):
            raise Unsupported("field extensions or permission classes")
        base = field.base_resolver
        if base is None:
            raise Unsupported("a field without a resolver function")
        roots = tuple(p.name for p in (base.root_parameter, base.parent_parameter) if p)
        resolver = Resolver(
            function=base.wrapped_func,
            takes_self=base.self_parameter is not None,
            info_name=base.info_parameter.name if base.info_parameter else None,
            root_names=roots,
            strawberry_field=field,
            plain_arguments=plain_arguments(field, self.scalars, self.config),
        )
        if not any(_has_variable(argument.value) for argument in node.arguments or ()):
            # Constant arguments: coerced (and converted to Python values) once.
            values = get_argument_values(field_def, node, None)
            resolver.static_kwargs = self.convert(field, values)
            if resolver.info_name is None:  # nothing of the request: bound once, here
                resolver.getter = caller(
                    base.wrapped_func, resolver.takes_self, roots, resolver.static_kwargs
                )
        return resolver

    def convert(self, field: Any, values: dict[str, Any]) -> dict[str, Any]:
        return convert_arguments(values, field.arguments, self.scalars, self.config)


def plain_arguments(
    field: Any, scalars: Mapping[object, Any], config: Any
) -> tuple[tuple[str, str], ...] | None:
    """(GraphQL name, Python name) of the field's arguments when ``convert_arguments`` would
    return each value unchanged: a built-in or custom scalar other than ``GlobalID`` (which it
    decodes), or such a scalar made optional (not ``Maybe``, which it wraps). None otherwise."""
    names = []
    for argument in field.arguments:
        type_ = argument.type
        if isinstance(type_, StrawberryMaybe):
            return None
        if isinstance(type_, StrawberryOptional):
            type_ = type_.of_type
        try:
            if type_ is GlobalID or isinstance(type_, StrawberryType) or type_ not in scalars:
                return None
        except TypeError:  # an unhashable annotation: not a registered scalar
            return None
        names.append((config.name_converter.from_argument(argument), argument.python_name))
    return tuple(names)


def _has_variable(value: ValueNode) -> bool:
    if isinstance(value, VariableNode):
        return True
    if isinstance(value, ListValueNode):
        return any(_has_variable(v) for v in value.values)
    if isinstance(value, ObjectValueNode):
        return any(_has_variable(f.value) for f in value.fields)
    return False


def directive_variables(
    operation: OperationDefinitionNode, fragments: dict[str, Any]
) -> tuple[str, ...]:
    """Variables read by ``@skip``/``@include`` anywhere in the operation or its fragments:
    a plan is valid for one combination of their values."""
    found: dict[str, None] = {}

    def visit(selection_set: Any) -> None:
        for selection in selection_set.selections if selection_set is not None else ():
            for directive in selection.directives or ():
                _note(directive, found)
            if isinstance(selection, FragmentSpreadNode):
                continue  # fragments are visited once below
            if isinstance(selection, (FieldNode, InlineFragmentNode)):
                visit(selection.selection_set)

    visit(operation.selection_set)
    for details in fragments.values():
        visit(details.definition.selection_set)
    return tuple(found)


def _note(directive: DirectiveNode, found: dict[str, None]) -> None:
    if directive.name.value not in ("skip", "include"):
        return
    for argument in directive.arguments or ():
        if isinstance(argument.value, VariableNode):
            found[argument.value.name.value] = None
