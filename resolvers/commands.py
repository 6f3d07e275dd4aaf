"""The frame every write runs in: one session, one transaction, typed refusals, a ChangeSet.

A command is ``async def verb_noun(env: CommandEnv, ...) -> Saved``. It opens
``unit_of_work(env)``, checks permissions and input, writes, and records what changed. Expected
refusals are raised as ``CommandError`` subclasses; the schema layer turns each into its payload
type (``ValidationError``, ``NotFoundError``, ``ConflictError``, ``ForbiddenError``). Raising
anything inside the unit of work rolls the whole transaction back, so a refused or failed write
leaves nothing behind. See ``resolvers/changes.py`` for the hooks that observe committed writes.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from resolvers.access import Viewer
from resolvers.changes import ChangeHooks, ChangeSet
from resolvers.db import Database
from resolvers.revisions.record import record_revisions
from resolvers.site import Site

log = logging.getLogger("gateway.writes")


@dataclass(frozen=True, slots=True)
class FieldProblem:
    """One invalid input field. ``path`` uses the storage (snake_case) names; the API layer
    renders it in camelCase."""

    path: tuple[str, ...]
    message: str
    code: str


class CommandError(Exception):
    """An expected refusal; ``str(exc)`` is safe to show to the caller."""


class ValidationFailed(CommandError):
    def __init__(self, problems: list[FieldProblem]) -> None:
        super().__init__("; ".join(p.message for p in problems) or "Invalid input.")
        self.problems = problems

    @classmethod
    def one(cls, path: tuple[str, ...], message: str, code: str) -> ValidationFailed:
        return cls([FieldProblem(path, message, code)])


class EntityNotFound(CommandError):
    def __init__(self, entity: str, entity_id: int | str) -> None:
        super().__init__(f"No {entity} with id {entity_id}.")
        self.entity = entity
        self.entity_id = entity_id


class VersionConflict(CommandError):
    def __init__(self, entity: str, expected: int, current: int) -> None:
        super().__init__(
            f"The {entity} was changed by someone else: you sent expectedVersion {expected}, "
            f"the current version is {current}. Reload it and apply your change again."
        )
        self.current_version = current


class PermissionDenied(CommandError):
    pass


class Problems:
    """Collects every invalid field of one input, so the caller sees all of them at once."""

    def __init__(self) -> None:
        self.items: list[FieldProblem] = []

    def add(self, path: tuple[str, ...], message: str, code: str) -> None:
        self.items.append(FieldProblem(path, message, code))

    def __bool__(self) -> bool:
        return bool(self.items)

    def raise_if_any(self) -> None:
        if self.items:
            raise ValidationFailed(self.items)


def deny_unless_allowed(reason: str | None) -> None:
    if reason is not None:
        raise PermissionDenied(reason)


@dataclass
class CommandEnv:
    """What a command needs: storage, site URL patterns, who is asking, and one clock.

    ``operation`` names what asked for the write (a mutation such as ``updateArticle``, or a CLI
    command) in the revisions it leaves. ``keep_revisions`` is off only in the benchmark that
    measures what revisions cost.
    """

    db: Database
    site: Site
    viewer: Viewer
    now: datetime
    hooks: ChangeHooks = field(default_factory=ChangeHooks)
    operation: str | None = None
    keep_revisions: bool = True

    @property
    def actor(self) -> str | None:
        return self.viewer.name


@dataclass
class Work:
    session: AsyncSession
    changes: ChangeSet


@dataclass
class Saved:
    """A command's result: the row it wrote (if any) and what changed."""

    row: Any
    changes: ChangeSet
    extra: dict[str, Any] = field(default_factory=dict)


@asynccontextmanager
async def unit_of_work(env: CommandEnv) -> AsyncIterator[Work]:
    """One session, one transaction; revisions and in-transaction hooks run before COMMIT,
    after-commit hooks after it. Any exception in the body or a hook rolls everything back."""
    async with env.db.sessions() as session, session.begin():
        work = Work(session=session, changes=ChangeSet(actor=env.actor))
        yield work
        if work.changes:
            if env.keep_revisions:
                await record_revisions(
                    session, work.changes, actor=env.actor, operation=env.operation, now=env.now
                )
            for hook in env.hooks.in_transaction:
                await hook(session, work.changes)
    if not work.changes:
        return
    for after in env.hooks.after_commit:
        try:
            await after(work.changes)
        except Exception:  # the write is committed; a failing listener must not undo or fail it
            log.exception("after-commit hook %r failed", after)
