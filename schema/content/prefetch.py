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

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Generic, Literal, TypeVar

from graphql import FieldNode, FragmentSpreadNode, InlineFragmentNode

from schema.context import Info

Relation = Literal["author", "authors", "categories", "tags", "body", "seo"]
T = TypeVar("T")

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


def _fields(selection_set: Any, fragments: dict[str, Any]) -> Iterator[FieldNode]:
    """The fields of a selection set, through inline fragments and fragment spreads (as the
    document states them: directives are not evaluated)."""
    for selection in selection_set.selections if selection_set is not None else ():
        if isinstance(selection, FieldNode):
            yield selection
        elif isinstance(selection, InlineFragmentNode):
            yield from _fields(selection.selection_set, fragments)
        elif isinstance(selection, FragmentSpreadNode):
            yield from _fields(fragments[selection.name.value].selection_set, fragments)


def _wanted(fields: Iterable[FieldNode]) -> Iterator[Relation]:
    return (RELATIONS[f.name.value] for f in fields if f.name.value in RELATIONS)


def _on_object(nodes: Sequence[FieldNode], fragments: dict[str, Any]) -> set[Relation]:
    wanted: set[Relation] = set()
    for node in nodes:
        wanted.update(_wanted(_fields(node.selection_set, fragments)))
    return wanted


def _on_items(nodes: Sequence[FieldNode], fragments: dict[str, Any]) -> set[Relation]:
    wanted: set[Relation] = set()
    for connection in nodes:
        for child in _fields(connection.selection_set, fragments):
            items: Iterable[FieldNode] = ()
            if child.name.value == "nodes":
                items = _fields(child.selection_set, fragments)
            elif child.name.value == "edges":
                for edge_field in _fields(child.selection_set, fragments):
                    if edge_field.name.value == "node":
                        items = _fields(edge_field.selection_set, fragments)
            wanted.update(_wanted(items))
    return wanted


class NodeMemo(Generic[T]):
    """What depends on the parsed document alone, computed once per set of its nodes: kept by
    the nodes' ids together with the nodes, so that an id is never mistaken for another's (the
    document cache hands back the same node objects; at most ``maxsize`` entries)."""

    def __init__(self, maxsize: int = 4096) -> None:
        self.maxsize = maxsize
        self.entries: dict[tuple[Any, ...], tuple[tuple[Any, ...], T]] = {}

    def get(self, tag: str, nodes: tuple[Any, ...], compute: Callable[[], T]) -> T:
        key = (tag, *map(id, nodes))
        hit = self.entries.get(key)
        if hit is not None and all(a is b for a, b in zip(hit[0], nodes, strict=True)):
            return hit[1]
        value = compute()
        if len(self.entries) >= self.maxsize:
            self.entries.clear()
        self.entries[key] = (nodes, value)
        return value


# What a field's selections ask for: once per field of a (cached, parsed) document.
_SEEN: NodeMemo[frozenset[Relation]] = NodeMemo()


def _relations(info: Info, on: Callable[..., set[Relation]]) -> set[Relation]:
    raw = info._raw_info
    nodes = tuple(raw.field_nodes)
    return set(_SEEN.get(on.__name__, nodes, lambda: frozenset(on(nodes, raw.fragments))))


def field_relations(info: Info) -> set[Relation]:
    """Relations selected directly on the current field's object (e.g. `article { ... }`)."""
    return _relations(info, _on_object)


def root_extras(relations: set[Relation]) -> frozenset[str]:
    """The relations a root article query reads in its own statement (see with_extras): the
    primary author only when all authors are not read anyway."""
    extras = relations & {"body", "seo", "author"}
    if "authors" in relations:
        extras.discard("author")
    return frozenset(extras)


def item_relations(info: Info) -> set[Relation]:
    """Relations selected on a connection's items (`nodes { ... }` and `edges { node { ... } }`)."""
    return _relations(info, _on_items)
