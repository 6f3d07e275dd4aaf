"""RSS 2.0 and Atom feeds of the newest published articles (built with feedgen).

    /feed.xml  /feed.atom                          the whole site
    /authors/{slug}/feed.xml  (and .atom)          one author
    /categories/{slug}/feed.xml  (and .atom)       one category
    /tags/{slug}/feed.xml  (and .atom)             one tag
    /<locale>/feed.xml, /<locale>/categories/{localized slug}/feed.xml, ...
                                                   the same, in one served locale: only its
                                                   articles, names in it, <language> set to it

Every date in a feed comes from the content, never from the clock, so the same content gives the
same bytes and the same ETag.
"""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime
from functools import partial

from feedgen.feed import FeedGenerator
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from gateway.cache.coherence import detached
from gateway.cache.http_headers import etag_of
from gateway.http.conditional import is_fresh, timing, validators
from gateway.media import build_media_urls
from resolvers.db import now_utc, track_queries
from resolvers.seo import feeds
from resolvers.seo.routing import storable
from resolvers.seo.withdrawals import last_withdrawal
from resolvers.site import Site

RSS = "application/rss+xml; charset=utf-8"
ATOM = "application/atom+xml; charset=utf-8"
SEGMENT_KINDS = {"authors": "author", "categories": "category", "tags": "tag"}
# The date of an empty feed: fixed, so an empty feed keeps its ETag.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def build_feed(
    site: Site,
    source: feeds.FeedSource,
    items: list[feeds.FeedItem],
    self_url: str,
    fmt: str,
    locale: str | None = None,
) -> bytes:
    newest = max((i.updated for i in items), default=source.updated_at or EPOCH)
    fg = FeedGenerator()
    fg.load_extension("dc", atom=False, rss=True)
    fg.id(source.page_url)
    fg.title(source.title)
    fg.link(href=self_url, rel="self")
    fg.link(href=source.page_url, rel="alternate")  # last: feedgen uses it as RSS <link>
    # RSS requires a description; Atom's subtitle is optional.
    fg.description(source.description or f"The newest articles on {source.title}.")
    fg.language(locale or site.default_locale)
    fg.generator("content-gateway")
    fg.updated(newest)
    fg.lastBuildDate(newest)
    if fmt == "atom":
        fg.author({"name": site.name, "uri": site.home_url})
    for item in items:
        fe = fg.add_entry(order="append")
        fe.id(item.guid)
        fe.guid(item.guid, permalink=False)
        fe.title(item.title)
        fe.link(href=item.url, rel="alternate")
        fe.published(item.published)
        fe.updated(item.updated)
        if item.summary:
            fe.summary(item.summary)
        if item.content:
            fe.content(item.content, type="html")
        for name in item.authors:
            fe.author({"name": name})
            fe.dc.dc_creator(name)
        for term in item.categories:
            fe.category({"term": term})
        if item.image_url and fmt == "rss":
            fe.enclosure(item.image_url, "0", _image_type(item.image_url))
    body: bytes = fg.atom_str(pretty=False) if fmt == "atom" else fg.rss_str(pretty=False)
    return body


def _image_type(url: str) -> str:
    extension = url.rsplit(".", 1)[-1].lower().split("?", 1)[0]
    return {"png": "image/png", "gif": "image/gif", "webp": "image/webp", "avif": "image/avif"}.get(
        extension, "image/jpeg"
    )


async def feed(request: Request) -> Response:
    started = time.perf_counter()
    stats = track_queries()
    state = request.app.state
    db, site, settings = state.db, state.site, state.settings
    segment = request.path_params.get("segment")
    fmt = request.path_params["format"]
    locale = request.path_params.get("locale")
    if fmt not in ("xml", "atom") or (segment is not None and segment not in SEGMENT_KINDS):
        return PlainTextResponse("Not found.", status_code=404)
    if locale is not None and locale not in site.served_locales:
        return PlainTextResponse("Not found.", status_code=404)
    kind = SEGMENT_KINDS[segment] if segment is not None else "site"
    slug = request.path_params.get("slug")
    if slug is not None and not storable(slug):
        return PlainTextResponse("Not found.", status_code=404)
    found = await feeds.feed_source(db, site, kind, slug, locale)
    if found is None:
        return PlainTextResponse("Not found.", status_code=404)
    source, parent_id = found
    items = await feeds.newest(
        db,
        site,
        now_utc(),
        kind=kind,
        parent_id=parent_id,
        limit=settings.feed_size,
        full_content=settings.feed_full_content,
        media=build_media_urls(settings, str(request.base_url)),
        locale=locale,
    )
    self_url = site.absolute(request.url.path)
    body = build_feed(site, source, items, self_url, "atom" if fmt == "atom" else "rss", locale)
    # Bookkeeping beside the feed's own query: kept out of its statement count.
    withdrawn = await detached(partial(last_withdrawal, db, now_utc()))
    newest = max((t for t in (*(i.updated for i in items), withdrawn) if t), default=None)
    headers = validators(etag_of(hashlib.sha256(body)), newest, settings.seo_files_max_age)
    if settings.server_timing:
        headers["Server-Timing"] = timing(stats, started)
    if is_fresh(request, headers["ETag"], newest):
        return Response(status_code=304, headers=headers)
    return Response(body, headers=headers, media_type=ATOM if fmt == "atom" else RSS)


ROUTES = [
    Route("/feed.{format}", feed, methods=["GET"]),
    Route("/{segment}/{slug}/feed.{format}", feed, methods=["GET"]),
    # Per locale (any served locale, the default too): that locale's articles only, its names.
    Route("/{locale}/feed.{format}", feed, methods=["GET"]),
    Route("/{locale}/{segment}/{slug}/feed.{format}", feed, methods=["GET"]),
]
