"""Category and tag mutations (editors): create, update (partial), delete."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

import strawberry
from strawberry import UNSET

from resolvers.commands import CommandEnv, Saved
from resolvers.content import taxonomy_commands as commands
from schema.content.nodes import Category, Tag
from schema.context import Info
from schema.media.inputs import decode_asset_ids
from schema.mutation_types import (
    CHANGED_PATHS,
    INPUT,
    ForbiddenError,
    NotFoundError,
    ValidationError,
    changed_paths,
    decode_id,
    given,
    run,
)
from schema.write_inputs import SeoFieldsInput


@strawberry.input(description="A new category or tag.")
class CreateTermInput:
    name: str = strawberry.field(description="Display name (<= 200).")
    slug: str | None = strawberry.field(default=UNSET, description="URL name; from the name.")
    description: str | None = strawberry.field(
        default=UNSET, description="What the group is about (plain text, <= 5000)."
    )
    image_asset_id: strawberry.ID | None = strawberry.field(
        default=UNSET, description="Global ID of a MediaAsset shown for the group."
    )
    seo: SeoFieldsInput | None = strawberry.field(default=UNSET, description="SEO overrides.")


@strawberry.input(description="Change a category or tag: only the fields you send change.")
class UpdateTermInput:
    id: strawberry.ID = strawberry.field(description="Global ID of the category or tag.")
    name: str | None = strawberry.field(default=UNSET, description="Display name.")
    slug: str | None = strawberry.field(
        default=UNSET, description="New URL name; the old listing path redirects."
    )
    description: str | None = strawberry.field(default=UNSET, description="Null clears.")
    image_asset_id: strawberry.ID | None = strawberry.field(
        default=UNSET, description="Global ID of a MediaAsset; null removes the image."
    )
    seo: SeoFieldsInput | None = strawberry.field(default=UNSET, description="SEO overrides.")


@strawberry.input(description="Delete a category or tag; its articles lose it.")
class DeleteTermInput:
    id: strawberry.ID = strawberry.field(description="Global ID of the category or tag.")


@strawberry.type(description="The category as stored after the mutation.")
class CategorySaved:
    category: Category = strawberry.field(description="The category.")
    changed_paths: list[str] = strawberry.field(description=CHANGED_PATHS)


@strawberry.type(description="The tag as stored after the mutation.")
class TagSaved:
    tag: Tag = strawberry.field(description="The tag.")
    changed_paths: list[str] = strawberry.field(description=CHANGED_PATHS)


@strawberry.type(description="The category or tag was deleted; its page answers 410 Gone.")
class TermDeleted:
    deleted_id: strawberry.ID = strawberry.field(description="Global ID of the deleted term.")
    changed_paths: list[str] = strawberry.field(description=CHANGED_PATHS)


CategoryPayload = Annotated[
    CategorySaved | ValidationError | NotFoundError | ForbiddenError,
    strawberry.union("CategoryPayload", description="The saved category, or why not."),
]
TagPayload = Annotated[
    TagSaved | ValidationError | NotFoundError | ForbiddenError,
    strawberry.union("TagPayload", description="The saved tag, or why not."),
]
DeleteTermPayload = Annotated[
    TermDeleted | ValidationError | NotFoundError | ForbiddenError,
    strawberry.union("DeleteTermPayload", description="The deletion, or why not."),
]
TERM_REFUSAL: tuple[type[ValidationError | NotFoundError | ForbiddenError], ...] = (
    ValidationError,
    NotFoundError,
    ForbiddenError,
)


def _update(
    kind: str, type_name: str, input_obj: UpdateTermInput
) -> Callable[[CommandEnv], Awaitable[Saved]]:
    async def command(env: CommandEnv) -> Saved:
        fields = decode_asset_ids(given(input_obj))
        term_id = decode_id(fields.pop("id"), type_name, ("input", "id"))
        return await commands.update_term(env, kind, term_id, fields)

    return command


def _delete(
    kind: str, type_name: str, input_obj: DeleteTermInput
) -> Callable[[CommandEnv], Awaitable[Saved]]:
    async def command(env: CommandEnv) -> Saved:
        return await commands.delete_term(
            env, kind, decode_id(input_obj.id, type_name, ("input", "id"))
        )

    return command


def _deleted(input_obj: DeleteTermInput) -> Callable[[Saved], TermDeleted]:
    return lambda s: TermDeleted(deleted_id=input_obj.id, changed_paths=changed_paths(s))


@strawberry.type
class TaxonomyMutation:
    @strawberry.mutation(description="Create a category (editors).")
    async def create_category(
        self, info: Info, input: Annotated[CreateTermInput, INPUT]
    ) -> CategoryPayload:
        async def command(env: CommandEnv) -> Saved:
            return await commands.create_term(env, "category", decode_asset_ids(given(input)))

        return await run(info, command, lambda s: _category(s, info), TERM_REFUSAL)

    @strawberry.mutation(description="Change a category (editors).")
    async def update_category(
        self, info: Info, input: Annotated[UpdateTermInput, INPUT]
    ) -> CategoryPayload:
        return await run(
            info, _update("category", "Category", input), lambda s: _category(s, info), TERM_REFUSAL
        )

    @strawberry.mutation(description="Delete a category (editors).")
    async def delete_category(
        self, info: Info, input: Annotated[DeleteTermInput, INPUT]
    ) -> DeleteTermPayload:
        return await run(
            info, _delete("category", "Category", input), _deleted(input), TERM_REFUSAL
        )

    @strawberry.mutation(description="Create a tag (editors).")
    async def create_tag(self, info: Info, input: Annotated[CreateTermInput, INPUT]) -> TagPayload:
        async def command(env: CommandEnv) -> Saved:
            return await commands.create_term(env, "tag", decode_asset_ids(given(input)))

        return await run(info, command, lambda s: _tag(s, info), TERM_REFUSAL)

    @strawberry.mutation(description="Change a tag (editors).")
    async def update_tag(self, info: Info, input: Annotated[UpdateTermInput, INPUT]) -> TagPayload:
        return await run(info, _update("tag", "Tag", input), lambda s: _tag(s, info), TERM_REFUSAL)

    @strawberry.mutation(description="Delete a tag (editors).")
    async def delete_tag(
        self, info: Info, input: Annotated[DeleteTermInput, INPUT]
    ) -> DeleteTermPayload:
        return await run(info, _delete("tag", "Tag", input), _deleted(input), TERM_REFUSAL)


def _category(saved: Saved, info: Info) -> CategorySaved:
    return CategorySaved(
        category=Category.from_row(saved.row, info), changed_paths=changed_paths(saved)
    )


def _tag(saved: Saved, info: Info) -> TagSaved:
    return TagSaved(tag=Tag.from_row(saved.row, info), changed_paths=changed_paths(saved))
