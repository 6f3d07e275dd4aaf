"""Queries and mutations of the media library. Uploads are not here: files go to
``POST /media`` (multipart); these read and describe what was uploaded."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry import UNSET

from resolvers.commands import ValidationFailed
from resolvers.media import assets
from resolvers.media.validation import MediaError
from schema.context import Info
from schema.media.types import MediaAsset
from schema.mutation_types import (
    FieldError,
    ForbiddenError,
    NotFoundError,
    ValidationError,
    decode_id,
    error_payload,
)
from schema.permissions import IsEditor
from schema.relay import After, Before, Connection, First, Last, from_global_id, to_global_id

TYPE_NAMES = {"article": "Article", "author": "Author", "category": "Category", "tag": "Tag"}
AssetId = Annotated[strawberry.ID, strawberry.argument(description="The asset's global ID.")]


@strawberry.type(description="An object that shows a media asset.")
class MediaUsage:
    entity_type: str = strawberry.field(description="Article, Author, Category or Tag.")
    id: strawberry.ID = strawberry.field(description="Its global ID.")

    @classmethod
    def of(cls, usage: assets.Usage) -> MediaUsage:
        name = TYPE_NAMES[usage.entity]
        return cls(entity_type=name, id=to_global_id(name, usage.entity_id))


@strawberry.type(description="The asset's description was saved.")
class MediaAssetSaved:
    asset: MediaAsset = strawberry.field(description="The asset as it is now.")


@strawberry.type(description="The asset and its original were deleted.")
class MediaAssetDeleted:
    deleted_id: strawberry.ID = strawberry.field(description="The deleted asset's global ID.")
    cleared_usages: list[MediaUsage] = strawberry.field(
        description="References cleared because of `force` (they show no image now)."
    )


@strawberry.type(description="The asset is still shown somewhere; nothing was deleted.")
class MediaInUseError:
    message: str = strawberry.field(description="Explanation for people.")
    usages: list[MediaUsage] = strawberry.field(description="Where it is used.")


@strawberry.input(description="A focal point: where crops centre, 0 to 1 from the top left.")
class FocalPointInput:
    x: float = strawberry.field(description="From the left edge, 0 to 1.")
    y: float = strawberry.field(description="From the top edge, 0 to 1.")


@strawberry.input(description="The fields to change; only those sent change, null clears.")
class UpdateMediaAssetInput:
    id: strawberry.ID = strawberry.field(description="The asset's global ID.")
    alt_text: str | None = strawberry.field(default=UNSET, description="Alternative text.")
    caption: str | None = strawberry.field(default=UNSET, description="Caption.")
    credit: str | None = strawberry.field(default=UNSET, description="Credit line.")
    focal_point: FocalPointInput | None = strawberry.field(
        default=UNSET, description="Where crops centre (null: the centre)."
    )


UpdateMediaAssetPayload = Annotated[
    MediaAssetSaved | ValidationError | NotFoundError | ForbiddenError,
    strawberry.union("UpdateMediaAssetPayload", description="The saved asset, or why not."),
]
DeleteMediaAssetPayload = Annotated[
    MediaAssetDeleted | MediaInUseError | ValidationError | NotFoundError | ForbiddenError,
    strawberry.union("DeleteMediaAssetPayload", description="The deletion, or why not."),
]


def _invalid_id(exc: ValidationFailed) -> ValidationError:
    refusal = error_payload(exc)
    assert isinstance(refusal, ValidationError)
    return refusal


def _refused(exc: MediaError, field: str) -> ValidationError:
    return ValidationError(
        message=str(exc),
        fields=[FieldError(path=["input", field], message=str(exc), code=exc.code)],
    )


@strawberry.type
class MediaQuery:
    @strawberry.field(description="A media library asset by its global ID (assets are public).")
    async def media_asset(self, info: Info, id: AssetId) -> MediaAsset | None:
        _, asset_id = from_global_id(id, "MediaAsset")
        row = await info.context.loaders.media_asset_by_id.load(asset_id)
        return None if row is None else MediaAsset.from_row(row)

    @strawberry.field(
        description="The media library, newest first. Editors only (others get FORBIDDEN).",
        permission_classes=[IsEditor],
    )
    async def media_assets(
        self,
        info: Info,
        first: First = 10,
        after: After = None,
        last: Last = None,
        before: Before = None,
    ) -> Connection[MediaAsset]:
        ctx = info.context
        page, count = await assets.list_assets(ctx.db, ctx.page(first, after, last, before))
        return Connection.build(page, count, MediaAsset.from_row)


@strawberry.type
class MediaMutation:
    @strawberry.mutation(
        description="Change an asset's alt text, caption, credit or focal point (any role)."
    )
    async def update_media_asset(
        self,
        info: Info,
        input: Annotated[
            UpdateMediaAssetInput,
            strawberry.argument(description="The asset and the metadata to change."),
        ],
    ) -> UpdateMediaAssetPayload:
        ctx = info.context
        if ctx.viewer.role is None:
            return ForbiddenError(message="Sign in to change media assets.")
        try:
            asset_id = decode_id(input.id, "MediaAsset", ("input", "id"))
        except ValidationFailed as exc:
            return _invalid_id(exc)
        fields = {
            name: getattr(input, name)
            for name in ("alt_text", "caption", "credit")
            if getattr(input, name) is not UNSET
        }
        if input.focal_point is not UNSET:
            point = input.focal_point
            fields["focal_x"] = 0.5 if point is None else point.x
            fields["focal_y"] = 0.5 if point is None else point.y
        try:
            row = await assets.update_asset(ctx.command_env(), asset_id, fields)
        except MediaError as exc:
            return _refused(exc, "focalPoint")
        if row is None:
            return NotFoundError(message="No such media asset.", id=input.id)
        ctx.loaders.media_asset_by_id.clear(asset_id)
        return MediaAssetSaved(asset=MediaAsset.from_row(row))

    @strawberry.mutation(
        description="Delete an asset and its original (editors). Refused while it is used, "
        "unless `force`: then its references are cleared and reported."
    )
    async def delete_media_asset(
        self,
        info: Info,
        id: AssetId,
        force: Annotated[
            bool, strawberry.argument(description="Delete even while used, clearing uses.")
        ] = False,
    ) -> DeleteMediaAssetPayload:
        ctx = info.context
        if not ctx.viewer.is_editor:
            return ForbiddenError(message="Only editors and admins may delete media assets.")
        try:
            asset_id = decode_id(id, "MediaAsset", ("id",))
        except ValidationFailed as exc:
            return _invalid_id(exc)
        if ctx.media_storage is None:
            raise MediaError("MEDIA_UNAVAILABLE", "No media storage is configured.")
        try:
            result = await assets.delete_asset(
                ctx.command_env(), ctx.media_storage, asset_id, force=force
            )
        except assets.MediaInUse as exc:
            return MediaInUseError(message=str(exc), usages=[MediaUsage.of(u) for u in exc.usages])
        if result is None:
            return NotFoundError(message="No such media asset.", id=id)
        _, used = result
        ctx.loaders.media_asset_by_id.clear(asset_id)
        return MediaAssetDeleted(deleted_id=id, cleared_usages=[MediaUsage.of(u) for u in used])
