"""HTTP-level rules for the GraphQL endpoint: media types (GraphQL over HTTP), CSRF prevention,
the request body limit and CORS. Everything here runs before any GraphQL work.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import orjson
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from starlette.requests import Request

    from gateway.config.settings import Settings

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"

# Content types a browser sends cross-site without a CORS preflight (the "simple" ones).
SIMPLE_CONTENT_TYPES = frozenset(
    {"application/x-www-form-urlencoded", "multipart/form-data", "text/plain"}
)
# Any one of these headers forces a preflight, so a cross-site form or <img> cannot send it.
PREFLIGHT_HEADERS = ("apollo-require-preflight", "x-apollo-operation-name", "graphql-preflight")


UPLOAD_PATH = "/media"


class BodyTooLarge(Exception):
    """Raised into the app while it reads a body over the limit; ``BodySizeLimit`` answers 413."""


class HttpError(Exception):
    """The HTTP request is refused before any GraphQL work (a 4xx with a GraphQL-shaped body)."""

    def __init__(
        self,
        message: str,
        status: int = 400,
        headers: dict[str, str] | None = None,
        code: str = "BAD_REQUEST",
    ) -> None:
        super().__init__(message)
        self.status = status
        self.headers = headers or {}
        self.code = code


def _media_range(item: str) -> tuple[str, dict[str, str]]:
    media, *params = item.split(";")
    values = {}
    for param in params:
        key, _, value = param.partition("=")
        values[key.strip().lower()] = value.strip().strip('"').lower()
    return media.strip().lower(), values


def content_type(request: Request) -> tuple[str, dict[str, str]]:
    return _media_range(request.headers.get("content-type", ""))


def negotiate(request: Request) -> str:
    """The response media type, from ``Accept``.

    No ``Accept`` header: ``application/graphql-response+json`` (the spec's default since
    2025-01-01). ``*/*`` and ``application/*``: ``application/json``, the legacy 200-always
    behaviour that curl and older clients expect. Nothing acceptable: 406.
    """
    header = request.headers.get("accept")
    if header is None or not header.strip():
        return GRAPHQL_RESPONSE
    best: tuple[float, int, str] | None = None
    for position, item in enumerate(header.split(",")):
        media, params = _media_range(item)
        try:
            quality = float(params.get("q", "1"))
        except ValueError:
            quality = 0.0
        charset = params.get("charset", "utf-8")
        if quality <= 0 or charset not in ("utf-8", "utf8"):
            continue
        if media == GRAPHQL_RESPONSE:
            chosen = GRAPHQL_RESPONSE
        elif media in (JSON, "*/*", "application/*"):
            chosen = JSON
        else:
            continue
        # Highest quality wins; on a tie, the client's first listed type.
        key = (quality, -position, chosen)
        if best is None or key[:2] > best[:2]:
            best = key
    if best is None:
        raise HttpError(
            f"None of the media types in Accept ({header[:100]}) can be served; accept "
            f"{GRAPHQL_RESPONSE} or {JSON}.",
            status=406,
            code="NOT_ACCEPTABLE",
        )
    return best[2]


def check_post_content_type(request: Request) -> None:
    media, params = content_type(request)
    if not media:
        raise HttpError(
            "A POST needs a Content-Type header: send application/json.", 415, code="BAD_REQUEST"
        )
    if media != JSON:
        raise HttpError(
            f"Unsupported media type {media!r}: send GraphQL requests as application/json.",
            415,
            code="UNSUPPORTED_MEDIA_TYPE",
        )
    charset = params.get("charset", "utf-8")
    if charset not in ("utf-8", "utf8"):
        raise HttpError(
            f"Unsupported charset {charset!r}: request bodies must be UTF-8.",
            415,
            code="UNSUPPORTED_MEDIA_TYPE",
        )


def check_csrf(request: Request) -> None:
    """Apollo's CSRF prevention: a request a browser could send cross-site without a
    preflight (a GET, or a POST with a form/text content type) must carry a header that forces
    one, else it is refused before anything runs."""
    media, _ = content_type(request)
    if media and media not in SIMPLE_CONTENT_TYPES:
        return  # e.g. application/json: browsers preflight it
    if any(request.headers.get(name, "").strip() for name in PREFLIGHT_HEADERS):
        return
    raise HttpError(
        "This request has been blocked as a potential Cross-Site Request Forgery (CSRF). "
        "Send it with Content-Type: application/json, or add a non-empty "
        "GraphQL-Preflight: 1 (or Apollo-Require-Preflight) header.",
        400,
        code="CSRF_PREVENTED",
    )


def error_body(message: str, code: str) -> bytes:
    return orjson.dumps({"errors": [{"message": message, "extensions": {"code": code}}]})


class BodySizeLimit:
    """Refuses request bodies over the limit with 413, by Content-Length when given and by
    counting the bytes received otherwise (chunked uploads), before the app reads them all.

    Requests with credentials may be larger: an editor saves article bodies of up to 200,000
    characters. A made-up Authorization header buys no more than that bound: it is refused
    with 401 once read.
    """

    def __init__(
        self, app: ASGIApp, max_bytes: int, max_bytes_authenticated: int, upload_max: int = 0
    ) -> None:
        self.app = app
        self.public_max = max_bytes
        self.authenticated_max = max(max_bytes, max_bytes_authenticated)
        # Uploads (POST /media, with credentials) may be as large as a media file may be.
        self.upload_max = max(self.authenticated_max, upload_max)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        limit = self.authenticated_max if b"authorization" in headers else self.public_max
        if limit == self.authenticated_max and scope["path"] == UPLOAD_PATH:
            limit = self.upload_max
        try:
            too_big = int(headers.get(b"content-length", b"0")) > limit
        except ValueError:
            too_big = False
        if too_big:
            await self._refuse(send, limit)
            return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if started:
                raise
            await self._refuse(send, limit)

    async def _refuse(self, send: Send, limit: int) -> None:
        kb = limit / 1024
        body = error_body(f"The request body is larger than {kb:g} KB.", "PAYLOAD_TOO_LARGE")
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json; charset=utf-8"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def middleware(settings: Settings) -> list[Middleware]:
    """CORS outermost (so even a 413 carries CORS headers), then the body limit."""
    stack = [
        Middleware(
            BodySizeLimit,
            max_bytes=settings.max_body_bytes,
            max_bytes_authenticated=settings.max_body_bytes_authenticated,
            # the multipart envelope around the file: boundaries, headers, the alt text
            upload_max=settings.media_max_bytes + 65536,
        )
    ]
    if settings.cors_allow_origins:
        stack.insert(
            0,
            Middleware(
                CORSMiddleware,
                allow_origins=settings.cors_allow_origins,
                allow_methods=settings.cors_allow_methods,
                allow_headers=settings.cors_allow_headers,
                # Settings refuse credentials together with "*": only listed origins get them.
                allow_credentials=settings.cors_allow_credentials,
                expose_headers=[
                    "X-Request-ID",
                    "Server-Timing",
                    "Retry-After",
                    "RateLimit-Limit",
                    "RateLimit-Remaining",
                    "RateLimit-Reset",
                    "RateLimit-Policy",
                ],
                max_age=settings.cors_max_age,
            ),
        )
    return stack
