"""``restore_article_revision``: an earlier state becomes the next version (history is never
rewritten). It passes today's input rules, moves redirects and purges caches like an update."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from resolvers.access import SIGN_IN, may_edit_article, may_publish
from resolvers.commands import (
    CommandEnv,
    EntityNotFound,
    PermissionDenied,
    Problems,
    Saved,
    deny_unless_allowed,
    unit_of_work,
)
from resolvers.content.article_commands import (
    check_version,
    guarded_update,
    lock_article,
    path_of,
    related,
    reload,
    slug_free,
)
from resolvers.content.article_input import check_fields
from resolvers.content.links import LINK_KINDS, check_refs, replace_links
from resolvers.db import as_utc
from resolvers.revisions.models import revision_t
from resolvers.revisions.state import LINK_FIELDS, decode
from resolvers.seo import redirects
from resolvers.seo.commands import apply_seo, drop_seo
from resolvers.visibility import PUBLIC

TIMES = ("published_at", "unpublish_at")
CONSTANT = ("created_at", "created_by")  # never change after creation
PUBLICATION = ("status", *TIMES)


def _columns(state: dict[str, Any]) -> dict[str, Any]:
    values = {k: v for k, v in state["fields"].items() if k not in CONSTANT}
    for name in TIMES:
        if values.get(name) is not None:
            values[name] = datetime.fromisoformat(values[name])
    return values


def _as_input(state: dict[str, Any]) -> dict[str, Any]:
    """The state as an update input, so today's rules judge it like any update."""
    f = state["fields"]
    given: dict[str, Any] = {k: f.get(k) for k in ("title", "slug", "locale", "excerpt", "body")}
    given["translation_group"] = f.get("translation_group")
    given["feature_image"] = None
    if f.get("feature_image_url"):
        given["feature_image"] = {
            key: f.get(f"feature_image_{key}") for key in ("url", "alt", "width", "height")
        }
    if state.get("seo"):
        given["seo"] = dict(state["seo"])
    return given


async def restore_article_revision(
    env: CommandEnv, revision_id: int, expected_version: int
) -> Saved:
    viewer = env.viewer
    if viewer.is_anonymous:
        raise PermissionDenied(SIGN_IN)
    problems = Problems()
    async with unit_of_work(env) as work:
        session = work.session
        rev = (
            await session.execute(
                select(revision_t.c.entity_id, revision_t.c.state).where(
                    revision_t.c.id == revision_id, revision_t.c.entity_type == "article"
                )
            )
        ).first()
        if rev is None:
            raise EntityNotFound("revision", revision_id)
        state = decode(rev.state)
        row, author_ids = await lock_article(session, rev.entity_id)
        deny_unless_allowed(may_edit_article(viewer, row.status, author_ids))
        values = _columns(state)
        if any(values.get(k) != _current(row, k) for k in PUBLICATION):
            deny_unless_allowed(may_publish(viewer))
        links = {kind: list(state[LINK_FIELDS[kind]]) for kind in LINK_KINDS}
        if viewer.role == "author" and viewer.author_id not in links["author"]:
            raise PermissionDenied("Authors cannot restore a version they are not an author of.")
        check_version(row, expected_version)
        check_fields(env, problems, _as_input(state), creating=False)
        if not links["author"]:
            problems.add(
                ("input", "author_ids"), "An article needs at least one author.", "REQUIRED"
            )
        await check_refs(session, problems, links)
        if (values["slug"], values["locale"]) != (row.slug, row.locale):
            await slug_free(session, problems, values["slug"], values["locale"], row.id)
        problems.raise_if_any()
        before = await related(session, row.id)
        old_path = await path_of(env, session, row)
        await guarded_update(env, session, row, values)
        for kind, ids in links.items():
            await replace_links(session, kind, row.id, ids)
        await drop_seo(session, "article", row.id)
        if state.get("seo") is not None:
            await apply_seo(session, "article", row.id, state["seo"])
        new = await reload(session, row.id)
        new_path = await path_of(env, session, new)
        if old_path != new_path and PUBLIC.was_public(row, env.now):
            await redirects.record_move(
                session, old_path, new_path, env.actor, env.now, work.changes
            )
        if new.status == PUBLIC.status:
            await redirects.claim_path(session, new_path, work.changes)
        work.changes.record(
            "article", row.id, "updated", before=[old_path], after=[new_path],
            related=before | await related(session, row.id), snapshot=row,
        )  # fmt: skip
    return Saved(new, work.changes)


def _current(row: Any, name: str) -> Any:
    value = getattr(row, name)
    return as_utc(value) if name in TIMES else value
