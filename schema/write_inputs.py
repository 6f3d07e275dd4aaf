"""Input types several mutations share: images, SEO overrides, body format."""

from __future__ import annotations

from enum import Enum

import strawberry
from strawberry import UNSET


@strawberry.enum(description="How a rich-text input is written.")
class BodyFormat(Enum):
    HTML = strawberry.enum_value("HTML", description="HTML; sanitised before it is stored.")
    MARKDOWN = strawberry.enum_value(
        "MARKDOWN", description="CommonMark (plus tables, strikethrough), stored as HTML."
    )


@strawberry.input(
    description="An image: replaces the whole image; send null to remove it. Either an "
    "external `url` or a media library `assetId` (its size and alt text come from the asset; "
    "an `alt` sent here overrides the asset's)."
)
class ImageInput:
    url: str | None = strawberry.field(
        default=None, description="Absolute http(s) URL, at most 500 characters."
    )
    asset_id: strawberry.ID | None = strawberry.field(
        default=None, description="Global ID of a MediaAsset (instead of `url`)."
    )
    alt: str | None = strawberry.field(default=None, description="Alternative text (<= 300).")
    width: int | None = strawberry.field(default=None, description="Width in pixels.")
    height: int | None = strawberry.field(default=None, description="Height in pixels.")


@strawberry.input(
    description="Explicit SEO overrides. Only the fields you send change; null clears an "
    "override so the computed fallback applies again."
)
class SeoFieldsInput:
    meta_title: str | None = strawberry.field(default=UNSET, description="<title> (<= 300).")
    meta_description: str | None = strawberry.field(
        default=UNSET, description="Meta description (<= 500)."
    )
    canonical_url: str | None = strawberry.field(
        default=UNSET, description="Absolute http(s) canonical URL."
    )
    robots_index: bool | None = strawberry.field(
        default=UNSET, description="False adds noindex (null resets to true)."
    )
    robots_follow: bool | None = strawberry.field(
        default=UNSET, description="False adds nofollow (null resets to true)."
    )
    robots_extra: str | None = strawberry.field(
        default=UNSET, description="Extra robots directives, e.g. `noarchive, max-snippet:50`."
    )
    og_title: str | None = strawberry.field(default=UNSET, description="Open Graph title.")
    og_description: str | None = strawberry.field(
        default=UNSET, description="Open Graph description."
    )
    og_image_url: str | None = strawberry.field(
        default=UNSET, description="Open Graph image URL (http(s))."
    )
    twitter_title: str | None = strawberry.field(default=UNSET, description="Twitter card title.")
    twitter_description: str | None = strawberry.field(
        default=UNSET, description="Twitter card description."
    )
    json_ld: str | None = strawberry.field(
        default=UNSET, description="JSON-LD override: a JSON object or array, as text."
    )
