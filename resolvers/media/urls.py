"""Rendition URLs: the immutable paths of the built-in renderer, signed imgproxy URLs, and the
choice of format from an Accept header. One spelling of a rendition (``RenditionSpec.path``)
that both the URL builder and the route that serves it use.

Built-in paths: ``/media/<hash>.<ext>`` (the original) and
``/media/r/<hash>/w640[-h360]-f<cover|contain>[-c<x>x<y>].<ext>`` (a rendition; the focal point
in percent when a crop needs it)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from typing import Any

from resolvers.media.validation import EXTENSIONS, MediaError

FITS = ("cover", "contain")
DEFAULT_WIDTHS = (320, 480, 640, 768, 1024, 1200, 1280, 1600, 1920, 2400)
# Formats a rendition may have, by extension (GIF renditions are not made: first frame as PNG).
RENDITION_EXTENSIONS = tuple(ext for ext in ("jpg", "png", "webp", "avif") if ext in EXTENSIONS)
_SPEC = re.compile(
    r"^w(?P<w>[1-9]\d{0,4})(?:-h(?P<h>[1-9]\d{0,4}))?-f(?P<fit>cover|contain)"
    r"(?:-c(?P<fx>\d{1,3})x(?P<fy>\d{1,3}))?\.(?P<ext>[a-z]+)$"
)
_HASH = re.compile(r"^[0-9a-f]{64}$")


@dataclass(frozen=True, slots=True)
class RenditionSpec:
    width: int
    height: int | None
    fit: str
    extension: str
    focal: tuple[int, int] | None = None  # percent from the left and the top, for crops

    @property
    def name(self) -> str:
        name = f"w{self.width}" + (f"-h{self.height}" if self.height else "") + f"-f{self.fit}"
        if self.focal is not None:
            name += f"-c{self.focal[0]}x{self.focal[1]}"
        return f"{name}.{self.extension}"


def parse_spec(name: str, widths: list[int]) -> RenditionSpec:
    """The rendition a path names; anything but the one canonical spelling of an allowed size
    is refused (MEDIA_BAD_RENDITION, 400)."""
    match = _SPEC.match(name)
    if match is None:
        raise MediaError("MEDIA_BAD_RENDITION", f"Not a rendition name: {name!r}.", 400)
    focal = None
    if match["fx"] is not None:
        focal = (int(match["fx"]), int(match["fy"]))
    spec = RenditionSpec(
        int(match["w"]),
        int(match["h"]) if match["h"] else None,
        match["fit"],
        match["ext"],
        focal,
    )
    check_spec(spec, widths)
    if spec.name != name:
        raise MediaError("MEDIA_BAD_RENDITION", f"Not the canonical name: use {spec.name}.", 400)
    return spec


def check_spec(spec: RenditionSpec, widths: list[int]) -> None:
    for label, size in (("width", spec.width), ("height", spec.height)):
        if size is not None and size not in widths:
            allowed = ", ".join(map(str, widths))
            raise MediaError(
                "MEDIA_SIZE_NOT_ALLOWED", f"The {label} {size} is not one of: {allowed}.", 400
            )
    if spec.height is None and spec.fit != "contain":
        raise MediaError("MEDIA_BAD_RENDITION", "Without a height the fit is `contain`.", 400)
    if spec.extension not in RENDITION_EXTENSIONS:
        raise MediaError("MEDIA_BAD_RENDITION", f"No renditions as .{spec.extension}.", 400)
    if spec.focal is not None and (
        spec.height is None or spec.fit != "cover" or max(spec.focal) > 100
    ):
        raise MediaError("MEDIA_BAD_RENDITION", "A focal point only goes with a crop.", 400)


def is_hash(value: str) -> bool:
    return _HASH.match(value) is not None


def extension_of(mime_type: str) -> str:
    return next(ext for ext, mime in EXTENSIONS.items() if mime == mime_type)


def default_extension(mime_type: str) -> str:
    """A rendition's format when none is asked for: the original's (GIF becomes PNG)."""
    ext = extension_of(mime_type)
    return "png" if ext == "gif" else ext


def negotiate_extension(accept: str | None) -> str | None:
    """The best modern format an Accept header names: AVIF, then WebP, else None (keep the
    original's). The response cache keys answers by this value."""
    accept = (accept or "").lower()
    if "image/avif" in accept and "avif" in RENDITION_EXTENSIONS:
        return "avif"
    if "image/webp" in accept:
        return "webp"
    return None


@dataclass(frozen=True, slots=True)
class Imgproxy:
    """Signed imgproxy URLs (``/<signature>/<options>/<base64url source>.<ext>``): the signature
    is the URL-safe Base64 (unpadded) HMAC-SHA256, keyed with the hex-decoded key, of the
    hex-decoded salt followed by the path after the signature."""

    base_url: str
    key: bytes
    salt: bytes

    def sign(self, path: str) -> str:
        digest = hmac.new(self.key, self.salt + path.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def url(self, source_url: str, spec: RenditionSpec) -> str:
        resize = "fill" if spec.fit == "cover" and spec.height else "fit"
        options = f"/rs:{resize}:{spec.width}:{spec.height or 0}:0"
        if spec.focal is not None:
            options += f"/g:fp:{spec.focal[0] / 100:g}:{spec.focal[1] / 100:g}"
        encoded = base64.urlsafe_b64encode(source_url.encode()).rstrip(b"=").decode()
        path = f"{options}/{encoded}.{spec.extension}"
        return f"{self.base_url.rstrip('/')}/{self.sign(path)}{path}"


@dataclass(frozen=True, slots=True)
class MediaUrls:
    """Builds every URL of an asset: the original and its renditions (built-in or imgproxy)."""

    base_url: str  # where /media is served, e.g. https://cdn.example.com (no trailing slash)
    widths: tuple[int, ...]
    imgproxy: Imgproxy | None = None

    def original(self, asset: Any) -> str:
        return f"{self.base_url}/media/{asset.content_hash}.{extension_of(asset.mime_type)}"

    def rendition(self, asset: Any, spec: RenditionSpec) -> str:
        if self.imgproxy is not None:
            return self.imgproxy.url(self.original(asset), spec)
        return f"{self.base_url}/media/r/{asset.content_hash}/{spec.name}"

    def spec(
        self,
        asset: Any,
        width: int,
        height: int | None,
        fit: str,
        extension: str | None,
    ) -> RenditionSpec:
        focal = None
        if height is None:
            fit = "contain"  # nothing to crop: one name per rendition
        elif fit == "cover":
            focal = (round(asset.focal_x * 100), round(asset.focal_y * 100))
            if focal == (50, 50):
                focal = None
        spec = RenditionSpec(
            width, height, fit, extension or default_extension(asset.mime_type), focal
        )
        check_spec(spec, list(self.widths))
        return spec

    def src_set(self, asset: Any, widths: list[int] | None, extension: str | None) -> str:
        """``url 320w, url 640w, ...``: the allowed widths (or those asked for) up to the
        original's width; a small original is listed at its own width."""
        chosen = sorted(set(widths)) if widths else list(self.widths)
        usable = [w for w in chosen if w <= asset.width]
        entries = [
            f"{self.rendition(asset, self.spec(asset, w, None, 'contain', extension))} {w}w"
            for w in usable
        ]
        if not entries:
            entries = [f"{self.original(asset)} {asset.width}w"]
        return ", ".join(entries)
