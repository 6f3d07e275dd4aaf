"""GraphQL subscriptions over WebSocket at ``/graphql`` (graphql-transport-ws protocol only).

Strawberry's ASGI ``GraphQL`` view runs the protocol; around it this module enforces:

- a connection limit per process (``GATEWAY_WS_MAX_CONNECTIONS``): above it the handshake is
  refused (HTTP 403);
- an idle timeout (``GATEWAY_WS_IDLE_TIMEOUT``): a connection with no message in either
  direction for that long is closed with code 4408 — clients keep a quiet subscription open with
  the protocol's ``ping``;
- the ``connection_init`` deadline and a limit of subscriptions per connection (Strawberry's own
  options, from ``GATEWAY_WS_INIT_TIMEOUT`` and ``GATEWAY_WS_MAX_SUBSCRIPTIONS``);
- subscriptions only: queries and mutations go over HTTP, where limits and caching apply.

Credentials: the ``connection_init`` payload's ``Authorization`` (``{"Authorization": "Bearer
..."}``, as browsers cannot set WebSocket headers), else the handshake's ``Authorization``
header; the same tokens as over HTTP. A bad credential closes the connection (4403); none means
an anonymous subscriber, who is sent public content only.
"""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from typing import Any

import strawberry
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.graphql import OperationType
from strawberry.types.unset import UNSET

from gateway.auth import Authenticator
from gateway.config.settings import Settings
from resolvers.access import ANONYMOUS
from resolvers.db import now_utc
from resolvers.errors import Unauthenticated
from schema.context import Context, ContextFactory

IDLE_CLOSE_CODE = 4408


class SubscriptionsOnly:
    """The schema as the WebSocket view sees it: ``stream`` (what the protocol runs) refuses
    queries and mutations; everything else is the schema itself."""

    def __init__(self, schema: strawberry.Schema) -> None:
        self._schema = schema

    def __getattr__(self, name: str) -> Any:
        return getattr(self._schema, name)

    async def stream(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["allowed_operation_types"] = (OperationType.SUBSCRIPTION,)
        return await self._schema.stream(*args, **kwargs)


class _Credentials:
    def __init__(self, authorization: str) -> None:
        self.headers = {"authorization": authorization}


class GraphQLSubscriptions(GraphQL[Context, None]):
    def __init__(self, schema: strawberry.Schema, settings: Settings) -> None:
        super().__init__(
            SubscriptionsOnly(schema),  # type: ignore[arg-type]  # a proxy of the schema
            graphql_ide=None,
            subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
            connection_init_wait_timeout=timedelta(seconds=settings.ws_init_timeout),
            max_subscriptions_per_connection=settings.ws_max_subscriptions,
        )
        self.settings = settings
        self.auth = Authenticator(settings)

    async def on_ws_connect(self, context: Context) -> Any:
        params = context.connection_params or {}
        credential = params.get("Authorization", params.get("authorization"))
        if credential is None:
            credential = context.request.headers.get("authorization")
        if credential is None:
            return UNSET
        if not isinstance(credential, str):
            raise ConnectionRejectionError({"message": "Authorization must be a string."})
        try:
            viewer = await self.auth.viewer(
                _Credentials(credential),  # type: ignore[arg-type]  # only .headers is read
                context.db,
                now_utc(),
            )
        except Unauthenticated as exc:
            raise ConnectionRejectionError({"message": str(exc)}) from None
        context.renew(context.now, viewer)
        return UNSET

    async def get_context(self, request: Any, response: Any) -> Context:
        contexts: ContextFactory = request.scope["app"].state.contexts
        return contexts(request, ANONYMOUS, now_utc())


class LimitedWebSocket:
    """ASGI wrapper: connection limit and idle timeout around the WebSocket view."""

    def __init__(self, app: Any, *, max_connections: int, idle_timeout: float) -> None:
        self.app = app
        self.max_connections = max_connections
        self.idle_timeout = idle_timeout
        self.active = 0

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if self.active >= self.max_connections:
            await WebSocket(scope, receive, send).close(code=1013)  # before accept: HTTP 403
            return
        self.active += 1
        try:
            await self._serve(scope, receive, send)
        finally:
            self.active -= 1

    async def _serve(self, scope: Any, receive: Any, send: Any) -> None:
        last = time.monotonic()
        closed = False

        async def timed_receive() -> Any:
            nonlocal last, closed
            while True:
                remaining = self.idle_timeout - (time.monotonic() - last)
                if remaining > 0:
                    try:
                        message = await asyncio.wait_for(receive(), remaining)
                    except TimeoutError:
                        continue  # re-check: something may have been sent meanwhile
                    last = time.monotonic()
                    return message
                closed = True
                await send(
                    {"type": "websocket.close", "code": IDLE_CLOSE_CODE, "reason": "Idle timeout"}
                )
                return {"type": "websocket.disconnect", "code": IDLE_CLOSE_CODE}

        async def tracked_send(message: Any) -> None:
            nonlocal last
            if closed:
                return  # the connection is gone; late messages have nowhere to go
            if message["type"] == "websocket.send":
                last = time.monotonic()
            await send(message)

        await self.app(scope, timed_receive, tracked_send)


def websocket_app(schema: strawberry.Schema, settings: Settings) -> LimitedWebSocket:
    view = GraphQLSubscriptions(schema, settings)
    return LimitedWebSocket(
        view, max_connections=settings.ws_max_connections, idle_timeout=settings.ws_idle_timeout
    )
