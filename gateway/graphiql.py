"""The GraphiQL page: an IDE in the browser with a runnable example query."""

from __future__ import annotations

import html
from functools import lru_cache
from pathlib import Path

import orjson

from resolvers.site import Site

EXAMPLE_QUERY = """# Welcome to the content gateway. Press the run button (or Ctrl-Enter).
# The docs explorer (top left) describes every type and field.
# Editors send a token in the Headers tab: {"Authorization": "Bearer <api token>"}
query HomePage {
  articles(first: 5) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes {
      title
      path
      publishedAt
      excerpt
      author { name path avatar { url alt } }
      tags { name }
      seo { title description canonicalUrl robots }
    }
  }
}
"""

EXAMPLE_HEADERS = ""


TEMPLATE = Path(__file__).parent / "templates" / "graphiql.html"


@lru_cache(maxsize=8)
def graphiql_page(site: Site) -> str:
    template = TEMPLATE.read_text()
    config = {"query": EXAMPLE_QUERY, "headers": EXAMPLE_HEADERS}
    # </ is escaped so the JSON cannot close the <script> element it sits in.
    blob = orjson.dumps(config).decode().replace("</", "<\\/")
    return template.replace("{{TITLE}}", html.escape(site.name)).replace("{{CONFIG}}", blob)
