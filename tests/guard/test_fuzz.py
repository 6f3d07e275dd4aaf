"""Property tests (#6): hypothesis-graphql documents (valid and with one schema violation),
mangled and random documents, random variables and random HTTP shapes, all through the real
HTTP layer over a seeded database. Whatever arrives: never a 5xx, never an unmasked or
unexpected error, always a response shaped as the GraphQL-over-HTTP spec says.

`make test` runs a moderate number of examples, deterministically. A longer, random run:
``GATEWAY_FUZZ_EXAMPLES=2000 .venv/bin/pytest tests/guard/test_fuzz.py``.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC
from pathlib import Path
from typing import Any

import graphql
import orjson
import pytest
from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import Mode, queries
from sqlalchemy.engine import make_url

from gateway.app import create_app
from gateway.config.settings import Settings
from resolvers.db import Database, make_engine
from schema import export_sdl
from tests.conftest import POSTGRES_URL, _admin_sync, _drop_later
from tests.live_server import lifespan
from tests.support import add_article, add_author, add_seo, add_term, ago, ahead

LONG_RUN = "GATEWAY_FUZZ_EXAMPLES" in os.environ
EXAMPLES = int(os.environ.get("GATEWAY_FUZZ_EXAMPLES", "40"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not LONG_RUN,  # the same examples on every `make test`; random on long runs
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
LEAKS = re.compile(
    r"\bSELECT\b|\bFROM\b|\[SQL|(?i:traceback|sqlalchemy|asyncpg|aiosqlite|sqlite3|File \")"
)
ALLOWED_STATUS = {200, 400, 405, 406, 413, 415}
SDL = export_sdl()


async def _seed(url: str) -> None:
    db = Database(make_engine(url))
    try:
        authors = [await add_author(db, name) for name in ("Ada Lovelace", "Alan Turing", "Zoë")]
        cats = [await add_term(db, "category", n) for n in ("Science", "Culture")]
        tags = [await add_term(db, "tag", n) for n in ("python", "graphql", "ünïcode")]
        for i in range(8):
            article = await add_article(
                db,
                f"Story {i} about graphql",
                authors=[authors[i % 3], authors[(i + 1) % 3]],
                categories=[cats[i % 2]],
                tags=tags[: i % 4],
                status=("published", "draft", "archived")[i % 3] if i > 2 else "published",
                published_at=ahead(days=1) if i == 7 else ago(hours=i + 1),
            )
            if i % 2:
                await add_seo(db, "article", article, meta_title=f"SEO {i}")
    finally:
        await db.dispose()


def _settle_sqlite_threads(runner: asyncio.Runner) -> None:
    """Let aiosqlite's worker threads hand back what they are still doing while this runner's
    loop is open: one finishing after the loop closed raises in its thread ("Event loop is
    closed"), which pytest reports against whichever test runs next."""
    runner.run(asyncio.sleep(0.05))
    for thread in threading.enumerate():
        if "_connection_worker_thread" in thread.name:
            thread.join(timeout=0.5)
            runner.run(asyncio.sleep(0))


@pytest.fixture
def fuzz_client(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """The real app on a seeded database, driven from a sync test through its own event loop
    (hypothesis runs the examples; pytest-asyncio's loop is not involved)."""
    drop = None
    if backend == "sqlite":
        path = tmp_path / "fuzz.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        url = f"sqlite+aiosqlite:///{path}"
    else:
        template = request.getfixturevalue("postgres_template")
        name = f"gw_fuzz_{uuid.uuid4().hex[:10]}"
        _admin_sync(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        drop = name
        assert POSTGRES_URL is not None
        url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    runner = asyncio.Runner()
    try:
        runner.run(_seed(url))
        app = create_app(
            Settings(
                _env_file=None,  # type: ignore[call-arg]
                database_url=url,
                site_url="https://news.example.com",
                rate_limit_budget=0,
            )
        )

        async def start() -> LifespanManager:
            # asgi-lifespan picks its async library when built: build it inside the loop.
            manager = lifespan(app)
            await manager.__aenter__()
            return manager

        manager = runner.run(start())
        client = AsyncClient(transport=ASGITransport(app=manager.app), base_url="http://t")
        yield runner, client
        runner.run(client.aclose())
        runner.run(manager.__aexit__(None, None, None))
        _settle_sqlite_threads(runner)
    finally:
        runner.close()
        if drop:
            _drop_later(drop)


# --- strategies ----------------------------------------------------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=40),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=12,
)
datetime_nodes = st.one_of(
    st.datetimes(timezones=st.just(UTC)).map(lambda d: d.isoformat()),
    st.datetimes().map(lambda d: d.isoformat()),  # naive: a clean BAD_USER_INPUT
    st.text(max_size=20),
).map(lambda value: graphql.StringValueNode(value=value))
generated = st.one_of(
    queries(SDL, custom_scalars={"DateTime": datetime_nodes}),
    queries(SDL, custom_scalars={"DateTime": datetime_nodes}, mode=Mode.NEGATIVE),
)

TEMPLATES = [
    """query($first: Int, $after: String, $last: Int, $before: String, $filter: ArticleFilter,
      $orderBy: ArticleOrder) { articles(first: $first, after: $after, last: $last,
      before: $before, filter: $filter, orderBy: $orderBy) { totalCount
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      edges { cursor node { title path status author { name } tags { name } seo { title } } } } }""",
    "query($id: ID!) { node(id: $id) { id ... on Article { title } ... on Author { name } } }",
    "query($slug: String, $id: ID, $locale: String) { article(slug: $slug, id: $id, "
    "locale: $locale) { title body status publishedAt } }",
    "query($n: Int, $m: Int) { authors(first: $n) { nodes { name articles(first: $m) { "
    "totalCount nodes { title } } } } }",
    "query($slug: String!) { category(slug: $slug) { name articles { totalCount } } "
    "tag(slug: $slug) { name } author(slug: $slug) { name } }",
]
TEMPLATE_VARIABLES = {
    "first": st.integers(-5, 120) | st.none(),
    "last": st.integers(-5, 120) | st.none(),
    "n": st.integers(-1, 120),
    "m": st.integers(-1, 120),
    "after": st.text(max_size=60) | st.binary(max_size=40).map(lambda b: b.hex()),
    "before": st.text(max_size=60),
    "id": st.text(max_size=40) | st.sampled_from(["QXJ0aWNsZTox", "QXV0aG9yOjI=", "VGFnOjk5"]),
    "slug": st.text(max_size=40) | st.sampled_from(["python", "ada-lovelace", "science"]),
    "locale": st.text(max_size=8) | st.none(),
    "filter": st.fixed_dictionaries(
        {},
        optional={
            "search": st.text(max_size=60),
            "tagSlug": st.text(max_size=20),
            "authorSlug": st.text(max_size=20),
            "publishedAfter": st.text(max_size=30),
            "publishedBefore": st.datetimes(timezones=st.just(UTC)).map(lambda d: d.isoformat()),
        },
    ),
    "orderBy": st.fixed_dictionaries(
        {"field": st.sampled_from(["PUBLISHED_AT", "UPDATED_AT", "TITLE", "NOPE"])},
        optional={"direction": st.sampled_from(["ASC", "DESC", "UP"])},
    ),
}
templated = st.tuples(
    st.sampled_from(TEMPLATES),
    st.fixed_dictionaries({}, optional={**TEMPLATE_VARIABLES, "junk": json_values}),
)


@st.composite
def mangled(draw: Any) -> str:
    document = draw(generated | st.sampled_from(TEMPLATES))
    cut = draw(st.integers(0, len(document)))
    noise = draw(st.text(max_size=10))
    return document[:cut] + noise + document[cut + draw(st.integers(0, 5)) :]


@st.composite
def http_requests(draw: Any) -> dict[str, Any]:
    """One HTTP request: method, headers and body or query string."""
    # Mostly documents that get past the HTTP checks; some junk of every kind.
    kind = draw(
        st.sampled_from(["generated"] * 3 + ["templated"] * 4 + ["mangled"] * 2 + ["text", "raw"])
    )
    variables: Any = None
    if kind == "generated":
        query: Any = draw(generated)
    elif kind == "templated":
        query, variables = draw(templated)
    elif kind == "mangled":
        query = draw(mangled())
    else:
        query = draw(st.text(max_size=200))
    body: dict[str, Any] = {"query": query}
    if variables is not None:
        body["variables"] = variables
    elif draw(st.integers(0, 4)) == 0:
        body["variables"] = draw(json_values)
    if draw(st.integers(0, 14)) == 0:
        body["operationName"] = draw(json_values)
    if draw(st.integers(0, 14)) == 0:
        body["extensions"] = draw(json_values)
    accept = draw(
        st.sampled_from(
            ["application/graphql-response+json"] * 3
            + ["application/json"] * 2
            + ["*/*", "text/html", "application/graphql-response+json;q=0.2, application/json"]
        )
    )
    method = draw(st.sampled_from(["POST", "POST", "GET"]))
    # json, not orjson: integers beyond 64 bits must reach the server too.
    raw = json.dumps(body).encode() if kind != "raw" else draw(st.binary(max_size=200))
    return {"method": method, "accept": accept, "body": body, "raw": raw}


async def send(client: AsyncClient, req: dict[str, Any]) -> Any:
    headers = {"accept": req["accept"], "graphql-preflight": "1"}
    if req["method"] == "GET":
        params = {k: v if isinstance(v, str) else json.dumps(v) for k, v in req["body"].items()}
        return await client.get("/graphql", params=params, headers=headers)
    headers["content-type"] = "application/json"
    return await client.post("/graphql", content=req["raw"], headers=headers)


def check(response: Any) -> None:
    status = response.status_code
    assert status in ALLOWED_STATUS, (status, response.text[:500])
    media = response.headers["content-type"].split(";")[0]
    assert media in ("application/json", "application/graphql-response+json"), media
    assert not LEAKS.search(response.text), response.text[:500]
    body = response.json()
    assert isinstance(body, dict) and body, body
    # What was reached, for --hypothesis-show-statistics.
    codes = sorted({e.get("extensions", {}).get("code", "?") for e in body.get("errors") or ()})
    event(f"HTTP {status}, data {'data' in body}, codes {codes}")
    assert set(body) <= {"data", "errors", "extensions"}, body
    errors = body.get("errors")
    if "data" not in body:
        assert errors, body
    if errors is not None:
        assert isinstance(errors, list) and errors
        for error in errors:
            assert isinstance(error.get("message"), str) and error["message"]
            code = error.get("extensions", {}).get("code")
            assert isinstance(code, str), error
            assert code != "INTERNAL_SERVER_ERROR", error  # an unexpected exception: a bug
            for location in error.get("locations", []):
                assert set(location) == {"line", "column"}
    if media == "application/graphql-response+json":
        # Spec: no {data} means a 4xx/5xx; data present (even null) means 2xx.
        assert (status == 200) == ("data" in body), (status, body)
    elif "data" in body:
        assert status == 200


@FUZZ
@given(req=http_requests())
def test_fuzzed_requests_get_spec_shaped_answers(fuzz_client, req):
    runner, client = fuzz_client
    check(runner.run(send(client, req)))


@FUZZ
@given(query=generated)
def test_generated_queries_never_fail_unexpectedly(fuzz_client, query):
    runner, client = fuzz_client
    response = runner.run(
        send(
            client,
            {
                "method": "POST",
                "accept": "application/graphql-response+json",
                "body": {"query": query},
                "raw": orjson.dumps({"query": query}),
            },
        )
    )
    check(response)
