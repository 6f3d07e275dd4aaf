"""The tables of the transactional outbox, the webhooks and their deliveries. ``resolvers.models``
imports this module so that its ``metadata`` (Alembic, the export, the test template) has them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlmodel import Field, SQLModel

from resolvers.table_base import table_of, timestamp, utcnow


class OutboxEvent(SQLModel, table=True):
    """One content change, written in the same transaction as the change itself.

    ``id`` is the stream position; events of one entity are dispatched in ``id`` order.
    ``available_at`` defers an event (a scheduled publication goes live later); ``dispatched_at``
    is set once the event has been turned into deliveries and broadcast.
    """

    __tablename__ = "outbox_event"
    __table_args__ = (
        Index("ix_outbox_event_pending", "dispatched_at", "available_at", "id"),
        Index("ix_outbox_event_entity", "entity_type", "entity_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    event_id: str = Field(max_length=40, unique=True)  # the webhook-id header
    type: str = Field(max_length=40)
    entity_type: str = Field(max_length=16)
    entity_id: int
    payload: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp())
    available_at: datetime = Field(default_factory=utcnow, sa_column=timestamp())
    dispatched_at: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))


class Webhook(SQLModel, table=True):
    """A subscriber: where to POST which event types, signed with ``secret``."""

    __tablename__ = "webhook"

    id: int | None = Field(default=None, primary_key=True)
    url: str = Field(max_length=2000)
    description: str | None = Field(default=None, max_length=500)
    events: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    secret: str = Field(max_length=100)  # whsec_<base64>; HMAC needs it in the clear
    enabled: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp())
    updated_at: datetime = Field(default_factory=utcnow, sa_column=timestamp())


class EventDelivery(SQLModel, table=True):
    """One event for one sink (a webhook, or the purge hook): its attempts and lease.

    ``queue`` (``webhook:<id>`` or ``purge``) with ``entity_key`` orders deliveries: a delivery is
    sent only when no earlier pending one of the same queue and entity exists.
    """

    __tablename__ = "event_delivery"
    __table_args__ = (
        Index("ix_event_delivery_claim", "status", "next_attempt_at", "id"),
        Index("ix_event_delivery_order", "queue", "entity_key", "id"),
        Index("ix_event_delivery_webhook", "webhook_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    event_id: int = Field(foreign_key="outbox_event.id", index=True, ondelete="CASCADE")
    webhook_id: int | None = Field(default=None, foreign_key="webhook.id", ondelete="CASCADE")
    queue: str = Field(max_length=40)
    entity_key: str = Field(max_length=40)
    status: str = Field(default="pending", max_length=16)  # pending | delivered | dead
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(default_factory=utcnow, sa_column=timestamp())
    lease_until: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))
    lease_token: str | None = Field(default=None, max_length=40)
    leased_by: str | None = Field(default=None, max_length=100)
    last_attempt_at: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))
    last_status_code: int | None = None
    last_error: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow, sa_column=timestamp())
    delivered_at: datetime | None = Field(default=None, sa_column=timestamp(nullable=True))


outbox_event_t = table_of(OutboxEvent)
webhook_t = table_of(Webhook)
event_delivery_t = table_of(EventDelivery)
