"""The MediaAsset node, its focal point, and the rendition arguments (fit, format) shared with
``Image``. URLs come from ``resolvers.media.urls`` through the request's context."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Annotated, Any

import strawberry

from resolvers.media.urls import MediaUrls
from resolvers.media.validation import MediaError
from schema.common import Audited
from schema.context import Info
from schema.relay import Node, to_global_id


@strawberry.enum(description="How a rendition fills a box of the given width and height.")
class ImageFit(Enum):
    COVER = strawberry.enum_value(
        "cover", description="Fill the box, cropping around the focal point."
    )
    CONTAIN = strawberry.enum_value("contain", description="Fit inside the box, no crop.")


@strawberry.enum(description="The file format of a rendition.")
class ImageFormat(Enum):
    AUTO = strawberry.enum_value(
        "auto",
        description="AVIF or WebP when the request's Accept header names them, else the "
        "original's format.",
    )
    JPEG = strawberry.enum_value("jpg", description="JPEG.")
    PNG = strawberry.enum_value("png", description="PNG.")
    WEBP = strawberry.enum_value("webp", description="WebP.")
    AVIF = strawberry.enum_value("avif", description="AVIF.")


Width = Annotated[
    int | None,
    strawberry.argument(description="Width in pixels: one of the server's allowed widths."),
]
Height = Annotated[
    int | None,
    strawberry.argument(description="Height in pixels: one of the allowed widths too."),
]
Fit = Annotated[
    ImageFit, strawberry.argument(description="With a height: crop (COVER) or fit (CONTAIN).")
]
Format = Annotated[
    ImageFormat | None,
    strawberry.argument(description="File format; default: the original's (GIF: PNG)."),
]
Widths = Annotated[
    list[int] | None,
    strawberry.argument(description="Widths to list (allowed ones); default: all allowed."),
]


def media_urls(info: Info) -> MediaUrls:
    return info.context.media_urls()


def _extension(info: Info, fmt: ImageFormat | None) -> str | None:
    if fmt is None:
        return None
    if fmt is ImageFormat.AUTO:
        return info.context.image_extension()
    return str(fmt.value)


def rendition_url(
    info: Info,
    row: Any,
    width: int | None,
    height: int | None,
    fit: ImageFit,
    fmt: ImageFormat | None,
) -> str:
    """The original without arguments; else the rendition they name. A height or format
    without a width uses the largest allowed width up to the original's."""
    urls = media_urls(info)
    if width is None and height is None and fmt is None:
        return urls.original(row)
    if width is None:
        fitting = [w for w in urls.widths if w <= row.width]
        width = fitting[-1] if fitting else urls.widths[0]
    spec = urls.spec(row, width, height, str(fit.value), _extension(info, fmt))
    return urls.rendition(row, spec)


def src_set(info: Info, row: Any, widths: list[int] | None, fmt: ImageFormat | None) -> str:
    urls = media_urls(info)
    for width in widths or ():
        if width not in urls.widths:
            allowed = ", ".join(map(str, urls.widths))
            raise MediaError(
                "MEDIA_SIZE_NOT_ALLOWED", f"The width {width} is not one of: {allowed}.", 400
            )
    return urls.src_set(row, widths, _extension(info, fmt))


def sizes_hint(width: int | None) -> str | None:
    """A ``sizes`` attribute for an image shown at most at its intrinsic width."""
    return None if width is None else f"(max-width: {width}px) 100vw, {width}px"


@strawberry.type(description="Where the interesting part of an image is, from the top left.")
class FocalPoint:
    x: float = strawberry.field(description="From the left edge, 0 to 1.")
    y: float = strawberry.field(description="From the top edge, 0 to 1.")


@strawberry.type(description="An image of the media library: an uploaded original.")
class MediaAsset(Node, Audited):
    id: strawberry.ID = strawberry.field(description="Opaque global ID (Relay).")
    database_id: int = strawberry.field(description="Numeric primary key in the database.")
    content_hash: str = strawberry.field(
        description="SHA-256 of the uploaded bytes: names the asset in every URL."
    )
    filename: str = strawberry.field(description="The uploaded file's name.")
    mime_type: str = strawberry.field(description="The sniffed type, e.g. image/jpeg.")
    byte_size: int = strawberry.field(description="Size of the stored original in bytes.")
    width: int = strawberry.field(description="Width in pixels (orientation applied).")
    height: int = strawberry.field(description="Height in pixels (orientation applied).")
    alt_text: str | None = strawberry.field(description="Alternative text for screen readers.")
    caption: str | None = strawberry.field(description="Caption shown with the image.")
    credit: str | None = strawberry.field(description="Credit line (photographer, agency).")
    focal_point: FocalPoint = strawberry.field(description="Where crops centre.")
    dominant_color: str = strawberry.field(description="The most frequent colour, #rrggbb.")
    placeholder: str = strawberry.field(
        description="A tiny blurred WebP as a data: URI, to show while the image loads."
    )
    created_at: datetime = strawberry.field(description="Upload time.")
    updated_at: datetime = strawberry.field(description="Last change of its description.")
    row: strawberry.Private[Any]

    @classmethod
    def from_row(cls, row: Any) -> MediaAsset:
        return cls(
            id=to_global_id("MediaAsset", row.id),
            database_id=row.id,
            content_hash=row.content_hash,
            filename=row.filename,
            mime_type=row.mime_type,
            byte_size=row.byte_size,
            width=row.width,
            height=row.height,
            alt_text=row.alt_text,
            caption=row.caption,
            credit=row.credit,
            focal_point=FocalPoint(x=row.focal_x, y=row.focal_y),
            dominant_color=row.dominant_color,
            placeholder=row.blur_placeholder,
            created_at=row.created_at,
            updated_at=row.updated_at,
            row=row,
            created_by_label=row.created_by,
            updated_by_label=row.updated_by,
        )

    @strawberry.field(
        description="The original's URL; with arguments, the URL of a rendition (immutable)."
    )
    def url(
        self,
        info: Info,
        width: Width = None,
        height: Height = None,
        fit: Fit = ImageFit.COVER,
        format: Format = None,
    ) -> str:
        return rendition_url(info, self.row, width, height, fit, format)

    @strawberry.field(description="`srcset` value: renditions at the allowed widths.")
    def src_set(self, info: Info, widths: Widths = None, format: Format = None) -> str:
        return src_set(info, self.row, widths, format)
