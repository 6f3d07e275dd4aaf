"""The validation cache (``gateway.guard.validation``): one validation per parsed document and
rule set, the same errors as an uncached validation, and bounded."""

from __future__ import annotations

from graphql import NoSchemaIntrospectionCustomRule, parse, specified_rules
from strawberry.schema.schema import validate_document

from gateway.guard.validation import ValidationResults
from schema import build_schema

SCHEMA = build_schema()._schema
RULES = tuple(specified_rules)
BROKEN = "{ articles { nodes { nope } } }"


def test_a_document_is_validated_once_and_answers_what_validation_says():
    results = ValidationResults(8)
    document = parse(BROKEN)
    first = results.errors(SCHEMA, document, RULES)
    assert [e.message for e in first] == [
        e.message for e in validate_document(SCHEMA, parse(BROKEN), RULES)
    ]
    assert "Cannot query field 'nope'" in first[0].message
    assert results.errors(SCHEMA, document, RULES) is first  # answered from the cache
    assert results.errors(SCHEMA, parse("{ __typename }"), RULES) == []


def test_an_equal_document_that_is_another_object_is_validated_again():
    # Keyed by identity: the parse cache hands out one node per query text; a node that is
    # not that one (no parse cache) is validated on its own.
    results = ValidationResults(8)
    first = results.errors(SCHEMA, parse(BROKEN), RULES)
    again = results.errors(SCHEMA, parse(BROKEN), RULES)
    assert again is not first
    assert [e.message for e in again] == [e.message for e in first]


def test_the_rule_set_is_part_of_the_key():
    results = ValidationResults(8)
    document = parse("{ __schema { queryType { name } } }")
    assert results.errors(SCHEMA, document, RULES) == []
    refused = results.errors(SCHEMA, document, (*RULES, NoSchemaIntrospectionCustomRule))
    assert "introspection has been disabled" in refused[0].message
    assert results.errors(SCHEMA, document, RULES) == []


def test_the_cache_is_bounded_and_size_zero_caches_nothing():
    results = ValidationResults(2)
    documents = [parse("{ __typename }") for _ in range(5)]
    for document in documents:
        results.errors(SCHEMA, document, RULES)
    assert len(results.entries) == 2
    none = ValidationResults(0)
    document = parse(BROKEN)
    assert none.errors(SCHEMA, document, RULES) is not none.errors(SCHEMA, document, RULES)
    assert not none.entries
