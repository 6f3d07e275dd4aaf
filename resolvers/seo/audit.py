"""SEO audit of articles: findings with a code, a severity and a message.

Every check reads through the request's dataloaders (SEO overrides, bodies, categories,
redirects by path, duplicate titles and descriptions), so auditing a page of 100 articles runs
the same few batched queries as auditing one. The duplicate checks compare the rendered title
and the explicit-or-excerpt description among public articles, in one GROUP BY per request.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import select

from resolvers.access import Viewer, article_visible
from resolvers.content.articles import ARTICLE_COLUMNS
from resolvers.content.slugs import is_valid_slug
from resolvers.db import Database
from resolvers.media.html import asset_id_of, body_images
from resolvers.models import article_t
from resolvers.pagination import Page, PageArgs, build_page, decode_cursor, encode_cursor
from resolvers.seo import jsonld
from resolvers.seo.loaders import (
    DuplicatesByFieldLoader,
    RedirectByFromPathLoader,
    RedirectSourcesByToPathLoader,
)
from resolvers.seo.metadata import PageReads
from resolvers.seo.pages import ArticleSeo
from resolvers.site import Site
from resolvers.visibility import PUBLIC

TITLE_MAX = 60
DESCRIPTION_MIN = 50
DESCRIPTION_MAX = 160
SEVERITY_RANK = {"INFO": 0, "WARNING": 1, "ERROR": 2}
REPORT_ORDER = "SEO_REPORT:ID"
REPORT_BATCH = 200
# Slugs that are ids rather than words: digits only, or a long hex/uuid string.
ID_LIKE = re.compile(r"^(?:\d+|[0-9a-f]{8,}(?:-[0-9a-f]{4,})*)$")


class AuditReads(PageReads, Protocol):
    """The loaders an audit reads through: the page's, plus duplicates and redirects."""

    duplicates_by_field: DuplicatesByFieldLoader
    redirect_by_from_path: RedirectByFromPathLoader
    redirect_sources_by_to_path: RedirectSourcesByToPathLoader


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    severity: str  # ERROR | WARNING | INFO
    message: str


def slug_problem(slug: str) -> str | None:
    if ID_LIKE.fullmatch(slug):
        return "looks like an id, not words"
    if slug != slug.lower():
        return "has upper-case letters"
    if "_" in slug:
        return "has underscores"
    if not slug.isascii():
        return "has non-ASCII characters left unconverted"
    if not is_valid_slug(slug):
        return "is not lower-case words joined by single hyphens"
    return None


def _title_findings(row: Any, meta: Any, title: str) -> list[Finding]:
    if not row.title.strip() and not (meta is not None and (meta.meta_title or "").strip()):
        return [Finding("TITLE_MISSING", "ERROR", "The article has no title and no meta title.")]
    if len(title) > TITLE_MAX:
        message = f"The title has {len(title)} characters (> {TITLE_MAX})."
        return [Finding("TITLE_TOO_LONG", "WARNING", message)]
    return []


def _description_findings(description: str | None) -> list[Finding]:
    if description is None:
        return [
            Finding("DESCRIPTION_MISSING", "ERROR", "No meta description, excerpt or body text.")
        ]
    size = len(description)
    if size < DESCRIPTION_MIN:
        message = f"The description has {size} characters (< {DESCRIPTION_MIN})."
        return [Finding("DESCRIPTION_TOO_SHORT", "WARNING", message)]
    if size > DESCRIPTION_MAX:
        message = f"The description has {size} characters (> {DESCRIPTION_MAX})."
        return [Finding("DESCRIPTION_TOO_LONG", "WARNING", message)]
    return []


def _duplicate_findings(article_id: int, titles: Any, descriptions: Any) -> list[Finding]:
    found = []
    if article_id in titles:
        message = "Another published article has the same title."
        found.append(Finding("DUPLICATE_TITLE", "WARNING", message))
    if article_id in descriptions:
        message = "Another published article has the same description."
        found.append(Finding("DUPLICATE_DESCRIPTION", "WARNING", message))
    return found


def _meta_findings(own_url: str, row: Any, meta: Any, public: bool) -> list[Finding]:
    found = []
    if meta is not None and meta.canonical_url and meta.canonical_url != own_url:
        message = f"The canonical URL points elsewhere: {meta.canonical_url}."
        found.append(Finding("CANONICAL_ELSEWHERE", "WARNING", message))
    if public and meta is not None and not meta.robots_index:
        message = "The article is published but marked noindex."
        found.append(Finding("NOINDEX_PUBLISHED", "WARNING", message))
    if meta is not None and meta.json_ld and jsonld.parse_override(meta.json_ld) is None:
        message = "The JSON-LD override is not a JSON object or array."
        found.append(Finding("JSON_LD_INVALID", "ERROR", message))
    return found


def _missing(value: Any) -> bool:
    return not str(value or "").strip()


def _feature_image_findings(row: Any, asset: Any) -> list[Finding]:
    """The feature image: an asset's alt text counts (a deleted asset: no image)."""
    found = []
    if row.feature_image_asset_id is not None and asset is not None:
        alt, sized = row.feature_image_alt or asset.alt_text, True
    elif row.feature_image_url:
        alt = row.feature_image_alt
        sized = not (_missing(row.feature_image_width) or _missing(row.feature_image_height))
    else:
        return []
    if _missing(alt):
        message = "The feature image has no alternative text."
        found.append(Finding("IMAGE_ALT_MISSING", "WARNING", message))
    if not sized:
        message = "The feature image has no width and height (the page will shift as it loads)."
        found.append(Finding("IMAGE_DIMENSIONS_MISSING", "WARNING", message))
    return found


def _body_image_findings(images: list[dict[str, str]], assets: dict[int, Any]) -> list[Finding]:
    """Body images: a library image gets its size (and, without its own, the asset's alt text)
    on output; any other image has only what the body says. Empty alt counts as missing."""
    no_alt = no_size = 0
    for image in images:
        asset = assets.get(asset_id_of(image) or 0)
        alt = image.get("alt") or (asset.alt_text if asset is not None else None)
        no_alt += _missing(alt)
        no_size += asset is None and (_missing(image.get("width")) or _missing(image.get("height")))
    found = []
    if no_alt:
        message = f"{no_alt} image(s) in the body have no alternative text."
        found.append(Finding("BODY_IMAGE_ALT_MISSING", "WARNING", message))
    if no_size:
        message = (
            f"{no_size} image(s) in the body have no width and height: "
            "use library images (data-asset-id) or give both."
        )
        found.append(Finding("IMAGE_DIMENSIONS_MISSING", "WARNING", message))
    return found


async def _image_findings(loaders: AuditReads, row: Any) -> list[Finding]:
    images = body_images(await loaders.body_by_article_id.load(row.id))
    wanted = {asset_id_of(image) for image in images} | {row.feature_image_asset_id}
    ids = sorted(i for i in wanted if i is not None)
    assets = {a.id: a for a in await loaders.media_asset_by_id.load_many(ids) if a is not None}
    feature = assets.get(row.feature_image_asset_id or 0)
    return [*_feature_image_findings(row, feature), *_body_image_findings(images, assets)]


def _redirect_findings(path: str, shadow: Any, sources: list[Any]) -> list[Finding]:
    found = []
    if shadow is not None:
        message = f"A redirect ({shadow.status_code}) is stored for this article's own path {path}."
        found.append(Finding("PATH_REDIRECTED", "ERROR", message))
    chains = [f"{r.via} -> {r.from_path} -> {path}" for r in sources if r.via is not None]
    if chains:
        message = (
            f"Redirect chain into this article: {'; '.join(chains)}. "
            "Point the first redirect straight here."
        )
        found.append(Finding("REDIRECT_CHAIN", "WARNING", message))
    return found


async def audit_article(site: Site, loaders: AuditReads, row: Any, public: bool) -> list[Finding]:
    page = ArticleSeo(site, loaders, row, public)
    meta, title, description, path = await asyncio.gather(
        page.meta(), page.title(), page.description(), page.path()
    )
    dup_titles, dup_descriptions, shadow, sources, images = await asyncio.gather(
        loaders.duplicates_by_field.load(("title", site)),
        loaders.duplicates_by_field.load(("description", site)),
        loaders.redirect_by_from_path.load(path),
        loaders.redirect_sources_by_to_path.load(path),
        _image_findings(loaders, row),
    )
    found = [
        *_title_findings(row, meta, title),
        *_description_findings(description),
        *_duplicate_findings(row.id, dup_titles, dup_descriptions),
        *images,
        *_meta_findings(site.absolute(path), row, meta, public),
        *_redirect_findings(path, shadow, sources),
    ]
    problem = slug_problem(row.slug)
    if problem is not None:
        message = f"The slug {row.slug!r} {problem}."
        found.append(Finding("SLUG_NOT_SPEAKING", "WARNING", message))
    return found


def at_least(findings: list[Finding], minimum: str) -> list[Finding]:
    rank = SEVERITY_RANK[minimum]
    return [f for f in findings if SEVERITY_RANK[f.severity] >= rank]


async def _scan(
    db: Database,
    site: Site,
    loaders: AuditReads,
    viewer: Viewer,
    now: datetime,
    after: int,
    minimum: str,
    limit: int | None,
) -> list[tuple[Any, list[Finding]]]:
    """Audit articles after id ``after`` in batches of ``REPORT_BATCH``; keep those with
    findings at ``minimum`` or above until ``limit`` are found (None: all)."""
    collected: list[tuple[Any, list[Finding]]] = []
    while limit is None or len(collected) < limit:
        rows = await db.all(
            select(*ARTICLE_COLUMNS)
            .where(article_t.c.id > after, article_visible(viewer, now))
            .order_by(article_t.c.id)
            .limit(REPORT_BATCH)
        )
        if not rows:
            break
        audits = await asyncio.gather(
            *(audit_article(site, loaders, r, PUBLIC.holds(r, now)) for r in rows)
        )
        for row, findings in zip(rows, audits, strict=True):
            kept = at_least(findings, minimum)
            if kept:
                collected.append((row, kept))
        after = rows[-1].id
    return collected if limit is None else collected[:limit]


async def report_page(
    db: Database,
    site: Site,
    loaders: AuditReads,
    viewer: Viewer,
    now: datetime,
    args: PageArgs,
    minimum: str,
) -> Page:
    """Articles with findings at ``minimum`` severity or above, by id; each page row is
    ``(article row, findings)``. Every batch audits its articles with the same batched
    loader queries, never one query per article."""
    after = decode_cursor(args.cursor, REPORT_ORDER, int)[1] if args.cursor else 0
    collected = await _scan(db, site, loaders, viewer, now, after, minimum, args.size + 1)
    return build_page(collected, args, lambda item: encode_cursor(REPORT_ORDER, 0, item[0].id))


async def report_count(
    db: Database, site: Site, loaders: AuditReads, viewer: Viewer, now: datetime, minimum: str
) -> int:
    """How many articles have findings (audits every article: select it only when needed)."""
    return len(await _scan(db, site, loaders, viewer, now, 0, minimum, None))
