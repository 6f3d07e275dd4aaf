"""The queries docs/revisions.md shows run as shown."""

from __future__ import annotations

import re
from pathlib import Path

from tests.auth_support import add_token, bearer, gid
from tests.revisions_support import UPDATE, call
from tests.support import add_article, add_author, gql, ok

PAGE = Path(__file__).resolve().parents[2] / "docs" / "revisions.md"
BLOCKS = re.findall(r"```graphql\n(.*?)```", PAGE.read_text(), re.S)


def block(marker: str) -> str:
    found = [b for b in BLOCKS if marker in b]
    assert found, f"docs/revisions.md has no graphql block with {marker!r}"
    return found[0]


async def test_history_and_restore_blocks_run(client, db):
    ada = await add_author(db, "Ada Lovelace")
    editor = bearer(await add_token(db, "editor", name="desk"))
    ref = gid("Article", await add_article(db, "First title", authors=[ada]))
    await call(client, UPDATE, {"id": ref, "expectedVersion": 1, "title": "Second"}, editor)
    history = ok(await gql(client, block("query ArticleHistory("), {"id": ref}, headers=editor))
    [newest, baseline] = history["article"]["revisions"]["nodes"]
    assert newest["changedFields"] == ["title"]
    assert newest["diff"]["fields"] == [
        {"field": "title", "before": '"First title"', "after": '"Second"'}
    ]
    restored = ok(await gql(client, block("mutation RestoreRevision("), {"input": {
        "revisionId": baseline["id"], "expectedVersion": 2,
    }}, headers=editor))["restoreArticleRevision"]  # fmt: skip
    assert restored["article"]["title"] == "First title" and restored["article"]["version"] == 3
