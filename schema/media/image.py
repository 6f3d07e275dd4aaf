"""``Image``: an image as articles, authors and terms show it. Either an external URL that an
editor typed (shown as given, no renditions) or an asset of the media library, whose size, alt
text and renditions come from the asset (an alt text stored with the reference wins)."""

from __future__ import annotations

from typing import Any

import strawberry

from schema.common import MaybeAwaitable
from schema.context import Info
from schema.media.types import (
    Fit,
    Format,
    Height,
    ImageFit,
    MediaAsset,
    Width,
    Widths,
    rendition_url,
    sizes_hint,
    src_set,
)


@strawberry.type(
    description="An image with its intrinsic size and alternative text; an image of the "
    "media library also has renditions (`url(width:)`, `srcSet`), a placeholder and a "
    "dominant colour."
)
class Image:
    source_url: strawberry.Private[str | None]
    own_alt: strawberry.Private[str | None]
    own_width: strawberry.Private[int | None]
    own_height: strawberry.Private[int | None]
    asset_id: strawberry.Private[int | None] = None

    @classmethod
    def maybe(
        cls,
        url: str | None,
        alt: str | None,
        width: int | None,
        height: int | None,
        asset_id: int | None = None,
    ) -> Image | None:
        """None when there is neither an external URL nor an asset."""
        if url is None and asset_id is None:
            return None
        return cls(
            source_url=url, own_alt=alt, own_width=width, own_height=height, asset_id=asset_id
        )

    async def _asset(self, info: Info) -> Any:
        assert self.asset_id is not None
        return await info.context.loaders.media_asset_by_id.load(self.asset_id)

    async def _asset_url(self, info: Info, *args: Any) -> str:
        row = await self._asset(info)
        if row is None:  # deleted meanwhile (references are cleared in the same transaction)
            return self.source_url or ""
        return rendition_url(info, row, *args)

    @strawberry.field(
        graphql_type=str,
        description="Absolute URL of the image file. For a library image, arguments ask for a "
        "rendition (immutable URL, allowed widths only); an external image ignores them.",
    )
    def url(
        self,
        info: Info,
        width: Width = None,
        height: Height = None,
        fit: Fit = ImageFit.COVER,
        format: Format = None,
    ) -> MaybeAwaitable[str]:
        if self.asset_id is None:
            return self.source_url or ""
        return self._asset_url(info, width, height, fit, format)

    async def _value(self, info: Info, name: str, own: Any) -> Any:
        if own is not None:
            return own
        row = await self._asset(info)
        return getattr(row, name) if row is not None else None

    @strawberry.field(graphql_type=str | None, description="Alternative text for screen readers.")
    def alt(self, info: Info) -> MaybeAwaitable[str | None]:
        if self.asset_id is None:
            return self.own_alt
        return self._value(info, "alt_text", self.own_alt)

    @strawberry.field(graphql_type=int | None, description="Width in pixels.")
    def width(self, info: Info) -> MaybeAwaitable[int | None]:
        if self.asset_id is None:
            return self.own_width
        return self._value(info, "width", None)

    @strawberry.field(graphql_type=int | None, description="Height in pixels.")
    def height(self, info: Info) -> MaybeAwaitable[int | None]:
        if self.asset_id is None:
            return self.own_height
        return self._value(info, "height", None)

    @strawberry.field(
        graphql_type=str | None,
        description="`srcset` value of a library image (renditions up to its width); null for "
        "an external image.",
    )
    def src_set(
        self, info: Info, widths: Widths = None, format: Format = None
    ) -> MaybeAwaitable[str | None]:
        if self.asset_id is None:
            return None
        return self._src_set(info, widths, format)

    async def _src_set(self, info: Info, widths: Any, fmt: Any) -> str | None:
        row = await self._asset(info)
        return None if row is None else src_set(info, row, widths, fmt)

    @strawberry.field(
        graphql_type=str | None,
        description="A `sizes` hint for the image shown at most at its intrinsic width, e.g. "
        "`(max-width: 1600px) 100vw, 1600px`; null when the width is unknown.",
    )
    def sizes(self, info: Info) -> MaybeAwaitable[str | None]:
        if self.asset_id is None:
            return sizes_hint(self.own_width)
        return self._sizes(info)

    async def _sizes(self, info: Info) -> str | None:
        return sizes_hint(await self._value(info, "width", None))

    @strawberry.field(
        graphql_type=str | None,
        description="A tiny blurred preview (data: URI) of a library image; null otherwise.",
    )
    def placeholder(self, info: Info) -> MaybeAwaitable[str | None]:
        return None if self.asset_id is None else self._value(info, "blur_placeholder", None)

    @strawberry.field(
        graphql_type=str | None,
        description="Dominant colour (#rrggbb) of a library image; null otherwise.",
    )
    def dominant_color(self, info: Info) -> MaybeAwaitable[str | None]:
        return None if self.asset_id is None else self._value(info, "dominant_color", None)

    @strawberry.field(
        graphql_type=MediaAsset | None,
        description="The media library asset; null for an external image.",
    )
    def asset(self, info: Info) -> MaybeAwaitable[MediaAsset | None]:
        if self.asset_id is None:
            return None
        return self._media_asset(info)

    async def _media_asset(self, info: Info) -> MediaAsset | None:
        row = await self._asset(info)
        return None if row is None else MediaAsset.from_row(row)
