"""The negotiate step: the response media type, then the HTTP rules (method, content type,
CSRF prevention). Everything here runs before the body is read."""

from __future__ import annotations

from gateway.http.graphql.exchange import Exchange
from gateway.http.rules import HttpError, check_csrf, check_post_content_type, negotiate


def negotiate_request(ex: Exchange, csrf_prevention: bool) -> None:
    """Sets ``ex.media`` (406 when nothing acceptable); raises ``HttpError`` for a refused
    method (405), content type (415) or a cross-site request without a preflight (400)."""
    ex.media = negotiate(ex.request)
    request = ex.request
    if request.method not in ("GET", "POST"):
        raise HttpError("Use GET or POST.", 405, {"Allow": "GET, POST"}, "BAD_REQUEST")
    if request.method == "POST":
        check_post_content_type(request)  # 415 for anything but JSON
    if csrf_prevention:
        check_csrf(request)
