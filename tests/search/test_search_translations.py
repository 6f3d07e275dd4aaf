"""Search finds an article by the names its readers see: its authors', categories' and tags'
translations in the article's locale (beside their own names), kept current by setTranslation
and removeTranslation, and built for existing translations by the migration."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import column, insert, select, table, text

import migrations
from gateway.cli.main import run_migrations
from resolvers.content.locales.translation_models import TRANSLATION_TABLES
from resolvers.db import Database, make_engine
from resolvers.search.collation import collation_key
from resolvers.search.index import index_translated
from tests.auth_support import add_token, bearer, gid
from tests.locale_support import REMOVE, SET, mutate
from tests.support import add_article, add_author, add_term, gql, ok

MODULE_SETTINGS = {"locales": ["de"]}
SEARCH = """query($q: String, $l: String) {
  articles(first: 50, locale: $l, filter: { search: $q }) { nodes { slug } } }"""


async def found(client, words, locale=None):
    data = ok(await gql(client, SEARCH, {"q": words, "l": locale}))
    return sorted(n["slug"] for n in data["articles"]["nodes"])


async def test_translated_names_find_the_articles_of_their_locale(client, db):
    desk = bearer(await add_token(db, "editor", name="desk"))
    ada = await add_author(db, "Ada Lovelace")
    science = await add_term(db, "category", "Science")
    animals = await add_term(db, "tag", "Animals")
    links = {"authors": [ada], "categories": [science], "tags": [animals]}
    await add_article(db, "Quokkas", slug="quokkas-en", **links)
    await add_article(db, "Quokkas", slug="quokkas-de", locale="de", **links)
    assert await found(client, "wissenschaft") == []

    for kind, entity, name in (
        ("Category", science, "Wissenschaft"),
        ("Tag", animals, "Beuteltiere"),
        ("Author", ada, "Gräfin Lovelace"),
    ):
        await mutate(client, desk, SET, {"id": gid(kind, entity), "locale": "de", "name": name})
    # The German reader's words find the German article (stemmed and folded as German);
    # the cached answer from before the translation is gone.
    assert await found(client, "wissenschaft") == ["quokkas-de"]
    assert await found(client, "wissenschaft", "de") == ["quokkas-de"]
    assert await found(client, "Beuteltier") == ["quokkas-de"]
    assert await found(client, "grafin") == ["quokkas-de"]
    # The own names still find both.
    assert await found(client, "science animals lovelace") == ["quokkas-de", "quokkas-en"]

    # Renamed and removed translations re-index the articles in the same write.
    await mutate(client, desk, SET, {"id": gid("Category", science), "locale": "de",
                                     "name": "Forschung"})  # fmt: skip
    assert await found(client, "wissenschaft") == []
    assert await found(client, "forschung") == ["quokkas-de"]
    await mutate(client, desk, REMOVE, {"id": gid("Category", science), "locale": "de"})
    assert await found(client, "forschung") == []
    assert await found(client, "science", "de") == ["quokkas-de"]


async def test_migration_builds_translated_sort_keys_and_documents(isolated_database_url, backend):
    config = Config()
    config.set_main_option("script_location", str(Path(migrations.__file__).parent))
    config.set_main_option("sqlalchemy.url", isolated_database_url.replace("%", "%%"))
    db = Database(make_engine(isolated_database_url))
    try:
        ada = await add_author(db, "Ada Lovelace")
        cat = await add_term(db, "category", "Science")
        await add_article(db, "Quokkas", locale="de", authors=[ada], categories=[cat])
        await asyncio.to_thread(command.downgrade, config, "0010")
        # The translation table before 0012: no name_sort yet, so no model-based insert.
        now = datetime.now(UTC)
        old = {"entity_id": cat, "locale": "de", "slug": "wissenschaft", "name": "Wissenschaft",
               "created_at": now, "updated_at": now}  # fmt: skip
        async with db.engine.begin() as conn:
            await conn.execute(insert(table("category_translation", *map(column, old))), [old])
        run_migrations(isolated_database_url)
        tr = TRANSLATION_TABLES["category"]
        assert await db.scalar(select(tr.c.name_sort)) == collation_key("Wissenschaft")
        document = (
            "SELECT meta FROM search_fts"
            if backend == "sqlite"
            else "SELECT CAST(vector AS text) FROM search_document"
        )
        assert "wissenschaft" in await db.scalar(text(document))
    finally:
        await db.dispose()


async def test_migrated_documents_are_searchable(client, db):
    # What the migration runs (index_translated) indexes translated names, as writes do.
    cat = await add_term(db, "category", "Science")
    await add_article(db, "Quokkas", slug="q", locale="de", authors=[await add_author(db)],
                      categories=[cat])  # fmt: skip
    now = datetime.now(UTC)
    async with db.engine.begin() as conn:
        await conn.execute(insert(TRANSLATION_TABLES["category"]), [{
            "entity_id": cat, "locale": "de", "slug": "wissenschaft", "name": "Wissenschaft",
            "created_at": now, "updated_at": now,
        }])  # fmt: skip
        await conn.run_sync(index_translated)
    assert await found(client, "wissenschaft") == ["q"]
    tr = TRANSLATION_TABLES["category"]
    assert await db.scalar(select(tr.c.name_sort)) == collation_key("Wissenschaft")
