"""The example SPA and GraphiQL in a real browser: Debian's Chromium driven by Playwright, against
`content-gateway serve` (hypercorn) on 127.0.0.1 over a seeded SQLite database."""

from __future__ import annotations

import json
import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlalchemy import insert

from resolvers.models import redirect_t
from tests.conftest import skip_or_fail
from tests.live_server import CLI, LiveServer, start_server
from tests.support import add_article, add_author, add_seo, add_term, ago

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
SITE = "https://news.example.com"
TIMEOUT_MS = 15_000
HOME_TITLES = [f"Story number {n:02d}" for n in range(12, 0, -1)]  # newest first

pytestmark = pytest.mark.browser


async def seed(db) -> None:
    ada = await add_author(
        db, "Ada Lovelace", bio="<p>Wrote the first program.</p>", twitter="@ada"
    )
    grace = await add_author(db, "Grace Hopper")
    science = await add_term(db, "category", "Science")
    engines = await add_term(db, "tag", "Engines")
    for n in range(1, 13):
        await add_article(
            db, f"Story number {n:02d}", authors=[grace], published_at=ago(days=30 - n)
        )
    canonical = await add_article(
        db,
        "The analytical engine",
        slug="analytical-engine",
        authors=[ada, grace],
        categories=[science],
        tags=[engines],
        published_at=ago(days=40),
        excerpt="How a machine of cards and gears could compute anything.",
        feature_image_url="https://images.example.com/engine.jpg",
        feature_image_alt="Brass gears",
        feature_image_width=1200,
        feature_image_height=630,
    )
    await add_seo(
        db,
        "article",
        canonical,
        meta_title="The Analytical Engine explained",
        meta_description="Babbage's engine, card by card: what it could compute and why.",
    )
    await add_article(db, "Unfinished draft", authors=[ada], status="draft")
    async with db.engine.begin() as conn:
        # The article's old slug, as a slug change records it.
        await conn.execute(
            insert(redirect_t),
            [
                {
                    "from_path": "/articles/babbage-engine",
                    "to_path": "/articles/analytical-engine",
                    "status_code": 301,
                    "created_at": ago(days=1),
                }
            ],
        )


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    live = start_server(
        tmp_path_factory.mktemp("browser"),
        seed,
        env={"GATEWAY_SITE_URL": SITE, "GATEWAY_SITE_NAME": "Example News"},
    )
    yield live
    live.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not os.access(CHROMIUM, os.X_OK):
        skip_or_fail(f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield chromium
        chromium.close()


class Tab:
    """A page plus what it logged and requested, so tests can assert on both."""

    def __init__(self, page: Any, base: str) -> None:
        self.page = page
        self.base = base
        self.errors: list[str] = []
        self.graphql: list[Any] = []
        page.set_default_timeout(TIMEOUT_MS)
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        page.on("console", self._console)
        page.on("request", lambda r: self.graphql.append(r) if "/graphql" in r.url else None)
        page.on("response", self._response)

    def _console(self, message: Any) -> None:
        # The browser logs every 4xx as an error; GraphQL error answers (an APQ probe, a refused
        # token) are expected by the app or the test, which assert what the page shows.
        url = (message.location or {}).get("url", "")
        if message.type == "error" and not (
            message.text.startswith("Failed to load resource") and urlsplit(url).path == "/graphql"
        ):
            self.errors.append(f"console: {message.text} ({url})")

    def _response(self, response: Any) -> None:
        if response.status >= 500:
            request = response.request
            self.errors.append(
                f"{response.status} for {request.method} {request.url} {request.post_data!r}: "
                f"{response.text()[:300]}"
            )

    def run_graphiql(self, operation: str) -> Any:
        """Press GraphiQL's run button and return the JSON the gateway answered (the result
        pane renders only its visible lines, so the network answer is what tests read)."""

        def is_run(response: Any) -> bool:
            if not response.url.endswith("/graphql") or response.request.method != "POST":
                return False
            sent = json.loads(response.request.post_data or "{}")
            return (
                re.search(rf"\b(query|mutation) {operation}\b", sent.get("query", "")) is not None
            )

        with self.page.expect_response(is_run) as answer:
            self.page.click(".graphiql-execute-button")
        return answer.value.json()

    def goto(self, path: str) -> None:
        self.page.goto(self.base + path)

    def head(self, selector: str, attribute: str = "content") -> list[str]:
        return self.page.eval_on_selector_all(
            f"head {selector}", f"nodes => nodes.map(n => n.getAttribute('{attribute}'))"
        )

    def titles(self) -> list[str]:
        return self.page.locator(".teaser h2").all_inner_texts()


@pytest.fixture
def tab(browser: Any, server: LiveServer) -> Iterator[Tab]:
    context = browser.new_context()
    # Nothing leaves the machine: remote images (feature images on example.com) get a blank
    # SVG, so the page renders as it would online and the console stays clean.
    context.route(
        re.compile(r"^https?://(?!127\.0\.0\.1[:/])"),
        lambda route: route.fulfill(
            status=200,
            content_type="image/svg+xml",
            body="<svg xmlns='http://www.w3.org/2000/svg' width='1' height='1'/>",
        ),
    )
    tab = Tab(context.new_page(), server.url)
    yield tab
    context.close()
    assert tab.errors == [], tab.errors


def api(server: LiveServer, query: str, variables: dict | None = None) -> Any:
    response = httpx.post(
        server.url + "/graphql", json={"query": query, "variables": variables or {}}, timeout=10
    )
    body = response.json()
    assert not body.get("errors"), body
    return body["data"]


def test_home_page_paginates_with_cursors(tab: Tab):
    tab.goto("/demo/")
    tab.page.wait_for_selector(".teaser")
    assert tab.titles() == HOME_TITLES[:5]
    assert "13 articles" in tab.page.inner_text("main")
    tab.page.click("text=Older →")
    tab.page.wait_for_function("document.querySelector('.teaser h2').innerText.endsWith('07')")
    assert tab.titles() == HOME_TITLES[5:10]
    assert "after=" in tab.page.url
    tab.page.click("text=Older →")
    tab.page.wait_for_function("document.querySelectorAll('.teaser').length === 3")
    assert tab.titles() == [*HOME_TITLES[10:], "The analytical engine"]
    assert tab.page.locator("text=Older →").count() == 0  # hasNextPage is false
    tab.page.click("text=← Newer")
    tab.page.wait_for_function("document.querySelector('.teaser h2').innerText.endsWith('07')")
    assert tab.titles() == HOME_TITLES[5:10]
    assert "before=" in tab.page.url
    tab.page.go_back()  # browser history restores the earlier page
    tab.page.wait_for_function("document.querySelectorAll('.teaser').length === 3")
    # Every API call is a GET: cacheable by the browser and a CDN.
    assert tab.graphql and {r.method for r in tab.graphql} == {"GET"}


def test_old_slug_lands_on_the_canonical_page_with_its_head_tags(tab: Tab, server: LiveServer):
    tab.goto("/demo/articles/babbage-engine")
    tab.page.wait_for_selector("article h1")
    assert tab.page.inner_text("article h1") == "The analytical engine"
    assert urlsplit(tab.page.url).path == "/demo/articles/analytical-engine"
    # The feature image as docs/clients.md renders it (an external image: no srcset/placeholder).
    image = tab.page.eval_on_selector(
        "article > img", "i => Object.fromEntries([...i.attributes].map(a => [a.name, a.value]))"
    )
    assert image == {
        "src": "https://images.example.com/engine.jpg", "width": "1200", "height": "630",
        "alt": "Brass gears", "loading": "eager", "fetchpriority": "high", "decoding": "async",
        "sizes": "(max-width: 1200px) 100vw, 1200px",
    }  # fmt: skip
    seo = api(
        server,
        """{ article(slug: "analytical-engine") { seo { title description canonicalUrl robots
        openGraph { title type url image { url } } jsonLdScript } } }""",
    )["article"]["seo"]
    assert tab.page.title() == "The Analytical Engine explained" == seo["title"]
    assert tab.head('meta[name="description"]') == [
        "Babbage's engine, card by card: what it could compute and why."
    ]
    assert tab.head('link[rel="canonical"]', "href") == [f"{SITE}/articles/analytical-engine"]
    assert tab.head('meta[name="robots"]') == [seo["robots"]]
    assert tab.head('meta[property="og:title"]') == [seo["openGraph"]["title"]]
    assert tab.head('meta[property="og:type"]') == ["article"]
    assert tab.head('meta[property="og:url"]') == [f"{SITE}/articles/analytical-engine"]
    assert tab.head('meta[property="og:image"]') == ["https://images.example.com/engine.jpg"]
    scripts = tab.head('script[type="application/ld+json"]', "type")
    assert len(scripts) == 1
    json_ld = json.loads(
        tab.page.eval_on_selector('head script[type="application/ld+json"]', "s => s.textContent")
    )
    assert json_ld == json.loads(seo["jsonLdScript"])
    assert "The analytical engine" in json.dumps(json_ld)
    # The old URL is replaced, not kept: Back leaves the site instead of redirecting again.
    tab.page.go_back()
    assert tab.page.url == "about:blank"


def test_author_page_from_a_byline_with_more_articles(tab: Tab):
    tab.goto("/demo/articles/analytical-engine")
    tab.page.click("article .meta >> text=Grace Hopper")
    tab.page.wait_for_selector("section.author h1")
    assert tab.page.inner_text("section.author h1") == "Grace Hopper"
    assert urlsplit(tab.page.url).path == "/demo/authors/grace-hopper"
    assert tab.head('link[rel="canonical"]', "href") == [f"{SITE}/authors/grace-hopper"]
    assert len(tab.titles()) == 5
    tab.page.click("text=More articles")
    tab.page.wait_for_function("document.querySelectorAll('.teaser').length === 10")
    tab.page.click("text=More articles")
    tab.page.wait_for_function("document.querySelectorAll('.teaser').length === 13")
    assert tab.page.locator("button.more").is_hidden()
    assert len(set(tab.titles())) == 13  # no item twice across pages


@pytest.mark.parametrize("path", ["/articles/no-such-story", "/articles/unfinished-draft"])
def test_unknown_and_unpublished_paths_show_the_404_page(tab: Tab, path: str):
    tab.goto("/demo" + path)
    tab.page.wait_for_selector(".not-found h1")
    assert tab.page.inner_text(".not-found h1") == "Page not found"
    assert tab.page.title() == "Page not found"
    assert tab.head('meta[name="robots"]') == ["noindex"]
    assert tab.head('link[rel="canonical"]', "href") == []
    assert "Unfinished" not in tab.page.inner_text("main")


def gateway_speaks_apq(server: LiveServer) -> bool:
    probe = httpx.get(
        server.url + "/graphql",
        params={
            "extensions": json.dumps({"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}})
        },
        headers={"GraphQL-Preflight": "1"},  # the gateway's CSRF rule for GETs
        timeout=10,
    ).json()
    codes = [e.get("extensions", {}).get("code") for e in probe.get("errors", [])]
    return "PERSISTED_QUERY_NOT_FOUND" in codes


def test_queries_are_persisted_query_gets_where_the_gateway_supports_them(
    tab: Tab, server: LiveServer
):
    tab.goto("/demo/")
    tab.page.wait_for_selector(".teaser")
    tab.page.reload()
    tab.page.wait_for_selector(".teaser")
    params = [parse_qs(urlsplit(r.url).query) for r in tab.graphql]
    assert all(r.method == "GET" for r in tab.graphql)
    if gateway_speaks_apq(server):
        # Each load: one GET with the hash only; the first load registers the document once.
        hashes = {json.loads(p["extensions"][0])["persistedQuery"]["sha256Hash"] for p in params}
        assert len(hashes) == 1 and re.fullmatch(r"[0-9a-f]{64}", hashes.pop())
        with_document = [p for p in params if "query" in p]
        assert len(with_document) <= 1, params
        assert "query" not in params[-1]
    else:
        # No APQ here: one hash-only probe per page load, answered with an error; then plain
        # GETs with the document, and no further probes on that page.
        assert [("query" in p) for p in params] == [False, True, False, True], params


def test_graphiql_runs_the_examples_and_explains_the_schema(tab: Tab):
    tab.goto("/graphql")
    tab.page.wait_for_selector(".graphiql-tab")
    names = tab.page.locator(".graphiql-tab").all_inner_texts()
    assert [n.strip() for n in names][:4] == [
        "HomePage",
        "ArticlePage",
        "AuthorPage",
        "ResolveRoute",
    ]
    home = tab.run_graphiql("HomePage")
    assert home["data"]["articles"]["totalCount"] == 13
    assert home["data"]["articles"]["edges"][0]["node"]["title"] == "Story number 12"
    assert home["data"]["site"]["seo"]["canonicalUrl"] == SITE + "/"
    tab.page.wait_for_selector(".result-window >> text=Example News")  # shown, not just fetched
    # The article tab's placeholders were filled with the newest article: it runs as-is.
    tab.page.click(".graphiql-tab >> text=ArticlePage")
    tab.page.wait_for_function(  # the editors switch over before the tab runs
        "document.querySelector('.graphiql-query-editor').innerText.includes('query ArticlePage')"
        " && document.querySelector('.graphiql-editor-tool').innerText.includes('story-number-12')"
    )
    article = tab.run_graphiql("ArticlePage")["data"]["article"]
    assert article["title"] == "Story number 12"
    assert article["seo"]["canonicalUrl"] == f"{SITE}/articles/story-number-12"
    assert json.loads(article["seo"]["jsonLdScript"])  # the full `seo`, ready for the <head>
    # No tab sends an Authorization header unless the person opts in.
    tab.page.click("button:has-text('Headers')")
    assert "Authorization" not in tab.page.inner_text(".graphiql-editor-tool")
    # The docs explorer describes the API from the schema's descriptions.
    tab.page.click('[aria-label="Show Documentation Explorer"]')
    explorer = ".graphiql-doc-explorer"
    tab.page.click(f"{explorer} a.graphiql-doc-explorer-type-name >> text=Query")
    tab.page.wait_for_selector(f"{explorer} >> text=Entry points for reading content")
    assert "Refetch any object by its global ID" in tab.page.inner_text(explorer)
    tab.page.click(f"{explorer} a.graphiql-doc-explorer-field-name:text-is('articles')")
    tab.page.wait_for_selector(f"{explorer} >> text=Only articles matching all given conditions")
    assert "to continue after." in tab.page.inner_text(explorer)  # `after`, rendered markdown


def test_graphiql_mutation_tab_runs_with_a_pasted_token(tab: Tab, server: LiveServer):
    created = subprocess.run(
        [str(CLI), "token", "create", "--name", "graphiql-browser", "--role", "editor"],
        env={**os.environ, "GATEWAY_DATABASE_URL": server.database_url},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    token = created.stdout.strip()
    tab.goto("/graphql")
    tab.page.click(".graphiql-tab >> text=CreateDraft")
    tab.page.wait_for_function(
        "document.querySelector('.graphiql-query-editor').innerText.includes('mutation CreateDraft')"
        " && document.querySelector('.graphiql-editor-tool').innerText.includes('authorId')"
    )
    # As shipped, the tab sends the placeholder: the gateway refuses it, it never runs anonymously.
    refused = tab.run_graphiql("CreateDraft")
    assert [e["extensions"]["code"] for e in refused["errors"]] == ["UNAUTHENTICATED"]
    tab.page.wait_for_selector(".result-window >> text=UNAUTHENTICATED")
    # Opting in: the person pastes their token into this tab's Headers editor.
    tab.page.click("button:has-text('Headers')")
    headers = tab.page.locator(".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror")
    headers.click()
    tab.page.keyboard.press("Control+A")
    tab.page.keyboard.insert_text(json.dumps({"Authorization": f"Bearer {token}"}))
    saved = tab.run_graphiql("CreateDraft")["data"]["createArticle"]
    assert saved["__typename"] == "ArticleSaved"
    assert saved["article"]["status"] == "DRAFT"
    assert saved["article"]["slug"] == "schluesselelement-der-woche"
    tab.page.wait_for_selector(".result-window >> text=ArticleSaved")


def test_graphiql_assets_are_served_locally(server: LiveServer):
    page = httpx.get(server.url + "/graphql", headers={"accept": "text/html"}, timeout=10).text
    assets = [a for a in re.findall(r'(?:src|href)="([^"]+)"', page) if a != "data:,"]
    assert assets and all(a.startswith("/static/graphiql/") for a in assets), assets
    manifest = Path(__file__).resolve().parents[2] / "gateway/http/static/graphiql/SHA256SUMS"
    import hashlib

    for line in manifest.read_text().splitlines():
        digest, name = line.split()
        response = httpx.get(f"{server.url}/static/graphiql/{name}", timeout=10)
        assert response.status_code == 200, name
        assert hashlib.sha256(response.content).hexdigest() == digest, name
