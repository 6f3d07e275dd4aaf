"""The shape of a compiled execution plan: what to read for each response key, and how to
complete the value (leaf serialiser, list, object sub-plan, one sub-plan per concrete type).

A plan is built once per validated operation (and per set of ``@skip``/``@include`` variable
values) by ``schema.execution.compiler`` and run by ``schema.execution.runner``. Plans hold no
request state: everything that depends on the request (variables, the context, resolver infos)
is bound by the runner.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from graphql import FieldNode, GraphQLField, GraphQLObjectType

# How a value is completed (graphql-core's complete_value, unrolled at compile time).
LEAF = 0
LIST = 1
OBJECT = 2
ABSTRACT = 3


class Unsupported(Exception):
    """The compiler cannot plan this document: graphql-core runs it."""


class Fallback(Exception):
    """Raised while running a plan: graphql-core re-runs the operation to report it exactly."""


@dataclass(slots=True)
class Shape:
    """How to complete a value of one (possibly wrapped) output type."""

    kind: int
    non_null: bool
    # LEAF: the output coercion (scalar/enum), or None when the value is passed through as is.
    coerce: Callable[[Any], Any] | None = None
    str_ok: bool = False  # String/ID: a str is its own serialisation
    # LIST: the item shape.
    item: Shape | None = None
    # OBJECT: the object's plan; ABSTRACT: the abstract type and one plan per concrete type.
    plan: ObjectPlan | None = None
    abstract: Any = None
    plans: dict[str, ObjectPlan] = field(default_factory=dict)


@dataclass(slots=True)
class Resolver:
    """How a field's value is read from its parent object.

    ``attribute``: a plain attribute (Strawberry's default resolver) read with ``getattr``.
    Otherwise ``function`` is the resolver Strawberry wraps, called with the parent as ``self``
    when it asks for it, the coerced arguments, and the Strawberry ``Info`` when it asks for it.
    """

    attribute: str | None = None
    function: Callable[..., Any] | None = None
    takes_self: bool = False
    info_name: str | None = None
    root_names: tuple[str, ...] = ()
    static_kwargs: dict[str, Any] | None = None  # arguments without variables, coerced once
    strawberry_field: Any = None  # to convert per-request arguments and build Info
    # (GraphQL name, Python name) of every argument when all of them are scalars that
    # Strawberry passes through unconverted (``plain_arguments``): per-request arguments are
    # then renamed, not converted, and need no ``Info``. None: ``convert_arguments`` runs.
    plain_arguments: tuple[tuple[str, str], ...] | None = None
    # The getter when it depends on nothing of the request (an attribute, or a resolver with
    # constant arguments and no ``Info``): built once with the plan, not per request.
    getter: Callable[[Any], Any] | None = None


@dataclass(slots=True)
class FieldPlan:
    """One response key of a selection set."""

    key: str
    slot: int  # index of per-request bindings (info, arguments) in the runner's state
    field_def: GraphQLField | None
    field_nodes: list[FieldNode]
    parent_type: GraphQLObjectType
    shape: Shape
    resolver: Resolver | None  # None: ``constant`` (e.g. __typename)
    constant: Any = None


@dataclass(slots=True)
class ObjectPlan:
    """The fields of one concrete object type in one selection set, in response order."""

    type: GraphQLObjectType
    fields: list[FieldPlan]
    is_type_of: Callable[..., Any] | None = None
    # The Python class whose instances certainly are of ``type`` (a plain Strawberry type;
    # nothing here uses ``strawberry.cast``): those skip the ``is_type_of`` call.
    origin: builtins.type | None = None


@dataclass(slots=True)
class OperationPlan:
    root: ObjectPlan
    slots: int  # how many FieldPlans (per-request binding table size)
    fields: list[FieldPlan] = field(default_factory=list)  # by slot
    # By slot: the getters that need no request (``Resolver.getter``), None for the others.
    getters: list[Callable[[Any], Any] | None] = field(init=False)

    def __post_init__(self) -> None:
        self.getters = [None] * self.slots
        for f in self.fields:
            if f.resolver is not None:
                self.getters[f.slot] = f.resolver.getter


def caller(
    function: Callable[..., Any], takes_self: bool, roots: tuple[str, ...], kwargs: dict[str, Any]
) -> Callable[[Any], Any]:
    """A getter that calls a resolver function with its parent object as ``self`` (when it
    takes it) and as each root/parent parameter, and ``kwargs``."""
    if roots:

        def with_root(source: Any) -> Any:
            call = dict(kwargs)
            for name in roots:
                call[name] = source
            return function(source, **call) if takes_self else function(**call)

        return with_root
    if takes_self:
        if not kwargs:
            return function
        return lambda source: function(source, **kwargs)
    return lambda _source: function(**kwargs)
