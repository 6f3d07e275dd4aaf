"""Article input: turns the fields a client sent into column values, links and SEO values,
recording every invalid field (see ``resolvers/validation.py`` for the codes)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from resolvers.commands import CommandEnv, Problems
from resolvers.content.links import LINK_KINDS
from resolvers.content.richtext import MAX_BODY, check_plain, check_rich_text, reading_time_minutes
from resolvers.db import as_utc
from resolvers.seo.commands import check_seo
from resolvers.validation import (
    check_aware,
    check_locale,
    check_range,
    check_slug,
    check_text,
    check_url,
)

IN = ("input",)


def check_fields(
    env: CommandEnv, problems: Problems, given: dict[str, Any], *, creating: bool
) -> tuple[dict[str, Any], dict[str, list[int]], dict[str, Any] | None]:
    """Column values, link lists and SEO values for the keys present in ``given``."""
    values: dict[str, Any] = {}
    if creating or "title" in given:
        values["title"] = check_text(
            problems, (*IN, "title"), given.get("title"), max_length=300, required=True
        )
    if creating or "slug" in given:
        if not creating and given.get("slug") is None:
            problems.add((*IN, "slug"), "`slug` cannot be removed; pass a new one.", "REQUIRED")
        else:
            values["slug"] = check_slug(
                problems, (*IN, "slug"), given.get("slug"), values.get("title")
            )
    if "locale" in given or creating:
        locale = given.get("locale") or env.site.default_locale
        values["locale"] = check_locale(problems, (*IN, "locale"), locale)
    if "excerpt" in given:
        values["excerpt"] = check_plain(problems, (*IN, "excerpt"), given["excerpt"], 1000)
    if "body" in given:
        body = check_rich_text(
            problems, (*IN, "body"), given["body"] or "", given.get("body_format", "html"),
            MAX_BODY, frozenset(env.site.embed_hosts),
        )  # fmt: skip
        values["body"] = body or ""
        values["reading_time_minutes"] = reading_time_minutes(values["body"])
    if "translation_group" in given:
        values["translation_group"] = check_text(
            problems, (*IN, "translation_group"), given["translation_group"], max_length=64
        )
    if "feature_image" in given:
        values.update(check_image(problems, (*IN, "feature_image"), given["feature_image"]))
    if "unpublish_at" in given:
        values["unpublish_at"] = check_aware(problems, (*IN, "unpublish_at"), given["unpublish_at"])
    links = {kind: given[f"{kind}_ids"] for kind in LINK_KINDS if f"{kind}_ids" in given}
    seo = check_seo(problems, (*IN, "seo"), given["seo"]) if given.get("seo") else None
    return values, links, seo


def check_image(
    problems: Problems, path: tuple[str, ...], image: dict[str, Any] | None
) -> dict[str, Any]:
    """An image replaces all four columns; None removes the image."""
    image = image or {}
    url = check_url(problems, (*path, "url"), image.get("url"))
    asset_id = image.get("asset_id")
    if image and url is None and asset_id is None:
        problems.add((*path, "url"), "An image needs a URL or an asset.", "REQUIRED")
    return {
        "feature_image_url": url,
        "feature_image_asset_id": asset_id,
        "feature_image_alt": check_text(problems, (*path, "alt"), image.get("alt"), max_length=300),
        "feature_image_width": check_range(
            problems, (*path, "width"), image.get("width"), 1, 20000
        ),
        "feature_image_height": check_range(
            problems, (*path, "height"), image.get("height"), 1, 20000
        ),
    }


def check_window(
    problems: Problems, published_at: datetime | None, unpublish_at: datetime | None
) -> None:
    """A publication ends after it starts."""
    start, end = as_utc(published_at), as_utc(unpublish_at)
    if start is not None and end is not None and end <= start:
        problems.add(
            (*IN, "unpublish_at"),
            f"`unpublishAt` ({end.isoformat()}) must be after `publishedAt` ({start.isoformat()}).",
            "OUT_OF_RANGE",
        )
