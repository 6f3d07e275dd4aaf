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

# issue 4: a second tab showing how an editor writes, with the token header pre-filled.
EXAMPLE_MUTATION = """# Writing needs an API token: `content-gateway token create --name me --role editor`.
# Paste it into the Headers tab below, replacing <api token>. Then run CreateDraft and
# Publish (send the id CreateDraft returned). Every payload is a union: ask for the errors too.
mutation CreateDraft {
  createArticle(input: {
    title: "Schlüsselelement der Woche"
    body: "## Hello\n\nWritten in *Markdown*."
    bodyFormat: MARKDOWN
    authorIds: ["QXV0aG9yOjE="]
  }) {
    __typename
    ... on ArticleSaved { article { id slug status version } changedPaths }
    ... on ValidationError { message fields { path code message } }
    ... on MutationError { message }
  }
}

mutation Publish($id: ID!) {
  publishArticle(input: {id: $id}) {
    __typename
    ... on ArticleSaved { article { status publishedAt url } }
    ... on MutationError { message }
  }
}
"""
WRITE_HEADERS = '{"Authorization": "Bearer <api token>"}'


TEMPLATE = Path(__file__).parent / "templates" / "graphiql.html"


@lru_cache(maxsize=8)
def graphiql_page(site: Site) -> str:
    template = TEMPLATE.read_text()
    config = {
        "query": EXAMPLE_QUERY,
        "headers": EXAMPLE_HEADERS,
        "tabs": [
            {"query": EXAMPLE_QUERY, "headers": EXAMPLE_HEADERS},
            {"query": EXAMPLE_MUTATION, "headers": WRITE_HEADERS},
        ],
    }
    # </ is escaped so the JSON cannot close the <script> element it sits in.
    blob = orjson.dumps(config).decode().replace("</", "<\\/")
    return template.replace("{{TITLE}}", html.escape(site.name)).replace("{{CONFIG}}", blob)
