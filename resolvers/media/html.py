"""Library images inside bodies: ``<img data-asset-id="N">`` (N: the asset's ``databaseId``)
is stored as written and completed on output from the asset.

On output (``Article.body``, full-content feeds) such an ``<img>`` gets, from the asset:

- ``src``: the largest allowed rendition up to the asset's width (the original when the asset
  is smaller than every allowed width) and ``srcset``: the allowed widths up to the asset's;
  both always come from the asset (whatever the body said);
- ``width``/``height``: the asset's, unless the body gives a display size (a lone width or height
  gets the other from the asset's aspect ratio);
- ``sizes``, ``loading="lazy"``, ``decoding="async"`` and ``alt`` (the asset's alt text) unless
  the body has its own (an editor may write ``loading="eager"`` for an image above the fold).

An ``<img>`` naming an asset that does not exist (never did, or deleted) keeps its own ``src``
when it has one; without one it is dropped (a source-less image shows nothing but a broken box).

Formats stay the original's (no ``Accept`` negotiation), so a body is the same for every client
and cached once. Input is the sanitiser's output (``resolvers.content.sanitize``): attributes
are ``name="value"`` with the value already escaped.
"""

from __future__ import annotations

import html
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from resolvers.db import Database
from resolvers.media.models import media_asset_t
from resolvers.media.urls import MediaUrls

MARKER = "data-asset-id"
_IMG = re.compile(r'<img\b(?:[^>"]|"[^"]*")*>', re.IGNORECASE)  # a ">" inside quotes is kept
_ATTRIBUTE = re.compile(r'([^\s"\'=<>/]+)(?:\s*=\s*"([^"]*)")?')
_ASSET_ID = re.compile(r"[1-9][0-9]{0,11}")

LoadAssets = Callable[[list[int]], Awaitable[Sequence[Any]]]


def _attributes(tag: str) -> dict[str, str]:
    inner = tag[4:-1].rstrip("/")  # between "<img" and ">"
    return {m[1].lower(): m[2] or "" for m in _ATTRIBUTE.finditer(inner)}


def _asset_id(attributes: Mapping[str, str]) -> int | None:
    value = attributes.get(MARKER, "").strip()
    return int(value) if _ASSET_ID.fullmatch(value) else None


def asset_ids(body: str | None) -> list[int]:
    """The asset ids the body's images name, in order of first use."""
    if not body or MARKER not in body:
        return []
    found: dict[int, None] = {}
    for match in _IMG.finditer(body):
        ident = _asset_id(_attributes(match[0]))
        if ident is not None:
            found[ident] = None
    return list(found)


def body_reference(asset_id: int) -> str:
    """How a stored (sanitised) body names an asset: the text to search bodies for."""
    return f'{MARKER}="{asset_id}"'


def body_images(body: str | None) -> list[dict[str, str]]:
    """The attributes of every ``<img>`` of a (sanitised) body, in order."""
    if not body or "<img" not in body.lower():
        return []
    return [_attributes(match[0]) for match in _IMG.finditer(body)]


def asset_id_of(attributes: Mapping[str, str]) -> int | None:
    """The asset an image names with ``data-asset-id`` (None: not a library image)."""
    return _asset_id(attributes)


def sizes_for(width: int) -> str:
    """``sizes`` of an image shown at most ``width`` CSS pixels wide."""
    return f"(max-width: {width}px) 100vw, {width}px"


def display_size(attributes: Mapping[str, str], asset: Any) -> tuple[int, int]:
    """The body's width/height when it gives them (a missing one from the aspect ratio), else
    the asset's."""
    width, height = attributes.get("width", ""), attributes.get("height", "")
    w = int(width) if width.isdigit() and int(width) > 0 else None
    h = int(height) if height.isdigit() and int(height) > 0 else None
    if w is None and h is None:
        return int(asset.width), int(asset.height)
    if w is None:
        assert h is not None
        return max(1, round(h * asset.width / asset.height)), h
    if h is None:
        return w, max(1, round(w * asset.height / asset.width))
    return w, h


@dataclass(frozen=True, slots=True)
class SizedImage:
    """A rendition's (or the original's) URL with its real size."""

    url: str
    width: int
    height: int


def sized_rendition(asset: Any, urls: MediaUrls, target: int) -> SizedImage:
    """The allowed width nearest ``target`` from above (else the largest) that is no wider
    than the asset, with the height the renderer gives it; the original when the asset is
    narrower than every allowed width."""
    usable = [w for w in urls.widths if w <= asset.width]
    if not usable:
        return SizedImage(urls.original(asset), int(asset.width), int(asset.height))
    width = next((w for w in usable if w >= target), usable[-1])
    height = max(1, round(asset.height * (width / asset.width)))  # as resolvers.media.renditions
    url = urls.rendition(asset, urls.spec(asset, width, None, "contain", None))
    return SizedImage(url, width, height)


def _render(attributes: Mapping[str, str]) -> str:
    return "<img" + "".join(f' {name}="{value}"' for name, value in attributes.items()) + ">"


def _complete(attributes: dict[str, str], asset: Any, urls: MediaUrls) -> str:
    width, height = display_size(attributes, asset)
    given = {name: value for name, value in attributes.items() if value.strip()}
    added = {
        "src": sized_rendition(asset, urls, int(asset.width)).url,
        "srcset": urls.src_set(asset, None, None),
        "width": str(width),
        "height": str(height),
        "sizes": given.get("sizes") or sizes_for(width),
        "loading": given.get("loading") or "lazy",
        "decoding": given.get("decoding") or "async",
    }
    out = {name: value for name, value in attributes.items() if name not in added}
    out.update({name: html.escape(value, quote=True) for name, value in added.items()})
    if not given.get("alt"):
        out["alt"] = html.escape(asset.alt_text or "", quote=True)
    return _render(out)


def expand_images(body: str, assets: Mapping[int, Any], urls: MediaUrls) -> str:
    """The body with every ``<img data-asset-id>`` completed from its asset (see above)."""
    if MARKER not in body:
        return body

    def one(match: re.Match[str]) -> str:
        attributes = _attributes(match[0])
        ident = _asset_id(attributes)
        if ident is None:
            return match[0]
        asset = assets.get(ident)
        if asset is None:
            return match[0] if attributes.get("src", "").strip() else ""
        return _complete(attributes, asset, urls)

    return _IMG.sub(one, body)


async def expand_bodies(
    bodies: Sequence[str], load: LoadAssets, urls: MediaUrls | Callable[[], MediaUrls]
) -> list[str]:
    """Every body completed, with ONE load of all the assets they name (however many).
    ``urls`` may be a function giving them: called only when a body names an asset (a
    request's URL builder reads its base URL, which most bodies never need)."""
    wanted = sorted({i for body in bodies for i in asset_ids(body)})
    if not wanted:
        return list(bodies)
    rows = await load(wanted)
    assets = {row.id: row for row in rows if row is not None}
    built = urls if isinstance(urls, MediaUrls) else urls()
    return [expand_images(body, assets, built) for body in bodies]


def load_from(db: Database) -> LoadAssets:
    """Assets by id straight from the database (one SELECT), for readers without loaders."""

    async def load(ids: list[int]) -> Sequence[Any]:
        return await db.all(select(media_asset_t).where(media_asset_t.c.id.in_(ids)))

    return load
