"""Settings of archive pages and locale paths: which locales have home and archive paths, how
many articles an archive page lists, and how a numbered page is titled. ``Settings`` inherits
them; they are read from the same ``GATEWAY_*`` variables."""

from __future__ import annotations

import json
import re
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode

LOCALE_TAG = re.compile(r"^[a-z]{2,3}(?:-[a-z0-9]{2,8})*$")


class RoutingSettings(BaseSettings):
    locales: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Locales besides GATEWAY_DEFAULT_LOCALE whose home and archive pages "
        'have /<locale> paths, comma-separated (or a JSON list), e.g. "de,fr"; /de, /de/page/2, '
        "/de/categories/x answer only for these. Article paths carry their locale either way.",
    )
    archive_page_size: int = Field(
        10,
        ge=1,
        le=100,
        description="Articles per archive page that `route` serves (/page/2, "
        "/categories/x/page/3), like WordPress's posts_per_page.",
    )
    seo_paged_title_template: str = Field(
        "{title} - Page {page}",
        description="Title of archive page 2 and later: {title} is the archive's name (meta "
        "title, term or author name, or the site name), {page} the page number and {pages} "
        "the number of pages; the site's title template then applies as on page 1.",
    )
    seo_noindex_paged: bool = Field(
        False,
        description="Mark archive pages 2 and later noindex (they keep follow); off: they are "
        "indexed like page 1, each with its own canonical URL.",
    )

    @field_validator("locales", mode="before")
    @classmethod
    def _split_locales(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                try:
                    return json.loads(text)
                except json.JSONDecodeError:
                    raise ValueError("is not a valid JSON list of locales") from None
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    @field_validator("locales")
    @classmethod
    def _check_locales(cls, value: list[str]) -> list[str]:
        for tag in value:
            if not LOCALE_TAG.match(tag):
                raise ValueError(
                    f"{tag!r} is not a lower-case locale tag such as de or pt-br (GATEWAY_LOCALES)."
                )
        return list(dict.fromkeys(value))

    @field_validator("seo_paged_title_template")
    @classmethod
    def _check_paged_title(cls, value: str) -> str:
        if "{page}" not in value:
            raise ValueError("GATEWAY_SEO_PAGED_TITLE_TEMPLATE must contain {page}.")
        return value
