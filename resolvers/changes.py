"""What a write changed: the hook point for cache invalidation, outbox events and webhooks.

Every command (``resolvers/*_commands.py``, ``resolvers/redirects.py``) runs inside
``resolvers.commands.unit_of_work`` and records each entity it touched in a ``ChangeSet``:
entity type and id, the action, the entity's paths before and after the write, and the related
entities whose listings changed (an article's authors, categories and tags, before and after).

Plug in here, not in the commands:

- ``ChangeHooks.in_transaction``: ``async (session, changes) -> None``, run inside the write's
  transaction just before COMMIT. Use it for a transactional outbox (insert event rows with the
  same session): they commit or roll back together with the content. An exception rolls the
  whole write back.
- ``ChangeHooks.after_commit``: ``async (changes) -> None``, run after COMMIT (response-cache
  invalidation by ``changes.paths()`` / ``changes.entity_keys()``, webhooks). Errors are logged,
  never undo the write, and never fail the mutation.

The app keeps one ``ChangeHooks`` as ``app.state.change_hooks`` (GraphQL mutations use it); the
CLI (redirect import) runs with its own empty hooks.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

# (entity type, id): "article", "author", "category", "tag", "redirect", "api_token"
EntityKey = tuple[str, int]


@dataclass(frozen=True, slots=True)
class Change:
    entity: str
    entity_id: int
    action: str  # "created" | "updated" | "deleted" | "restored" (out of the trash)
    paths_before: tuple[str, ...] = ()
    paths_after: tuple[str, ...] = ()
    related: tuple[EntityKey, ...] = ()  # entities whose lists/counts may differ now
    # the row before the write (article status events and deletions compare with it)
    snapshot: Any = field(default=None, compare=False)
    # An event type naming the step itself (a review step), beside the computed status event.
    event: str | None = field(default=None, compare=False)


@dataclass
class ChangeSet:
    """The entities one command changed, in the order it changed them."""

    actor: str | None = None
    changes: list[Change] = field(default_factory=list)

    def record(
        self,
        entity: str,
        entity_id: int,
        action: str,
        *,
        before: tuple[str, ...] | list[str] = (),
        after: tuple[str, ...] | list[str] = (),
        related: tuple[EntityKey, ...] | list[EntityKey] | set[EntityKey] = (),
        snapshot: Any = None,
        event: str | None = None,
    ) -> None:
        self.changes.append(
            Change(
                entity,
                entity_id,
                action,
                tuple(before),
                tuple(after),
                tuple(sorted(set(related))),
                snapshot,
                event,
            )
        )

    def __iter__(self) -> Iterator[Change]:
        return iter(self.changes)

    def __len__(self) -> int:
        return len(self.changes)

    def ids(self, entity: str) -> set[int]:
        return {c.entity_id for c in self.changes if c.entity == entity}

    def paths(self) -> set[str]:
        """Every path whose response may be different now (old and new paths)."""
        return {p for c in self.changes for p in (*c.paths_before, *c.paths_after)}

    def entity_keys(self) -> set[EntityKey]:
        """Every entity touched, directly or as a related listing."""
        keys = {(c.entity, c.entity_id) for c in self.changes}
        keys.update(k for c in self.changes for k in c.related)
        return keys


InTransactionHook = Callable[[AsyncSession, ChangeSet], Awaitable[None]]
AfterCommitHook = Callable[[ChangeSet], Awaitable[None]]


@dataclass
class ChangeHooks:
    """Listeners for committed (or about-to-commit) changes; see the module docstring."""

    in_transaction: list[InTransactionHook] = field(default_factory=list)
    after_commit: list[AfterCommitHook] = field(default_factory=list)
