"""Small value types shared by several domains: images, SEO metadata, ordering."""

from __future__ import annotations

from enum import Enum

import strawberry

from resolvers.access import may_see_audit_fields
from resolvers.seo import SeoData
from schema.context import Info


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


@strawberry.type(description="Search-engine metadata for one page, with fallbacks applied.")
class Seo:
    title: str = strawberry.field(
        description="The <title>: the explicit meta title, else the entity's title in the "
        "site's title template."
    )
    description: str | None = strawberry.field(
        description="Meta description: explicit, else the excerpt, else the body's text cut "
        "at a word boundary (at most 160 characters)."
    )
    canonical_url: str = strawberry.field(description="Absolute canonical URL.")
    robots: str = strawberry.field(
        description='Robots directives, e.g. "index, follow, max-image-preview:large".'
    )
    noindex: bool = strawberry.field(description="True when search engines must not index.")
    nofollow: bool = strawberry.field(description="True when links must not be followed.")

    @classmethod
    def from_data(cls, data: SeoData) -> Seo:
        return cls(
            title=data.title,
            description=data.description,
            canonical_url=data.canonical_url,
            robots=data.robots,
            noindex=data.noindex,
            nofollow=data.nofollow,
        )


@strawberry.enum(description="Sort direction.")
class OrderDirection(Enum):
    ASC = strawberry.enum_value("ASC", description="Ascending: oldest / A first.")
    DESC = strawberry.enum_value("DESC", description="Descending: newest / Z first.")
