"""Input rules shared by every command: lengths, URLs, slugs, time zones, e-mail, JSON.

Each ``check_*`` takes the ``Problems`` collector and the field's path, returns the cleaned value
and records a coded problem instead of raising, so one response lists every bad field. Codes:
``REQUIRED``, ``TOO_LONG``, ``INVALID_SLUG``, ``SLUG_TAKEN``, ``INVALID_URL``,
``TIMEZONE_REQUIRED``, ``INVALID_EMAIL``, ``INVALID_HANDLE``, ``INVALID_LOCALE``,
``OUT_OF_RANGE``, ``INVALID_JSON``, ``INVALID_ROBOTS``, ``UNSAFE_HTML``, ``NOT_FOUND``,
``INVALID_ID``, ``DUPLICATE``, ``INVALID_PATH``, ``REDIRECT_LOOP``, ``SHADOWS_LIVE_PATH``,
``TARGET_GONE``, ``INVALID_STATUS``, ``IN_USE``.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from resolvers.commands import Problems
from resolvers.content.slugs import MAX_SLUG_LENGTH, is_valid_slug, make_slug
from resolvers.db import as_utc

Path = tuple[str, ...]

MAX_URL = 500
_SPACE = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_HANDLE = re.compile(r"^[A-Za-z0-9_]{1,15}$")
LOCALE_TAG = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$")  # a lower-case language tag: de, pt-br
_ROBOTS = re.compile(r"^[a-z0-9:, \-]*$")


def within_length(problems: Problems, path: Path, value: str, max_length: int) -> bool:
    """The one length rule of text input: at most ``max_length`` characters (``TOO_LONG``)."""
    if len(value) <= max_length:
        return True
    problems.add(
        path,
        f"`{path[-1]}` is {len(value)} characters long; at most {max_length} are allowed.",
        "TOO_LONG",
    )
    return False


def check_name_and_slug(
    problems: Problems, given: dict[str, Any], values: dict[str, Any], *, creating: bool
) -> None:
    """``name`` (required text) and ``slug`` (made from the name when absent; never removed
    once set) of an author, category or tag, into ``values``."""
    if creating or "name" in given:
        values["name"] = check_text(
            problems, ("input", "name"), given.get("name"), max_length=200, required=True
        )
    if creating or "slug" in given:
        if not creating and given.get("slug") is None:
            problems.add(("input", "slug"), "`slug` cannot be removed; pass a new one.", "REQUIRED")
        else:
            values["slug"] = check_slug(
                problems, ("input", "slug"), given.get("slug"), values.get("name")
            )


def check_text(
    problems: Problems,
    path: Path,
    value: str | None,
    *,
    max_length: int,
    required: bool = False,
    multiline: bool = False,
) -> str | None:
    """Trimmed text (whitespace collapsed unless ``multiline``); empty counts as absent."""
    if value is None:
        if required:
            problems.add(path, f"`{path[-1]}` is required.", "REQUIRED")
        return None
    value = _CONTROL.sub("", value).strip()
    if not multiline:
        value = _SPACE.sub(" ", value)
    if not value:
        if required:
            problems.add(path, f"`{path[-1]}` must not be empty.", "REQUIRED")
        return None
    within_length(problems, path, value, max_length)
    return value


def check_slug(problems: Problems, path: Path, value: str | None, source: str | None) -> str:
    """An explicit slug must already be a speaking slug; without one it is made from ``source``."""
    if value is None or not value.strip():
        slug = make_slug(source or "")
        if not slug:
            problems.add(
                path, "Cannot make a slug from the title; pass `slug` explicitly.", "INVALID_SLUG"
            )
        return slug
    value = value.strip()
    if not is_valid_slug(value):
        hint = make_slug(value)
        problems.add(
            path,
            f"{value[:80]!r} is not a valid slug: use lowercase letters, digits and single "
            f"hyphens, at most {MAX_SLUG_LENGTH} characters"
            + (f" (e.g. {hint!r})." if hint else "."),
            "INVALID_SLUG",
        )
    return value


def check_url(problems: Problems, path: Path, value: str | None) -> str | None:
    if value is None or not value.strip():
        return None
    value = value.strip()
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or _SPACE.search(value):
        problems.add(path, f"`{path[-1]}` must be an absolute http(s) URL.", "INVALID_URL")
    elif len(value) > MAX_URL:
        problems.add(path, f"`{path[-1]}` is longer than {MAX_URL} characters.", "TOO_LONG")
    return value


def check_aware(problems: Problems, path: Path, value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        problems.add(
            path,
            f"`{path[-1]}` needs a time zone, e.g. 2026-01-31T09:00:00Z or +01:00.",
            "TIMEZONE_REQUIRED",
        )
        return None
    try:
        return as_utc(value)
    except OverflowError:
        problems.add(
            path, f"`{path[-1]}` is out of range: in UTC it must fall within the years 1 to 9999.",
            "OUT_OF_RANGE",
        )  # fmt: skip
        return None


def check_email(problems: Problems, path: Path, value: str | None) -> str | None:
    value = check_text(problems, path, value, max_length=320)
    if value is not None and not _EMAIL.fullmatch(value):
        problems.add(path, f"{value[:80]!r} is not an e-mail address.", "INVALID_EMAIL")
    return value


def check_handle(problems: Problems, path: Path, value: str | None) -> str | None:
    value = check_text(problems, path, value, max_length=16)
    if value is None:
        return None
    value = value.removeprefix("@")
    if not _HANDLE.fullmatch(value):
        problems.add(
            path,
            "A handle is 1-15 letters, digits or underscores (the @ is optional).",
            "INVALID_HANDLE",
        )
    return value


def check_locale(problems: Problems, path: Path, value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip().lower()
    if len(value) > 16 or not LOCALE_TAG.fullmatch(value):
        problems.add(
            path,
            f"{value[:20]!r} is not a language tag such as en, de or pt-br.",
            "INVALID_LOCALE",
        )
    return value


def check_range(
    problems: Problems, path: Path, value: int | None, low: int, high: int
) -> int | None:
    if value is not None and not low <= value <= high:
        problems.add(path, f"`{path[-1]}` must be between {low} and {high}.", "OUT_OF_RANGE")
    return value


def check_json(problems: Problems, path: Path, value: str | None, max_length: int) -> str | None:
    value = check_text(problems, path, value, max_length=max_length, multiline=True)
    if value is None:
        return None
    try:
        parsed: Any = json.loads(value)
    except ValueError as exc:
        problems.add(path, f"`{path[-1]}` is not valid JSON: {exc}.", "INVALID_JSON")
        return None
    if not isinstance(parsed, dict | list):
        problems.add(path, f"`{path[-1]}` must be a JSON object or array.", "INVALID_JSON")
    return value


def check_robots(problems: Problems, path: Path, value: str | None) -> str | None:
    value = check_text(problems, path, value, max_length=200)
    if value is not None:
        value = value.lower()
        if not _ROBOTS.fullmatch(value):
            problems.add(
                path,
                "Robots directives are lowercase words, e.g. `noarchive, max-snippet:50`.",
                "INVALID_ROBOTS",
            )
    return value
