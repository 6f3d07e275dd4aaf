"""Who is calling: turns the ``Authorization`` header into a ``Viewer``, once per request.

- No header: anonymous (published content only).
- ``Bearer cgw_...``: an API token (``content-gateway token create``), looked up by hash.
- ``Bearer <JWT>``: when ``GATEWAY_JWT_ALGORITHM`` is set, a token from the site's own identity
  provider, verified with PyJWT (signature, ``exp``, optional ``iss``/``aud``); the role comes
  from ``GATEWAY_JWT_ROLE_CLAIM``, an author's slug from ``GATEWAY_JWT_AUTHOR_CLAIM``.
- Anything else, or a token that is invalid, expired or revoked: ``Unauthenticated`` (HTTP 401,
  ``extensions.code`` ``UNAUTHENTICATED``). A bad credential is never treated as anonymous.
"""

from __future__ import annotations

import logging
import secrets
from datetime import datetime
from typing import Any

import jwt
from starlette.requests import Request

from gateway.config.settings import Settings
from resolvers.access import ANONYMOUS, ROLES, Viewer
from resolvers.auth.preview import PreviewTokens
from resolvers.auth.tokens import authenticate, author_id_by_slug, looks_like_api_token
from resolvers.db import Database
from resolvers.errors import Unauthenticated

MAX_TOKEN_LENGTH = 8192
log = logging.getLogger("gateway.auth")


class Authenticator:
    """Built once per app from settings; ``viewer()`` runs per request."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.jwt_key = settings.jwt_key.get_secret_value() if settings.jwt_key else None

    async def viewer(self, request: Request, db: Database, now: datetime) -> Viewer:
        header = request.headers.get("authorization")
        if header is None:
            return ANONYMOUS
        scheme, _, token = header.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token or len(token) > MAX_TOKEN_LENGTH:
            raise Unauthenticated("Send credentials as `Authorization: Bearer <token>`.")
        if looks_like_api_token(token):
            return await authenticate(db, token, now)
        if self.settings.jwt_algorithm and token.count(".") == 2:
            return await self._jwt_viewer(db, token)
        raise Unauthenticated("Invalid bearer token.")

    async def _jwt_viewer(self, db: Database, token: str) -> Viewer:
        s = self.settings
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self.jwt_key,  # type: ignore[arg-type]  # a PEM string or secret; PyJWT parses it
                algorithms=[s.jwt_algorithm],  # type: ignore[list-item]  # checked above
                issuer=s.jwt_issuer,
                audience=s.jwt_audience,
                leeway=s.jwt_leeway,
                options={"require": ["exp", "sub"], "verify_aud": s.jwt_audience is not None},
            )
        except jwt.ExpiredSignatureError:
            raise Unauthenticated("The JWT has expired.") from None
        except jwt.PyJWTError as exc:
            raise Unauthenticated(f"Invalid JWT: {exc}.") from None
        role = _highest_role(claims.get(s.jwt_role_claim))
        if role is None:
            raise Unauthenticated(
                f"The JWT's `{s.jwt_role_claim}` claim names no gateway role ({', '.join(ROLES)})."
            )
        author_id = None
        slug = claims.get(s.jwt_author_claim)
        if role == "author" and isinstance(slug, str):
            author_id = await author_id_by_slug(db, slug)
        return Viewer(role=role, name=f"jwt:{claims['sub']}"[:200], author_id=author_id)


def _highest_role(value: Any) -> str | None:
    names = [value] if isinstance(value, str) else value if isinstance(value, list) else []
    known = [n for n in names if n in ROLES]
    return max(known, key=ROLES.index) if known else None


def preview_tokens(settings: Settings) -> PreviewTokens:
    """A per-process random secret when none is configured: previews still work on one worker."""
    if settings.preview_secret is not None:
        secret = settings.preview_secret.get_secret_value()
    else:
        secret = secrets.token_hex(32)
        if settings.env == "production":
            log.warning(
                "GATEWAY_PREVIEW_SECRET is not set: preview tokens only work on the worker that "
                "issued them and stop working on restart"
            )
    return PreviewTokens(secret, settings.preview_max_seconds)
