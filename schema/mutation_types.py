"""What every mutation shares: the typed errors of its payload union, input conversion, and
``run``, which executes a command and turns its refusals into those error types.

Payloads are unions of one success type and ``ValidationError | NotFoundError | ConflictError |
ForbiddenError`` (all implement ``MutationError``). Unexpected failures are not payload members:
the command's transaction rolls back and the response carries a masked top-level
``INTERNAL_SERVER_ERROR``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from enum import Enum
from typing import Any, TypeVar

import strawberry

from resolvers.commands import (
    CommandEnv,
    CommandError,
    EntityNotFound,
    PermissionDenied,
    Saved,
    ValidationFailed,
    VersionConflict,
)
from resolvers.errors import UserInputError
from schema.context import Info
from schema.relay import from_global_id, to_global_id

TYPE_NAMES = {"article": "Article", "author": "Author", "category": "Category", "tag": "Tag"}


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


@strawberry.type(description="One invalid input field.")
class FieldError:
    path: list[str] = strawberry.field(
        description='Where the field is, e.g. ["input", "seo", "metaTitle"] or '
        '["input", "tagIds", "2"].'
    )
    message: str = strawberry.field(description="What is wrong, in words a person can act on.")
    code: str = strawberry.field(
        description="Machine-readable reason: REQUIRED, TOO_LONG, INVALID_SLUG, SLUG_TAKEN, "
        "INVALID_URL, TIMEZONE_REQUIRED, UNSAFE_HTML, NOT_FOUND, INVALID_ID, REDIRECT_LOOP, "
        "SHADOWS_LIVE_PATH, ..."
    )


@strawberry.interface(description="An expected reason a mutation did not happen.")
class MutationError:
    message: str = strawberry.field(description="Explanation for people.")


@strawberry.type(description="The input was refused; nothing was written.")
class ValidationError(MutationError):
    fields: list[FieldError] = strawberry.field(description="Every invalid field.")


@strawberry.type(description="The object to change does not exist (or was deleted).")
class NotFoundError(MutationError):
    id: strawberry.ID | None = strawberry.field(description="The ID that was not found.")


@strawberry.type(
    description="Someone else changed the object since you read it; nothing was written. "
    "Reload, re-apply your change and send the new version."
)
class ConflictError(MutationError):
    current_version: int = strawberry.field(description="The version stored now.")


@strawberry.type(description="The viewer may not do this (or is not signed in).")
class ForbiddenError(MutationError):
    pass


def error_payload(exc: CommandError) -> MutationError:
    if isinstance(exc, ValidationFailed):
        fields = [
            FieldError(path=[camel(p) for p in f.path], message=f.message, code=f.code)
            for f in exc.problems
        ]
        return ValidationError(message=str(exc), fields=fields)
    if isinstance(exc, EntityNotFound):
        type_name = TYPE_NAMES.get(exc.entity)
        gid = None
        if type_name is not None and isinstance(exc.entity_id, int):
            gid = to_global_id(type_name, exc.entity_id)
        return NotFoundError(message=str(exc), id=gid)
    if isinstance(exc, VersionConflict):
        return ConflictError(message=str(exc), current_version=exc.current_version)
    if isinstance(exc, PermissionDenied):
        return ForbiddenError(message=str(exc))
    raise exc  # an unknown CommandError subclass is a programming error


def decode_id(value: str, type_name: str, path: tuple[str, ...]) -> int:
    """A global ID of ``type_name``; anything else is a ValidationError on ``path``."""
    try:
        return from_global_id(value, type_name)[1]
    except UserInputError as exc:
        raise ValidationFailed.one(path, str(exc), "INVALID_ID") from None


def decode_ids(values: list[strawberry.ID], type_name: str, path: tuple[str, ...]) -> list[int]:
    return [decode_id(v, type_name, (*path, str(i))) for i, v in enumerate(values)]


def given(input_obj: Any) -> dict[str, Any]:
    """The fields a client actually sent (UNSET left out), nested inputs as dicts, enums as
    lower-case values; keys are the Python (snake_case) names."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(input_obj):
        value = getattr(input_obj, f.name)
        if value is strawberry.UNSET:
            continue
        if dataclasses.is_dataclass(value):
            value = given(value)
        elif isinstance(value, Enum):
            value = str(value.value).lower()
        out[f.name] = value
    return out


Refusal = ValidationError | NotFoundError | ConflictError | ForbiddenError
# Every refusal a command can end in; a payload union that lacks some lists the ones it has.
ANY_REFUSAL: tuple[type[Refusal], ...] = (
    ValidationError,
    NotFoundError,
    ConflictError,
    ForbiddenError,
)
T = TypeVar("T")
E = TypeVar("E", bound=MutationError)


async def run(
    info: Info,
    command: Callable[[CommandEnv], Awaitable[Saved]],
    success: Callable[[Saved], T],
    refusals: tuple[type[E], ...],
) -> T | E:
    """Run one command; refusals become error payloads, success clears stale loader keys.

    ``refusals`` are the error members of the mutation's payload union: a refusal outside them
    is a programming error and surfaces as such (a masked INTERNAL_SERVER_ERROR), not as a
    union the schema cannot resolve."""
    env = info.context.command_env()
    env.operation = info.field_name  # the mutation, as its revisions will name it
    try:
        saved = await command(env)
    except CommandError as exc:
        refusal = error_payload(exc)
        if isinstance(refusal, refusals):
            return refusal
        raise
    info.context.loaders.forget(saved.changes)
    return success(saved)


def changed_paths(saved: Saved) -> list[str]:
    return sorted(saved.changes.paths())


INPUT = strawberry.argument(description="Everything the mutation needs; see the input type.")

CHANGED_PATHS = (
    "Site paths whose response changed (old and new paths, redirects): revalidate these in "
    "a front end's cache."
)
