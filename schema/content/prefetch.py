"""Which article relations a query selected, so a list loads each in bulk before its fields
resolve (the loading itself is ``schema.content.nodes.prefetch_articles``).

A connection resolver looks at which relation fields the client selected on its items and loads
each relation once for the whole page (through the request's dataloaders, so the cache and the
batching are shared with every other path). The relation fields then resolve synchronously from
what was loaded: no awaitable per item, which is where a naive GraphQL server spends its time.
A field whose data was not prefetched (e.g. an article from ``node(id:)``) loads it lazily
through the same function.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField

from schema.context import Info

Relation = Literal["author", "authors", "categories", "tags", "body", "seo"]

# GraphQL field on Article -> the relation that feeds it ("author": the primary author alone,
# which a root query reads in its own statement; else the first of "authors").
RELATIONS: dict[str, Relation] = {
    "author": "author",
    "authors": "authors",
    "categories": "categories",
    "tags": "tags",
    "seo": "seo",
    "body": "body",
}
# Relation -> the kind the one-statement links loader files its rows under.
LINK_KINDS = {"authors": "author", "categories": "category", "tags": "tag"}
# `seo` only asks root queries to join the SEO overrides (and the fallback body) into their own
# statement (`root_extras`); nothing is prefetched for it here. Its fields (schema.seo.types) load what
# each needs through the dataloaders, which those rows primed.


def _flatten(selections: Iterable[Any]) -> Iterable[SelectedField]:
    for selection in selections:
        if isinstance(selection, SelectedField):
            yield selection
        elif isinstance(selection, (FragmentSpread, InlineFragment)):
            yield from _flatten(selection.selections)


def field_relations(info: Info) -> set[Relation]:
    """Relations selected directly on the current field's object (e.g. `article { ... }`)."""
    wanted: set[Relation] = set()
    for field in _flatten(info.selected_fields):
        wanted.update(RELATIONS[f.name] for f in _flatten(field.selections) if f.name in RELATIONS)
    return wanted


def root_extras(relations: set[Relation]) -> frozenset[str]:
    """The relations a root article query reads in its own statement (see with_extras): the
    primary author only when all authors are not read anyway."""
    extras = relations & {"body", "seo", "author"}
    if "authors" in relations:
        extras.discard("author")
    return frozenset(extras)


def item_relations(info: Info) -> set[Relation]:
    """Relations selected on a connection's items (`nodes { ... }` and `edges { node { ... } }`)."""
    wanted: set[Relation] = set()
    for connection in _flatten(info.selected_fields):
        for child in _flatten(connection.selections):
            items: Iterable[SelectedField] = ()
            if child.name == "nodes":
                items = _flatten(child.selections)
            elif child.name == "edges":
                for edge_field in _flatten(child.selections):
                    if edge_field.name == "node":
                        items = _flatten(edge_field.selections)
            wanted.update(RELATIONS[f.name] for f in items if f.name in RELATIONS)
    return wanted
