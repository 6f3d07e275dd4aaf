"""Expected errors raised by the data layer; the HTTP layer turns ``code`` into extensions.code."""

from __future__ import annotations


class GatewayError(Exception):
    """An expected failure whose message is safe to show to the client."""

    code = "INTERNAL_SERVER_ERROR"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


class UserInputError(GatewayError):
    code = "BAD_USER_INPUT"


class NotFound(GatewayError):
    code = "NOT_FOUND"


class Unauthenticated(GatewayError):
    """Credentials were sent but are invalid, expired or revoked; never anonymous."""

    code = "UNAUTHENTICATED"
