"""What every ``content-gateway`` command shares: settings, the database check, clear failures,
and the environment a CLI write runs in (the same change hooks as an API write).

Imported by ``gateway.cli.main`` and ``gateway.cli.admin``; imports neither.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import NoReturn

import typer

from gateway.cache.responses import CacheLayer
from gateway.config.settings import Settings, SettingsError, load_settings
from gateway.events.runtime import write_hooks
from resolvers.access import CLI
from resolvers.commands import CommandEnv
from resolvers.db import Database


def fail(message: str, code: int = 2) -> NoReturn:
    typer.echo(f"content-gateway: {message}", err=True)
    raise typer.Exit(code)


def settings_or_exit() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        fail(str(exc))


async def _check(settings: Settings) -> None:
    from gateway.app import check_database, database_from_settings

    db = database_from_settings(settings)
    try:
        await check_database(db, settings.database_url)
    finally:
        await db.dispose()


def check_or_exit(settings: Settings) -> None:
    from gateway.app import DatabaseUnavailable

    try:
        asyncio.run(_check(settings))
    except DatabaseUnavailable as exc:
        fail(str(exc), code=1)


async def shared_cache(settings: Settings) -> CacheLayer | None:
    """The response cache running servers share (Redis), or None: a server's in-process cache
    hears of CLI writes through the outbox instead (its worker publishes every event)."""
    from gateway.app import cache_backend_from_settings, site_from_settings

    if not settings.response_cache or settings.cache_backend_name != "redis":
        return None
    from gateway.app import DatabaseUnavailable

    cache = CacheLayer(settings, site_from_settings(settings), schema_fingerprint="")
    try:
        backend = await cache_backend_from_settings(settings)
    except DatabaseUnavailable as exc:
        # Writing anyway would leave running servers answering from a stale cache.
        fail(f"{exc}; nothing was written", code=1)
    await cache.start(backend)
    return cache


@asynccontextmanager
async def cli_env(settings: Settings) -> AsyncIterator[CommandEnv]:
    """A command environment for the ``cli`` principal whose writes reach every cache."""
    from gateway.app import database_from_settings, site_from_settings

    db: Database = database_from_settings(settings)
    cache = None
    try:
        cache = await shared_cache(settings)
        yield CommandEnv(
            db=db,
            site=site_from_settings(settings),
            viewer=CLI,
            now=datetime.now(UTC),
            hooks=write_hooks(cache),
        )
    finally:
        if cache is not None:
            await cache.stop()
        await db.dispose()
