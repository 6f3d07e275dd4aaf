"""Speaking slugs: lowercase ASCII words joined by hyphens; German umlauts become ae/oe/ue."""

from __future__ import annotations

import re

from slugify import slugify

GERMAN = [["Ä", "Ae"], ["Ö", "Oe"], ["Ü", "Ue"], ["ä", "ae"], ["ö", "oe"], ["ü", "ue"], ["ß", "ss"]]
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_SLUG_LENGTH = 200


def make_slug(text: str) -> str:
    return slugify(text, replacements=GERMAN, max_length=MAX_SLUG_LENGTH, word_boundary=True)


def is_valid_slug(slug: str) -> bool:
    return len(slug) <= MAX_SLUG_LENGTH and SLUG_RE.fullmatch(slug) is not None
