"""Analyses of a document (depth, aliases, directives, cost) look at each fragment once, so
their work is linear in the document's size: a chain of fragments that each spread the previous
one twice (2^N fields once expanded) is refused with its coded error at once, over HTTP and over
WebSocket, instead of hanging the worker."""

from __future__ import annotations

from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    parse,
    visit,
)
from graphql.language import Visitor
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.app import create_app
from gateway.guard.cost import CostModel, query_cost_walk
from gateway.guard.limits import DocumentWalk
from schema import build_schema
from tests.event_support import GqlWs, served
from tests.support import gql

SCHEMA = build_schema()._schema


def doubling(n: int, on: str, base: str, root: str) -> str:
    """``root`` spreads F<n>; each F<i> spreads F<i-1> twice; F0 is ``base``."""
    chain = "".join(
        f"fragment F{i} on {on} {{ ...F{i - 1} ...F{i - 1} }} " for i in range(1, n + 1)
    )
    return f"{root} fragment F0 on {on} {{ {base} }} {chain}"


async def test_doubling_fragments_get_coded_errors_at_once(client) -> None:
    aliased = doubling(39, "Query", "a: site { name }", "{ ...F39 }")
    result = await gql(client, aliased)
    assert result.codes == ["TOO_MANY_ALIASES"]
    assert result.errors[0]["extensions"]["aliases"] == 2**39
    plain = doubling(39, "Query", "site { name }", "{ ...F39 }")
    result = await gql(client, plain)
    assert result.codes == ["QUERY_TOO_COMPLEX"]
    assert (await client.get("/healthz")).status_code == 200


async def test_doubling_fragments_over_websocket(settings) -> None:
    app = create_app(settings)
    document = doubling(39, "Subscription", "a: contentChanged { type }", "subscription { ...F39 }")
    async with served(app) as url, GqlWs.connect(url) as ws:
        op = await ws.subscribe(document)
        answer = await ws.next(op, within=10)
        assert answer["type"] in ("error", "complete")  # refused, never run
        # The connection (and the worker) still serves.
        pong = await ws.subscribe("subscription { contentChanged { type } }")
        await ws.send({"type": "ping"})
        assert (await ws.receive())["type"] == "pong"
        await ws.send({"id": pong, "type": "complete"})


# --- the property: work linear in the document, results equal to a full expansion ------------

FIELDS = ["site { name }", "a{i}: site { name }", "site @include(if: true) { name }", "__typename"]


@st.composite
def fragment_graphs(draw: Any) -> str:
    """A document whose fragments F0..Fn spread earlier fragments any number of times, with
    fields, aliases, directives and inline fragments among them."""
    count = draw(st.integers(1, 10))
    parts = []
    for i in range(count):
        body = []
        for j in range(draw(st.integers(0, 3))):
            body.append(draw(st.sampled_from(FIELDS)).replace("{i}", f"{i}_{j}"))
        if i:
            spreads = draw(st.lists(st.integers(0, i - 1), max_size=4))
            body += [f"...F{k}" for k in spreads]
        if draw(st.booleans()):
            body.append(f"... on Query {{ b{i}: site {{ url }} }}")
        parts.append(f"fragment F{i} on Query {{ {' '.join(body) or '__typename'} }}")
    return f"query {{ ...F{count - 1} }} " + " ".join(parts)


class _Size(Visitor):
    nodes = 0

    def enter(self, node: Any, *_: Any) -> None:
        kinds = (FieldNode, FragmentSpreadNode, InlineFragmentNode, FragmentDefinitionNode)
        if isinstance(node, (*kinds, OperationDefinitionNode)):
            self.nodes += 1


def expanded(node: Any, fragments: dict[str, Any], budget: list[int]) -> dict[str, int]:
    """Depth, aliases and directives by expanding every spread (exponential: small graphs)."""
    budget[0] -= 1
    if budget[0] < 0:
        raise OverflowError
    if isinstance(node, FragmentSpreadNode):
        inner = expanded(fragments[node.name.value], fragments, budget)
        return {**inner, "directives": inner["directives"] + len(node.directives or ())}
    alias = isinstance(node, FieldNode) and node.alias is not None
    totals = {"depth": 0, "aliases": int(alias), "directives": len(node.directives or ())}
    for child in node.selection_set.selections if node.selection_set else ():
        sub = expanded(child, fragments, budget)
        step = 1 if isinstance(child, FieldNode) else 0
        totals["depth"] = max(totals["depth"], step + sub["depth"])
        totals["aliases"] += sub["aliases"]
        totals["directives"] += sub["directives"]
    return totals


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(fragment_graphs())
def test_analysis_work_is_linear_in_the_document(text: str) -> None:
    document = parse(text)
    size = _Size()
    visit(document, size)
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    for measure in ("depth", "aliases", "directives"):
        walk = DocumentWalk(fragments.get)
        found = getattr(walk, measure)(operation)
        assert walk.visits <= size.nodes, (measure, walk.visits, size.nodes)
        try:
            reference = expanded(operation, fragments, [20_000])
        except OverflowError:  # too big to expand: the visit bound above is the check
            continue
        assert found == reference[measure], (measure, text)
    cost, visits = query_cost_walk(SCHEMA, document, None, {}, CostModel())
    assert visits <= size.nodes
    assert cost >= 0
