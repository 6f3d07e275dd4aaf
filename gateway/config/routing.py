"""Settings of archive pages: how many articles an archive page lists, and how a numbered page
is titled (which locales have /<locale> archive paths is GATEWAY_LOCALES, in
``gateway.config.locales``). ``Settings`` inherits them; read from ``GATEWAY_*`` variables."""

from __future__ import annotations

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings


class RoutingSettings(BaseSettings):
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

    @field_validator("seo_paged_title_template")
    @classmethod
    def _check_paged_title(cls, value: str) -> str:
        if "{page}" not in value:
            raise ValueError("GATEWAY_SEO_PAGED_TITLE_TEMPLATE must contain {page}.")
        return value
