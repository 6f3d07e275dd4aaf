"""The operations the benchmark measures: GraphQL documents and the HTTP requests that carry them.

The gateway and the reference receive byte-identical requests; the reference recognises the
documents by their exact text, so a request it does not know fails loudly instead of being
answered with something else.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlencode

import orjson

HOME_QUERY = """query HomePage {
  articles(first: 20) {
    nodes {
      id
      slug
      title
      excerpt
      publishedAt
      author { name slug avatar { url } }
      seo { title description canonicalUrl }
    }
  }
}"""

ARTICLE_QUERY = """query ArticlePage($slug: String!) {
  article(slug: $slug) {
    id
    slug
    title
    excerpt
    publishedAt
    body
    authors { name slug }
    categories { name slug }
    tags { name slug }
    seo { title description canonicalUrl robots }
  }
}"""

HOME_PAGE_SIZE = 20


@dataclass(frozen=True)
class HttpRequest:
    """One HTTP request, replayed as-is by the load generators."""

    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def raw(self, host: str, port: int) -> bytes:
        """The request on the wire (HTTP/1.1, keep-alive)."""
        lines = [f"{self.method} {self.path} HTTP/1.1", f"Host: {host}:{port}"]
        lines += [f"{name}: {value}" for name, value in self.headers.items()]
        if self.body or self.method in ("POST", "PUT", "PATCH"):
            lines.append(f"Content-Length: {len(self.body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + self.body


@dataclass(frozen=True)
class Operation:
    """A named benchmark operation.

    ``expected_status`` lists the statuses that count as success under load (a cached GET
    path may add 304); a body starting with ``error_marker`` counts as a failure, because a
    GraphQL server answers resolver failures with 200 and an ``errors`` list.
    """

    name: str
    description: str
    request: HttpRequest
    expected_status: tuple[int, ...] = (200,)
    error_marker: bytes = b'{"errors"'
    # Issue 5 (caching): what a correct body is ("home" | "article"; default: the name), the
    # gateway settings of this operation, requests sent to the gateway once before the answers
    # are compared (warm the response cache, register an APQ hash), and whether the measured
    # request carries If-None-Match with the gateway's ETag (the 304 path).
    page: str = ""
    gateway_env: dict[str, str] = field(default_factory=dict)
    prime: tuple[HttpRequest, ...] = ()
    conditional: bool = False

    def with_etag(self, etag: str) -> Operation:
        headers = {**self.request.headers, "If-None-Match": etag}
        return replace(self, request=replace(self.request, headers=headers))


def graphql_post(query: str, variables: dict[str, Any] | None = None) -> HttpRequest:
    payload: dict[str, Any] = {"query": query}
    if variables is not None:
        payload["variables"] = variables
    return HttpRequest(
        method="POST",
        path="/graphql",
        headers={"Content-Type": "application/json", "Accept": "application/json"},
        body=orjson.dumps(payload),
    )


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def apq_extensions(query: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": sha256_hex(query)}}


def graphql_get(
    query: str | None,
    variables: dict[str, Any] | None = None,
    extensions: dict[str, Any] | None = None,
) -> HttpRequest:
    """A GET request; without ``query`` it is an APQ request by hash alone."""
    params = {}
    if query is not None:
        params["query"] = query
    if variables is not None:
        params["variables"] = orjson.dumps(variables).decode()
    if extensions is not None:
        params["extensions"] = orjson.dumps(extensions).decode()
    # GraphQL-Preflight: GETs must carry a header that forces a CORS preflight (CSRF rule).
    headers = {"Accept": "application/json", "GraphQL-Preflight": "1"}
    return HttpRequest(method="GET", path="/graphql?" + urlencode(params), headers=headers)


UNCACHED = {"GATEWAY_RESPONSE_CACHE": "false"}
CACHED = {"GATEWAY_RESPONSE_CACHE": "true"}


def build_operations(article_slug: str) -> dict[str, Operation]:
    """Every operation the harness knows, by name (``--only`` picks from these)."""
    home, article = graphql_post(HOME_QUERY), graphql_post(ARTICLE_QUERY, {"slug": article_slug})
    apq = apq_extensions(HOME_QUERY)
    by_hash, register = graphql_get(None, extensions=apq), graphql_get(HOME_QUERY, extensions=apq)
    return {
        "home": Operation(
            name="home",
            description=f"articles(first: {HOME_PAGE_SIZE}) with author, avatar and seo; "
            "response cache off",
            request=home,
            gateway_env=UNCACHED,
        ),
        "article": Operation(
            name="article",
            description="article(slug:) with body, authors, categories, tags and seo; "
            "response cache off",
            request=article,
            gateway_env=UNCACHED,
        ),
        "home-cached": Operation(
            name="home-cached",
            description="the home page POST answered from the server-side response cache",
            request=home,
            page="home",
            gateway_env=CACHED,
            prime=(home,),
        ),
        "article-cached": Operation(
            name="article-cached",
            description="the article POST answered from the server-side response cache",
            request=article,
            page="article",
            gateway_env=CACHED,
            prime=(article,),
        ),
        "home-apq-get": Operation(
            name="home-apq-get",
            description="the home page as a persisted-query GET (hash only), cache hit",
            request=by_hash,
            page="home",
            gateway_env=CACHED,
            prime=(register, by_hash),
        ),
        "home-304": Operation(
            name="home-304",
            description="the persisted-query GET with If-None-Match: the gateway answers 304 "
            "(the reference ignores it and answers 200)",
            request=by_hash,
            expected_status=(200, 304),
            page="home",
            gateway_env=CACHED,
            prime=(register, by_hash),
            conditional=True,
        ),
    }


OPERATION_NAMES = (
    "home",
    "article",
    "home-cached",
    "article-cached",
    "home-apq-get",
    "home-304",
)


def check_response(operation: Operation, body: bytes) -> str | None:
    """Why a response is not a plausible answer to ``operation`` (None when it is)."""
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        return f"not JSON: {body[:200]!r}"
    if not isinstance(payload, dict) or "errors" in payload or "data" not in payload:
        return f"unexpected payload: {body[:300]!r}"
    data = payload["data"]
    page = operation.page or operation.name
    if page == "home":
        nodes = (data.get("articles") or {}).get("nodes") or []
        if len(nodes) != HOME_PAGE_SIZE:
            return f"home page has {len(nodes)} articles, expected {HOME_PAGE_SIZE}"
    if page == "article" and not data.get("article"):
        return "the benchmark article was not found"
    return None
