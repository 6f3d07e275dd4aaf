"""Query limits: every over-limit document is refused before it reaches the database.

Order of the checks, cheapest first: document length (no lexing at all), token count (the
parser stops at the first token over the limit, so a huge document is never fully parsed),
then depth, aliases and directives as validation rules (counted as graphql-armor counts), and
last the cost, which needs the request's variables and so runs after validation, just before
execution. The rate-limit budget is charged with that cost at the same point.

Strawberry's own limiters were checked and not used: ``QueryDepthLimiter`` counts one level
less than graphql-armor (armor 6 = Strawberry 5) and ``MaxAliasesLimiter`` counts ``__typename``
aliases; neither sets an error code, and ``MaxTokensLimiter`` uses the deprecated ``max_tokens``
parse option, which also counts comments.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable, Iterator
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSyntaxError,
    InlineFragmentNode,
    NoSchemaIntrospectionCustomRule,
    OperationDefinitionNode,
    StringValueNode,
    parse,
    visit,
)
from graphql.language import Visitor
from graphql.validation import ASTValidationRule, ValidationRule
from strawberry.extensions import SchemaExtension

from gateway.guard.cost import CostModel, query_cost

if TYPE_CHECKING:
    from gateway.config.settings import Settings

EDITOR_ROLES = ("editor", "admin")
TOO_MANY_TOKENS = re.compile(r"^Syntax Error: Document contains more than \d+ tokens")
Node = FieldNode | FragmentDefinitionNode | InlineFragmentNode | OperationDefinitionNode


def limit_error(message: str, code: str, node: Any = None, **details: Any) -> GraphQLError:
    return GraphQLError(message, node, extensions={"code": code, **details})


class DocumentWalk:
    """Depth, aliases and directives of an operation, through its fragments, in time linear in
    the document: each fragment's contribution is computed once and reused wherever it is
    spread (a chain of fragments that each spread the previous one twice would otherwise cost
    2^N steps). ``visits`` counts the nodes looked at, so tests can hold the work to the size.

    A fragment cycle (which validation reports on its own) contributes nothing."""

    def __init__(self, fragments: Callable[[str], FragmentDefinitionNode | None]) -> None:
        self.fragments = fragments
        self.visits = 0
        self._memo: dict[tuple[str, str], int] = {}

    def _fragment(self, kind: str, name: str, measure: Callable[[Any], int]) -> int:
        key = (kind, name)
        if key not in self._memo:
            self._memo[key] = 0  # in progress: a cycle adds nothing
            fragment = self.fragments(name)
            self._memo[key] = measure(fragment) if fragment is not None else 0
        return self._memo[key]

    def _selections(self, node: Any) -> tuple[Any, ...]:
        selection_set = getattr(node, "selection_set", None)
        return tuple(selection_set.selections) if selection_set is not None else ()

    def depth(self, node: Any, flatten: bool = True) -> int:
        """graphql-armor's count below ``node``: a root field is 1, each nested field adds 1,
        ``__schema`` counts 0. With ``flatten`` (armor's ``flattenFragments``) fragments add no
        level of their own; without it a spread adds one level for the spread and one for the
        fragment, an inline fragment one."""
        self.visits += 1
        if isinstance(node, FragmentSpreadNode):
            step = 0 if flatten else 1
            inner = self._fragment(
                "depth" if flatten else "depth-nested",
                node.name.value,
                lambda fragment: self.depth(fragment, flatten),
            )
            return step + inner
        deepest = 0
        for child in self._selections(node):
            if isinstance(child, FieldNode) and child.name.value == "__schema":
                continue
            step = 1 if isinstance(child, FieldNode) or not flatten else 0
            deepest = max(deepest, step + self.depth(child, flatten))
        return deepest

    def aliases(self, node: Any) -> int:
        """Aliased fields, through fragments; an alias of ``__typename`` is free (armor's
        allowList)."""
        self.visits += 1
        if isinstance(node, FragmentSpreadNode):
            return self._fragment("aliases", node.name.value, self.aliases)
        count = int(isinstance(node, FieldNode) and node.alias is not None)
        if count and node.name.value == "__typename":
            count = 0
        return count + sum(self.aliases(child) for child in self._selections(node))

    def directives(self, node: Any) -> int:
        self.visits += 1
        own = len(getattr(node, "directives", None) or ())
        if isinstance(node, FragmentSpreadNode):
            return own + self._fragment("directives", node.name.value, self.directives)
        return own + sum(self.directives(child) for child in self._selections(node))


def limit_rules(
    depth: int, aliases: int, directives: int, flatten_fragments: bool = True
) -> tuple[type[ASTValidationRule], ...]:
    """Validation rules with the limits built in; built once per app so that the validation
    cache, which is keyed by the rule classes, keeps hitting."""

    class QueryLimitRule(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_: Any) -> None:
            walk = DocumentWalk(self.context.get_fragment)
            found = walk.depth(node, flatten=flatten_fragments)
            if found > depth:
                self.report_error(
                    limit_error(
                        f"Query depth {found} exceeds the limit of {depth}.",
                        "QUERY_TOO_DEEP",
                        node,
                        depth=found,
                        limit=depth,
                    )
                )
            found = walk.aliases(node)
            if found > aliases:
                self.report_error(
                    limit_error(
                        f"{found} aliases exceed the limit of {aliases}.",
                        "TOO_MANY_ALIASES",
                        node,
                        aliases=found,
                        limit=aliases,
                    )
                )
            found = walk.directives(node)
            if found > directives:
                self.report_error(
                    limit_error(
                        f"{found} directives exceed the limit of {directives}.",
                        "TOO_MANY_DIRECTIVES",
                        node,
                        directives=found,
                        limit=directives,
                    )
                )

    return (QueryLimitRule,)


NUL_MARK = "_gw_nul_literal"  # where a document remembers whether a literal holds U+0000


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


class _NulFinder(Visitor):
    found = False

    def enter_string_value(self, node: StringValueNode, *_: Any) -> None:
        if "\x00" in node.value:
            self.found = True


def nul_in_inputs(document: DocumentNode, variables: dict[str, Any] | None) -> bool:
    """PostgreSQL text cannot hold U+0000, and no content needs it: such input is refused up
    front (on both backends alike) instead of failing inside a query."""
    if _has_nul(variables):
        return True
    # The document's literals are checked once per parsed document (the parser's cache hands
    # out the same object for the same text): a visit costs more than the rest of the limits.
    found = document.__dict__.get(NUL_MARK)
    if found is None:
        finder = _NulFinder()
        visit(document, finder)
        found = document.__dict__[NUL_MARK] = finder.found
    return bool(found)


class QueryLimits:
    """The limits of one app, built from its settings once."""

    def __init__(self, settings: Settings) -> None:
        self.max_length = settings.max_document_length
        self.max_tokens = settings.max_tokens
        self.max_cost = settings.max_query_cost
        self.cost_model = CostModel(
            object=settings.cost_object,
            scalar=settings.cost_scalar,
            default_page_size=settings.default_page_size,
        )
        self.introspection_for_all = settings.introspection_for_all
        self.rules = limit_rules(
            settings.max_query_depth,
            settings.max_aliases,
            settings.max_directives,
            settings.depth_flatten_fragments,
        )
        self.rules_without_introspection = (*self.rules, NoSchemaIntrospectionCustomRule)
        tokens = self.max_tokens

        def parse_limited(query: str) -> DocumentNode:
            # max_lexical_tokens counts what graphql-armor counts (comments excluded; the
            # length limit bounds those).
            return parse(query, max_lexical_tokens=tokens)

        cache_size = settings.document_cache_size
        self.parse: Callable[[str], DocumentNode] = (
            lru_cache(maxsize=cache_size)(parse_limited) if cache_size else parse_limited
        )

    def extension(self) -> QueryLimitsExtension:
        return QueryLimitsExtension(self)


class QueryLimitsExtension(SchemaExtension):
    """Applies ``QueryLimits`` to one request (a fresh instance per request)."""

    def __init__(self, limits: QueryLimits) -> None:
        super().__init__()
        self.limits = limits

    def on_operation(self) -> Iterator[None]:
        ec = self.execution_context
        viewer = getattr(ec.context, "viewer", None)
        trusted = self.limits.introspection_for_all or getattr(viewer, "role", None) in (
            EDITOR_ROLES
        )
        rules = self.limits.rules if trusted else self.limits.rules_without_introspection
        ec.validation_rules = (*ec.validation_rules, *rules)
        yield

    def on_parse(self) -> Iterator[None]:
        ec = self.execution_context
        query = ec.query or ""
        if len(query) > self.limits.max_length:
            raise limit_error(
                f"The document has {len(query)} characters; the limit is {self.limits.max_length}.",
                "QUERY_TOO_LARGE",
                length=len(query),
                limit=self.limits.max_length,
            )
        try:
            ec.graphql_document = self.limits.parse(query)
        except GraphQLSyntaxError as exc:
            if TOO_MANY_TOKENS.match(exc.message):
                raise limit_error(
                    f"The document has more than {self.limits.max_tokens} tokens.",
                    "TOO_MANY_TOKENS",
                    limit=self.limits.max_tokens,
                ) from None
            raise
        operations = [
            d for d in ec.graphql_document.definitions if isinstance(d, OperationDefinitionNode)
        ]
        if len(operations) > 1 and ec._provided_operation_name is None:
            # Strawberry would silently run the first one; the GraphQL spec's GetOperation()
            # makes this a request error.
            raise limit_error(
                "The document has several operations: pass `operationName` to choose one.",
                "OPERATION_RESOLUTION_FAILURE",
            )
        yield

    async def on_execute(self) -> AsyncIterator[None]:
        ec = self.execution_context
        # The endpoint passes the client's budget in, and reads the cost back for the response.
        metering = getattr(ec.context, "metering", None)
        assert ec.graphql_document is not None
        if nul_in_inputs(ec.graphql_document, ec.variables):
            message = "Text inputs must not contain NUL (\\u0000) characters."
            ec.result = ExecutionResult(data=None, errors=[limit_error(message, "BAD_USER_INPUT")])
            yield
            return
        cost = query_cost(
            ec.schema._schema,
            ec.graphql_document,
            ec.operation_name,
            ec.variables,
            self.limits.cost_model,
        )
        if metering is not None:
            metering.cost = cost
        if cost > self.limits.max_cost:
            ec.result = ExecutionResult(
                data=None,
                errors=[
                    limit_error(
                        f"The query costs {cost}; the limit is {self.limits.max_cost}. "
                        "Ask for smaller pages (first/last) or fewer nested connections.",
                        "QUERY_TOO_COMPLEX",
                        cost={"requested": cost, "limit": self.limits.max_cost},
                    )
                ],
            )
        else:
            budget = getattr(metering, "budget", None)
            if budget is not None and not await budget.charge_query(cost):
                ec.result = ExecutionResult(data=None, errors=[budget.error()])
        yield
