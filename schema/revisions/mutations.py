"""History, trash and review mutations, and the trash listing for editors."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import strawberry
from sqlalchemy import select

from resolvers.commands import CommandEnv, Saved
from resolvers.db import as_utc
from resolvers.models import article_t
from resolvers.revisions import restore, review, trash
from resolvers.revisions.models import article_trash_t
from schema.content.article_mutations import ArticlePayload, ArticleRefInput, _saved
from schema.content.nodes import Article
from schema.context import Info
from schema.mutation_types import ANY_REFUSAL, INPUT, decode_id, run
from schema.permissions import IsEditor
from schema.revisions.types import REVISION

TRASH_PAGE = 100


@strawberry.input(description="Make an earlier revision the article's next version.")
class RestoreArticleRevisionInput:
    revision_id: strawberry.ID = strawberry.field(description="The revision to bring back.")
    expected_version: int = strawberry.field(
        description="The article `version` you read; a different stored version is a ConflictError."
    )


@strawberry.input(description="An article and an optional comment, for a review step.")
class ReviewStepInput:
    id: strawberry.ID = strawberry.field(description="The article's global ID.")
    expected_version: int | None = strawberry.field(
        default=None, description="If given, refuse when the stored version differs."
    )
    comment: str | None = strawberry.field(
        default=None, description="For the author or reviewer (<= 5000 characters)."
    )


@strawberry.input(description="Approve an article in review and publish it.")
class ApproveInput:
    id: strawberry.ID = strawberry.field(description="The article's global ID.")
    expected_version: int | None = strawberry.field(
        default=None, description="If given, refuse when the stored version differs."
    )
    comment: str | None = strawberry.field(default=None, description="For the author.")
    published_at: datetime | None = strawberry.field(
        default=None, description="Publish at this time (future: SCHEDULED); default: now."
    )


@strawberry.type(description="An article in the trash.")
class TrashedArticle:
    article: Article = strawberry.field(description="The article (as stored when deleted).")
    slug: str = strawberry.field(description="The slug it gets back when restored.")
    deleted_at: datetime = strawberry.field(description="When it was deleted.")
    deleted_by: str | None = strawberry.field(description="Who deleted it.")
    purge_after: datetime = strawberry.field(
        description="When the worker deletes it for good (GATEWAY_TRASH_RETENTION_DAYS)."
    )


def _article_id(value: strawberry.ID) -> int:
    return decode_id(value, "Article", ("input", "id"))


@strawberry.type
class RevisionMutation:
    @strawberry.mutation(
        description="Restore an earlier revision as a new version (editors; authors: their own "
        "drafts). Checked, redirected and purged like any update; history is kept."
    )
    async def restore_article_revision(
        self, info: Info, input: Annotated[RestoreArticleRevisionInput, INPUT]
    ) -> ArticlePayload:
        async def command(env: CommandEnv) -> Saved:
            revision = decode_id(input.revision_id, REVISION, ("input", "revision_id"))
            return await restore.restore_article_revision(env, revision, input.expected_version)

        return await run(info, command, lambda s: _saved(s, info), ANY_REFUSAL)

    @strawberry.mutation(
        description="Bring a deleted article back from the trash, with its slug and redirects."
    )
    async def restore_article(
        self, info: Info, input: Annotated[ArticleRefInput, INPUT]
    ) -> ArticlePayload:
        async def command(env: CommandEnv) -> Saved:
            return await trash.restore_article(env, _article_id(input.id), input.expected_version)

        return await run(info, command, lambda s: _saved(s, info), ANY_REFUSAL)

    @strawberry.mutation(
        description="Submit a draft for review (its authors, editors; review workflow on). "
        "Runs the SEO audit; its findings travel with the review."
    )
    async def submit_for_review(
        self, info: Info, input: Annotated[ReviewStepInput, INPUT]
    ) -> ArticlePayload:
        async def command(env: CommandEnv) -> Saved:
            return await review.submit_for_review(
                env, _article_id(input.id), input.expected_version, input.comment,
                info.context.loaders,
            )  # fmt: skip

        return await run(info, command, lambda s: _saved(s, info), ANY_REFUSAL)

    @strawberry.mutation(description="Approve an article in review and publish it (editors).")
    async def approve(self, info: Info, input: Annotated[ApproveInput, INPUT]) -> ArticlePayload:
        async def command(env: CommandEnv) -> Saved:
            return await review.approve(
                env, _article_id(input.id), input.expected_version, input.comment,
                input.published_at,
            )  # fmt: skip

        return await run(info, command, lambda s: _saved(s, info), ANY_REFUSAL)

    @strawberry.mutation(
        description="Send an article in review back to draft with a comment (editors)."
    )
    async def request_changes(
        self, info: Info, input: Annotated[ReviewStepInput, INPUT]
    ) -> ArticlePayload:
        async def command(env: CommandEnv) -> Saved:
            return await review.request_changes(
                env, _article_id(input.id), input.expected_version, input.comment
            )

        return await run(info, command, lambda s: _saved(s, info), ANY_REFUSAL)


@strawberry.type
class TrashQuery:
    @strawberry.field(
        description="Articles in the trash, most recently deleted first (at most 100). "
        "Editors only (others get FORBIDDEN).",
        permission_classes=[IsEditor],
    )
    async def trashed_articles(self, info: Info) -> list[TrashedArticle]:
        ctx = info.context
        ctx.tags.mark_private()
        t = article_trash_t
        rows = await ctx.db.all(
            select(article_t, t.c.slug.label("trash_slug"), t.c.deleted_by, t.c.purge_after)
            .join(t, t.c.article_id == article_t.c.id)
            .order_by(article_t.c.deleted_at.desc(), article_t.c.id.desc())
            .limit(TRASH_PAGE)
        )
        return [
            TrashedArticle(
                article=Article.from_row(row, info),
                slug=row.trash_slug,
                deleted_at=as_utc(row.deleted_at),
                deleted_by=row.deleted_by,
                purge_after=as_utc(row.purge_after),
            )
            for row in rows
        ]
