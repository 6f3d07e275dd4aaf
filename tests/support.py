"""Test helpers: a GraphQL client over real HTTP, and factories that insert real rows."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import insert

from resolvers.content.slugs import make_slug
from resolvers.db import Database
from resolvers.models import (
    article_author_t,
    article_category_t,
    article_t,
    article_tag_t,
    author_t,
    category_t,
    seo_meta_t,
    tag_t,
)
from resolvers.site import reading_time_minutes

SERVER_TIMING_DB = re.compile(r'db;dur=[\d.]+;desc="(\d+) statements"')


@dataclass
class GqlResult:
    response: httpx.Response
    body: dict[str, Any] = field(default_factory=dict)

    @property
    def data(self) -> Any:
        return self.body.get("data")

    @property
    def errors(self) -> list[dict[str, Any]]:
        return self.body.get("errors") or []

    @property
    def codes(self) -> list[str]:
        return [e.get("extensions", {}).get("code") for e in self.errors]

    @property
    def statements(self) -> int:
        """SQL statements the request ran, as the Server-Timing header reports them."""
        match = SERVER_TIMING_DB.search(self.response.headers["server-timing"])
        assert match, self.response.headers["server-timing"]
        return int(match.group(1))


async def gql(
    client: httpx.AsyncClient,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    headers: dict[str, str] | None = None,
    method: str = "POST",
    operation_name: str | None = None,
) -> GqlResult:
    if method == "GET":
        import orjson

        params = {"query": query}
        if variables is not None:
            params["variables"] = orjson.dumps(variables).decode()
        if operation_name:
            params["operationName"] = operation_name
        # CSRF prevention (#6): a GET must carry a header that a cross-site form cannot send.
        headers = {"graphql-preflight": "1", **(headers or {})}
        response = await client.get("/graphql", params=params, headers=headers)
    else:
        payload: dict[str, Any] = {"query": query}
        if variables is not None:
            payload["variables"] = variables
        if operation_name:
            payload["operationName"] = operation_name
        response = await client.post("/graphql", json=payload, headers=headers)
    try:
        body = response.json()
    except ValueError:
        body = {}
    return GqlResult(response=response, body=body)


def ok(result: GqlResult) -> Any:
    """The data of a result that must have no errors."""
    assert result.response.status_code == 200, result.response.text
    assert not result.errors, result.errors
    return result.data


NOW = datetime.now(UTC).replace(microsecond=0)


def ago(**delta: float) -> datetime:
    return datetime.now(UTC).replace(microsecond=0) - timedelta(**delta)


def ahead(**delta: float) -> datetime:
    return datetime.now(UTC).replace(microsecond=0) + timedelta(**delta)


async def add_author(db: Database, name: str = "Ada Lovelace", **values: Any) -> int:
    now = datetime.now(UTC)
    row = {
        "slug": values.pop("slug", None) or make_slug(name),
        "name": name,
        "email": f"{make_slug(name)}@example.com",
        "created_at": now,
        "updated_at": now,
        **values,
    }
    async with db.engine.begin() as conn:
        result = await conn.execute(insert(author_t).returning(author_t.c.id), [row])
        return int(result.scalar_one())


async def add_term(db: Database, kind: str, name: str, **values: Any) -> int:
    table = {"category": category_t, "tag": tag_t}[kind]
    now = datetime.now(UTC)
    row = {"slug": make_slug(name), "name": name, "created_at": now, "updated_at": now, **values}
    async with db.engine.begin() as conn:
        result = await conn.execute(insert(table).returning(table.c.id), [row])
        return int(result.scalar_one())


async def add_article(
    db: Database,
    title: str = "Hello world",
    *,
    authors: list[int],
    status: str = "published",
    published_at: datetime | None = None,
    categories: list[int] = (),  # type: ignore[assignment]
    tags: list[int] = (),  # type: ignore[assignment]
    **values: Any,
) -> int:
    """Insert an article (published an hour ago unless told otherwise) with its links."""
    if published_at is None and status == "published":
        published_at = ago(hours=1)
    body = values.pop("body", "<p>Some body text for the article.</p>")
    created = values.pop("created_at", published_at or datetime.now(UTC))
    row = {
        "slug": values.pop("slug", None) or make_slug(title),
        "title": title,
        "body": body,
        "excerpt": values.pop("excerpt", f"About {title}."),
        "status": status,
        "published_at": published_at,
        "created_at": created,
        "updated_at": values.pop("updated_at", created),
        "reading_time_minutes": reading_time_minutes(body),
        **values,
    }
    async with db.engine.begin() as conn:
        article_id = int(
            (await conn.execute(insert(article_t).returning(article_t.c.id), [row])).scalar_one()
        )
        for table, column, ids in (
            (article_author_t, "author_id", authors),
            (article_category_t, "category_id", categories),
            (article_tag_t, "tag_id", tags),
        ):
            if ids:
                await conn.execute(
                    insert(table),
                    [
                        {"article_id": article_id, column: i, "position": p}
                        for p, i in enumerate(ids)
                    ],
                )
    return article_id


async def add_article_in_each_state(db: Database) -> dict[str, int]:
    """One article per state readers tell apart (public, draft, scheduled, archived), all by
    Grace Hopper in Science tagged compilers: ids by state."""
    author = await add_author(db, "Grace Hopper")
    cat = await add_term(db, "category", "Science")
    tag = await add_term(db, "tag", "compilers")
    links: dict[str, Any] = {"authors": [author], "categories": [cat], "tags": [tag]}
    return {
        "public": await add_article(db, "Public zebra story", **links),
        "draft": await add_article(db, "Draft zebra story", status="draft", **links),
        "scheduled": await add_article(
            db, "Scheduled zebra story", published_at=ahead(days=1), **links
        ),
        "archived": await add_article(
            db, "Archived zebra story", status="archived", published_at=ago(days=3), **links
        ),
    }


async def add_seo(db: Database, entity_type: str, entity_id: int, **values: Any) -> None:
    async with db.engine.begin() as conn:
        await conn.execute(
            insert(seo_meta_t), [{"entity_type": entity_type, "entity_id": entity_id, **values}]
        )
