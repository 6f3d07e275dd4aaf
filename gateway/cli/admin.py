"""``content-gateway token ...`` and ``content-gateway redirects import``.

Both go through the same commands as the GraphQL mutations (same rules, one transaction), acting
as the ``cli`` principal with the admin role: whoever can run the CLI against the database
already controls it.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from gateway.cli.common import check_or_exit, cli_env, fail, settings_or_exit
from resolvers.access import ROLES
from resolvers.commands import CommandEnv, CommandError, ValidationFailed

T = TypeVar("T")

token_cli = typer.Typer(
    help="Manage API tokens (only a SHA-256 of each token is stored).", no_args_is_help=True
)
redirects_cli = typer.Typer(help="Manage redirects.", no_args_is_help=True)


def _run(work: Callable[[CommandEnv], Awaitable[T]]) -> T:
    """Run one command against the configured database as the CLI principal, with the change
    hooks of an API write (outbox events, response-cache purge)."""
    settings = settings_or_exit()
    check_or_exit(settings)

    async def go() -> T:
        async with cli_env(settings) as env:
            env.operation = f"cli:{work.__qualname__.partition('.')[0]}"
            return await work(env)

    try:
        return asyncio.run(go())
    except ValidationFailed as exc:
        fail("; ".join(p.message for p in exc.problems))
    except CommandError as exc:
        fail(str(exc))


def _now() -> datetime:
    return datetime.now(UTC)


@token_cli.command("create")
def token_create(
    name: Annotated[str, typer.Option(help="Label, e.g. ci-importer.")],
    role: Annotated[str, typer.Option(help=f"One of: {', '.join(ROLES)}.")],
    author: Annotated[
        str | None, typer.Option(help="Author slug; required for --role author.")
    ] = None,
    expires_in_days: Annotated[
        int | None, typer.Option(min=1, help="Expire after N days (default: never).")
    ] = None,
) -> None:
    """Issue a token and print it ONCE on stdout; store it in a secret manager."""
    from resolvers.auth.tokens import create_token

    async def work(env: CommandEnv) -> str:
        expires = env.now + timedelta(days=expires_in_days) if expires_in_days else None
        secret, _ = await create_token(
            env, name=name, role=role, author_slug=author, expires_at=expires
        )
        return secret

    secret = _run(work)
    typer.echo(f"content-gateway: token {name!r} ({role}) created; it is shown only now:", err=True)
    typer.echo(secret)


@token_cli.command("list")
def token_list() -> None:
    """List tokens (never their secrets)."""
    from resolvers.auth.tokens import list_tokens
    from resolvers.db import as_utc

    async def work(env: CommandEnv) -> list[Any]:
        return await list_tokens(env.db)

    rows = _run(work)
    now = _now()
    typer.echo(f"{'ID':>4}  {'NAME':<24} {'ROLE':<7} {'AUTHOR':<20} {'PREFIX':<11} STATUS")
    for row in rows:
        expires = as_utc(row.expires_at)
        if row.revoked_at is not None:
            status = f"revoked {as_utc(row.revoked_at):%Y-%m-%d %H:%M}"
        elif expires is not None and expires <= now:
            status = f"expired {expires:%Y-%m-%d %H:%M}"
        else:
            status = "active" + (f" until {expires:%Y-%m-%d %H:%M}" if expires else "")
        typer.echo(
            f"{row.id:>4}  {row.name:<24} {row.role:<7} {row.author_slug or '-':<20} "
            f"{row.prefix + '…':<11} {status}"
        )


@token_cli.command("revoke")
def token_revoke(
    name: Annotated[str | None, typer.Argument(help="Name of the active token.")] = None,
    token_id: Annotated[int | None, typer.Option("--id", help="Database id instead.")] = None,
) -> None:
    """Revoke a token: requests with it get 401 UNAUTHENTICATED from now on."""
    from resolvers.auth.tokens import revoke_token

    if (name is None) == (token_id is None):
        fail("name a token, or pass --id (not both)")

    async def work(env: CommandEnv) -> Any:
        return (await revoke_token(env, token_id=token_id, name=name)).row

    row = _run(work)
    typer.echo(f"content-gateway: revoked token {row.name!r} (id {row.id})")


@redirects_cli.command("import")
def redirects_import(
    file: Annotated[Path, typer.Argument(help="CSV with columns from,to,status ('-' = stdin).")],
    dry_run: Annotated[bool, typer.Option(help="Check every row, write nothing.")] = False,
) -> None:
    """Import redirects. Valid rows are written in one transaction; rejected rows are listed
    with their line number. Exit status 1 when any row was rejected."""
    from resolvers.seo.redirect_commands import ImportReport, import_redirects

    if str(file) == "-":
        text = sys.stdin.read()
    else:
        try:
            text = file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            fail(f"cannot read {file}: {exc}")

    async def work(env: CommandEnv) -> ImportReport:
        return await import_redirects(env, text, dry_run=dry_run)

    report = _run(work)
    for line, reason in report.rejected:
        typer.echo(f"line {line}: rejected: {reason}")
    verb = "would import" if dry_run else "imported"
    typer.echo(
        f"content-gateway: {verb} {len(report.created)} redirect(s); "
        f"{len(report.unchanged)} unchanged; {len(report.rejected)} rejected",
        err=True,
    )
    if report.rejected:
        raise typer.Exit(1)
