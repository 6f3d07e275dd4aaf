"""Helpers for write and access tests: real API tokens, global IDs, whole-database snapshots."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import select
from starlette.applications import Starlette
from typer.testing import CliRunner

from gateway.app import create_app
from gateway.cli.main import cli
from gateway.config.settings import Settings
from resolvers.access import CLI
from resolvers.auth.tokens import create_token
from resolvers.commands import CommandEnv
from resolvers.db import Database
from resolvers.models import (
    api_token_t,
    article_author_t,
    article_category_t,
    article_t,
    article_tag_t,
    author_t,
    category_t,
    redirect_t,
    seo_meta_t,
    tag_t,
)
from resolvers.site import Site
from tests.live_server import lifespan

CONTENT_TABLES = (
    article_t,
    author_t,
    category_t,
    tag_t,
    article_author_t,
    article_category_t,
    article_tag_t,
    seo_meta_t,
    redirect_t,
    api_token_t,
)

_counter = iter(range(1, 1_000_000))


async def add_token(
    db: Database,
    role: str,
    *,
    author_id: int | None = None,
    name: str | None = None,
    expires_at: datetime | None = None,
) -> str:
    """A real API token, made by the same command the CLI uses."""
    env = CommandEnv(db=db, site=Site(), viewer=CLI, now=datetime.now(UTC))
    secret, _ = await create_token(
        env,
        name=name or f"{role}-{next(_counter)}",
        role=role,
        author_id=author_id,
        expires_at=expires_at,
    )
    return secret


def bearer(token: str | None) -> dict[str, str] | None:
    return None if token is None else {"Authorization": f"Bearer {token}"}


def gid(type_name: str, database_id: int) -> str:
    return base64.b64encode(f"{type_name}:{database_id}".encode()).decode()


async def snapshot(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every content table, in a stable order: compare before/after a refusal."""
    out = {}
    for table in CONTENT_TABLES:
        rows = await db.all(select(table).order_by(*table.primary_key.columns))
        out[table.name] = [tuple(r) for r in rows]
    return out


async def rows(db: Database, table: Any, *where: Any) -> list[Any]:
    return list(await db.all(select(table).where(*where).order_by(*table.primary_key.columns)))


@asynccontextmanager
async def serve(settings: Settings) -> AsyncIterator[tuple[Starlette, httpx.AsyncClient]]:
    """The app object itself (to reach ``app.state``) and a client over its ASGI interface."""
    application = create_app(settings)
    async with lifespan(application) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield application, client


def run_cli(database_url: str, *args: str) -> tuple[int, str, str]:
    """The real CLI (typer), run in a worker thread: it starts its own event loop."""
    runner = CliRunner()
    result = runner.invoke(cli, list(args), env={"GATEWAY_DATABASE_URL": database_url})
    return result.exit_code, result.stdout, result.stderr
