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
    [read, write] = config["tabs"]
    assert "articles(first: 5)" in read["query"]
    assert "mutation CreateDraft" in write["query"] and "publishArticle" in write["query"]
    assert json.loads(write["headers"]) == {"Authorization": "Bearer <api token>"}
    assert "defaultTabs: config.tabs" in page.text
