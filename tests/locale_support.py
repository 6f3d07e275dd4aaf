"""Shared helpers of the locale tests: translation mutations and a translated arrangement."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import insert

from resolvers.content.locales.translation_models import TRANSLATION_TABLES
from resolvers.content.slugs import make_slug
from resolvers.db import Database
from resolvers.search.collation import collation_key
from tests.support import gql, ok

ERRORS = """... on MutationError { message } ... on ValidationError { fields { path code } }
  ... on NotFoundError { id }"""
SET = f"""mutation($input: SetTranslationInput!) {{ setTranslation(input: $input) {{
  __typename ... on TranslationSaved {{ locale changedPaths
    node {{ ... on Category {{ name slug path description }} ... on Tag {{ name slug path }}
            ... on Author {{ name slug path bio }} }} }} {ERRORS} }} }}"""
REMOVE = f"""mutation($input: RemoveTranslationInput!) {{ removeTranslation(input: $input) {{
  __typename ... on TranslationSaved {{ locale changedPaths
    node {{ ... on Category {{ name slug path }} }} }} {ERRORS} }} }}"""


async def mutate(
    client: httpx.AsyncClient, headers: dict[str, str] | None, document: str, input_: Any
) -> Any:
    return next(iter(ok(await gql(client, document, {"input": input_}, headers=headers)).values()))


async def add_translation(
    db: Database, kind: str, entity_id: int, locale: str, name: str, **values: Any
) -> None:
    """A translation row written directly (arranging data, as add_term does)."""
    now = datetime.now(UTC)
    row = {
        "entity_id": entity_id,
        "locale": locale,
        "name": name,
        "slug": values.pop("slug", None) or make_slug(name),
        "name_sort": collation_key(name),
        "created_at": now,
        "updated_at": now,
        **values,
    }
    async with db.engine.begin() as conn:
        await conn.execute(insert(TRANSLATION_TABLES[kind]), [row])
