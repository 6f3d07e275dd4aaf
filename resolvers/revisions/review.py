"""The review workflow (``GATEWAY_REVIEW_WORKFLOW``): submit, approve, request changes.

DRAFT --submitForReview (its authors, editors)--> IN_REVIEW --approve (editors)--> PUBLISHED
(or SCHEDULED); IN_REVIEW --requestChanges (editors, with a comment)--> DRAFT. Each step writes
an ``article_review`` row (who, when, the version it produced, the comment) in the same
transaction and emits its own event (``article.submitted``, ``article.approved``,
``article.changes_requested``). Submitting runs the SEO audit; its findings are stored with the
submission so the reviewer sees what the author saw.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select

from resolvers.access import SIGN_IN, may_edit_article, may_publish
from resolvers.commands import (
    CommandEnv,
    PermissionDenied,
    Problems,
    Saved,
    ValidationFailed,
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
)
from resolvers.content.articles import ARTICLE_COLUMNS
from resolvers.models import article_t
from resolvers.revisions.models import article_review_t
from resolvers.seo import redirects
from resolvers.seo.audit import AuditReads, audit_article
from resolvers.validation import check_aware, check_text
from resolvers.visibility import PUBLIC

IN = ("input",)
MAX_COMMENT = 5000
OFF = "The review workflow is off for this site (GATEWAY_REVIEW_WORKFLOW)."


def _require_workflow(env: CommandEnv) -> None:
    if not env.site.review_workflow:
        raise ValidationFailed.one(IN, OFF, "WORKFLOW_OFF")


def _comment(comment: str | None, required: bool) -> str | None:
    problems = Problems()
    text = check_text(
        problems, (*IN, "comment"), comment, max_length=MAX_COMMENT, required=required,
        multiline=True,
    )  # fmt: skip
    problems.raise_if_any()
    return text


def _status(row: Any, wanted: str, step: str) -> None:
    if row.status != wanted:
        raise ValidationFailed.one(
            (*IN, "id"),
            f"Only {wanted.replace('_', ' ')} articles can be {step}; this one is {row.status}.",
            "INVALID_STATUS",
        )


async def _step(
    env: CommandEnv,
    article_id: int,
    expected_version: int | None,
    *,
    action: str,
    event: str,
    values: dict[str, Any],
    comment: str | None,
    findings: list[dict[str, Any]] | None = None,
    check: Any = None,
) -> Saved:
    """One review step: lock, check, change the status, record the review row and events."""
    async with unit_of_work(env) as work:
        session = work.session
        row, author_ids = await lock_article(session, article_id)
        check(row, author_ids)
        check_version(row, expected_version)
        await guarded_update(env, session, row, values)
        new = await reload(session, article_id)
        await session.execute(
            insert(article_review_t).values(
                article_id=article_id, action=action, comment=comment, version=new.version,
                actor=env.actor, created_at=env.now, findings=findings or [],
            )
        )  # fmt: skip
        path = await path_of(env, session, new)
        if new.status == PUBLIC.status:
            await redirects.claim_path(session, path, work.changes)
        work.changes.record(
            "article", article_id, "updated", before=[path], after=[path],
            related=await related(session, article_id), snapshot=row, event=event,
        )  # fmt: skip
    return Saved(new, work.changes)


async def submit_for_review(
    env: CommandEnv,
    article_id: int,
    expected_version: int | None,
    comment: str | None,
    reads: AuditReads,
) -> Saved:
    """``reads``: the request's loaders, which the SEO audit reads through."""
    _require_workflow(env)
    if env.viewer.is_anonymous:
        raise PermissionDenied(SIGN_IN)
    text = _comment(comment, required=False)
    findings: list[dict[str, Any]] = []
    current = await env.db.all(
        select(*ARTICLE_COLUMNS).where(
            article_t.c.id == article_id, article_t.c.deleted_at.is_(None)
        )
    )
    if current:  # the audit reads outside the write; expectedVersion pins what it saw
        found = await audit_article(env.site, reads, current[0], False)
        findings = [asdict(f) for f in found]

    def check(row: Any, author_ids: list[int]) -> None:
        deny_unless_allowed(may_edit_article(env.viewer, row.status, author_ids))
        _status(row, "draft", "submitted for review")

    return await _step(
        env, article_id, expected_version, action="submitted", event="article.submitted",
        values={"status": "in_review"}, comment=text, findings=findings, check=check,
    )  # fmt: skip


async def approve(
    env: CommandEnv,
    article_id: int,
    expected_version: int | None,
    comment: str | None,
    published_at: datetime | None,
) -> Saved:
    """Approve and publish: now, or at ``published_at`` (then SCHEDULED)."""
    _require_workflow(env)
    deny_unless_allowed(may_publish(env.viewer))
    problems = Problems()
    when = check_aware(problems, (*IN, "published_at"), published_at)
    problems.raise_if_any()
    text = _comment(comment, required=False)

    def check(row: Any, _: list[int]) -> None:
        _status(row, "in_review", "approved")

    return await _step(
        env, article_id, expected_version, action="approved", event="article.approved",
        values={"status": PUBLIC.status, "published_at": when or env.now}, comment=text,
        check=check,
    )  # fmt: skip


async def request_changes(
    env: CommandEnv, article_id: int, expected_version: int | None, comment: str | None
) -> Saved:
    _require_workflow(env)
    deny_unless_allowed(may_publish(env.viewer))
    text = _comment(comment, required=True)

    def check(row: Any, _: list[int]) -> None:
        _status(row, "in_review", "sent back")

    return await _step(
        env, article_id, expected_version, action="changes_requested",
        event="article.changes_requested", values={"status": "draft"}, comment=text, check=check,
    )  # fmt: skip


async def reviews_of(db: Any, article_ids: list[int]) -> dict[int, list[Any]]:
    """Review rows per article, oldest first (one query)."""
    t = article_review_t
    rows = await db.all(select(t).where(t.c.article_id.in_(article_ids)).order_by(t.c.id))
    out: dict[int, list[Any]] = {i: [] for i in article_ids}
    for row in rows:
        out[row.article_id].append(row)
    return out
