"""Asset references in write inputs: global MediaAsset IDs decoded to database ids before the
commands see them (an ID of another type is a ValidationError on its field)."""

from __future__ import annotations

from typing import Any

from schema.mutation_types import decode_id

IMAGE_FIELDS = ("feature_image", "avatar")


def decode_asset_ids(fields: dict[str, Any]) -> dict[str, Any]:
    for key in IMAGE_FIELDS:
        image = fields.get(key)
        if isinstance(image, dict) and image.get("asset_id") is not None:
            where = ("input", key, "asset_id")
            image["asset_id"] = decode_id(image["asset_id"], "MediaAsset", where)
    if fields.get("image_asset_id") is not None:
        path = ("input", "image_asset_id")
        fields["image_asset_id"] = decode_id(fields["image_asset_id"], "MediaAsset", path)
    return fields
