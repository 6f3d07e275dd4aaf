"""Access: the `viewer` query, preview tokens (editors) and API tokens (admins)."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import Enum
from typing import Annotated, Any

import strawberry

from resolvers.auth import preview, tokens
from resolvers.changes import ChangeSet
from resolvers.commands import CommandEnv, Saved, ValidationFailed
from resolvers.db import as_utc
from schema.content.nodes import Author
from schema.context import Info
from schema.mutation_types import (
    INPUT,
    ForbiddenError,
    NotFoundError,
    ValidationError,
    decode_id,
    run,
)
from schema.relay import to_global_id


@strawberry.enum(description="What a signed-in viewer may do.")
class Role(Enum):
    AUTHOR = strawberry.enum_value("author", description="Writes and edits their own drafts.")
    EDITOR = strawberry.enum_value("editor", description="All content and redirects.")
    ADMIN = strawberry.enum_value("admin", description="Everything, including API tokens.")


@strawberry.type(description="Who is asking (from the Authorization header).")
class ViewerInfo:
    role: Role | None = strawberry.field(description="Null for anonymous viewers.")
    name: str | None = strawberry.field(description="`token:<name>` or `jwt:<subject>`.")
    author_id: strawberry.Private[int | None]

    @strawberry.field(description="The author record an author token belongs to.")
    async def author(self, info: Info) -> Author | None:
        if self.author_id is None:
            return None
        row = await info.context.loaders.author_by_id.load(self.author_id)
        return Author.from_row(row, info) if row is not None else None


@strawberry.type(description="An API token's record (the secret itself is never stored).")
class ApiToken:
    database_id: int = strawberry.field(description="Numeric primary key.")
    name: str = strawberry.field(description="Label, e.g. ci-importer.")
    role: Role = strawberry.field(description="What the token may do.")
    prefix: str = strawberry.field(description="First characters, to recognise it.")
    author_id: strawberry.ID | None = strawberry.field(description="Author of an author token.")
    created_at: datetime = strawberry.field(description="Creation time.")
    expires_at: datetime | None = strawberry.field(description="Expiry, if any.")
    revoked_at: datetime | None = strawberry.field(description="Revocation time, if revoked.")

    @classmethod
    def from_row(cls, row: Any) -> ApiToken:
        return cls(
            database_id=row.id,
            name=row.name,
            role=Role(row.role),
            prefix=row.prefix,
            author_id=to_global_id("Author", row.author_id) if row.author_id else None,
            created_at=as_utc(row.created_at),
            expires_at=as_utc(row.expires_at),
            revoked_at=as_utc(row.revoked_at),
        )


@strawberry.input(description="Ask for a preview link to one unpublished article (editors).")
class CreatePreviewTokenInput:
    article_id: strawberry.ID = strawberry.field(description="The article's global ID.")
    expires_in: int = strawberry.field(
        default=3600, description="Lifetime in seconds (default one hour)."
    )


@strawberry.type(description="A signed preview token for one article.")
class PreviewTokenCreated:
    token: str = strawberry.field(description="Pass as `article(slug:, previewToken:)`.")
    expires_at: datetime = strawberry.field(description="The token stops working then.")
    article_id: strawberry.ID = strawberry.field(description="The only article it opens.")


@strawberry.input(description="A new API token (admins).")
class CreateApiTokenInput:
    name: str = strawberry.field(description="Label (<= 100), unique among active tokens.")
    role: Role = strawberry.field(description="What the token may do.")
    author_id: strawberry.ID | None = strawberry.field(
        default=None, description="Required for AUTHOR tokens: whose articles are theirs."
    )
    expires_in: int | None = strawberry.field(
        default=None, description="Lifetime in seconds; omitted: until revoked."
    )


@strawberry.type(description="A new API token. The secret is shown this once only.")
class ApiTokenCreated:
    token: str = strawberry.field(description="The secret: send as `Authorization: Bearer …`.")
    api_token: ApiToken = strawberry.field(description="Its stored record.")


@strawberry.input(description="Revoke an active API token by database id or name (admins).")
class RevokeApiTokenInput:
    database_id: int | None = strawberry.field(default=None, description="Its databaseId.")
    name: str | None = strawberry.field(default=None, description="Its name.")


@strawberry.type(description="The token no longer works.")
class ApiTokenRevoked:
    api_token: ApiToken = strawberry.field(description="Its record as it was.")


PreviewTokenPayload = Annotated[
    PreviewTokenCreated | ValidationError | NotFoundError | ForbiddenError,
    strawberry.union("PreviewTokenPayload", description="The token, or why not."),
]
ApiTokenPayload = Annotated[
    ApiTokenCreated | ValidationError | ForbiddenError,
    strawberry.union("ApiTokenPayload", description="The token, or why not."),
]
RevokeApiTokenPayload = Annotated[
    ApiTokenRevoked | ValidationError | NotFoundError | ForbiddenError,
    strawberry.union("RevokeApiTokenPayload", description="The revocation, or why not."),
]
PREVIEW_REFUSAL: tuple[type[ValidationError | NotFoundError | ForbiddenError], ...] = (
    ValidationError,
    NotFoundError,
    ForbiddenError,
)
CREATE_REFUSAL: tuple[type[ValidationError | ForbiddenError], ...] = (
    ValidationError,
    ForbiddenError,
)
REVOKE_REFUSAL = PREVIEW_REFUSAL


@strawberry.type
class AuthQuery:
    @strawberry.field(description="Who the request is authenticated as.")
    def viewer(self, info: Info) -> ViewerInfo:
        v = info.context.viewer
        return ViewerInfo(role=Role(v.role) if v.role else None, name=v.name, author_id=v.author_id)


@strawberry.type
class AuthMutation:
    @strawberry.mutation(
        description="A signed, expiring token that shows one unpublished article to whoever "
        "holds it (editors)."
    )
    async def create_preview_token(
        self, info: Info, input: Annotated[CreatePreviewTokenInput, INPUT]
    ) -> PreviewTokenPayload:
        ctx = info.context
        result: dict[str, Any] = {}

        async def command(env: CommandEnv) -> Saved:
            article_id = decode_id(input.article_id, "Article", ("input", "article_id"))
            assert ctx.preview is not None  # the endpoint always configures it
            token, expires_at, row = await preview.create_preview_token(
                env, ctx.preview, article_id, input.expires_in
            )
            result.update(token=token, expires_at=expires_at)
            return Saved(row, ChangeSet(actor=env.actor))  # a token is not stored: no change

        return await run(
            info,
            command,
            lambda _: PreviewTokenCreated(article_id=input.article_id, **result),
            PREVIEW_REFUSAL,
        )

    @strawberry.mutation(description="Issue an API token (admins). The secret is shown once.")
    async def create_api_token(
        self, info: Info, input: Annotated[CreateApiTokenInput, INPUT]
    ) -> ApiTokenPayload:
        secret: list[str] = []

        async def command(env: CommandEnv) -> Saved:
            author_id = None
            if input.author_id is not None:
                author_id = decode_id(input.author_id, "Author", ("input", "author_id"))
            expires_at = None
            if input.expires_in is not None:
                expires_at = env.now + timedelta(seconds=max(input.expires_in, 0))
            token, saved = await tokens.create_token(
                env, name=input.name, role=str(input.role.value), author_id=author_id,
                expires_at=expires_at,
            )  # fmt: skip
            secret.append(token)
            return saved

        return await run(
            info,
            command,
            lambda s: ApiTokenCreated(token=secret[0], api_token=ApiToken.from_row(s.row)),
            CREATE_REFUSAL,
        )

    @strawberry.mutation(description="Revoke an API token (admins).")
    async def revoke_api_token(
        self, info: Info, input: Annotated[RevokeApiTokenInput, INPUT]
    ) -> RevokeApiTokenPayload:
        async def command(env: CommandEnv) -> Saved:
            if (input.database_id is None) == (input.name is None):
                raise ValidationFailed.one(
                    ("input",), "Pass exactly one of `databaseId` or `name`.", "REQUIRED"
                )
            return await tokens.revoke_token(env, token_id=input.database_id, name=input.name)

        return await run(
            info,
            command,
            lambda s: ApiTokenRevoked(api_token=ApiToken.from_row(s.row)),
            REVOKE_REFUSAL,
        )
