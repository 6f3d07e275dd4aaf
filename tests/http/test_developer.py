"""Developer experience over HTTP: GraphiQL's page and vendored assets, the demo SPA at /demo/,
and the example operations (valid against the schema, well-formed for GraphiQL's tabs)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from graphql import parse, validate

from gateway.app import create_app
from gateway.config.settings import Settings
from gateway.http import developer
from gateway.http.developer import ExamplesError, load_operations, parse_operation
from schema import build_schema
from tests.support import gql

HTML = {"accept": "text/html"}


def graphiql_config(page: str) -> dict:
    blob = re.search(r'<script id="graphiql-config" type="application/json">(.*?)</script>', page)
    assert blob, page[:500]
    return json.loads(blob.group(1))


def test_every_example_operation_is_valid_against_the_schema():
    schema = build_schema()._schema
    operations = load_operations()
    names = [op.name for op in operations]
    assert {"HomePage", "ArticlePage", "AuthorPage", "SearchArticles"} <= set(names)
    for op in operations:
        errors = validate(schema, parse(op.document))
        assert errors == [], (op.file, [e.message for e in errors])


def test_every_example_operation_fits_the_default_query_limits():
    """Examples must run as shipped: depth, aliases, directives, tokens and cost under the
    limits a default (and production) gateway enforces."""
    from gateway.guard.cost import query_cost
    from gateway.guard.limits import QueryLimits

    settings = Settings(_env_file=None, env="production")  # type: ignore[call-arg]
    limits = QueryLimits(settings)
    schema = build_schema()._schema
    for op in load_operations():
        assert len(op.document) <= settings.max_document_length, op.file
        document = limits.parse(op.document)
        errors = validate(schema, document, limits.rules)
        assert errors == [], (op.file, [e.message for e in errors])
        cost = query_cost(schema, document, op.name, op.variables, limits.cost_model)
        assert 0 < cost <= limits.max_cost, (op.file, cost)


def test_operation_files_are_parsed_strictly(tmp_path: Path):
    good = tmp_path / "good.graphql"
    good.write_text(
        '# A comment stays.\n# variables: {"slug": "x"}\nquery Good($slug: String!) { article(slug: $slug) { id } }\n'
    )
    op = parse_operation(good)
    assert (op.name, op.kind, op.variables, op.headers) == ("Good", "query", {"slug": "x"}, None)
    assert op.document.startswith("# A comment stays.\nquery Good")
    bad_json = tmp_path / "bad.graphql"
    bad_json.write_text("# variables: {slug: x}\nquery Bad { __typename }\n")
    with pytest.raises(ExamplesError, match=r"bad.graphql:1: variables is not valid JSON"):
        parse_operation(bad_json)
    two = tmp_path / "two.graphql"
    two.write_text("query A { __typename }\nquery B { __typename }\n")
    with pytest.raises(ExamplesError, match="exactly one named operation"):
        parse_operation(two)
    dupes = tmp_path / "dupes"
    dupes.mkdir()
    (dupes / "a.graphql").write_text("query Same { __typename }\n")
    (dupes / "b.graphql").write_text("query Same { __typename }\n")
    with pytest.raises(ExamplesError, match="unique"):
        load_operations(dupes)


async def test_graphiql_page_has_a_tab_per_example_and_local_assets(client):
    response = await client.get("/graphql", headers=HTML)
    assert response.status_code == 200
    config = graphiql_config(response.text)
    tabs = config["tabs"]
    operations = load_operations()
    assert len(tabs) == len(operations)
    for tab, op in zip(tabs, operations, strict=True):
        assert f"{op.kind} {op.name}" in tab["query"]
        assert "# variables:" not in tab["query"]
        if op.variables:
            assert json.loads(tab["variables"]) == op.variables
        # Only mutation tabs carry an Authorization example; queries run anonymously.
        assert ("Authorization" in tab["headers"]) == (op.kind == "mutation"), op.name
    assert "Welcome to the content gateway" in tabs[0]["query"]
    assert "unpkg" not in response.text and "https://" not in response.text.split("<script")[0]
    asset = await client.get("/static/graphiql/graphiql.min.js")
    assert asset.status_code == 200
    assert asset.headers["content-type"].startswith("text/javascript")


async def test_demo_spa_is_served_with_deep_links(client):
    root = await client.get("/demo")
    assert root.status_code == 308 and root.headers["location"] == "/demo/"
    index = await client.get("/demo/")
    assert index.status_code == 200 and '<base href="/demo/">' in index.text
    deep = await client.get("/demo/articles/some-story")
    assert deep.status_code == 200 and deep.text == index.text  # the SPA routes it
    module = await client.get("/demo/app.js")
    assert module.status_code == 200
    assert module.headers["content-type"].startswith("text/javascript")
    operation = await client.get("/demo/operations/01-home-page.graphql")
    assert operation.status_code == 200 and "query HomePage" in operation.text
    assert (await client.get("/demo/missing.js")).status_code == 404
    assert (await client.get("/demo/operations/nope.graphql")).status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/demo/operations/..%2fspa%2findex.html",
        "/demo/operations/%2e%2e/%2e%2e/pyproject.toml",
        "/demo/%2e%2e/%2e%2e/pyproject.toml",
        "/demo/..%2f..%2fpyproject.toml",
    ],
)
async def test_demo_files_never_escape_their_directories(client, path):
    response = await client.get(path)
    assert "content-gateway" not in response.text  # pyproject.toml's project name
    assert response.status_code in (200, 404)
    if response.status_code == 200:
        assert '<base href="/demo/">' in response.text  # at most, the SPA's own index page


@pytest.mark.parametrize("settings_overrides", [{"env": "production"}])
async def test_production_serves_neither_demo_nor_graphiql_assets(client):
    assert (await client.get("/demo/")).status_code == 404
    assert (await client.get("/static/graphiql/graphiql.min.js")).status_code == 404


@pytest.mark.parametrize("settings_overrides", [{"env": "production", "demo": True}])
async def test_the_demo_can_be_switched_on_in_production(client):
    assert (await client.get("/demo/")).status_code == 200


def test_demo_switched_on_without_the_spa_fails_at_start_up(monkeypatch, tmp_path):
    monkeypatch.setattr(developer, "SPA_DIR", tmp_path / "no-spa")
    settings = Settings(_env_file=None, demo=True)  # type: ignore[call-arg]
    with pytest.raises(ExamplesError, match="GATEWAY_DEMO is on but the example SPA is missing"):
        create_app(settings)
    # By default (development) a checkout without the SPA simply has no demo.
    create_app(Settings(_env_file=None))  # type: ignore[call-arg]


async def test_an_operation_name_the_document_lacks_is_a_clear_error(client):
    """What GraphiQL 3 can send right after a tab switch (its template drops such a name)."""
    result = await gql(client, "query A { __typename }", operation_name="B")
    assert result.codes == ["OPERATION_RESOLUTION_FAILURE"]
    assert "no operation named 'B'" in result.errors[0]["message"]


def test_client_guide_shows_the_tested_files_verbatim():
    """docs/clients.md embeds files of examples/codegen, which tests/http/test_codegen.py runs: the
    guide cannot drift from what is tested."""
    root = Path(__file__).resolve().parents[2]
    guide = (root / "docs" / "clients.md").read_text()
    blocks = re.findall(r"<!-- file: (\S+) -->\n```\w+\n(.*?)\n```\n", guide, flags=re.S)
    assert len(blocks) >= 7
    for path, text in blocks:
        assert (root / path).read_text().rstrip("\n") == text, path
