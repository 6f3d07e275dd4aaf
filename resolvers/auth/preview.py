"""Preview tokens: signed, expiring, scoped to exactly one article.

A preview token is an HS256 JWT (PyJWT) ``{"typ": "preview", "aid": <article id>, "exp": ...}``
signed with ``GATEWAY_PREVIEW_SECRET``. Expiry is checked against the request's clock (the same
``now`` every visibility check uses), not the wall clock inside PyJWT, so it is testable and
consistent within a request. Holding a token adds that one article to what the holder sees
(``Viewer.preview_article_id``); it grants nothing else.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import jwt
from sqlalchemy import select

from resolvers.access import may_create_preview
from resolvers.commands import (
    CommandEnv,
    EntityNotFound,
    Problems,
    deny_unless_allowed,
)
from resolvers.errors import Unauthenticated
from resolvers.models import article_t
from resolvers.validation import check_range

ALGORITHM = "HS256"
TYPE = "preview"


class PreviewTokens:
    def __init__(self, secret: str, max_seconds: int) -> None:
        self._secret = secret
        self.max_seconds = max_seconds

    def issue(self, article_id: int, expires_at: datetime) -> str:
        claims = {"typ": TYPE, "aid": article_id, "exp": int(expires_at.timestamp())}
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)

    def verify(self, token: str, now: datetime) -> int:
        """The article id the token opens; ``Unauthenticated`` if forged, foreign or expired."""
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                self._secret,
                algorithms=[ALGORITHM],
                options={"verify_exp": False, "require": ["typ", "aid", "exp"]},
            )
        except jwt.PyJWTError:
            raise Unauthenticated("Invalid preview token.") from None
        if claims["typ"] != TYPE or not isinstance(claims["aid"], int):
            raise Unauthenticated("Invalid preview token.")
        if not isinstance(claims["exp"], int) or claims["exp"] <= now.timestamp():
            raise Unauthenticated("This preview token has expired; ask for a new preview link.")
        return int(claims["aid"])


async def create_preview_token(
    env: CommandEnv, tokens: PreviewTokens, article_id: int, expires_in: int
) -> tuple[str, datetime, Any]:
    """(token, expiry, article row). Writes nothing: the token is self-contained."""
    deny_unless_allowed(may_create_preview(env.viewer))
    problems = Problems()
    check_range(problems, ("input", "expires_in"), expires_in, 1, tokens.max_seconds)
    problems.raise_if_any()
    row = await env.db.one_or_none(select(article_t.c.id).where(article_t.c.id == article_id))
    if row is None:
        raise EntityNotFound("article", article_id)
    expires_at = env.now + timedelta(seconds=expires_in)
    return tokens.issue(article_id, expires_at), expires_at, row
