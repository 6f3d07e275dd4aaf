"""Validation results cached per parsed document: what Strawberry's ``ValidationCache`` does,
keyed by the document object instead of its value.

Strawberry's cache is an ``lru_cache`` over ``(schema, document, rules)``: every lookup hashes
the document, and graphql-core's AST nodes are frozen dataclasses whose hash walks the whole
tree (13 us for the home page's query, on every request). The parse cache
(``QueryLimits``) hands out one ``DocumentNode`` per query text, so the node itself identifies
the document: the key is its identity and the rule set (Strawberry's ``validate_document``
does the validating, with the rules it adds), and each entry keeps its document
alive so that an identity is never reused while it is cached. Without a parse cache (size 0)
every request brings a new document: nothing is cached, as with Strawberry's cache of size 0.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

from graphql import DocumentNode, GraphQLError
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

Key = tuple[int, int, tuple[Any, ...]]


class ValidationResults:
    """An LRU of validation errors by (schema, document, rules), shared by the requests."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self.entries: OrderedDict[Key, tuple[DocumentNode, list[GraphQLError]]] = OrderedDict()
        self.lock = threading.Lock()

    def errors(self, schema: Any, document: DocumentNode, rules: Any) -> list[GraphQLError]:
        if self.maxsize <= 0:
            return validate_document(schema, document, tuple(rules))
        key = (id(schema), id(document), tuple(rules))
        with self.lock:
            found = self.entries.get(key)
            if found is not None and found[0] is document:
                self.entries.move_to_end(key)
                return found[1]
        errors = validate_document(schema, document, tuple(rules))
        with self.lock:
            self.entries[key] = (document, errors)
            if len(self.entries) > self.maxsize:
                self.entries.popitem(last=False)
        return errors

    def extension(self) -> DocumentValidationCache:
        """A fresh extension per request (the schema's factory), sharing these results."""
        return DocumentValidationCache(self)


class DocumentValidationCache(SchemaExtension):
    def __init__(self, results: ValidationResults) -> None:
        super().__init__()
        self.results = results

    def on_validate(self) -> Iterator[None]:
        ec = self.execution_context
        assert ec.graphql_document is not None  # validation follows parsing
        ec.pre_execution_errors = self.results.errors(
            ec.schema._schema, ec.graphql_document, ec.validation_rules
        )
        yield
