"""Helpers for import tests: run an importer as the CLI does, fixture paths, route checks."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from gateway.app import site_from_settings
from gateway.config.settings import Settings
from resolvers.access import CLI
from resolvers.changes import ChangeHooks
from resolvers.commands import CommandEnv
from resolvers.db import Database
from resolvers.events.change_events import outbox_hook
from resolvers.events.models import outbox_event_t
from resolvers.imports.items import ImportOptions, Source
from resolvers.imports.report import ImportReport
from resolvers.imports.run import Importer
from resolvers.models import redirect_t
from tests.support import gql, ok

DATA = Path(__file__).parent / "data" / "imports"
WXR = DATA / "wordpress.xml"
MARKDOWN = DATA / "markdown"

ROUTE = """query($p: String!) { route(path: $p) {
  __typename
  ... on Redirect { location statusCode }
  ... on Article { slug }
} }"""


def env_for(db: Database, settings: Settings, app: Any = None) -> CommandEnv:
    """As the CLI runs it; with ``app``, through that app's change hooks (its response cache
    is invalidated as by any API write)."""
    hooks = app.state.change_hooks if app is not None else ChangeHooks([outbox_hook])
    return CommandEnv(
        db=db, site=site_from_settings(settings), viewer=CLI, now=datetime.now(UTC), hooks=hooks
    )


async def run_import(
    db: Database,
    settings: Settings,
    make: Callable[[], tuple[Source, dict[str, str]]],
    app: Any = None,
    **options: Any,
) -> ImportReport:
    source, defaults = make()
    importer = Importer(env_for(db, settings, app), source, ImportOptions(**options), defaults)
    importer.totals()
    return await importer.run()


def wordpress(path: Path = WXR, base_url: str | None = None) -> Any:
    from resolvers.imports.wordpress import STATUS_DEFAULTS, WordPressExport

    return lambda: (WordPressExport(path, base_url).source(), STATUS_DEFAULTS)


def ghost(version: int, base_url: str | None = "https://ghost.example.com") -> Any:
    from resolvers.imports.ghost import STATUS_DEFAULTS, GhostExport

    path = DATA / f"ghost-v{version}.json"
    return lambda: (GhostExport(path, base_url).source(), STATUS_DEFAULTS)


def markdown(path: Path = MARKDOWN) -> Any:
    from resolvers.imports.markdown import STATUS_DEFAULTS, MarkdownFolder

    return lambda: (MarkdownFolder(path, None).source(), STATUS_DEFAULTS)


async def route(client: httpx.AsyncClient, path: str) -> dict[str, Any]:
    return ok(await gql(client, ROUTE, {"p": path}))["route"]  # type: ignore[no-any-return]


async def count(db: Database, table: Any, *where: Any) -> int:
    return int(await db.scalar(select(func.count()).select_from(table).where(*where)))


async def redirect_sources(db: Database) -> dict[str, str | None]:
    rows = await db.all(select(redirect_t.c.from_path, redirect_t.c.to_path))
    return {r.from_path: r.to_path for r in rows}


async def event_types(db: Database) -> list[str]:
    rows = await db.all(select(outbox_event_t.c.type).order_by(outbox_event_t.c.id))
    return [r.type for r in rows]
