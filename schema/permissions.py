"""Who may use a field, declared on the field: Strawberry permission classes over the viewer.

Each class states its rule as ``refusal(viewer)``: None when allowed, else the reason shown to
the caller. On a query field (``permission_classes=[IsEditor]``) a refusal is a top-level error
with ``extensions.code`` (``FORBIDDEN``, or ``UNAUTHENTICATED`` for ``IsSignedIn``) and the field
is null. On a mutation whose payload union has a ``ForbiddenError`` member,
``extensions=[RefuseAsPayload(IsAdmin)]`` answers with that member instead, so clients keep
one way to handle a refusal per operation. Write rules that depend on the row being written
(an author editing their own draft) stay in the commands (``resolvers.access.may_*``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

from strawberry.extensions import FieldExtension
from strawberry.permission import BasePermission

from resolvers.access import SIGN_IN, Viewer, may_manage_webhooks
from resolvers.errors import GatewayError
from schema.context import Info
from schema.mutation_types import ForbiddenError


class Permission(BasePermission):
    """A rule over the viewer; its refusal is a coded GraphQL error."""

    code: ClassVar[str] = "FORBIDDEN"

    def refusal(self, viewer: Viewer) -> str | None:
        raise NotImplementedError

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        reason = self.refusal(info.context.viewer)
        if reason is not None:
            raise GatewayError(reason, code=self.code)
        return True


class IsSignedIn(Permission):
    """Any credential (token or JWT); anonymous callers are asked to sign in."""

    code = "UNAUTHENTICATED"

    def refusal(self, viewer: Viewer) -> str | None:
        return SIGN_IN if viewer.is_anonymous else None


class IsEditor(Permission):
    """Editorial data (redirects, SEO reports): editors and admins."""

    def refusal(self, viewer: Viewer) -> str | None:
        return None if viewer.is_editor else "Only editors and admins may read this."


class IsAdmin(Permission):
    """Webhooks see every event, drafts included, and can reach any public URL: admins."""

    def refusal(self, viewer: Viewer) -> str | None:
        return may_manage_webhooks(viewer)


class RefuseAsPayload(FieldExtension):
    """Apply a permission to a mutation, answering a refusal with its ``ForbiddenError``."""

    def __init__(self, permission: type[Permission]) -> None:
        self.permission = permission()

    async def resolve_async(
        self,
        next_: Callable[..., Awaitable[Any]],
        source: Any,
        info: Info,
        **kwargs: Any,
    ) -> Any:
        reason = self.permission.refusal(info.context.viewer)
        if reason is not None:
            return ForbiddenError(message=reason)
        return await next_(source, info, **kwargs)
