"""API tokens: issue, list, revoke, and authenticate a bearer token.

A token is ``cgw_`` + 43 URL-safe characters from ``secrets`` (256 bits). Only its SHA-256 is
stored, with ``hashlib`` on purpose: slow password hashes (bcrypt, argon2) exist to protect
low-entropy human passwords from guessing; a 256-bit random secret cannot be guessed from its
hash, and a slow hash would add ~100 ms to every authenticated request. Lookup is by the hash's
unique index, so no secret is ever compared in Python.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update

from resolvers.access import ROLES, Viewer, may_manage_tokens
from resolvers.commands import (
    CommandEnv,
    EntityNotFound,
    Problems,
    Saved,
    ValidationFailed,
    deny_unless_allowed,
    unit_of_work,
)
from resolvers.db import Database, as_utc
from resolvers.errors import Unauthenticated
from resolvers.models import api_token_t, author_t
from resolvers.validation import check_text

PREFIX = "cgw_"
tk = api_token_t


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def looks_like_api_token(secret: str) -> bool:
    return secret.startswith(PREFIX)


def _check_token_input(
    env: CommandEnv,
    name: str,
    role: str,
    names_author: bool,
    expires_at: datetime | None,
) -> str:
    """The token's clean name; every problem with the input is reported at once."""
    problems = Problems()
    clean_name = check_text(problems, ("input", "name"), name, max_length=100, required=True)
    if role not in ROLES:
        problems.add(
            ("input", "role"), f"The role must be one of {', '.join(ROLES)}.", "INVALID_ROLE"
        )
    if role == "author" and not names_author:
        problems.add(("input", "author_id"), "An author token names its author.", "REQUIRED")
    if role != "author" and names_author:
        problems.add(("input", "author_id"), "Only author tokens name an author.", "INVALID_ROLE")
    if expires_at is not None and as_utc(expires_at) <= env.now:
        problems.add(("input", "expires_in"), "The expiry must be in the future.", "OUT_OF_RANGE")
    problems.raise_if_any()
    assert clean_name is not None  # required: a missing name was reported above
    return clean_name


async def _token_author(session: Any, author_id: int | None, author_slug: str | None) -> int:
    where = author_t.c.id == author_id if author_id is not None else author_t.c.slug == author_slug
    found = await session.scalar(select(author_t.c.id).where(where))
    if found is None:
        raise ValidationFailed.one(("input", "author_id"), "No such author.", "NOT_FOUND")
    return int(found)


async def create_token(
    env: CommandEnv,
    *,
    name: str,
    role: str,
    author_id: int | None = None,
    author_slug: str | None = None,
    expires_at: datetime | None = None,
) -> tuple[str, Saved]:
    """A new token; the secret is returned once and never stored."""
    deny_unless_allowed(may_manage_tokens(env.viewer))
    names_author = author_id is not None or author_slug is not None
    clean_name = _check_token_input(env, name, role, names_author, expires_at)
    secret = PREFIX + secrets.token_urlsafe(32)
    async with unit_of_work(env) as work:
        session = work.session
        if names_author:
            author_id = await _token_author(session, author_id, author_slug)
        active = await session.scalar(
            select(tk.c.id).where(tk.c.name == clean_name, tk.c.revoked_at.is_(None))
        )
        if active is not None:
            message = f"An active token is named {clean_name!r}."
            raise ValidationFailed.one(("input", "name"), message, "DUPLICATE")
        statement = insert(tk).values(
            name=clean_name, role=role, token_hash=hash_token(secret), prefix=secret[:10],
            author_id=author_id, created_at=env.now, expires_at=expires_at, created_by=env.actor,
        )  # fmt: skip
        row = (await session.execute(statement.returning(*tk.c))).one()
        work.changes.record("api_token", row.id, "created")
    return secret, Saved(row, work.changes)


async def list_tokens(db: Database) -> list[Any]:
    stmt = (
        select(*tk.c, author_t.c.slug.label("author_slug"))
        .select_from(tk.outerjoin(author_t, author_t.c.id == tk.c.author_id))
        .order_by(tk.c.id)
    )
    return list(await db.all(stmt))


async def revoke_token(
    env: CommandEnv, *, token_id: int | None = None, name: str | None = None
) -> Saved:
    """Revoke the active token with this id or name; an unknown one is ``EntityNotFound``."""
    deny_unless_allowed(may_manage_tokens(env.viewer))
    async with unit_of_work(env) as work:
        where = tk.c.id == token_id if token_id is not None else tk.c.name == name
        row = (
            await work.session.execute(
                select(tk).where(where, tk.c.revoked_at.is_(None)).with_for_update()
            )
        ).first()
        if row is None:
            raise EntityNotFound(
                "active API token", token_id if token_id is not None else name or ""
            )
        await work.session.execute(update(tk).where(tk.c.id == row.id).values(revoked_at=env.now))
        work.changes.record("api_token", row.id, "updated")
    return Saved(row, work.changes)


async def authenticate(db: Database, secret: str, now: datetime) -> Viewer:
    """The viewer a bearer API token stands for; anything wrong is ``Unauthenticated``."""
    row = await db.one_or_none(
        select(tk.c.name, tk.c.role, tk.c.author_id, tk.c.expires_at, tk.c.revoked_at).where(
            tk.c.token_hash == hash_token(secret)
        )
    )
    if row is None:
        raise Unauthenticated("Invalid API token.")
    if row.revoked_at is not None:
        raise Unauthenticated("This API token has been revoked.")
    expires = as_utc(row.expires_at)
    if expires is not None and expires <= now:
        raise Unauthenticated(f"This API token expired at {expires.isoformat()}.")
    return Viewer(role=row.role, name=f"token:{row.name}", author_id=row.author_id)


async def author_id_by_slug(db: Database, slug: str) -> int | None:
    found = await db.scalar(select(author_t.c.id).where(author_t.c.slug == slug))
    return int(found) if found is not None else None
