"""Every transition of a public article out of public (rescheduled into the future, archived,
unpublished, deleted) reaches anonymous live subscribers, as a change without data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from gateway.app import create_app
from tests.auth_support import add_token, gid
from tests.event_support import FAST_EVENTS, GqlWs, served, until
from tests.support import add_article, add_author

CHANGES = """subscription { contentChanged(types: [ARTICLE]) {
  type databaseId entity { __typename } } }"""
TRANSITIONS = {
    "reschedule": (
        "mutation($input: PublishArticleInput!) { publishArticle(input: $input) { __typename } }",
        "SCHEDULED",
    ),
    "archive": (
        "mutation($input: ArticleRefInput!) { archiveArticle(input: $input) { __typename } }",
        "ARCHIVED",
    ),
    "unpublish": (
        "mutation($input: ArticleRefInput!) { unpublishArticle(input: $input) { __typename } }",
        "UNPUBLISHED",
    ),
    "delete": (
        "mutation($input: ArticleRefInput!) { deleteArticle(input: $input) { __typename } }",
        "DELETED",
    ),
}


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {**FAST_EVENTS, "events_worker": True, "rate_limit_budget": 0}


@pytest.mark.parametrize("transition", list(TRANSITIONS))
async def test_leaving_public_is_announced(settings, db, transition: str) -> None:
    app = create_app(settings)
    author = await add_author(db)
    article = await add_article(db, "Public now", authors=[author])
    token = await add_token(db, "admin")
    mutation, expected = TRANSITIONS[transition]
    variables: dict[str, Any] = {"id": gid("Article", article)}
    if transition == "reschedule":
        variables["publishedAt"] = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    async with served(app) as url, GqlWs.connect(url) as ws:
        op = await ws.subscribe(CHANGES)
        await until(lambda: app.state.events.subscribers >= 1, within=10)
        http = url.replace("ws://", "http://")
        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.post(
                http,
                json={"query": mutation, "variables": {"input": variables}},
                headers={"Authorization": f"Bearer {token}"},
            )
        payload = next(iter(response.json()["data"].values()))
        assert not payload["__typename"].endswith("Error"), payload
        message = await ws.next(op)
    change = message["payload"]["data"]["contentChanged"]
    assert change == {"type": expected, "databaseId": article, "entity": None}
