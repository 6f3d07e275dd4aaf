"""``content-gateway media add FILE...``: uploads through the same checks as ``POST /media``,
as the ``cli`` principal."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from gateway.cli.common import check_or_exit, fail, settings_or_exit

media_cli = typer.Typer(help="The media library (uploaded images).", no_args_is_help=True)


@media_cli.command("add")
def media_add(
    files: Annotated[list[Path], typer.Argument(help="Image files (JPEG, PNG, WebP, AVIF, GIF).")],
    alt: Annotated[str | None, typer.Option(help="Alternative text for every file.")] = None,
) -> None:
    """Add images to the library; prints one JSON line per file (its id, hash, size). A file
    already in the library (same bytes) is reported, not added twice. Stops at the first
    refused file with its MEDIA_* code (exit status 2); files added before it stay."""
    from gateway.app import database_from_settings  # the app's modules: only when run
    from gateway.media import MediaRuntime
    from resolvers.media.assets import add_asset
    from resolvers.media.validation import MediaError

    settings = settings_or_exit()
    check_or_exit(settings)
    runtime = MediaRuntime.build(settings)

    async def go() -> list[dict[str, Any]]:
        db = database_from_settings(settings)
        reports = []
        try:
            for path in files:
                try:
                    data = await asyncio.to_thread(path.read_bytes)
                except OSError as exc:
                    fail(f"{path}: {exc.strerror or exc}")
                try:
                    row, created = await add_asset(
                        db,
                        runtime.storage,
                        data,
                        filename=path.name,
                        limits=runtime.limits,
                        actor="cli",
                        alt_text=alt,
                    )
                except MediaError as exc:
                    fail(f"{path}: {exc.code}: {exc}")
                report = {"file": str(path), "databaseId": row.id, "created": created}
                report.update(hash=row.content_hash, width=row.width, height=row.height)
                typer.echo(json.dumps(report))
                reports.append(report)
        finally:
            await db.dispose()
        return reports

    asyncio.run(go())
