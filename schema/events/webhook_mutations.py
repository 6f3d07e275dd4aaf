"""Webhook mutations (admins only): create (the secret is returned once), update (including
disable and secret rotation), delete, and retry a dead-lettered delivery.

Expected failures are payload members: ``ValidationError`` (nothing was written),
``NotFoundError`` and ``ForbiddenError``.
"""

from __future__ import annotations

from typing import Annotated, Any

import strawberry

from resolvers.db import now_utc
from resolvers.events import deliveries
from resolvers.events import webhooks as webhook_data
from schema.context import Info
from schema.events.webhooks import (
    Webhook,
    WebhookDelivery,
    bad_id,
    validation_error,
)
from schema.mutation_types import ForbiddenError, NotFoundError, ValidationError
from schema.permissions import IsAdmin, RefuseAsPayload


@strawberry.input(description="A new webhook.")
class CreateWebhookInput:
    url: str = strawberry.field(
        description="An http(s) URL on a public address (private, loopback and link-local "
        "targets are refused unless the server allows them)."
    )
    events: list[str] = strawberry.field(
        description='Event types to receive: e.g. "article.published", "article.*" or "*".'
    )
    description: str | None = strawberry.field(default=None, description="What it is for.")


@strawberry.input(description="Changes to a webhook; omitted fields stay as they are.")
class UpdateWebhookInput:
    id: strawberry.ID = strawberry.field(description="The webhook to change.")
    url: str | None = strawberry.field(default=strawberry.UNSET, description="New URL.")
    events: list[str] | None = strawberry.field(
        default=strawberry.UNSET, description="New event types (replaces the list)."
    )
    description: str | None = strawberry.field(
        default=strawberry.UNSET, description="New description (null clears it)."
    )
    enabled: bool | None = strawberry.field(
        default=strawberry.UNSET, description="false disables it (no new deliveries), true enables."
    )
    rotate_secret: bool = strawberry.field(
        default=False, description="Issue a new signing secret (returned once, in the payload)."
    )


@strawberry.type(description="The webhook was created.")
class WebhookCreated:
    webhook: Webhook = strawberry.field(description="The new webhook.")
    secret: str = strawberry.field(
        description="The signing secret (whsec_...). Shown only now: store it with the receiver."
    )


@strawberry.type(description="The webhook was changed.")
class WebhookUpdated:
    webhook: Webhook = strawberry.field(description="The webhook as it is now.")
    secret: str | None = strawberry.field(
        description="The new signing secret when rotateSecret was set (shown only now)."
    )


@strawberry.type(description="The webhook and its deliveries were deleted.")
class WebhookDeleted:
    id: strawberry.ID = strawberry.field(description="ID of the deleted webhook.")


@strawberry.type(description="The dead-lettered delivery is queued again with fresh attempts.")
class DeliveryRetried:
    delivery: WebhookDelivery = strawberry.field(description="The delivery, pending again.")


Refusal = ValidationError | NotFoundError | ForbiddenError
CreateWebhookPayload = Annotated[
    WebhookCreated | Refusal,
    strawberry.union("CreateWebhookPayload", description="The new webhook, or why not."),
]
UpdateWebhookPayload = Annotated[
    WebhookUpdated | Refusal,
    strawberry.union("UpdateWebhookPayload", description="The changed webhook, or why not."),
]
DeleteWebhookPayload = Annotated[
    WebhookDeleted | Refusal,
    strawberry.union("DeleteWebhookPayload", description="The deleted webhook, or why not."),
]
RetryWebhookDeliveryPayload = Annotated[
    DeliveryRetried | Refusal,
    strawberry.union("RetryWebhookDeliveryPayload", description="The queued delivery, or why not."),
]


def _allow_private(info: Info) -> bool:
    return bool(info.context.request.app.state.settings.webhook_allow_private_targets)


def _given(input_obj: Any, names: tuple[str, ...]) -> dict[str, Any]:
    return {
        n: getattr(input_obj, n) for n in names if getattr(input_obj, n) is not strawberry.UNSET
    }


@strawberry.type
class WebhookMutation:
    @strawberry.mutation(
        description="Register a webhook (admins only); returns its secret once.",
        extensions=[RefuseAsPayload(IsAdmin)],
    )
    async def create_webhook(
        self,
        info: Info,
        input: Annotated[
            CreateWebhookInput, strawberry.argument(description="Target URL and event types.")
        ],
    ) -> CreateWebhookPayload:
        given = _given(input, ("url", "events", "description"))
        problems = await webhook_data.check_input(
            given, allow_private=_allow_private(info), creating=True
        )
        if problems:
            return validation_error(problems)
        row, secret = await webhook_data.create_webhook(
            info.context.db,
            url=input.url,
            events=input.events,
            description=input.description,
            now=now_utc(),
        )
        return WebhookCreated(webhook=Webhook.from_row(row), secret=secret)

    @strawberry.mutation(
        description="Change, disable/enable or rotate the secret of a webhook.",
        extensions=[RefuseAsPayload(IsAdmin)],
    )
    async def update_webhook(
        self,
        info: Info,
        input: Annotated[
            UpdateWebhookInput,
            strawberry.argument(description="The webhook's ID and the fields to change."),
        ],
    ) -> UpdateWebhookPayload:
        webhook_id = bad_id(input.id, "Webhook", ["input", "id"])
        if isinstance(webhook_id, ValidationError):
            return webhook_id
        given = _given(input, ("url", "events", "description", "enabled"))
        nulls = [n for n in ("url", "enabled") if n in given and given[n] is None]
        if nulls:
            return validation_error(
                [webhook_data.Problem(n, f"`{n}` cannot be null.", "REQUIRED") for n in nulls]
            )
        problems = await webhook_data.check_input(
            given, allow_private=_allow_private(info), creating=False
        )
        if problems:
            return validation_error(problems)
        row, secret = await webhook_data.update_webhook(
            info.context.db, webhook_id, given, rotate_secret=input.rotate_secret, now=now_utc()
        )
        if row is None:
            return NotFoundError(message=f"No webhook with ID {input.id}.", id=input.id)
        return WebhookUpdated(webhook=Webhook.from_row(row), secret=secret)

    @strawberry.mutation(
        description="Delete a webhook and its deliveries (admins only).",
        extensions=[RefuseAsPayload(IsAdmin)],
    )
    async def delete_webhook(
        self,
        info: Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="The webhook's ID.")],
    ) -> DeleteWebhookPayload:
        webhook_id = bad_id(id, "Webhook", ["id"])
        if isinstance(webhook_id, ValidationError):
            return webhook_id
        if await webhook_data.delete_webhook(info.context.db, webhook_id) is None:
            return NotFoundError(message=f"No webhook with ID {id}.", id=id)
        return WebhookDeleted(id=id)

    @strawberry.mutation(
        description="Queue a dead-lettered delivery again with a fresh set of attempts.",
        extensions=[RefuseAsPayload(IsAdmin)],
    )
    async def retry_webhook_delivery(
        self,
        info: Info,
        id: Annotated[
            strawberry.ID,
            strawberry.argument(description="The dead-lettered delivery's ID."),
        ],
    ) -> RetryWebhookDeliveryPayload:
        delivery_id = bad_id(id, "WebhookDelivery", ["id"])
        if isinstance(delivery_id, ValidationError):
            return delivery_id
        row = await deliveries.retry_dead(info.context.db, delivery_id, now_utc())
        if row is None:
            return NotFoundError(message=f"No dead-lettered delivery with ID {id}.", id=id)
        wake = getattr(info.context.request.app.state, "event_runtime", None)
        if wake is not None:
            wake.wake()
        return DeliveryRetried(delivery=WebhookDelivery.from_row(row))
