"""The media library's runtime, built from settings: the storage of originals (ONE factory,
``build_media_storage``), the URL builder, the built-in renderer and its disk cache."""

from __future__ import annotations

from dataclasses import dataclass

from gateway.config.settings import Settings
from gateway.config.storage import build_s3_storage
from resolvers.media.renditions import DiskCache, Renderer
from resolvers.media.storage import LocalStorage, MediaStorage
from resolvers.media.urls import Imgproxy, MediaUrls
from resolvers.media.validation import Limits


def build_media_storage(settings: Settings) -> MediaStorage:
    """Where originals are stored, by ``media_storage``."""
    if settings.media_storage == "s3":
        return build_s3_storage(settings)
    return LocalStorage(settings.media_root / "originals-store")


def build_media_urls(settings: Settings, base_url: str) -> MediaUrls:
    imgproxy = None
    if settings.media_renderer == "imgproxy":
        imgproxy = Imgproxy(
            base_url=str(settings.media_imgproxy_url),
            key=bytes.fromhex(str(settings.media_imgproxy_key)),
            salt=bytes.fromhex(str(settings.media_imgproxy_salt)),
        )
    base = (settings.media_base_url or base_url).rstrip("/")
    return MediaUrls(base, tuple(settings.media_rendition_widths), imgproxy)


@dataclass
class MediaRuntime:
    """One per app: storage, limits, renderer; URLs are built per request (its base URL)."""

    settings: Settings
    storage: MediaStorage
    limits: Limits
    renderer: Renderer

    @classmethod
    def build(cls, settings: Settings) -> MediaRuntime:
        cache = DiskCache(settings.media_root / "renditions", settings.media_cache_max_bytes)
        return cls(
            settings=settings,
            storage=build_media_storage(settings),
            limits=Limits(settings.media_max_bytes, settings.media_max_pixels),
            renderer=Renderer(cache),
        )

    def close(self) -> None:
        """Release the storage's pooled connections (the S3 client has some; a folder none)."""
        close = getattr(self.storage, "close", None)  # not part of the storage contract
        if close is not None:
            close()

    def urls(self, base_url: str) -> MediaUrls:
        return build_media_urls(self.settings, base_url)
