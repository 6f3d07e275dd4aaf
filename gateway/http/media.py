"""The media routes: ``POST /media`` (upload, with a token of an author, editor or admin),
``GET /media/<hash>.<ext>`` (an original) and ``GET /media/r/<hash>/<rendition>`` (a rendition
made by the built-in renderer). Both GETs name content by its hash: immutable, cached forever."""

from __future__ import annotations

from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gateway.auth import Authenticator
from gateway.config.settings import Settings
from gateway.media import MediaRuntime
from resolvers.db import Database, now_utc
from resolvers.errors import GatewayError
from resolvers.media.assets import add_asset, asset_by_hash
from resolvers.media.urls import extension_of, is_hash, parse_spec
from resolvers.media.validation import EXTENSIONS, MediaError
from schema.relay import to_global_id

IMMUTABLE = "public, max-age=31536000, immutable"


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"errors": [{"message": message, "extensions": {"code": code}}]}, status)


def asset_json(row: Any, original_url: str) -> dict[str, Any]:
    """An asset as POST /media answers it (the same names as the GraphQL MediaAsset type)."""
    return {
        "id": to_global_id("MediaAsset", row.id),
        "databaseId": row.id,
        "url": original_url,
        "contentHash": row.content_hash,
        "filename": row.filename,
        "mimeType": row.mime_type,
        "byteSize": row.byte_size,
        "width": row.width,
        "height": row.height,
        "altText": row.alt_text,
        "dominantColor": row.dominant_color,
        "placeholder": row.blur_placeholder,
    }


class MediaRoutes:
    def __init__(self, settings: Settings, runtime: MediaRuntime) -> None:
        self.settings = settings
        self.auth = Authenticator(settings)
        self.runtime = runtime

    def routes(self) -> list[Route]:
        return [
            Route("/media", self.upload, methods=["POST"]),
            Route("/media/r/{hash}/{name}", self.rendition, methods=["GET", "HEAD"]),
            Route("/media/{file}", self.original, methods=["GET", "HEAD"]),
        ]

    def _db(self, request: Request) -> Database:
        db = request.app.state.db
        assert isinstance(db, Database)
        return db

    async def upload(self, request: Request) -> Response:
        db = self._db(request)
        try:
            viewer = await self.auth.viewer(request, db, now_utc())
        except GatewayError as exc:
            return _error(401, exc.code, str(exc))
        if viewer.role is None:
            return _error(401, "UNAUTHENTICATED", "Send a token: `Authorization: Bearer ...`.")
        try:
            form = await request.form(max_files=1, max_fields=10)
        except Exception:  # a malformed multipart body: the parser's errors have no common base
            return _error(400, "BAD_REQUEST", "Send multipart/form-data with a `file` part.")
        try:
            upload = form.get("file")
            if not isinstance(upload, UploadFile):
                return _error(422, "MEDIA_NO_FILE", "The form has no `file` part.")
            data = await upload.read(self.settings.media_max_bytes + 1)
            alt = form.get("alt")
            try:
                row, created = await add_asset(
                    db,
                    self.runtime.storage,
                    data,
                    filename=upload.filename or "upload",
                    limits=self.runtime.limits,
                    actor=viewer.name,
                    alt_text=alt if isinstance(alt, str) else None,
                )
            except MediaError as exc:
                return _error(exc.status, exc.code, str(exc))
        finally:
            await form.close()
        urls = self.runtime.urls(str(request.base_url))
        body = {"asset": asset_json(row, urls.original(row)), "created": created}
        return JSONResponse(body, status_code=201 if created else 200)

    async def original(self, request: Request) -> Response:
        name, _, ext = request.path_params["file"].partition(".")
        if not is_hash(name) or ext not in EXTENSIONS:
            return _error(404, "NOT_FOUND", "No such media file.")
        row = await asset_by_hash(self._db(request), name)
        if row is None or extension_of(row.mime_type) != ext:
            return _error(404, "NOT_FOUND", "No such media file.")
        data = await self.runtime.storage.get(row.storage_key)
        if data is None:
            return _error(404, "NOT_FOUND", "The media file is missing from storage.")
        return Response(data, media_type=row.mime_type, headers={"Cache-Control": IMMUTABLE})

    async def rendition(self, request: Request) -> Response:
        content_hash, name = request.path_params["hash"], request.path_params["name"]
        try:
            spec = parse_spec(name, self.settings.media_rendition_widths)
        except MediaError as exc:
            return _error(exc.status, exc.code, str(exc))
        if not is_hash(content_hash):
            return _error(404, "NOT_FOUND", "No such media file.")
        row = await asset_by_hash(self._db(request), content_hash)
        if row is None:
            return _error(404, "NOT_FOUND", "No such media file.")
        storage = self.runtime.storage

        async def original() -> bytes:
            data = await storage.get(row.storage_key)
            if data is None:
                raise MediaError("MEDIA_MISSING", "The original is missing from storage.", 404)
            return data

        try:
            data = await self.runtime.renderer.rendition(
                f"{content_hash[:2]}/{content_hash}/{spec.name}", spec, original
            )
        except MediaError as exc:
            return _error(exc.status, exc.code, str(exc))
        return Response(
            data, media_type=EXTENSIONS[spec.extension], headers={"Cache-Control": IMMUTABLE}
        )
