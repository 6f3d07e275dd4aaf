"""Small value types shared by several domains: audit fields, ordering (images:
schema.media.image; SEO types: schema.seo.types)."""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime
from enum import Enum
from typing import TypeAlias, TypeVar

import strawberry

from resolvers.access import may_see_audit_fields
from resolvers.db import as_utc
from resolvers.errors import UserInputError
from schema.context import Info

T = TypeVar("T")
# What a field resolves to when its value may already be loaded: the value itself (no awaitable
# per item, the fast path for list items), or an awaitable that loads it. Such fields state
# their GraphQL type with ``graphql_type=``; graphql-core awaits whichever it gets.
MaybeAwaitable: TypeAlias = T | Awaitable[T]


@strawberry.interface(description="Content editors write: records who created and last changed it.")
class Audited:
    created_by_label: strawberry.Private[str | None]
    updated_by_label: strawberry.Private[str | None]

    @strawberry.field(
        description="Who created it (`token:<name>`, `jwt:<subject>` or `cli`); null for "
        "anonymous viewers and for content that predates tracking."
    )
    def created_by(self, info: Info) -> str | None:
        return self.created_by_label if may_see_audit_fields(info.context.viewer) else None

    @strawberry.field(description="Who changed it last; null for anonymous viewers.")
    def updated_by(self, info: Info) -> str | None:
        return self.updated_by_label if may_see_audit_fields(info.context.viewer) else None


@strawberry.enum(description="Sort direction.")
class OrderDirection(Enum):
    ASC = strawberry.enum_value("ASC", description="Ascending: oldest / A first.")
    DESC = strawberry.enum_value("DESC", description="Descending: newest / Z first.")


def utc_instant(value: datetime | None, name: str) -> datetime | None:
    """A DateTime argument as a UTC instant: it needs a time zone, and must stay within the
    years 1-9999 once in UTC (``0001-01-01T00:00:00+14:00`` does not)."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise UserInputError(f"`{name}` needs a time zone, e.g. 2026-01-31T09:00:00Z.")
    try:
        return as_utc(value)
    except OverflowError:
        raise UserInputError(
            f"`{name}` is out of range: in UTC it must fall within the years 1 to 9999."
        ) from None
