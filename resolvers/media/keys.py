"""Storage keys: the one rule of what a key (and a key prefix) may look like."""

from __future__ import annotations


def normalise_prefix(prefix: str) -> str:
    """``"media"``, ``"/media/"`` -> ``"media/"``; ``""`` stays empty. Segments that some
    servers normalise away (empty, ``.``, ``..``) are refused."""
    stripped = prefix.strip("/")
    if not stripped:
        return ""
    return check_key(stripped) + "/"


def check_key(key: str) -> str:
    """Keys are produced by the media library (``originals/<sha256>.<ext>``). One that is empty,
    absolute or has empty, ``.`` or ``..`` segments would escape or blur the prefix on servers
    that normalise paths: a programming error, refused loudly (as the local back end does)."""
    if not key or key.startswith("/") or any(p in ("", ".", "..") for p in key.split("/")):
        raise ValueError(f"invalid storage key or prefix: {key!r}")
    return key
