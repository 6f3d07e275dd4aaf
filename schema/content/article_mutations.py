"""Article mutations: create, update, publish, unpublish, archive, delete."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry import UNSET

from resolvers.commands import CommandEnv, Saved
from resolvers.content import article_commands as commands
from resolvers.revisions import trash
from schema.content.nodes import Article
from schema.context import Info
from schema.media.inputs import decode_asset_ids
from schema.mutation_types import (
    ANY_REFUSAL,
    CHANGED_PATHS,
    INPUT,
    ConflictError,
    FieldWarning,
    ForbiddenError,
    NotFoundError,
    ValidationError,
    changed_paths,
    decode_id,
    decode_ids,
    given,
    run,
    warnings_of,
)
from schema.write_inputs import BodyFormat, ImageInput, SeoFieldsInput

LINKS = (("author_ids", "Author"), ("category_ids", "Category"), ("tag_ids", "Tag"))


@strawberry.input(description="A new article. It starts as a DRAFT; publish it separately.")
class CreateArticleInput:
    title: str = strawberry.field(description="Headline (<= 300 characters).")
    slug: str | None = strawberry.field(
        default=UNSET, description="URL name; made from the title when omitted."
    )
    locale: str | None = strawberry.field(
        default=UNSET, description="Language tag, e.g. de; default: the site's locale."
    )
    excerpt: str | None = strawberry.field(default=UNSET, description="Summary (<= 1000).")
    body: str | None = strawberry.field(default=UNSET, description="Full text (HTML or Markdown).")
    body_format: BodyFormat = strawberry.field(
        default=BodyFormat.HTML, description="How `body` is written."
    )
    author_ids: list[strawberry.ID] | None = strawberry.field(
        default=UNSET,
        description="Authors in byline order. Default for author tokens: the token's author.",
    )
    category_ids: list[strawberry.ID] | None = strawberry.field(
        default=UNSET, description="Categories in editorial order."
    )
    tag_ids: list[strawberry.ID] | None = strawberry.field(
        default=UNSET, description="Tags in editorial order."
    )
    feature_image: ImageInput | None = strawberry.field(default=UNSET, description="Lead image.")
    translation_group: str | None = strawberry.field(
        default=UNSET, description="Shared key of articles that translate each other."
    )
    seo: SeoFieldsInput | None = strawberry.field(default=UNSET, description="SEO overrides.")


@strawberry.input(description="Change an article: only the fields you send change.")
class UpdateArticleInput:
    id: strawberry.ID = strawberry.field(description="The article's global ID.")
    expected_version: int = strawberry.field(
        description="The `version` you read; a different stored version is a ConflictError."
    )
    title: str | None = strawberry.field(default=UNSET, description="Headline.")
    slug: str | None = strawberry.field(
        default=UNSET, description="New URL name; the old path of a public article redirects."
    )
    locale: str | None = strawberry.field(default=UNSET, description="Language tag.")
    excerpt: str | None = strawberry.field(default=UNSET, description="Summary; null clears.")
    body: str | None = strawberry.field(default=UNSET, description="Full text.")
    body_format: BodyFormat = strawberry.field(
        default=BodyFormat.HTML, description="How `body` is written."
    )
    author_ids: list[strawberry.ID] | None = strawberry.field(
        default=UNSET, description="Replaces the byline."
    )
    category_ids: list[strawberry.ID] | None = strawberry.field(
        default=UNSET, description="Replaces the categories."
    )
    tag_ids: list[strawberry.ID] | None = strawberry.field(
        default=UNSET, description="Replaces the tags."
    )
    feature_image: ImageInput | None = strawberry.field(
        default=UNSET, description="Replaces the lead image; null removes it."
    )
    translation_group: str | None = strawberry.field(default=UNSET, description="Shared key.")
    seo: SeoFieldsInput | None = strawberry.field(default=UNSET, description="SEO overrides.")
    unpublish_at: datetime | None = strawberry.field(
        default=UNSET,
        description="When it stops being public (ISO-8601 with time zone, after publishedAt); "
        "null: no end.",
    )


@strawberry.input(description="Publish now, or schedule for later.")
class PublishArticleInput:
    id: strawberry.ID = strawberry.field(description="The article's global ID.")
    published_at: datetime | None = strawberry.field(
        default=None,
        description="When it becomes public (ISO-8601 with time zone). Future: SCHEDULED. "
        "Omitted: now (a public article keeps its original time).",
    )
    expected_version: int | None = strawberry.field(
        default=None, description="If given, refuse when the stored version differs."
    )
    unpublish_at: datetime | None = strawberry.field(
        default=UNSET,
        description="When it stops being public again (exact to the second; after "
        "publishedAt). Null clears it; omitted keeps it.",
    )


@strawberry.input(description="Identifies an article for a status change or deletion.")
class ArticleRefInput:
    id: strawberry.ID = strawberry.field(description="The article's global ID.")
    expected_version: int | None = strawberry.field(
        default=None, description="If given, refuse when the stored version differs."
    )


@strawberry.type(description="The article as stored after the mutation.")
class ArticleSaved:
    article: Article = strawberry.field(description="The article.")
    changed_paths: list[str] = strawberry.field(description=CHANGED_PATHS)
    warnings: list[FieldWarning] = strawberry.field(
        description="What was changed in the input to save it (e.g. markup the sanitiser "
        "removed from the body); empty when it was stored as sent.",
        default_factory=list,
    )


@strawberry.type(
    description="The article was moved to the trash; a public one's path now answers 410."
)
class ArticleDeleted:
    deleted_id: strawberry.ID = strawberry.field(description="Global ID of the deleted article.")
    changed_paths: list[str] = strawberry.field(description=CHANGED_PATHS)


ArticlePayload = Annotated[
    ArticleSaved | ValidationError | NotFoundError | ConflictError | ForbiddenError,
    strawberry.union("ArticlePayload", description="The saved article, or why not."),
]
DeleteArticlePayload = Annotated[
    ArticleDeleted | ValidationError | NotFoundError | ConflictError | ForbiddenError,
    strawberry.union("DeleteArticlePayload", description="The deletion, or why not."),
]


def _fields(input_obj: Any) -> dict[str, Any]:
    fields = decode_asset_ids(given(input_obj))
    for key, type_name in LINKS:
        if key in fields:
            fields[key] = decode_ids(fields[key] or [], type_name, ("input", key))
    return fields


def _id(value: strawberry.ID) -> int:
    return decode_id(value, "Article", ("input", "id"))


@strawberry.type
class ArticleMutation:
    @strawberry.mutation(description="Create a draft article (authors, editors, admins).")
    async def create_article(
        self, info: Info, input: Annotated[CreateArticleInput, INPUT]
    ) -> ArticlePayload:
        async def command(env: CommandEnv) -> Saved:
            return await commands.create_article(env, _fields(input))

        return await run(info, command, lambda s: _saved(s, info), ANY_REFUSAL)

    @strawberry.mutation(description="Change an article (partial). Authors: their own drafts only.")
    async def update_article(
        self, info: Info, input: Annotated[UpdateArticleInput, INPUT]
    ) -> ArticlePayload:
        async def command(env: CommandEnv) -> Saved:
            fields = _fields(input)
            article_id = _id(fields.pop("id"))
            return await commands.update_article(
                env, article_id, fields.pop("expected_version"), fields
            )

        return await run(info, command, lambda s: _saved(s, info), ANY_REFUSAL)

    @strawberry.mutation(description="Publish now or at a future time (editors).")
    async def publish_article(
        self, info: Info, input: Annotated[PublishArticleInput, INPUT]
    ) -> ArticlePayload:
        async def command(env: CommandEnv) -> Saved:
            window = {} if input.unpublish_at is UNSET else {"unpublish_at": input.unpublish_at}
            return await commands.publish_article(
                env, _id(input.id), input.published_at, input.expected_version, window
            )

        return await run(info, command, lambda s: _saved(s, info), ANY_REFUSAL)

    @strawberry.mutation(description="Back to DRAFT: no longer public (editors).")
    async def unpublish_article(
        self, info: Info, input: Annotated[ArticleRefInput, INPUT]
    ) -> ArticlePayload:
        async def command(env: CommandEnv) -> Saved:
            return await commands.unpublish_article(env, _id(input.id), input.expected_version)

        return await run(info, command, lambda s: _saved(s, info), ANY_REFUSAL)

    @strawberry.mutation(description="Withdraw to ARCHIVED: no longer public (editors).")
    async def archive_article(
        self, info: Info, input: Annotated[ArticleRefInput, INPUT]
    ) -> ArticlePayload:
        async def command(env: CommandEnv) -> Saved:
            return await commands.archive_article(env, _id(input.id), input.expected_version)

        return await run(info, command, lambda s: _saved(s, info), ANY_REFUSAL)

    @strawberry.mutation(
        description="Delete an article (editors; authors: their own drafts): it moves to the "
        "trash, restorable with restoreArticle until the worker purges it. A path that was "
        "public answers 410 Gone meanwhile."
    )
    async def delete_article(
        self, info: Info, input: Annotated[ArticleRefInput, INPUT]
    ) -> DeleteArticlePayload:
        async def command(env: CommandEnv) -> Saved:
            return await trash.trash_article(env, _id(input.id), input.expected_version)

        return await run(
            info,
            command,
            lambda s: ArticleDeleted(deleted_id=input.id, changed_paths=changed_paths(s)),
            ANY_REFUSAL,
        )


def _saved(saved: Saved, info: Info) -> ArticleSaved:
    return ArticleSaved(
        article=Article.from_row(saved.row, info),
        changed_paths=changed_paths(saved),
        warnings=warnings_of(saved),
    )
