"""Live subscriptions over WebSocket (graphql-transport-ws): ``contentChanged``, ``articlePublished``.

Each message comes from the event stream (``gateway/pubsub.py``). Before it is sent, the entity
is loaded again *as this subscriber may see it*: an anonymous subscriber only hears about
articles that are public now, plus the withdrawal (unpublish, archive, delete) of an article that
was public — with ``entity: null``. A change to a draft never reaches an anonymous subscriber.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from enum import Enum
from typing import Annotated, Any

import strawberry

from resolvers.content import articles as article_queries
from resolvers.content import directory
from resolvers.db import now_utc
from resolvers.errors import GatewayError
from resolvers.events.outbox import REMOVALS
from schema.content.nodes import Article, Author, Category, Tag
from schema.context import Context, EventStream, Info
from schema.relay import to_global_id


@strawberry.enum(description="Kinds of content that change.")
class ContentType(Enum):
    ARTICLE = strawberry.enum_value("article", description="Articles.")
    AUTHOR = strawberry.enum_value("author", description="Authors.")
    CATEGORY = strawberry.enum_value("category", description="Categories.")
    TAG = strawberry.enum_value("tag", description="Tags.")
    REDIRECT = strawberry.enum_value("redirect", description="Redirects (entity is null).")


@strawberry.enum(description="What happened to the content.")
class ChangeType(Enum):
    CREATED = strawberry.enum_value("created", description="It was created.")
    UPDATED = strawberry.enum_value("updated", description="It was changed.")
    PUBLISHED = strawberry.enum_value(
        "published", description="An article became public (now, or at its scheduled time)."
    )
    UNPUBLISHED = strawberry.enum_value(
        "unpublished",
        description="An article stopped being public: back to draft, or its unpublishAt passed.",
    )
    SCHEDULED = strawberry.enum_value(
        "scheduled", description="An article was scheduled for a future time."
    )
    ARCHIVED = strawberry.enum_value("archived", description="An article was withdrawn.")
    DELETED = strawberry.enum_value(
        "deleted", description="It was deleted (an article: moved to the trash)."
    )
    RESTORED = strawberry.enum_value("restored", description="An article left the trash.")
    SUBMITTED = strawberry.enum_value(
        "submitted", description="An article was submitted for review."
    )
    APPROVED = strawberry.enum_value(
        "approved", description="An editor approved an article in review (it is published)."
    )
    CHANGES_REQUESTED = strawberry.enum_value(
        "changes_requested", description="An editor sent an article in review back to draft."
    )


ContentEntity = Annotated[
    Article | Author | Category | Tag,
    strawberry.union("ContentEntity", description="A piece of content that changed."),
]
TYPE_NAMES = {"article": "Article", "author": "Author", "category": "Category", "tag": "Tag"}


@strawberry.type(description="One change to the content, as a live event.")
class ContentChange:
    event_id: str = strawberry.field(
        description="Event ID: the same as the `webhook-id` header of its webhook deliveries."
    )
    type: ChangeType = strawberry.field(description="What happened.")
    entity_type: ContentType = strawberry.field(description="What kind of content changed.")
    entity_id: strawberry.ID = strawberry.field(
        description="Global ID of the entity (for redirects an opaque ID of the redirect)."
    )
    database_id: int = strawberry.field(description="Numeric primary key of the entity.")
    paths_before: list[str] = strawberry.field(description="Its site paths before the change.")
    paths_after: list[str] = strawberry.field(description="Its site paths after the change.")
    occurred_at: datetime = strawberry.field(description="When the change was committed.")
    entity: ContentEntity | None = strawberry.field(
        description="The entity as it is now, as you may see it; null once it is gone (deleted, "
        "withdrawn from the public) and for redirects."
    )


def _fresh(ctx: Context) -> None:
    # One subscription runs for hours: every event gets the current clock for visibility and
    # empty dataloaders, so nothing cached from an earlier event is served as current.
    ctx.renew(now_utc())


async def _entity(info: Info, message: dict[str, Any]) -> tuple[bool, Any]:
    """(send it?, entity as this viewer may see it)."""
    ctx = info.context
    kind, entity_id = message["entityType"], int(message["entityId"])
    if kind == "article":
        row = await article_queries.get_article(ctx.db, ctx.viewer, ctx.now, article_id=entity_id)
        if row is not None:
            return True, Article.from_row(row, info)
        if ctx.viewer.sees_unpublished:
            return True, None
        withdrawn = message["type"] in REMOVALS and message["data"].get("wasPublic") is True
        return withdrawn, None
    if kind in ("author", "category", "tag"):
        row = await directory.get_by_id(ctx.db, kind, entity_id)
        if row is None:
            return True, None
        if kind == "author":
            return True, Author.from_row(row, info)
        return True, (Category if kind == "category" else Tag).from_row(row, info)
    return True, None


async def _change(info: Info, message: dict[str, Any]) -> ContentChange | None:
    _fresh(info.context)
    send, entity = await _entity(info, message)
    if not send:
        return None
    kind, entity_id, data = message["entityType"], int(message["entityId"]), message["data"]
    return ContentChange(
        event_id=message["eventId"],
        type=ChangeType(message["type"].partition(".")[2]),
        entity_type=ContentType(kind),
        entity_id=to_global_id(TYPE_NAMES.get(kind, "Redirect"), entity_id),
        database_id=entity_id,
        paths_before=list(data.get("pathsBefore") or []),
        paths_after=list(data.get("pathsAfter") or []),
        occurred_at=datetime.fromisoformat(message["timestamp"]),
        entity=entity,
    )


def _hub(info: Info) -> EventStream:
    hub = info.context.events
    if hub is None:
        raise GatewayError(
            "Subscriptions run over WebSocket (graphql-transport-ws) at /graphql.",
            code="BAD_REQUEST",
        )
    return hub


@strawberry.type(
    description="Live updates over WebSocket (graphql-transport-ws at /graphql): content changes "
    "as they are committed."
)
class Subscription:
    @strawberry.subscription(
        description="Every change to content of the given types (all types when omitted), "
        "as you may see it: anonymous subscribers get public content only."
    )
    async def content_changed(
        self,
        info: Info,
        types: Annotated[
            list[ContentType] | None,
            strawberry.argument(description="Kinds of content to hear about; default: all."),
        ] = None,
    ) -> AsyncGenerator[ContentChange, None]:
        wanted = {t.value for t in types} if types else None
        async with _hub(info).subscribe() as queue:
            while True:
                message = await queue.get()
                if wanted is not None and message["entityType"] not in wanted:
                    continue
                change = await _change(info, message)
                if change is not None:
                    yield change

    @strawberry.subscription(
        description="Articles as they become public: published now, or reaching their "
        "scheduled time."
    )
    async def article_published(self, info: Info) -> AsyncGenerator[Article, None]:
        async with _hub(info).subscribe() as queue:
            while True:
                message = await queue.get()
                if message["type"] != "article.published":
                    continue
                _fresh(info.context)
                send, entity = await _entity(info, message)
                if send and entity is not None:
                    yield entity
