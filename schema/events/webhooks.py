"""Webhooks as data (admin only): the Webhook and WebhookDelivery types, their queries and the
mutations that create, change, delete webhooks and retry dead-lettered deliveries."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime
from enum import Enum
from typing import Annotated, Any

import strawberry

from resolvers.db import as_utc
from resolvers.errors import UserInputError
from resolvers.events import webhooks as webhook_data
from resolvers.events.outbox import EVENT_TYPES
from schema.context import Info
from schema.mutation_types import FieldError, ValidationError
from schema.permissions import IsAdmin
from schema.relay import After, Before, Connection, First, Last, encode_global_id, to_global_id


def decode_id(value: str, type_name: str) -> int:
    """The database id of a ``type_name`` global ID; anything else is a clear input error."""
    try:
        name, _, raw = base64.b64decode(value, validate=True).decode().partition(":")
        if name == type_name and encode_global_id(type_name, int(raw)) == value:
            return int(raw)  # only the exact form issued: one ID per object
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise UserInputError(f"ID {value[:60]!r} does not identify a {type_name}.")


@strawberry.enum(description="Where a delivery stands.")
class DeliveryStatus(Enum):
    PENDING = strawberry.enum_value(
        "pending", description="Waiting for its first or next attempt (or being sent now)."
    )
    DELIVERED = strawberry.enum_value("delivered", description="The receiver answered 2xx.")
    DEAD = strawberry.enum_value(
        "dead", description="Dead-lettered: attempts ran out or the receiver refused it."
    )


@strawberry.type(description="One event sent (or to be sent) to one webhook.")
class WebhookDelivery:
    id: strawberry.ID = strawberry.field(description="Opaque ID of the delivery.")
    database_id: int = strawberry.field(description="Numeric primary key.")
    event_id: str = strawberry.field(description="The event's ID: the `webhook-id` header.")
    event_type: str = strawberry.field(description="Event type, e.g. article.published.")
    entity_type: str = strawberry.field(description="Kind of entity: article, author, ...")
    entity_id: int = strawberry.field(description="Database ID of the entity.")
    status: DeliveryStatus = strawberry.field(description="Where the delivery stands.")
    attempts: int = strawberry.field(description="Attempts made (in this round of retries).")
    last_response_code: int | None = strawberry.field(
        description="HTTP status of the last attempt; null when none came back."
    )
    last_error: str | None = strawberry.field(description="Why the last attempt failed.")
    next_attempt_at: datetime | None = strawberry.field(
        description="When it is tried next; null unless pending."
    )
    last_attempt_at: datetime | None = strawberry.field(description="When it was last tried.")
    delivered_at: datetime | None = strawberry.field(description="When the receiver took it.")
    created_at: datetime = strawberry.field(description="When the event was queued for it.")

    @classmethod
    def from_row(cls, row: Any) -> WebhookDelivery:
        return cls(
            id=to_global_id("WebhookDelivery", row.id),
            database_id=row.id,
            event_id=row.message_id,
            event_type=row.event_type,
            entity_type=row.entity_type,
            entity_id=row.entity_id,
            status=DeliveryStatus(row.status),
            attempts=row.attempts,
            last_response_code=row.last_status_code,
            last_error=row.last_error,
            next_attempt_at=as_utc(row.next_attempt_at) if row.status == "pending" else None,
            last_attempt_at=as_utc(row.last_attempt_at),
            delivered_at=as_utc(row.delivered_at),
            created_at=as_utc(row.created_at),
        )


@strawberry.type(description="A receiver of signed event notifications (Standard Webhooks).")
class Webhook:
    id: strawberry.ID = strawberry.field(description="Opaque ID of the webhook.")
    database_id: int = strawberry.field(description="Numeric primary key.")
    url: str = strawberry.field(description="Where events are POSTed.")
    description: str | None = strawberry.field(description="What it is for.")
    events: list[str] = strawberry.field(
        description='Event types it receives: exact types, "article.*" or "*".'
    )
    enabled: bool = strawberry.field(description="Disabled webhooks receive no new events.")
    created_at: datetime = strawberry.field(description="Creation time.")
    updated_at: datetime = strawberry.field(description="Last change.")

    @classmethod
    def from_row(cls, row: Any) -> Webhook:
        return cls(
            id=to_global_id("Webhook", row.id),
            database_id=row.id,
            url=row.url,
            description=row.description,
            events=list(row.events),
            enabled=row.enabled,
            created_at=as_utc(row.created_at),
            updated_at=as_utc(row.updated_at),
        )

    @strawberry.field(description="Its deliveries, newest first.")
    async def deliveries(
        self,
        info: Info,
        first: First = 10,
        after: After = None,
        last: Last = None,
        before: Before = None,
        status: Annotated[
            DeliveryStatus | None, strawberry.argument(description="Only deliveries in this state.")
        ] = None,
    ) -> Connection[WebhookDelivery]:
        ctx = info.context
        page, count = await webhook_data.list_deliveries(
            ctx.db,
            self.database_id,
            ctx.page(first, after, last, before),
            status.name.lower() if status is not None else None,
        )
        return Connection.build(page, count, WebhookDelivery.from_row)


@strawberry.type
class WebhookQuery:
    @strawberry.field(
        description="All webhooks, oldest first (admins only).", permission_classes=[IsAdmin]
    )
    async def webhooks(
        self,
        info: Info,
        first: First = 10,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[Webhook]:
        page, count = await webhook_data.list_webhooks(
            info.context.db, info.context.page(first, after, last, before)
        )
        return Connection.build(page, count, Webhook.from_row)

    @strawberry.field(description="One webhook by ID (admins only).", permission_classes=[IsAdmin])
    async def webhook(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The webhook's ID.")],
    ) -> Webhook | None:
        row = await webhook_data.get_webhook(info.context.db, decode_id(id, "Webhook"))
        return Webhook.from_row(row) if row is not None else None

    @strawberry.field(description="Every event type a webhook can subscribe to.")
    def webhook_event_types(self) -> list[str]:
        return list(EVENT_TYPES)


def validation_error(problems: list[webhook_data.Problem]) -> ValidationError:
    return ValidationError(
        message="; ".join(p.message for p in problems),
        fields=[
            FieldError(path=["input", p.field], message=p.message, code=p.code) for p in problems
        ],
    )


def bad_id(value: str, type_name: str, path: list[str]) -> ValidationError | int:
    try:
        return decode_id(value, type_name)
    except UserInputError as exc:
        return ValidationError(
            message=str(exc), fields=[FieldError(path=path, message=str(exc), code="INVALID_ID")]
        )
