"""Translation mutations: set or remove the translation of an author, category or tag in one
locale (who may: whoever may edit the entity itself). See docs/locales.md."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

import strawberry
from strawberry import UNSET

from resolvers.commands import CommandEnv, Saved, ValidationFailed
from resolvers.content.locales import translation_commands as commands
from resolvers.errors import UserInputError
from schema.content.nodes import Author, Category, Tag
from schema.context import Info
from schema.mutation_types import (
    CHANGED_PATHS,
    INPUT,
    ForbiddenError,
    NotFoundError,
    ValidationError,
    changed_paths,
    given,
    run,
)
from schema.relay import Node, from_global_id

KINDS = {"Author": "author", "Category": "category", "Tag": "tag"}
TYPES: dict[str, type[Author] | type[Category] | type[Tag]] = {
    "author": Author,
    "category": Category,
    "tag": Tag,
}


@strawberry.input(
    description="Create or change the translation of an author, category or tag in one "
    "locale: only the fields you send change; a new translation needs `name`."
)
class SetTranslationInput:
    id: strawberry.ID = strawberry.field(description="Global ID of the author, category or tag.")
    locale: str = strawberry.field(
        description="One of GATEWAY_LOCALES (not the default locale: that is the entity itself)."
    )
    name: str | None = strawberry.field(default=UNSET, description="Name in the locale (<= 200).")
    slug: str | None = strawberry.field(
        default=UNSET,
        description="URL name in the locale, unique there; made from the name when a new "
        "translation has none. Changing it leaves a 301 from the old localized path.",
    )
    description: str | None = strawberry.field(
        default=UNSET,
        description="Description (an author's bio: HTML) in the locale; null falls back to "
        "the default locale's.",
    )
    meta_title: str | None = strawberry.field(
        default=UNSET, description="SEO title override in the locale (<= 300)."
    )
    meta_description: str | None = strawberry.field(
        default=UNSET, description="SEO description override in the locale (<= 500)."
    )


@strawberry.input(description="Remove a translation: the entity falls back to its own text.")
class RemoveTranslationInput:
    id: strawberry.ID = strawberry.field(description="Global ID of the author, category or tag.")
    locale: str = strawberry.field(description="The translation's locale.")


@strawberry.type(description="The entity as it reads in the locale after the mutation.")
class TranslationSaved:
    node: Node = strawberry.field(
        description="The author, category or tag in the locale (its name, slug, path)."
    )
    locale: str = strawberry.field(description="The translation's locale.")
    changed_paths: list[str] = strawberry.field(description=CHANGED_PATHS)


TranslationPayload = Annotated[
    TranslationSaved | ValidationError | NotFoundError | ForbiddenError,
    strawberry.union("TranslationPayload", description="The saved translation, or why not."),
]
REFUSALS: tuple[type[ValidationError | NotFoundError | ForbiddenError], ...] = (
    ValidationError,
    NotFoundError,
    ForbiddenError,
)


def _target(global_id: str) -> tuple[str, int]:
    try:
        type_name, entity_id = from_global_id(global_id)
    except UserInputError as exc:
        raise ValidationFailed.one(("input", "id"), str(exc), "INVALID_ID") from None
    if type_name not in KINDS:
        raise ValidationFailed.one(
            ("input", "id"), "Only authors, categories and tags are translated.", "INVALID_ID"
        )
    return KINDS[type_name], entity_id


def _saved(info: Info, locale: str) -> Callable[[Saved], TranslationSaved]:
    def build(saved: Saved) -> TranslationSaved:
        row = saved.row
        node = TYPES[row.kind].from_row(row, info, row.locale)
        return TranslationSaved(node=node, locale=row.locale, changed_paths=changed_paths(saved))

    return build


def _set(input_obj: SetTranslationInput) -> Callable[[CommandEnv], Awaitable[Saved]]:
    async def command(env: CommandEnv) -> Saved:
        fields = given(input_obj)
        kind, entity_id = _target(fields.pop("id"))
        return await commands.set_translation(env, kind, entity_id, fields.pop("locale"), fields)

    return command


def _remove(input_obj: RemoveTranslationInput) -> Callable[[CommandEnv], Awaitable[Saved]]:
    async def command(env: CommandEnv) -> Saved:
        kind, entity_id = _target(input_obj.id)
        return await commands.remove_translation(env, kind, entity_id, input_obj.locale)

    return command


@strawberry.type
class TranslationMutation:
    @strawberry.mutation(
        description="Create or change the translation of an author, category or tag in one "
        "locale (editors; an author also their own)."
    )
    async def set_translation(
        self, info: Info, input: Annotated[SetTranslationInput, INPUT]
    ) -> TranslationPayload:
        return await run(info, _set(input), _saved(info, input.locale), REFUSALS)

    @strawberry.mutation(
        description="Remove the translation of an author, category or tag in one locale; "
        "its localized path redirects to the fallback (editors; an author also their own)."
    )
    async def remove_translation(
        self, info: Info, input: Annotated[RemoveTranslationInput, INPUT]
    ) -> TranslationPayload:
        return await run(info, _remove(input), _saved(info, input.locale), REFUSALS)
