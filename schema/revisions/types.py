"""History and review types: ArticleRevision, its diff, and ArticleReview.

Every field here is private to editors and the article's own authors; the resolvers return
null for anyone else and mark the response private (never cached or shared).
"""

from __future__ import annotations

import json
from datetime import datetime
from enum import Enum
from typing import Annotated, Any

import strawberry

from resolvers.db import as_utc
from resolvers.errors import UserInputError
from resolvers.revisions import history
from resolvers.revisions.review import reviews_of as review_rows
from schema.context import Info
from schema.relay import Connection, from_global_id, to_global_id
from schema.seo.types import SeoFinding, SeoSeverity

REVISION = "ArticleRevision"


@strawberry.enum(description="What produced a revision.")
class RevisionAction(Enum):
    BASELINE = strawberry.enum_value(
        "baseline", description="The state found before the first tracked change."
    )
    CREATED = strawberry.enum_value("created", description="The article was created.")
    UPDATED = strawberry.enum_value(
        "updated", description="A change (edit, status, restore of a revision, review step)."
    )
    DELETED = strawberry.enum_value("deleted", description="Moved to the trash.")
    RESTORED = strawberry.enum_value("restored", description="Restored from the trash.")


@strawberry.type(description="One field that differs between two revisions.")
class FieldChange:
    field: str = strawberry.field(
        description="Field name: a column (title, body, status, publishedAt as published_at, "
        "...), authors/categories/tags (ordered ids), or seo.<override>."
    )
    before: str | None = strawberry.field(description="Old value, JSON-encoded; null if unset.")
    after: str | None = strawberry.field(description="New value, JSON-encoded; null if unset.")


@strawberry.type(description="How a revision differs from another one.")
class RevisionDiff:
    against_id: strawberry.ID | None = strawberry.field(
        description="The revision compared with; null for the first revision (all fields new)."
    )
    fields: list[FieldChange] = strawberry.field(description="Every field that differs.")
    body_diff: str = strawberry.field(
        description="Unified text diff of the body (one HTML block per line); empty if equal."
    )


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


@strawberry.type(description="A saved state of an article: what one committed change produced.")
class ArticleRevision:
    id: strawberry.ID = strawberry.field(description="Opaque ID; pass it to restore or compare.")
    database_id: int = strawberry.field(description="Numeric primary key.")
    version: int = strawberry.field(description="The article version this state is.")
    action: RevisionAction = strawberry.field(description="What produced it.")
    operation: str | None = strawberry.field(
        description="The mutation or CLI command that wrote it, e.g. updateArticle."
    )
    created_by: str | None = strawberry.field(description="Who wrote it (token, JWT or cli).")
    created_at: datetime = strawberry.field(description="When it was committed.")
    changed_fields: list[str] = strawberry.field(
        description="Fields that differ from the revision before it."
    )
    size_bytes: int = strawberry.field(description="Size of the stored state, uncompressed.")
    row: strawberry.Private[Any]

    @classmethod
    def from_row(cls, row: Any) -> ArticleRevision:
        return cls(
            id=to_global_id(REVISION, row.id),
            database_id=row.id,
            version=row.version,
            action=RevisionAction(row.action),
            operation=row.operation,
            created_by=row.actor,
            created_at=as_utc(row.created_at),
            changed_fields=list(row.changed_fields or []),
            size_bytes=row.state_bytes,
            row=row,
        )

    @strawberry.field(
        description="Field-by-field comparison with another revision of the same article "
        "(default: the one before it), plus a text diff of the body."
    )
    async def diff(
        self,
        info: Info,
        against: Annotated[
            strawberry.ID | None,
            strawberry.argument(description="Another revision's ID; default: the previous one."),
        ] = None,
    ) -> RevisionDiff:
        db = info.context.db
        other: int | None
        if against is None:
            other = await history.previous_revision_id(db, self.row)
        else:
            other = revision_id(against)
            found = await history.get_revision(db, other)
            if found is None or (found.entity_type, found.entity_id) != (
                self.row.entity_type,
                self.row.entity_id,
            ):
                raise UserInputError("`against` must be a revision of the same article.")
        after = await history.revision_state(db, self.database_id)
        before = None if other is None else await history.revision_state(db, other)
        assert after is not None  # this revision was just read
        labels = (f"version {other}" if other else "nothing", f"revision {self.database_id}")
        return RevisionDiff(
            against_id=None if other is None else to_global_id(REVISION, other),
            fields=[
                FieldChange(field=d.field, before=_json(d.before), after=_json(d.after))
                for d in history.compare(before, after)
            ],
            body_diff=history.body_diff(before, after, labels),
        )


def revision_id(value: str) -> int:
    return from_global_id(value, REVISION)[1]


async def revisions_of(
    info: Info,
    entity: str,
    entity_id: int,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
) -> Connection[ArticleRevision]:
    ctx = info.context
    ctx.tags.mark_private()
    if not await history.may_read_history(ctx.db, ctx.viewer, entity, entity_id):
        return Connection.build(history.EMPTY, history.no_count, ArticleRevision.from_row)
    page, count = await history.list_revisions(
        ctx.db, entity, entity_id, ctx.page(first, after, last, before)
    )
    return Connection.build(page, count, ArticleRevision.from_row)


@strawberry.enum(description="A step of the review workflow.")
class ReviewAction(Enum):
    SUBMITTED = strawberry.enum_value("submitted", description="Submitted for review.")
    APPROVED = strawberry.enum_value("approved", description="Approved and published.")
    CHANGES_REQUESTED = strawberry.enum_value(
        "changes_requested", description="Sent back to draft with a comment."
    )


@strawberry.type(description="One step of an article's review, with its comment.")
class ArticleReview:
    action: ReviewAction = strawberry.field(description="What happened.")
    comment: str | None = strawberry.field(description="The reviewer's or author's comment.")
    version: int = strawberry.field(description="The article version this step produced.")
    created_by: str | None = strawberry.field(description="Who took the step.")
    created_at: datetime = strawberry.field(description="When.")
    seo_findings: list[SeoFinding] = strawberry.field(
        description="What the SEO audit found when the article was submitted (submissions only)."
    )

    @classmethod
    def from_row(cls, row: Any) -> ArticleReview:
        return cls(
            action=ReviewAction(row.action),
            comment=row.comment,
            version=row.version,
            created_by=row.actor,
            created_at=as_utc(row.created_at),
            seo_findings=[
                SeoFinding(
                    code=f["code"], severity=SeoSeverity[f["severity"]], message=f["message"]
                )
                for f in row.findings or []
            ],
        )


async def reviews_of(info: Info, article_id: int) -> list[ArticleReview] | None:
    ctx = info.context
    ctx.tags.mark_private()
    if not await history.may_read_history(ctx.db, ctx.viewer, "article", article_id):
        return None
    rows = await review_rows(ctx.db, [article_id])
    return [ArticleReview.from_row(row) for row in rows[article_id]]
