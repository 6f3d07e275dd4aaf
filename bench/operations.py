"""The operations the benchmark measures: GraphQL documents and the HTTP requests that carry them.

The gateway and the reference receive byte-identical requests; the reference recognises the
documents by their exact text, so a request it does not know fails loudly instead of being
answered with something else.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

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


def build_operations(article_slug: str) -> dict[str, Operation]:
    """Every operation the harness knows, by name (``--only`` picks from these)."""
    return {
        "home": Operation(
            name="home",
            description=f"articles(first: {HOME_PAGE_SIZE}) with author, avatar and seo",
            request=graphql_post(HOME_QUERY),
        ),
        "article": Operation(
            name="article",
            description="article(slug:) with body, authors, categories, tags and seo",
            request=graphql_post(ARTICLE_QUERY, {"slug": article_slug}),
        ),
    }


OPERATION_NAMES = ("home", "article")


def check_response(operation: Operation, body: bytes) -> str | None:
    """Why a response is not a plausible answer to ``operation`` (None when it is)."""
    try:
        payload = orjson.loads(body)
    except orjson.JSONDecodeError:
        return f"not JSON: {body[:200]!r}"
    if not isinstance(payload, dict) or "errors" in payload or "data" not in payload:
        return f"unexpected payload: {body[:300]!r}"
    data = payload["data"]
    if operation.name == "home":
        nodes = (data.get("articles") or {}).get("nodes") or []
        if len(nodes) != HOME_PAGE_SIZE:
            return f"home page has {len(nodes)} articles, expected {HOME_PAGE_SIZE}"
    if operation.name == "article" and not data.get("article"):
        return "the benchmark article was not found"
    return None
