"""A faster field executor for the common case: a plain attribute with a scalar or enum type.

Most fields of a content response (title, slug, publishedAt, ...) are dataclass attributes with
Strawberry's default resolver. graphql-core builds a ResolveInfo object, looks up arguments and
walks the completion machinery for each of them; for a leaf with no arguments none of that
changes the result. This executor reads the attribute and serialises it directly, and hands
everything else (and every case that would raise an error) to graphql-core unchanged.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
)
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

_NOT_LEAF = object()


def _leaf(return_type: Any) -> Any:
    """(serialize function, nullable) for a leaf type; _NOT_LEAF for anything else."""
    nullable = not isinstance(return_type, GraphQLNonNull)
    named = return_type if nullable else return_type.of_type
    if isinstance(named, (GraphQLScalarType, GraphQLEnumType)):
        return named.serialize, nullable
    return _NOT_LEAF


class FastLeafExecutor(StrawberryGraphQLCoreExecutionContext):
    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: Any,
        path: Any,
        position_context: Any,
    ) -> Any:
        node = field_details_list[0].node
        field_def = parent_type.fields.get(node.name.value)
        if (
            field_def is not None
            and not node.arguments
            and (self.middleware_manager is None or not self.middleware_manager.middlewares)
            and getattr(field_def.resolve, "_is_default", False)
            and not field_def.args
        ):
            leaf = field_def.__dict__.get("_gw_leaf")
            if leaf is None:
                leaf = field_def.__dict__["_gw_leaf"] = _leaf(field_def.type)
            if leaf is not _NOT_LEAF:
                serialize, nullable = leaf
                try:
                    value = field_def.resolve(source, None)
                    if value is None:
                        if nullable:
                            return None
                    else:
                        return serialize(value)
                except Exception:  # graphql-core below reports it properly
                    pass
        return super().execute_field(
            parent_type, source, field_details_list, path, position_context
        )
