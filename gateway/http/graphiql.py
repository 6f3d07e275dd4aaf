"""The GraphiQL page: an IDE in the browser, served from vendored assets, with one tab per example
operation in ``examples/operations`` (see ``gateway.http.developer``)."""

from __future__ import annotations

import hashlib
import html
from functools import lru_cache
from pathlib import Path

import orjson

from gateway.http.developer import load_operations
from resolvers.site import Site

WELCOME = """# Welcome to the content gateway. Each tab is a ready-to-run example: press the run
# button (or Ctrl-Enter). The docs explorer (book icon, top left) describes every type, field and
# argument. Editors send an API token in the Headers editor (bottom) as
#   {"Authorization": "Bearer <token>"}
# — the mutation tabs show it; no other tab sends one.
"""

# Used only when the examples directory is not there (a gateway installed without its checkout).
EXAMPLE_QUERY = """query HomePage {
  articles(first: 5) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { title path publishedAt excerpt author { name path } }
  }
}
"""

# Live values replace these placeholders in the tabs' variables when the page loads (the page asks
# the API for its newest article), so every example runs as-is on any database.
PLACEHOLDERS = (
    "<article-slug>",
    "<article-path>",
    "<author-slug>",
    "<author-id>",
    "<search-term>",
)

TEMPLATE = Path(__file__).parent / "templates" / "graphiql.html"


def _json_editor(value: dict | None) -> str:
    return orjson.dumps(value, option=orjson.OPT_INDENT_2).decode() if value else ""


def default_tabs() -> list[dict[str, str]]:
    operations = load_operations()
    if not operations:
        return [{"query": WELCOME + EXAMPLE_QUERY, "variables": "", "headers": ""}]
    tabs = [
        {
            "query": op.document,
            "variables": _json_editor(op.variables),
            "headers": _json_editor(op.headers),
        }
        for op in operations
    ]
    tabs[0]["query"] = WELCOME + tabs[0]["query"]
    return tabs


@lru_cache(maxsize=8)
def graphiql_page(site: Site) -> str:
    tabs = default_tabs()
    blob = orjson.dumps(tabs)
    config = {
        "tabs": tabs,
        "placeholders": PLACEHOLDERS,
        # Tabs are kept in localStorage; a new set of examples gets a fresh namespace, so people
        # see the current examples rather than a stale copy of the old ones.
        "storageKey": "content-gateway:" + hashlib.sha256(blob).hexdigest()[:12] + ":",
    }
    # </ is escaped so the JSON cannot close the <script> element it sits in.
    text = orjson.dumps(config).decode().replace("</", "<\\/")
    return (
        TEMPLATE.read_text()
        .replace("{{TITLE}}", html.escape(site.name))
        .replace("{{CONFIG}}", text)
    )
