"""Native export/import: `export` then `import native` into an empty database gives the same API
answers; a broken or hostile export is refused with nothing written."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import insert

from gateway.config.settings import Settings
from resolvers.db import Database, make_engine
from resolvers.events.models import webhook_t
from resolvers.events.webhooks import create_webhook
from resolvers.imports.native import NativeImportError, export_native, import_native_file
from resolvers.models import author_t, persisted_document_t
from tests.auth_support import add_token, bearer, run_cli, serve, snapshot
from tests.imports_support import count, ghost, markdown, run_import, wordpress
from tests.support import gql, ok

ARTICLE_FIELDS = """databaseId slug locale title excerpt status publishedAt updatedAt createdAt
  readingTimeMinutes version path url body createdBy updatedBy
  featureImage { url alt width height }
  authors { databaseId slug name bio website twitter avatar { url } }
  categories { databaseId slug name description } tags { databaseId slug name }
  translations { slug locale }
  seo { title description canonicalUrl robots noindex nofollow jsonLdScript
        openGraph { title description image { url } } twitter { title description } }"""
QUERIES = [
    "{ articles(first: 50) { totalCount nodes { " + ARTICLE_FIELDS + " } } }",
    "{ authors(first: 100) { totalCount nodes { databaseId slug name bio email website } } }",
    "{ categories(first: 100) { nodes { databaseId slug name seo { title description } } } }",
    "{ tags(first: 100) { nodes { databaseId slug name seo { title } } } }",
    "{ redirects(first: 100) { totalCount nodes { fromPath toPath statusCode } } }",
    "{ webhooks(first: 10) { nodes { databaseId url description events enabled createdAt } } }",
]
PATHS = ["/?p=10", "/2024/05/hello-world/", "/articles/hello-world", "/analytical-engine/",
         "/de/articles/erster-beitrag", "/category/news/world/", "/nothing-here"]  # fmt: skip
ROUTE = """query($p: String!) { route(path: $p) { __typename
  ... on Redirect { location statusCode } ... on Article { databaseId title body } } }"""


async def _fill(db: Database, settings: Settings) -> None:
    await run_import(db, settings, wordpress())
    await run_import(db, settings, ghost(5))
    await run_import(db, settings, markdown())
    now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    await create_webhook(db, url="https://hooks.example.com/x", events=["article.*"],
                         description="CMS sync", now=now)  # fmt: skip
    async with db.engine.begin() as conn:
        await conn.execute(
            insert(persisted_document_t).values(
                document_id="sha256:abc",
                sha256="a" * 64,
                normalized_hash="b" * 64,
                operation_name="Q",
                operation_type="query",
                body="{ site { name } }",
                source="manifest.json",
                created_at=now,
            )
        )


async def _answers(settings: Settings, db: Database) -> list[Any]:
    token = await add_token(db, "admin")
    answers: list[Any] = []
    async with serve(settings) as (_, client):
        for query in QUERIES:
            answers.append(ok(await gql(client, query, headers=bearer(token))))
            public = await gql(client, query)  # and as the public sees it (or is refused)
            answers.append((public.data, public.codes))
        for path in PATHS:
            answers.append(ok(await gql(client, ROUTE, {"p": path})))
    return answers


async def test_export_then_import_native_gives_the_same_api_answers(
    db, settings, isolated_database_url, tmp_path: Path
):
    await _fill(db, settings)
    exported = tmp_path / "backup.jsonl"
    with exported.open("wb") as out:
        counts = await export_native(db, out)
    assert counts["article"] == 9 + 6 + 8 and counts["webhook"] == 1
    assert counts["persisted_document"] == 1 and "api_token" not in counts
    lines = exported.read_bytes().splitlines()
    assert orjson.loads(lines[0])["format"] == "content-gateway-export"
    assert b"whsec_" not in exported.read_bytes()  # webhook secrets stay behind
    before = await _answers(settings, db)

    restored_db = Database(make_engine(isolated_database_url))
    try:
        restored = await import_native_file(restored_db, exported)
        assert restored == {k: v for k, v in counts.items() if v}
        restored_settings = settings.model_copy(update={"database_url": isolated_database_url})
        assert await _answers(restored_settings, restored_db) == before
        # ids continue after the restored ones (PostgreSQL sequences were moved on)
        async with restored_db.engine.begin() as conn:
            await conn.execute(insert(author_t).values(slug="new-one", name="New One",
                created_at=datetime.now(UTC), updated_at=datetime.now(UTC)))  # fmt: skip
        # a second restore into the now non-empty database is refused, nothing changes
        snap = await snapshot(restored_db)
        with pytest.raises(NativeImportError, match="not empty"):
            await import_native_file(restored_db, exported)
        assert await snapshot(restored_db) == snap
    finally:
        await restored_db.dispose()


def _export_with(lines: list[Any]) -> bytes:
    header = {"format": "content-gateway-export", "version": 1, "tables": []}
    return b"\n".join(orjson.dumps(x) for x in [header, *lines]) + b"\n"


AUTHOR = {"id": 1, "slug": "a", "name": "A", "version": 1, "created_at": "2024-01-01T00:00:00+00:00",
          "updated_at": "2024-01-01T00:00:00+00:00"}  # fmt: skip
BROKEN = {
    "cut short": (_export_with([{"table": "author", "row": AUTHOR}]), "cut short"),
    "not an export": (b'{"hello": 1}\n', "not a content-gateway export"),
    "newer version": (b'{"format": "content-gateway-export", "version": 99}\n', "version 99"),
    "unknown table": (
        _export_with([{"table": "api_token", "row": {}}, {"end": {}}]),
        "unknown table 'api_token'",
    ),
    "unknown column": (
        _export_with([{"table": "author", "row": {**AUTHOR, "is_admin": True}}, {"end": {}}]),
        "no column(s) is_admin",
    ),
    "script in a bio": (
        _export_with(
            [{"table": "author", "row": {**AUTHOR, "bio": "<script>x()</script>"}}, {"end": {}}]
        ),
        "active content",
    ),
    "not json": (b'{"format": "content-gateway-export", "version": 1}\n{oops\n', "line 2"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
async def test_a_broken_export_is_refused_and_writes_nothing(db, tmp_path, case):
    content, message = BROKEN[case]
    path = tmp_path / "broken.jsonl"
    path.write_bytes(content)
    with pytest.raises(NativeImportError, match=message.replace("(", r"\(").replace(")", r"\)")):
        await import_native_file(db, path)
    assert await count(db, author_t) == 0 and await count(db, webhook_t) == 0


async def test_export_and_import_native_from_the_cli(db, settings, database_url,
                                                      isolated_database_url, tmp_path):  # fmt: skip
    await run_import(db, settings, wordpress())
    backup = tmp_path / "b.jsonl"
    code, _, err = await asyncio.to_thread(run_cli, database_url, "export", str(backup))
    assert code == 0 and "9 article" in err
    code, _, err = await asyncio.to_thread(
        run_cli, isolated_database_url, "import", "native", str(backup), "--dry-run"
    )
    assert code == 0 and "would restore" in err
    code, _, err = await asyncio.to_thread(
        run_cli, isolated_database_url, "import", "native", str(backup)
    )
    assert code == 0 and "restored" in err and "9 article" in err
    code, _, err = await asyncio.to_thread(
        run_cli, isolated_database_url, "import", "native", str(backup)
    )
    assert code == 2 and "not empty" in err
