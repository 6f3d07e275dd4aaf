"""Settings of the SEO layer: site metadata, social cards, sitemaps, feeds and robots.txt.
``gateway.config.settings.Settings`` inherits them (its validators check robots rules); they
are read from the same ``GATEWAY_*`` variables."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field
from pydantic_settings import BaseSettings, NoDecode


class SeoSettings(BaseSettings):
    site_description: str | None = Field(
        None, description="Meta description of the home page (and of the site in feeds)."
    )
    site_logo_url: str | None = Field(
        None, description="Absolute URL of the publisher logo used in JSON-LD."
    )
    seo_default_image_url: str | None = Field(
        None, description="Open Graph / Twitter image of pages that have no image of their own."
    )
    twitter_site: str | None = Field(
        None, description="The site's Twitter/X handle (twitter:site), with or without @."
    )
    seo_article_type: Literal["Article", "BlogPosting", "NewsArticle"] = Field(
        "BlogPosting", description="schema.org type of articles in JSON-LD."
    )
    embed_hosts: list[str] = Field(
        default_factory=list,
        description="Hosts whose https <iframe> embeds article bodies may contain, as JSON "
        '(e.g. ["www.youtube-nocookie.com", "player.vimeo.com"]); empty: embeds are refused.',
    )
    seo_og_locales: dict[str, str] = Field(
        default_factory=dict,
        description='og:locale per content locale, as JSON (e.g. {"en": "en_GB", "pt": '
        '"pt_BR"}); merged over the defaults (en -> en_US, de -> de_DE, fr -> fr_FR, ...).',
    )
    sitemap_chunk_size: int = Field(
        50_000,
        ge=1,
        le=50_000,
        description="URLs per sitemap file; more URLs turn /sitemap.xml into an index.",
    )
    feed_size: int = Field(20, ge=1, le=100, description="Articles per RSS/Atom feed.")
    feed_full_content: bool = Field(
        False, description="Put the full article body into feeds (else the summary only)."
    )
    robots_disallow: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Paths robots.txt disallows, comma-separated (or a JSON list), e.g. "
        '"/search,/preview"; "/" blocks all.',
    )
    robots_txt_extra: str | None = Field(
        None, description="Extra lines appended to robots.txt verbatim."
    )
    seo_files_max_age: int = Field(
        300, ge=0, description="Cache-Control max-age (seconds) of sitemaps, feeds, robots.txt."
    )
