"""Slim rows: whether a document reads so little of articles, authors, categories and tags that
the hot statements may leave the other columns out.

The home page and the article page read about a dozen of the 55 columns the hot statements
select (not the authors' biographies, the SEO overrides' Open Graph and JSON-LD texts, the
articles' audit columns), and every column of every row costs the database and the driver. A
document whose every field is in ``SLIM_FIELDS`` is answered from slim statements, which select
only what those fields read (``resolvers.content.articles.SLIM_*``); their rows have the other
columns as None, so they keep the full rows' shape. The rule is the whole document's, not a
field's: the rows are shared through the request's dataloaders, so any field anywhere in the
document could read them. Anything else in the document (an unlisted field, an interface
fragment) keeps the full rows.

Which columns the listed fields read is kept beside the slim column sets; the test
``tests/content/test_slim_rows.py`` answers documents that use every listed field with slim
and with full rows and compares the bytes.
"""

from __future__ import annotations

from typing import Any

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    get_named_type,
)

from schema.content.prefetch import NodeMemo
from schema.context import Info

_TERM = frozenset({"id", "databaseId", "name", "slug", "path", "url"})
# GraphQL type -> the fields a slim document may select on it (``__typename`` anywhere).
SLIM_FIELDS: dict[str, frozenset[str]] = {
    "Query": frozenset({"article", "articles"}),
    "ArticleConnection": frozenset({"nodes", "edges", "pageInfo", "totalCount"}),
    "ArticleEdge": frozenset({"node", "cursor"}),
    "PageInfo": frozenset(
        {"hasNextPage", "hasPreviousPage", "startCursor", "endCursor", "page", "perPage"}
        | {"totalPages", "totalCount"}
    ),
    "Article": frozenset(
        {"id", "databaseId", "slug", "title", "excerpt", "locale", "status", "publishedAt"}
        | {"unpublishAt", "readingTimeMinutes", "path", "url", "body", "author", "authors"}
        | {"categories", "tags", "seo"}
    ),
    "Author": _TERM | {"avatar"},
    "Category": _TERM,
    "Tag": _TERM,
    "Image": frozenset({"url", "alt", "width", "height"}),
    "Seo": frozenset({"title", "description", "canonicalUrl", "robots", "noindex", "nofollow"}),
}

# Switched off by the test that compares slim with full rows.
ENABLED = True

_SEEN: NodeMemo[bool] = NodeMemo()


def slim_document(info: Info) -> bool:
    """Whether the request's operation selects nothing outside ``SLIM_FIELDS`` (decided once
    per parsed operation)."""
    if not ENABLED:
        return False
    raw = info._raw_info
    return _SEEN.get(
        "slim", (raw.operation,), lambda: slim_operation(raw.schema, raw.operation, raw.fragments)
    )


def slim_operation(
    schema: GraphQLSchema, operation: OperationDefinitionNode, fragments: dict[str, Any]
) -> bool:
    """Whether ``operation`` (with its document's ``fragments``, by name) selects nothing
    outside ``SLIM_FIELDS``."""
    root = schema.get_root_type(operation.operation)
    return root is not None and _slim(operation.selection_set, root, schema, fragments)


def _slim(selection_set: Any, type_: Any, schema: Any, fragments: dict[str, Any]) -> bool:
    if not isinstance(type_, GraphQLObjectType):
        return False  # an interface or union: its objects may be of any type
    allowed = SLIM_FIELDS.get(type_.name)
    if allowed is None:
        return False
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            name = selection.name.value
            if name == "__typename":
                continue
            if name not in allowed or name not in type_.fields:
                return False
            if selection.selection_set is not None:
                inner = get_named_type(type_.fields[name].type)
                if not _slim(selection.selection_set, inner, schema, fragments):
                    return False
        else:
            if isinstance(selection, InlineFragmentNode):
                condition, inner_set = selection.type_condition, selection.selection_set
            elif isinstance(selection, FragmentSpreadNode):
                fragment = fragments.get(selection.name.value)
                fragment = getattr(fragment, "definition", fragment)  # graphql-core's details
                if fragment is None:
                    return False
                condition, inner_set = fragment.type_condition, fragment.selection_set
            else:
                return False
            inner = type_ if condition is None else schema.get_type(condition.name.value)
            if inner is not type_ or not _slim(inner_set, inner, schema, fragments):
                return False
    return True
