"""Small value types shared by several domains: images, ordering (SEO types: schema.seo)."""

from __future__ import annotations

from enum import Enum

import strawberry


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
