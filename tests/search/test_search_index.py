"""The search index follows every write (mutations, tag renames and deletions, article
deletion), never shows what a viewer may not see, survives refused writes, and the migrations
build it for articles that existed before (and rebuild it, keeping every document)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import column, func, insert, select, table, text

import migrations
from gateway.cli.main import run_migrations
from resolvers.access import ANONYMOUS
from resolvers.content.articles import ArticleFilter, search_hits
from resolvers.db import Database, make_engine, now_utc
from resolvers.models import article_author_t, article_t
from resolvers.search.collation import collation_key
from resolvers.search.gate import SearchGate
from resolvers.search.models import search_document_t
from tests.auth_support import add_token, bearer, gid
from tests.support import add_article, add_author, add_term, ago, gql, ok

SEARCH = """query($q: String) { articles(first: 50, filter: {search: $q}) { nodes { slug } } }"""
ARTICLE = "... on ArticleSaved { article { id slug version } } ... on MutationError { message }"
CREATE = f"mutation($i: CreateArticleInput!) {{ createArticle(input: $i) {{ {ARTICLE} }} }}"
UPDATE = f"mutation($i: UpdateArticleInput!) {{ updateArticle(input: $i) {{ {ARTICLE} }} }}"
PUBLISH = f"mutation($i: PublishArticleInput!) {{ publishArticle(input: $i) {{ {ARTICLE} }} }}"
DELETE = """mutation($i: ArticleRefInput!) { deleteArticle(input: $i) {
  ... on ArticleDeleted { deletedId } ... on MutationError { message } } }"""
TERM = "... on MutationError { message } ... on TagSaved { tag { name } }"
UPDATE_TAG = f"mutation($i: UpdateTermInput!) {{ updateTag(input: $i) {{ {TERM} }} }}"
DELETE_TAG = """mutation($i: DeleteTermInput!) { deleteTag(input: $i) {
  ... on TermDeleted { deletedId } ... on MutationError { message } } }"""


async def write(client, headers, document, input_):
    data = ok(await gql(client, document, {"i": input_}, headers=headers))
    return next(iter(data.values()))


async def slugs(client, text, headers=None):
    data = ok(await gql(client, SEARCH, {"q": text}, headers=headers))
    return sorted(n["slug"] for n in data["articles"]["nodes"])


async def test_mutations_keep_the_index_current(client, db):
    editor = bearer(await add_token(db, "editor", name="desk"))
    ada = await add_author(db, "Ada Lovelace")
    tag = await add_term(db, "tag", "Nocturnal")
    created = await write(client, editor, CREATE, {
        "title": "Wombats at night", "body": "<p>Burrows and <em>grass</em>.</p>",
        "authorIds": [gid("Author", ada)], "tagIds": [gid("Tag", tag)],
    })  # fmt: skip
    article = created["article"]
    # A draft: found by an editor, never by anonymous readers.
    assert await slugs(client, "wombat", editor) == ["wombats-at-night"]
    assert await slugs(client, "wombat") == []
    published = await write(client, editor, PUBLISH, {"id": article["id"], "expectedVersion": 1})
    assert await slugs(client, "wombat burrow") == ["wombats-at-night"]
    assert await slugs(client, "nocturnal lovelace") == ["wombats-at-night"]

    version = published["article"]["version"]
    await write(client, editor, UPDATE, {
        "id": article["id"], "expectedVersion": version, "title": "Badgers at dawn",
    })  # fmt: skip
    assert await slugs(client, "wombat") == []
    assert await slugs(client, "badger") == ["wombats-at-night"]

    stale = await write(client, editor, UPDATE, {
        "id": article["id"], "expectedVersion": version, "title": "Lost update about otters",
    })  # fmt: skip
    assert "changed by someone else" in stale["message"]
    assert await slugs(client, "otter") == []  # the refused write left the index alone
    assert await slugs(client, "badger") == ["wombats-at-night"]

    await write(client, editor, UPDATE_TAG, {"id": gid("Tag", tag), "name": "Crepuscular"})
    assert await slugs(client, "crepuscular") == ["wombats-at-night"]
    assert await slugs(client, "nocturnal") == []
    await write(client, editor, DELETE_TAG, {"id": gid("Tag", tag)})
    assert await slugs(client, "crepuscular") == []

    await write(client, editor, DELETE, {"id": article["id"]})
    assert await slugs(client, "badger", editor) == []  # in the trash: nobody finds it
    trashed = select(func.count()).where(search_document_t.c.deleted_at.is_not(None))
    assert await db.scalar(trashed) == 1  # kept for a restore from the trash


OLD_AUTHOR = {
    "slug": "ada", "name": "Ada Lovelace", "version": 1,
    "created_at": ago(days=3), "updated_at": ago(days=3),
}  # fmt: skip
OLD_ROW = {
    "slug": "old", "title": "Old quokka story", "locale": "en",
    "body": "<p>Written before search documents.</p>", "excerpt": None,
    "status": "published", "published_at": ago(days=3), "created_at": ago(days=3),
    "updated_at": ago(days=3), "reading_time_minutes": 1, "version": 1,
}  # fmt: skip


def _alembic(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(migrations.__file__).parent))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


async def test_migration_indexes_existing_articles(isolated_database_url, backend):
    config = _alembic(isolated_database_url)
    before_search = ScriptDirectory.from_config(config).get_revision("0008").down_revision
    await asyncio.to_thread(command.downgrade, config, before_search)
    db = Database(make_engine(isolated_database_url))
    try:
        old_author = table("author", *(column(c) for c in OLD_AUTHOR))
        async with db.engine.begin() as conn:
            ada = (
                await conn.execute(insert(old_author).returning(column("id")), [OLD_AUTHOR])
            ).scalar_one()
        # The schema before search: no title_sort or name_sort yet, so no model-based insert.
        old_article = table("article", *(column(c) for c in OLD_ROW))
        async with db.engine.begin() as conn:
            article_id = (
                await conn.execute(insert(old_article).returning(column("id")), [OLD_ROW])
            ).scalar_one()
            await conn.execute(
                insert(article_author_t), [{"article_id": article_id, "author_id": ada}]
            )
        run_migrations(isolated_database_url)
        ids = await db.all(select(search_document_t.c.id, search_document_t.c.lang))
        assert [tuple(r) for r in ids] == [(article_id, "english")]
        sort = await db.scalar(select(article_t.c.title_sort))
        assert sort == collation_key("Old quokka story") != ""
        name_sort = await db.scalar(select(column("name_sort")).select_from(table("author")))
        assert name_sort == collation_key("Ada Lovelace")
    finally:
        await db.dispose()


async def _found(db: Database, typed: str) -> list[int]:
    hits = await search_hits(db, ANONYMOUS, now_utc(), ArticleFilter(search=typed), SearchGate())
    return [hit.id for hit in hits[1].hits]


async def _fts_definition(db: Database) -> str:
    if not db.is_sqlite:
        return ""
    return str(await db.scalar(text("SELECT sql FROM sqlite_master WHERE name = 'search_fts'")))


async def test_prefix_index_migration_keeps_existing_documents(isolated_database_url, backend):
    # 0011 rebuilds the SQLite FTS5 table with prefix indexes; the documents written before
    # it must be found after the upgrade and again after a downgrade.
    config = _alembic(isolated_database_url)
    await asyncio.to_thread(command.downgrade, config, "0010")
    db = Database(make_engine(isolated_database_url))
    try:
        ada = await add_author(db, "Ada Lovelace")
        quokka = await add_article(db, "Quokkas of Rottnest", authors=[ada])
        await add_article(db, "Wombats at night", authors=[ada])
        assert "prefix" not in await _fts_definition(db)
        run_migrations(isolated_database_url)
        if backend == "sqlite":
            assert "prefix='2 3'" in await _fts_definition(db)
        # two letters (a prefix index), three, and longer (the main index)
        for typed in ("qu*", "quo*", "quokk*", "rottnest", "lovelace quokka*"):
            assert await _found(db, typed) == [quokka], typed
        await asyncio.to_thread(command.downgrade, config, "0010")
        assert "prefix" not in await _fts_definition(db)
        assert await _found(db, "qu*") == [quokka]
    finally:
        await db.dispose()
