"""Small value types shared by several domains: images, ordering (SEO types: schema.seo.types)."""

from __future__ import annotations

from collections.abc import Awaitable
from enum import Enum
from typing import TypeAlias, TypeVar

import strawberry

from resolvers.access import may_see_audit_fields
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


@strawberry.type(description="An image with its intrinsic size and alternative text.")
class Image:
    url: str = strawberry.field(description="Absolute URL of the image file.")
    alt: str | None = strawberry.field(description="Alternative text for screen readers.")
    width: int | None = strawberry.field(description="Width in pixels.")
    height: int | None = strawberry.field(description="Height in pixels.")

    @classmethod
    def maybe(
        cls, url: str | None, alt: str | None, width: int | None, height: int | None
    ) -> Image | None:
        return None if url is None else cls(url=url, alt=alt, width=width, height=height)


@strawberry.enum(description="Sort direction.")
class OrderDirection(Enum):
    ASC = strawberry.enum_value("ASC", description="Ascending: oldest / A first.")
    DESC = strawberry.enum_value("DESC", description="Descending: newest / Z first.")
