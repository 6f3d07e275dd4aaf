"""Author mutations: create, update (partial), delete with takeover of their articles."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import UNSET

from resolvers.commands import CommandEnv, Saved
from resolvers.content import author_commands as commands
from schema.content.nodes import Author
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
    given,
    run,
    warnings_of,
)
from schema.write_inputs import BodyFormat, ImageInput, SeoFieldsInput


@strawberry.input(description="A new author (editors).")
class CreateAuthorInput:
    name: str = strawberry.field(description="Display name (<= 200).")
    slug: str | None = strawberry.field(default=UNSET, description="URL name; from the name.")
    bio: str | None = strawberry.field(default=UNSET, description="Short biography (<= 5000).")
    bio_format: BodyFormat = strawberry.field(default=BodyFormat.HTML, description="Bio format.")
    email: str | None = strawberry.field(default=UNSET, description="Private e-mail address.")
    website: str | None = strawberry.field(default=UNSET, description="http(s) URL.")
    twitter: str | None = strawberry.field(default=UNSET, description="Handle, @ optional.")
    avatar: ImageInput | None = strawberry.field(default=UNSET, description="Portrait.")
    seo: SeoFieldsInput | None = strawberry.field(default=UNSET, description="SEO overrides.")


@strawberry.input(description="Change an author (editors, or the author themself).")
class UpdateAuthorInput:
    id: strawberry.ID = strawberry.field(description="The author's global ID.")
    expected_version: int = strawberry.field(description="The `version` you read.")
    name: str | None = strawberry.field(default=UNSET, description="Display name.")
    slug: str | None = strawberry.field(
        default=UNSET, description="New URL name; the old author page redirects."
    )
    bio: str | None = strawberry.field(default=UNSET, description="Biography; null clears.")
    bio_format: BodyFormat = strawberry.field(default=BodyFormat.HTML, description="Bio format.")
    email: str | None = strawberry.field(default=UNSET, description="Private e-mail address.")
    website: str | None = strawberry.field(default=UNSET, description="http(s) URL.")
    twitter: str | None = strawberry.field(default=UNSET, description="Handle, @ optional.")
    avatar: ImageInput | None = strawberry.field(default=UNSET, description="Portrait.")
    seo: SeoFieldsInput | None = strawberry.field(default=UNSET, description="SEO overrides.")


@strawberry.input(description="Delete an author (editors).")
class DeleteAuthorInput:
    id: strawberry.ID = strawberry.field(description="The author's global ID.")
    expected_version: int | None = strawberry.field(
        default=None, description="If given, refuse when the stored version differs."
    )
    reassign_articles_to: strawberry.ID | None = strawberry.field(
        default=None,
        description="Who takes over the author's bylines. Required while they have articles.",
    )


@strawberry.type(description="The author as stored after the mutation.")
class AuthorSaved:
    author: Author = strawberry.field(description="The author.")
    changed_paths: list[str] = strawberry.field(description=CHANGED_PATHS)
    warnings: list[FieldWarning] = strawberry.field(
        description="What was changed in the input to save it (e.g. markup the sanitiser "
        "removed from the bio); empty when it was stored as sent.",
        default_factory=list,
    )


@strawberry.type(description="The author was deleted; their page answers 410 Gone.")
class AuthorDeleted:
    deleted_id: strawberry.ID = strawberry.field(description="Global ID of the deleted author.")
    changed_paths: list[str] = strawberry.field(description=CHANGED_PATHS)


AuthorPayload = Annotated[
    AuthorSaved | ValidationError | NotFoundError | ConflictError | ForbiddenError,
    strawberry.union("AuthorPayload", description="The saved author, or why not."),
]
DeleteAuthorPayload = Annotated[
    AuthorDeleted | ValidationError | NotFoundError | ConflictError | ForbiddenError,
    strawberry.union("DeleteAuthorPayload", description="The deletion, or why not."),
]


def _saved(saved: Saved, info: Info) -> AuthorSaved:
    return AuthorSaved(
        author=Author.from_row(saved.row, info),
        changed_paths=changed_paths(saved),
        warnings=warnings_of(saved),
    )


@strawberry.type
class AuthorMutation:
    @strawberry.mutation(description="Create an author (editors).")
    async def create_author(
        self, info: Info, input: Annotated[CreateAuthorInput, INPUT]
    ) -> AuthorPayload:
        async def command(env: CommandEnv) -> Saved:
            return await commands.create_author(env, decode_asset_ids(given(input)))

        return await run(info, command, lambda s: _saved(s, info), ANY_REFUSAL)

    @strawberry.mutation(description="Change an author (partial).")
    async def update_author(
        self, info: Info, input: Annotated[UpdateAuthorInput, INPUT]
    ) -> AuthorPayload:
        async def command(env: CommandEnv) -> Saved:
            fields = decode_asset_ids(given(input))
            author_id = decode_id(fields.pop("id"), "Author", ("input", "id"))
            return await commands.update_author(
                env, author_id, fields.pop("expected_version"), fields
            )

        return await run(info, command, lambda s: _saved(s, info), ANY_REFUSAL)

    @strawberry.mutation(
        description="Delete an author. Refused while they write articles, unless "
        "`reassignArticlesTo` names who takes them over."
    )
    async def delete_author(
        self, info: Info, input: Annotated[DeleteAuthorInput, INPUT]
    ) -> DeleteAuthorPayload:
        async def command(env: CommandEnv) -> Saved:
            author_id = decode_id(input.id, "Author", ("input", "id"))
            heir = None
            if input.reassign_articles_to is not None:
                heir = decode_id(
                    input.reassign_articles_to, "Author", ("input", "reassign_articles_to")
                )
            return await commands.delete_author(env, author_id, input.expected_version, heir)

        return await run(
            info,
            command,
            lambda s: AuthorDeleted(deleted_id=input.id, changed_paths=changed_paths(s)),
            ANY_REFUSAL,
        )
