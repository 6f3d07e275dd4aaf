"""Who is asking, and what they may see and do. Published content whose time has come is public.

Roles: ``author`` writes and edits their own drafts and sees their own articles in any
state; ``editor`` sees and changes all content and manages redirects; ``admin`` may do everything,
including managing API tokens. Anonymous readers see public content only. A preview token adds
exactly one article to what its holder sees (``preview_article_id``).

``article_visible`` applies the public rule (``resolvers.visibility.PUBLIC``) for a viewer;
every read path filters with it. The ``may_*``
functions are the write rules; commands call them and turn a refusal into ``ForbiddenError``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select

from resolvers.models import article_author_t, article_t
from resolvers.visibility import PUBLIC

ROLES = ("author", "editor", "admin")


@dataclass(frozen=True, slots=True)
class Viewer:
    """The caller. ``role`` is None for anonymous readers.

    ``name`` labels the principal in ``createdBy``/``updatedBy`` (``token:<name>``,
    ``jwt:<subject>``, ``cli``). ``author_id`` links an ``author`` to their author record.
    """

    role: str | None = None
    name: str | None = None
    author_id: int | None = None
    preview_article_id: int | None = None

    @property
    def is_anonymous(self) -> bool:
        return self.role is None

    @property
    def is_anonymous_reader(self) -> bool:
        """Sees public content only: no role and no preview."""
        return self.role is None and self.preview_article_id is None

    @property
    def sees_unpublished(self) -> bool:
        return self.role in ("editor", "admin")

    @property
    def is_editor(self) -> bool:
        return self.role in ("editor", "admin")

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


ANONYMOUS = Viewer()
CLI = Viewer(role="admin", name="cli")  # the operator at the command line


def article_visible(viewer: Viewer, now: datetime, table: Any = article_t) -> ColumnElement[bool]:
    """What ``viewer`` may read: public articles, plus their own, their preview, or all.
    Nobody reads a trashed article through it (``restoreArticle`` and the trash list are
    separate)."""
    live = PUBLIC.not_trashed_sql(table)
    if viewer.sees_unpublished:
        return live
    public = PUBLIC.sql(now, table)
    extra: list[ColumnElement[bool]] = []
    if viewer.role == "author" and viewer.author_id is not None:
        own = select(article_author_t.c.article_id).where(
            article_author_t.c.author_id == viewer.author_id
        )
        extra.append(table.c.id.in_(own))
    if viewer.preview_article_id is not None:
        extra.append(table.c.id == viewer.preview_article_id)
    return and_(or_(public, *extra), live) if extra else public


def may_see_private_author_fields(viewer: Viewer, author_id: int) -> bool:
    """The field-level rule for an author's e-mail: editors, admins and the author themself."""
    return viewer.is_editor or (viewer.role == "author" and viewer.author_id == author_id)


def may_see_audit_fields(viewer: Viewer) -> bool:
    """``createdBy``/``updatedBy`` name API tokens and people: signed-in viewers only."""
    return not viewer.is_anonymous


# --- write rules: each returns None when allowed, else the reason shown to the caller ---

SIGN_IN = "Sign in: send `Authorization: Bearer <token>`."


def _editor_only(viewer: Viewer, what: str) -> str | None:
    if viewer.is_anonymous:
        return SIGN_IN
    return None if viewer.is_editor else f"Only editors and admins may {what}."


def may_create_article(viewer: Viewer) -> str | None:
    if viewer.is_anonymous:
        return SIGN_IN
    if viewer.role == "author" and viewer.author_id is None:
        return "This author token is not linked to an author record."
    return None


def may_edit_article(viewer: Viewer, status: str, author_ids: list[int]) -> str | None:
    """Editors edit anything; authors edit their own drafts (published work is an editor's)."""
    if viewer.is_editor:
        return None
    if viewer.is_anonymous:
        return SIGN_IN
    if viewer.author_id not in author_ids:
        return "Authors may only change their own articles."
    if status != "draft":
        return "Authors may only change drafts; ask an editor to change published work."
    return None


def may_publish(viewer: Viewer) -> str | None:
    return _editor_only(viewer, "publish, unpublish or archive articles")


def may_delete_article(viewer: Viewer, status: str, author_ids: list[int]) -> str | None:
    return may_edit_article(viewer, status, author_ids)


def may_edit_author(viewer: Viewer, author_id: int | None) -> str | None:
    """Editors manage authors; an author may edit their own profile (``author_id`` given)."""
    if author_id is not None and viewer.role == "author" and viewer.author_id == author_id:
        return None
    return _editor_only(viewer, "create, change or delete authors")


def may_manage_terms(viewer: Viewer) -> str | None:
    return _editor_only(viewer, "manage categories and tags")


def may_manage_redirects(viewer: Viewer) -> str | None:
    return _editor_only(viewer, "manage redirects")


def may_create_preview(viewer: Viewer) -> str | None:
    return _editor_only(viewer, "create preview tokens")


def may_manage_tokens(viewer: Viewer) -> str | None:
    if viewer.is_anonymous:
        return SIGN_IN
    return None if viewer.is_admin else "Only admins may manage API tokens."


def may_manage_webhooks(viewer: Viewer) -> str | None:
    """Webhooks can reach any public URL and see every event, drafts included."""
    if viewer.is_anonymous:
        return SIGN_IN
    return None if viewer.is_admin else "Only admins may manage webhooks."
