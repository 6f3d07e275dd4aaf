"""Typed mutation errors for the webhook mutations.

Stand-ins with the shape the writes issue (#4) defines in ``schema/mutation_types.py``; once that
lands, the webhook mutations use its types and this module goes away.
"""

from __future__ import annotations

import strawberry


@strawberry.type(description="One invalid input field.")
class FieldError:
    path: list[str] = strawberry.field(description='Where the field is, e.g. ["input", "url"].')
    message: str = strawberry.field(description="What is wrong, in words a person can act on.")
    code: str = strawberry.field(
        description="Machine-readable reason: REQUIRED, INVALID_URL, UNSAFE_URL, "
        "UNRESOLVABLE_HOST, INVALID_EVENT_TYPE, TOO_LONG, INVALID_ID, ..."
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


@strawberry.type(description="The viewer may not do this (or is not signed in).")
class ForbiddenError(MutationError):
    pass
