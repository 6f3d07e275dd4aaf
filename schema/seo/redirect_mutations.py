"""Redirect mutations (editors): create and delete, with the loop/shadow/chain rules of
``resolvers/redirects.py``. The read side (``route``, ``redirect``, ``redirects``) is elsewhere."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry

from resolvers.commands import CommandEnv, Saved, ValidationFailed
from resolvers.db import as_utc
from resolvers.seo import redirect_commands as commands
from schema.common import Audited
from schema.context import Info
from schema.mutation_types import (
    CHANGED_PATHS,
    INPUT,
    ForbiddenError,
    NotFoundError,
    ValidationError,
    changed_paths,
    run,
)


@strawberry.type(description="A stored redirect rule: requests for `fromPath` go elsewhere.")
class RedirectRule(Audited):
    database_id: int = strawberry.field(description="Numeric primary key in the database.")
    from_path: str = strawberry.field(description="Normalised source path, e.g. /articles/old.")
    to_path: str | None = strawberry.field(
        description="Target path or absolute URL; null for 410 Gone."
    )
    status_code: int = strawberry.field(description="301, 302, 307, 308, or 410 (Gone).")
    is_permanent: bool = strawberry.field(description="True for 301, 308 and 410.")
    created_at: datetime = strawberry.field(description="When the rule was written.")

    @classmethod
    def from_row(cls, row: Any) -> RedirectRule:
        return cls(
            database_id=row.id,
            from_path=row.from_path,
            to_path=row.to_path,
            status_code=row.status_code,
            is_permanent=row.status_code in (301, 308, 410),
            created_at=as_utc(row.created_at),
            created_by_label=row.created_by,
            updated_by_label=row.updated_by,
        )


@strawberry.input(description="A new redirect (editors).")
class CreateRedirectInput:
    from_path: str = strawberry.field(
        description="Path to redirect from; normalised (lower case, no trailing slash or query)."
    )
    to_path: str | None = strawberry.field(
        default=None, description="Target path or absolute http(s) URL; omit for 410."
    )
    status_code: int = strawberry.field(default=301, description="301, 302, 307, 308 or 410.")


@strawberry.input(description="Which redirect to delete: by database id or by source path.")
class DeleteRedirectInput:
    database_id: int | None = strawberry.field(default=None, description="Its databaseId.")
    from_path: str | None = strawberry.field(default=None, description="Its source path.")


@strawberry.type(description="The redirect as stored (chains already collapsed).")
class RedirectSaved:
    redirect: RedirectRule = strawberry.field(description="The stored rule.")
    changed_paths: list[str] = strawberry.field(description=CHANGED_PATHS)


@strawberry.type(description="The redirect was deleted.")
class RedirectDeleted:
    redirect: RedirectRule = strawberry.field(description="The rule as it was.")
    changed_paths: list[str] = strawberry.field(description=CHANGED_PATHS)


RedirectPayload = Annotated[
    RedirectSaved | ValidationError | ForbiddenError,
    strawberry.union("RedirectPayload", description="The saved redirect, or why not."),
]
DeleteRedirectPayload = Annotated[
    RedirectDeleted | ValidationError | NotFoundError | ForbiddenError,
    strawberry.union("DeleteRedirectPayload", description="The deletion, or why not."),
]
CREATE_REFUSAL: tuple[type[ValidationError | ForbiddenError], ...] = (
    ValidationError,
    ForbiddenError,
)
DELETE_REFUSAL: tuple[type[ValidationError | NotFoundError | ForbiddenError], ...] = (
    ValidationError,
    NotFoundError,
    ForbiddenError,
)


@strawberry.type
class RedirectMutation:
    @strawberry.mutation(
        description="Create a redirect (editors). Refused if it would loop or hide a live path; "
        "chains collapse onto the final target."
    )
    async def create_redirect(
        self, info: Info, input: Annotated[CreateRedirectInput, INPUT]
    ) -> RedirectPayload:
        async def command(env: CommandEnv) -> Saved:
            return await commands.create_redirect(
                env, from_path=input.from_path, to_path=input.to_path, status_code=input.status_code
            )

        return await run(
            info,
            command,
            lambda s: RedirectSaved(
                redirect=RedirectRule.from_row(s.row), changed_paths=changed_paths(s)
            ),
            CREATE_REFUSAL,
        )

    @strawberry.mutation(description="Delete a redirect (editors).")
    async def delete_redirect(
        self, info: Info, input: Annotated[DeleteRedirectInput, INPUT]
    ) -> DeleteRedirectPayload:
        async def command(env: CommandEnv) -> Saved:
            if (input.database_id is None) == (input.from_path is None):
                raise ValidationFailed.one(
                    ("input",), "Pass exactly one of `databaseId` or `fromPath`.", "REQUIRED"
                )
            return await commands.delete_redirect(
                env, redirect_id=input.database_id, from_path=input.from_path
            )

        return await run(
            info,
            command,
            lambda s: RedirectDeleted(
                redirect=RedirectRule.from_row(s.row), changed_paths=changed_paths(s)
            ),
            DELETE_REFUSAL,
        )
