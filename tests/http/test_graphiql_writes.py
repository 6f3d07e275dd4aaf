"""GraphiQL shows how to send a token and how to write."""

from __future__ import annotations

import json
import re


async def test_graphiql_has_a_mutation_tab_with_the_token_header(client):
    page = await client.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200
    blob = re.search(
        r'id="graphiql-config" type="application/json">(.*?)</script>', page.text, re.S
    )
    config = json.loads(blob.group(1).replace("<\\/", "</"))
    names = [
        re.search(r"^(query|mutation) (\w+)", t["query"], re.M).group(2) for t in config["tabs"]
    ]
    tabs = dict(zip(names, config["tabs"], strict=True))
    assert "articles(first: $first" in tabs["HomePage"]["query"]
    write = tabs["CreateDraft"]
    assert "mutation CreateDraft" in write["query"] and "createArticle" in write["query"]
    assert "publishArticle" in tabs["PublishArticle"]["query"]
    for name in ("CreateDraft", "PublishArticle"):
        assert json.loads(tabs[name]["headers"]) == {"Authorization": "Bearer <api token>"}
    # Reading tabs send no Authorization header: a placeholder token would be UNAUTHENTICATED.
    assert tabs["HomePage"]["headers"] == ""
    assert "defaultTabs: tabs" in page.text
