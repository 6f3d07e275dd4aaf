"""Webhooks as data: checks, create/update/delete, and the pages the admin API shows.

The signing secret is generated here, stored (HMAC needs it in the clear) and shown once, when
the webhook is created or its secret rotated. Deleting a webhook deletes its deliveries.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update

from resolvers.db import Database
from resolvers.events.deliveries import delivery_select
from resolvers.events.models import event_delivery_t, webhook_t
from resolvers.events.netguard import UnresolvableTarget, UnsafeTarget, resolve, url_problem
from resolvers.events.outbox import check_patterns
from resolvers.pagination import Page, PageArgs, SortKey, keyset_page

MAX_DESCRIPTION = 500
# Everything but the secret: it is shown once and never read back through the API.
WEBHOOK_COLUMNS = [c for c in webhook_t.c if c.name != "secret"]
DELIVERY_STATUSES = ("pending", "delivered", "dead")


@dataclass(frozen=True, slots=True)
class Problem:
    """One invalid input field (``field`` is the input's snake_case name)."""

    field: str
    message: str
    code: str


def generate_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 24 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()


async def check_url(url: str, *, allow_private: bool) -> Problem | None:
    problem = url_problem(url)
    if problem is not None:
        return Problem("url", problem, "INVALID_URL")
    try:
        await resolve(url, allow_private=allow_private)
    except UnsafeTarget as exc:
        return Problem("url", f"Refused: {exc}.", "UNSAFE_URL")
    except UnresolvableTarget as exc:
        return Problem("url", f"The host does not resolve ({exc}).", "UNRESOLVABLE_HOST")
    return None


async def check_input(
    given: dict[str, Any], *, allow_private: bool, creating: bool
) -> list[Problem]:
    """Every problem of a create/update input; only fields present in ``given`` are checked,
    and on create ``url`` and ``events`` are required."""
    problems: list[Problem] = []
    for name in ("url", "events"):
        if creating and given.get(name) is None:
            problems.append(Problem(name, f"`{name}` is required.", "REQUIRED"))
    if given.get("url") is not None:
        problem = await check_url(given["url"], allow_private=allow_private)
        if problem is not None:
            problems.append(problem)
    if given.get("events") is not None:
        problems.extend(
            Problem("events", message, "INVALID_EVENT_TYPE")
            for message in check_patterns(given["events"])
        )
    elif "events" in given and not creating:
        problems.append(Problem("events", "`events` cannot be null.", "REQUIRED"))
    description = given.get("description")
    if description is not None and len(description) > MAX_DESCRIPTION:
        problems.append(
            Problem("description", f"At most {MAX_DESCRIPTION} characters.", "TOO_LONG")
        )
    return problems


def _events(patterns: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(patterns))  # de-duplicated, order kept


async def create_webhook(
    db: Database, *, url: str, events: Sequence[str], description: str | None, now: datetime
) -> tuple[Any, str]:
    """Insert a webhook; returns its row and the secret (shown to the caller once)."""
    secret = generate_secret()
    async with db.engine.begin() as conn:
        webhook_id = await conn.scalar(
            insert(webhook_t)
            .values(
                url=url,
                events=_events(events),
                description=description,
                secret=secret,
                enabled=True,
                created_at=now,
                updated_at=now,
            )
            .returning(webhook_t.c.id)
        )
    return await get_webhook(db, int(webhook_id)), secret


async def update_webhook(
    db: Database, webhook_id: int, given: dict[str, Any], *, rotate_secret: bool, now: datetime
) -> tuple[Any | None, str | None]:
    """Apply the given fields; returns (row or None when missing, the new secret if rotated)."""
    values = {k: v for k, v in given.items() if k in ("url", "description", "enabled")}
    if given.get("events") is not None:
        values["events"] = _events(given["events"])
    secret = generate_secret() if rotate_secret else None
    if secret is not None:
        values["secret"] = secret
    async with db.engine.begin() as conn:
        result = await conn.execute(
            update(webhook_t).where(webhook_t.c.id == webhook_id).values(**values, updated_at=now)
        )
    if not result.rowcount:
        return None, None
    return await get_webhook(db, webhook_id), secret


async def delete_webhook(db: Database, webhook_id: int) -> Any | None:
    row = await get_webhook(db, webhook_id)
    if row is None:
        return None
    async with db.engine.begin() as conn:
        # Explicit, not only ON DELETE CASCADE: SQLite enforces it only with foreign_keys=ON.
        await conn.execute(
            delete(event_delivery_t).where(event_delivery_t.c.webhook_id == webhook_id)
        )
        await conn.execute(delete(webhook_t).where(webhook_t.c.id == webhook_id))
    return row


async def get_webhook(db: Database, webhook_id: int) -> Any | None:
    return await db.one_or_none(select(*WEBHOOK_COLUMNS).where(webhook_t.c.id == webhook_id))


async def list_webhooks(db: Database, args: PageArgs) -> tuple[Page, Callable[[], Awaitable[int]]]:
    key = SortKey("ID:ASC", webhook_t.c.id, webhook_t.c.id, descending=False, kind=int)
    page = await keyset_page(db, select(*WEBHOOK_COLUMNS), key, args, lambda r: r.id)

    async def count() -> int:
        return int(await db.scalar(select(func.count()).select_from(webhook_t)))

    return page, count


async def list_deliveries(
    db: Database, webhook_id: int, args: PageArgs, status: str | None
) -> tuple[Page, Callable[[], Awaitable[int]]]:
    """A webhook's deliveries, newest first, optionally of one status."""
    dl = event_delivery_t
    key = SortKey("ID:DESC", dl.c.id, dl.c.id, descending=True, kind=int)
    conditions = [dl.c.webhook_id == webhook_id]
    if status is not None:
        conditions.append(dl.c.status == status)
    stmt = delivery_select().where(*conditions)
    page = await keyset_page(db, stmt, key, args, lambda r: r.id)

    async def count() -> int:
        return int(await db.scalar(select(func.count()).select_from(dl).where(*conditions)))

    return page, count
