"""Settings of the media library: where originals live, upload limits, renditions (built-in
Pillow renderer or signed imgproxy URLs). ``gateway.config.settings.Settings`` inherits them;
they are read from the same ``GATEWAY_*`` variables."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings

from resolvers.media.urls import DEFAULT_WIDTHS


class MediaSettings(BaseSettings):
    media_root: Path = Field(
        Path("./media"),
        description="Folder of the local storage (originals) and of the rendition cache.",
    )
    media_max_bytes: int = Field(
        20_000_000, ge=1, description="Largest accepted upload, in bytes (413 above)."
    )
    media_max_pixels: int = Field(
        50_000_000,
        ge=1,
        description="Most pixels (width x height x frames) an upload may have: larger images, "
        "decompression bombs included, are refused.",
    )
    media_rendition_widths: list[int] = Field(
        default_factory=lambda: list(DEFAULT_WIDTHS),
        description="The only widths (and heights) renditions are made at, as JSON: any other "
        "size is refused, so nobody can make the server render arbitrary sizes.",
    )
    media_cache_max_bytes: int = Field(
        1_000_000_000,
        ge=1,
        description="Size of the built-in renderer's disk cache; the least recently used "
        "renditions are evicted past it.",
    )
    media_renderer: Literal["builtin", "imgproxy"] = Field(
        "builtin",
        description="Who makes renditions: the built-in Pillow renderer, or an imgproxy "
        "server (the gateway then only builds signed URLs).",
    )
    media_base_url: str | None = Field(
        None,
        description="Public base URL of the gateway's /media routes (e.g. a CDN in front of "
        "it); default: the base URL of the request.",
    )
    media_imgproxy_url: str | None = Field(
        None, description="Base URL of the imgproxy server (media_renderer=imgproxy)."
    )
    media_imgproxy_key: str | None = Field(
        None, description="imgproxy signing key, hex encoded (IMGPROXY_KEY)."
    )
    media_imgproxy_salt: str | None = Field(
        None, description="imgproxy signing salt, hex encoded (IMGPROXY_SALT)."
    )

    @model_validator(mode="after")
    def _check_media(self) -> MediaSettings:
        widths = self.media_rendition_widths
        if not widths or any(w < 1 or w > 10_000 for w in widths):
            raise ValueError("media_rendition_widths: 1 to 10000 pixels each, at least one")
        self.media_rendition_widths = sorted(set(widths))
        if self.media_renderer == "imgproxy":
            needed = ("media_imgproxy_url", "media_imgproxy_key", "media_imgproxy_salt")
            missing = [name for name in needed if not getattr(self, name)]
            if missing:
                raise ValueError(f"media_renderer=imgproxy needs {', '.join(missing)}")
            for name in needed[1:]:
                try:
                    bytes.fromhex(str(getattr(self, name)))
                except ValueError:
                    raise ValueError(f"{name} must be hex encoded") from None
        return self
