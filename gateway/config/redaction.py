"""Credentials inside URLs (``postgresql://user:PASSWORD@host``, ``redis://:PASSWORD@host``):
one definition that settings' repr, error messages and every log line use."""

from __future__ import annotations

import re

REDACTED = "[REDACTED]"
# scheme://user:password@  (the user part may be empty)
URL_PASSWORD = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://[^\s/@:\"'<>]*:)[^\s/@\"'<>]+@")


def redact_url_credentials(text: str) -> str:
    """``text`` with the password of every URL in it replaced by ``[REDACTED]``."""
    if "://" not in text:
        return text
    return URL_PASSWORD.sub(lambda m: m.group(1) + REDACTED + "@", text)
