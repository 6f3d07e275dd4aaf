"""The ``content-gateway`` command line: serve, migrate, seed, worker, export-schema, token,
redirects, import, export."""

from __future__ import annotations

import asyncio
import os
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Annotated

import typer

from gateway.cli.admin import redirects_cli, token_cli
from gateway.cli.common import check_or_exit, cli_env, fail, settings_or_exit
from gateway.cli.imports import export_command, import_cli
from gateway.cli.media import media_cli
from gateway.config.paths import project_dir
from gateway.config.settings import Settings

cli = typer.Typer(
    help="content-gateway: a fast, SEO-aware GraphQL content API.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
cli.add_typer(token_cli, name="token")
cli.add_typer(redirects_cli, name="redirects")
cli.add_typer(import_cli, name="import")
cli.add_typer(media_cli, name="media")
cli.command("export")(export_command)


def run_migrations(database_url: str, revision: str = "head") -> None:
    """Alembic upgrade, configured in code so it works from any directory."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(project_dir("migrations")))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        command.upgrade(config, revision)
        return
    # Alembic's env.py runs its own event loop; inside a running loop it needs a thread.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(command.upgrade, config, revision).result()


def follow_bind(settings: Settings, bind: str) -> Settings:
    """In development, absolute URLs (canonical links, feeds, the sitemap) point at the address
    the server listens on, unless GATEWAY_SITE_URL says otherwise. The workers read their
    settings from the environment, so it goes there too."""
    if settings.env != "development" or "site_url" in settings.model_fields_set:
        return settings
    host, _, port = bind.rpartition(":")
    if host.strip("[]") in ("0.0.0.0", "::", ""):  # every interface: this machine's name
        host = "localhost"
    url = f"http://{host}:{port}"
    os.environ["GATEWAY_SITE_URL"] = url
    return settings.model_copy(update={"site_url": url})


@cli.command()
def serve(
    bind: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1:8000",
    workers: Annotated[int, typer.Option(min=1, help="Worker processes.")] = 1,
    graceful_timeout: Annotated[
        float, typer.Option(min=0, help="Seconds in-flight requests get to finish on SIGTERM.")
    ] = 10.0,
    migrate: Annotated[
        bool,
        typer.Option(
            "--migrate", help="Upgrade the database schema first (single-instance deployments)."
        ),
    ] = False,
) -> None:
    """Serve the gateway with hypercorn (GraphiQL at /graphql)."""
    from gateway.ops.serving import serve as run_server

    settings = follow_bind(settings_or_exit(), bind)
    if migrate:
        check_or_exit(settings, migrated=False)
        run_migrations(settings.database_url)
    check_or_exit(settings)
    typer.echo(f"content-gateway: serving on http://{bind}/graphql ({workers} worker(s))")
    sys.exit(run_server(settings, bind=bind, workers=workers, graceful_timeout=graceful_timeout))


@cli.command()
def migrate(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Upgrade the database schema (Alembic) to the latest revision."""
    settings = settings_or_exit()
    check_or_exit(settings, migrated=False)
    run_migrations(settings.database_url, revision)
    typer.echo(f"content-gateway: database migrated to {revision}")


@cli.command()
def seed(
    authors: Annotated[int, typer.Option(min=1, help="Authors to create.")] = 20,
    articles: Annotated[int, typer.Option(min=0, help="Articles to create.")] = 200,
    seed: Annotated[int, typer.Option(help="Random seed: same seed, same content.")] = 1,
    if_empty: Annotated[bool, typer.Option(help="Only seed a database without articles.")] = False,
) -> None:
    """Load deterministic, realistic demo content."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from resolvers.demo.announce import announce, last_ids
    from resolvers.demo.seed import is_empty, seed_content

    settings = settings_or_exit()
    check_or_exit(settings)

    async def go() -> None:
        async with cli_env(settings) as env:
            if if_empty and not await is_empty(env.db):
                typer.echo("content-gateway: database has content; not seeding")
                return
            since = await last_ids(env)
            with Progress(
                "[progress.description]{task.description}",
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
            ) as bar:
                task = bar.add_task("seeding articles", total=articles)
                result = await seed_content(
                    env.db,
                    authors=authors,
                    articles=articles,
                    seed=seed,
                    progress=lambda n: bar.advance(task, n),
                )
            # Like any write: outbox events, and running servers' caches drop stale answers.
            await announce(env, since)
            typer.echo(
                f"content-gateway: seeded {result.authors} authors, {result.articles} articles"
            )

    asyncio.run(go())


@cli.command()
def worker(
    name: Annotated[str | None, typer.Option(help="Worker name in logs and leases.")] = None,
) -> None:
    """Deliver events (webhooks, purges, live fan-out) apart from the server; stop with Ctrl-C.

    Run several on PostgreSQL; on SQLite run one, and set GATEWAY_EVENTS_WORKER=false on the
    servers if this one does the work."""
    import signal

    from gateway.app import database_from_settings
    from gateway.events.runtime import EventsRuntime

    settings = settings_or_exit()
    check_or_exit(settings)
    if not settings.redis_url:
        typer.echo(
            "content-gateway: GATEWAY_REDIS_URL is not set: live subscriptions on the servers "
            "will not see the events this worker dispatches",
            err=True,
        )

    async def go() -> None:
        db = database_from_settings(settings)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        events = await EventsRuntime.start(db, settings, run_worker=True, name=name)
        assert events.worker is not None
        typer.echo(f"content-gateway: worker {events.worker.name} running", err=True)
        try:
            await stop.wait()
        finally:
            await events.stop()
            await db.dispose()
        typer.echo("content-gateway: worker stopped", err=True)

    asyncio.run(go())


persisted_cli = typer.Typer(help="Trusted documents (persisted-query allow-list).")
cli.add_typer(persisted_cli, name="persisted")


@persisted_cli.command("import")
def persisted_import(
    file: Annotated[Path, typer.Argument(help="Apollo or Relay manifest, or {sha256: document}.")],
) -> None:
    """Register the documents of a client build manifest as trusted documents."""
    from gateway.app import database_from_settings
    from gateway.cache.persisted_import import ManifestError, import_manifest, read_file
    from resolvers.persisted import count_documents
    from schema import build_schema

    settings = settings_or_exit()
    try:
        raw = read_file(file)
    except ManifestError as exc:
        fail(str(exc), code=1)
    check_or_exit(settings)

    async def go() -> None:
        db = database_from_settings(settings)
        try:
            report = await import_manifest(db, build_schema(), raw, file.name)
            total = await count_documents(db)
        except ManifestError as exc:
            fail(str(exc), code=1)
        finally:
            await db.dispose()
        for doc in report.added:
            typer.echo(f"  + {doc.document_id} {doc.operation_type} {doc.operation_name or '-'}")
        typer.echo(
            f"content-gateway: {file.name} ({report.format}): added {len(report.added)}, "
            f"already present {len(report.present)}; {total} trusted documents in total"
        )

    asyncio.run(go())


@cli.command("export-schema")
def export_schema(
    output: Annotated[
        str, typer.Option("--output", "-o", help="File to write, or - for stdout.")
    ] = "schema.graphql",
) -> None:
    """Write the GraphQL SDL (the API contract clients generate code from)."""
    from schema import export_sdl

    sdl = export_sdl()
    if output == "-":
        sys.stdout.write(sdl)
    else:
        Path(output).write_text(sdl)
        typer.echo(f"content-gateway: wrote {output}", err=True)


@cli.command("config-docs")
def config_docs(
    output: Annotated[
        str, typer.Option("--output", "-o", help="File to write, or - for stdout.")
    ] = "-",
    check: Annotated[
        bool, typer.Option(help="Only compare with --output; exit 1 when it is out of date.")
    ] = False,
) -> None:
    """Write the configuration reference (docs/configuration.md) from the Settings class."""
    from gateway.config.docs import render_configuration

    text = render_configuration()
    if check:
        if output == "-" or not Path(output).is_file() or Path(output).read_text() != text:
            fail(f"{output} is out of date: run content-gateway config-docs -o {output}", code=1)
        return
    if output == "-":
        sys.stdout.write(text)
    else:
        Path(output).parent.mkdir(parents=True, exist_ok=True)
        Path(output).write_text(text)
        typer.echo(f"content-gateway: wrote {output}", err=True)


def main() -> None:
    cli()
