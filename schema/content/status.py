"""The editorial state of an article, as the API shows it."""

from __future__ import annotations

from enum import Enum

import strawberry


@strawberry.enum(description="Editorial state of an article.")
class ArticleStatus(Enum):
    DRAFT = strawberry.enum_value("DRAFT", description="Being written; never public.")
    SCHEDULED = strawberry.enum_value(
        "SCHEDULED", description="Published with a future publishedAt; public from then on."
    )
    PUBLISHED = strawberry.enum_value("PUBLISHED", description="Public.")
    ARCHIVED = strawberry.enum_value("ARCHIVED", description="Withdrawn; no longer public.")
    IN_REVIEW = strawberry.enum_value(
        "IN_REVIEW", description="Submitted for review; an editor approves or requests changes."
    )
    EXPIRED = strawberry.enum_value(
        "EXPIRED", description="Was published; its unpublishAt has passed, so no longer public."
    )
