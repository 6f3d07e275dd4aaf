"""Safe defaults (#6): CSRF prevention, CORS from settings, production mode."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from graphql import get_introspection_query
from httpx import ASGITransport, AsyncClient

from gateway.app import create_app
from gateway.config.settings import SettingsError, load_settings
from resolvers.access import ANONYMOUS, Viewer
from schema import Context
from schema.loaders import RequestLoaders
from tests.live_server import lifespan
from tests.support import add_article, add_author, gql, ok

QUERY = {"query": "{ articles { totalCount } }"}


@pytest.fixture
async def content(db):
    author = await add_author(db, "Grace Hopper")
    await add_article(db, "Compilers", authors=[author])


# --- CSRF ------------------------------------------------------------------------------------


async def test_get_without_a_preflight_header_is_refused_before_running(client, content):
    response = await client.get("/graphql", params=QUERY)
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "CSRF_PREVENTED"
    assert "GraphQL-Preflight" in error["message"]
    assert 'desc="0 statements"' in response.headers["server-timing"]


@pytest.mark.parametrize(
    "headers",
    [
        {"graphql-preflight": "1"},
        {"apollo-require-preflight": "true"},
        {"x-apollo-operation-name": "Home"},
        {"content-type": "application/json"},
    ],
)
async def test_get_with_a_non_simple_header_is_served(client, content, headers):
    response = await client.get("/graphql", params=QUERY, headers=headers)
    assert response.status_code == 200
    assert response.json() == {"data": {"articles": {"totalCount": 1}}}


@pytest.mark.parametrize(
    "headers",
    [{"graphql-preflight": ""}, {"content-type": "text/plain"}, {"x-custom": "1"}],
)
async def test_empty_or_simple_headers_do_not_count(client, headers):
    response = await client.get("/graphql", params=QUERY, headers=headers)
    assert response.status_code == 400


@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]
)
async def test_posts_a_browser_form_can_send_never_run(client, content_type):
    body = b'{"query": "{ articles { totalCount } }"}'
    for extra in ({}, {"graphql-preflight": "1"}):
        response = await client.post(
            "/graphql", content=body, headers={"content-type": content_type, **extra}
        )
        assert response.status_code == 415
        assert 'desc="0 statements"' in response.headers["server-timing"]


async def test_graphiql_page_needs_no_preflight_header(client):
    response = await client.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200


@pytest.mark.parametrize("settings_overrides", [{"csrf_prevention": False}])
async def test_csrf_prevention_can_be_turned_off(client, content):
    assert (await client.get("/graphql", params=QUERY)).status_code == 200


# --- CORS ------------------------------------------------------------------------------------

APP_ORIGIN = "https://app.example.com"


def preflight(origin: str, headers: str = "content-type, graphql-preflight") -> dict[str, str]:
    return {
        "origin": origin,
        "access-control-request-method": "POST",
        "access-control-request-headers": headers,
    }


@pytest.mark.parametrize(
    "settings_overrides",
    [{"cors_allow_origins": APP_ORIGIN, "cors_allow_credentials": True}],
)
async def test_cors_allows_listed_origins_with_credentials(client, content):
    response = await client.options("/graphql", headers=preflight(APP_ORIGIN))
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == APP_ORIGIN
    assert response.headers["access-control-allow-credentials"] == "true"
    assert "graphql-preflight" in response.headers["access-control-allow-headers"].lower()
    actual = await client.post(
        "/graphql", json=QUERY, headers={"origin": APP_ORIGIN, "cookie": "session=1"}
    )
    assert actual.headers["access-control-allow-origin"] == APP_ORIGIN
    assert actual.headers["access-control-allow-credentials"] == "true"
    assert "ratelimit-remaining" in actual.headers["access-control-expose-headers"].lower()


@pytest.mark.parametrize(
    "settings_overrides",
    [{"cors_allow_origins": APP_ORIGIN, "cors_allow_credentials": True}],
)
async def test_cors_refuses_other_origins(client, content):
    evil = "https://evil.example"
    response = await client.options("/graphql", headers=preflight(evil))
    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers
    actual = await client.post("/graphql", json=QUERY, headers={"origin": evil, "cookie": "s=1"})
    # Without Access-Control-Allow-Origin the browser hides the response from the page (the
    # Allow-Credentials header Starlette adds on its own grants nothing).
    assert "access-control-allow-origin" not in actual.headers


@pytest.mark.parametrize("settings_overrides", [{"cors_allow_origins": "*"}])
async def test_wildcard_origin_never_gets_credentials(client, content):
    response = await client.post(
        "/graphql", json=QUERY, headers={"origin": "https://any.example", "cookie": "s=1"}
    )
    assert response.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in response.headers


async def test_no_cors_headers_without_configured_origins(client, content):
    response = await client.post("/graphql", json=QUERY, headers={"origin": APP_ORIGIN})
    assert "access-control-allow-origin" not in response.headers


def test_credentials_with_a_wildcard_origin_is_a_setting_error(monkeypatch):
    monkeypatch.setenv("GATEWAY_CORS_ALLOW_ORIGINS", "*")
    monkeypatch.setenv("GATEWAY_CORS_ALLOW_CREDENTIALS", "true")
    with pytest.raises(SettingsError, match="not \\*"):
        load_settings(_env_file=None)


def test_list_settings_read_comma_separated_env(monkeypatch):
    monkeypatch.setenv("GATEWAY_CORS_ALLOW_ORIGINS", "https://a.example, https://b.example")
    monkeypatch.setenv("GATEWAY_TRUSTED_PROXIES", "10.0.0.0/8,127.0.0.1")
    settings = load_settings(_env_file=None)
    assert settings.cors_allow_origins == ["https://a.example", "https://b.example"]
    assert settings.trusted_proxies == ["10.0.0.0/8", "127.0.0.1"]
    monkeypatch.setenv("GATEWAY_TRUSTED_PROXIES", "not-an-ip")
    with pytest.raises(SettingsError, match="GATEWAY_TRUSTED_PROXIES"):
        load_settings(_env_file=None)


# --- production ------------------------------------------------------------------------------

PRODUCTION = [{"env": "production"}]


@pytest.mark.parametrize("settings_overrides", PRODUCTION)
async def test_production_refuses_introspection_to_anonymous_clients(client, content):
    result = await gql(client, get_introspection_query())
    assert set(result.codes) == {"GRAPHQL_VALIDATION_FAILED"}
    assert all("introspection has been disabled" in e["message"] for e in result.errors)
    assert "data" not in result.body
    ok(await gql(client, "{ __typename articles { totalCount } }"))  # __typename is not


async def test_development_allows_introspection(client):
    assert ok(await gql(client, "{ __schema { queryType { name } } }"))


@pytest.mark.parametrize("settings_overrides", PRODUCTION)
@pytest.mark.parametrize(("role", "allowed"), [("editor", True), ("admin", True), (None, False)])
async def test_editors_may_introspect_in_production(settings, db, role, allowed):
    # The rule reads Context.viewer; tokens that make a viewer an editor come with auth.
    viewer = ANONYMOUS if role is None else Viewer(role=role, name="Ed")
    now = datetime.now(UTC)
    context = Context(
        request=None,
        db=db,
        site=None,
        viewer=viewer,
        now=now,
        loaders=RequestLoaders(db, viewer, now),
    )
    schema = create_app(settings).state.schema
    result = await schema.execute("{ __schema { queryType { name } } }", context_value=context)
    assert (result.errors is None) is allowed, result.errors
    if allowed:
        assert result.data == {"__schema": {"queryType": {"name": "Query"}}}


@pytest.mark.parametrize("settings_overrides", PRODUCTION)
async def test_one_document_is_validated_for_each_viewer_under_its_own_rules(settings, db):
    # The validation results are cached per document and rule set: an editor's allowed
    # introspection must not open it for the anonymous reader who sends the same text next.
    schema = create_app(settings).state.schema
    query = "{ __schema { queryType { name } } }"
    outcomes = []
    for role in (None, "editor", None, "editor"):
        viewer = ANONYMOUS if role is None else Viewer(role=role, name="Ed")
        now = datetime.now(UTC)
        context = Context(
            request=None, db=db, site=None, viewer=viewer, now=now,
            loaders=RequestLoaders(db, viewer, now),
        )  # fmt: skip
        result = await schema.execute(query, context_value=context)
        outcomes.append(None if result.errors else result.data)
        if result.errors:
            assert "introspection has been disabled" in result.errors[0].message
    allowed = {"__schema": {"queryType": {"name": "Query"}}}
    assert outcomes == [None, allowed, None, allowed]


@pytest.mark.parametrize("settings_overrides", [{"env": "production", "introspection": True}])
async def test_introspection_can_be_opened_in_production(client):
    assert ok(await gql(client, "{ __schema { queryType { name } } }"))


@pytest.mark.parametrize(
    "query",
    [
        "{ articl { totalCount } }",  # field
        "{ articles(frist: 1) { totalCount } }",  # argument
        "{ articles(orderBy: {field: TITEL}) { totalCount } }",  # enum value
        "query($f: ArticleFiltr) { articles(filter: $f) { totalCount } }",  # type
    ],
)
@pytest.mark.parametrize(("env", "hinted"), [("production", False), ("development", True)])
async def test_suggestions_are_hidden_in_production(db, query, env, hinted, settings):
    app = create_app(settings.model_copy(update={"env": env}))
    async with lifespan(app) as manager:
        transport = ASGITransport(app=manager.app)
        async with AsyncClient(transport=transport, base_url="http://t") as client:
            result = await gql(client, query)
    messages = " ".join(e["message"] for e in result.errors)
    assert result.errors
    assert ("Did you mean" in messages) is hinted, messages


@pytest.mark.parametrize("settings_overrides", PRODUCTION)
async def test_graphiql_is_off_in_production(client):
    response = await client.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 404
