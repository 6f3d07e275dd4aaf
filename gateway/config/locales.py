"""Settings of locales: which locales the site serves, and whether ``Accept-Language`` may
choose one. ``gateway.config.settings.Settings`` inherits them (``default_locale`` is there);
they are read from the same ``GATEWAY_*`` variables."""

from __future__ import annotations

import json
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode

from resolvers.validation import LOCALE_TAG


class LocaleSettings(BaseSettings):
    locales: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        description="Locales the site serves besides GATEWAY_DEFAULT_LOCALE, comma-separated or "
        'a JSON list (e.g. "de,fr"): authors, categories and tags may be translated into them, '
        "sitemaps and feeds exist per locale, and /<locale> home and archive paths (/de, "
        "/de/page/2, /de/categories/x) answer in `route`. Empty: the default locale only.",
    )
    locale_from_accept_language: bool = Field(
        False,
        description="Let the Accept-Language request header choose the locale (among the "
        "configured ones) where a request names none; responses then vary by it (Vary: "
        "Accept-Language, and the response cache keys on the negotiated locale). Off: the "
        "header is never read.",
    )

    @field_validator("locales", mode="before")
    @classmethod
    def _split_locales(cls, value: object) -> object:
        if isinstance(value, str):
            if value.strip().startswith("["):
                try:
                    return json.loads(value)
                except json.JSONDecodeError:
                    raise ValueError("is not a valid JSON list of locales") from None
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("locales")
    @classmethod
    def _check_locales(cls, value: list[str]) -> list[str]:
        cleaned: list[str] = []
        for tag in value:
            tag = tag.strip().lower()
            if not LOCALE_TAG.fullmatch(tag):
                raise ValueError(
                    f"each locale must be a language tag such as de or de-at (got {tag!r})"
                )
            if tag not in cleaned:
                cleaned.append(tag)
        return cleaned
