"""The S3-compatible storage back end (AWS S3, MinIO, Cloudflare R2, Garage, ...).

boto3's calls block, so each one runs in a worker thread (``asyncio.to_thread``); the client is
thread-safe and keeps a bounded connection pool. (aiobotocore would avoid the thread hop, but
it pins botocore to narrow ranges and brings aiohttp as a second HTTP stack; one hop per
object call is noise beside the network round trip.) Every call has connect and read timeouts
and a bounded number of attempts, so an unreachable or stalled server fails in seconds.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal, TypeVar

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from resolvers.media.keys import check_key, normalise_prefix

if TYPE_CHECKING:
    from types_boto3_s3.client import S3Client

T = TypeVar("T")
AddressingStyle = Literal["path", "virtual"]

# Keys hold a content hash, so an object never changes under its key.
IMMUTABLE = "public, max-age=31536000, immutable"
MISSING_KEY = frozenset({"NoSuchKey", "404", "NotFound"})
MISSING_BUCKET = frozenset({"NoSuchBucket"})
DENIED = frozenset({"AccessDenied", "403", "Forbidden", "AllAccessDisabled"})
BAD_CREDENTIALS = frozenset(
    {"InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken"}
)
MAX_PRESIGN_SECONDS = 7 * 24 * 3600  # the SigV4 limit


class MediaStorageError(Exception):
    """A storage call failed for a reason other than a missing object. The message names the
    operation, the bucket and the key (never a credential); it is for logs, not for clients."""

    def __init__(self, operation: str, key: str, reason: str) -> None:
        super().__init__(f"S3 {operation} of {key!r} failed: {reason}")
        self.operation = operation
        self.key = key
        self.reason = reason


class S3Storage:
    """Objects in one bucket under an optional key prefix; implements ``MediaStorage``."""

    def __init__(
        self,
        endpoint_url: str | None,
        bucket: str,
        region: str,
        access_key_id: str | None,
        secret_access_key: str | None,
        prefix: str = "",
        addressing_style: AddressingStyle = "path",
        *,
        timeout: float = 5.0,
        max_attempts: int = 3,
        max_connections: int = 10,
    ) -> None:
        if not bucket:
            raise ValueError("bucket is required")
        if (access_key_id is None) != (secret_access_key is None):
            raise ValueError("give both access_key_id and secret_access_key, or neither")
        self.endpoint_url = endpoint_url
        self.bucket = bucket
        self.prefix = normalise_prefix(prefix)
        self._bucket_seen = False
        config = Config(
            region_name=region,
            connect_timeout=timeout,
            read_timeout=timeout,
            retries={"total_max_attempts": max_attempts, "mode": "standard"},
            max_pool_connections=max_connections,
            s3={"addressing_style": addressing_style},
            signature_version="s3v4",  # also for presigned URLs (R2 and Garage know no other)
            # Checksums only where the API demands them: several S3-compatible servers
            # refuse the flexible checksums newer botocore sends by default. Uploads carry
            # Content-MD5 instead, which every one of them verifies.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        # A session of its own: boto3's default session is a module global, not thread-safe.
        session = boto3.session.Session()
        self._client: S3Client = session.client(
            "s3",
            endpoint_url=endpoint_url,
            aws_access_key_id=access_key_id,
            aws_secret_access_key=secret_access_key,
            config=config,
        )

    def __repr__(self) -> str:
        endpoint = self.endpoint_url or "AWS"
        return f"S3Storage(endpoint={endpoint!r}, bucket={self.bucket!r}, prefix={self.prefix!r})"

    def object_key(self, key: str) -> str:
        """The key in the bucket: the prefix, then ``key``."""
        return self.prefix + check_key(key)

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        name = self.object_key(key)
        digest = base64.b64encode(hashlib.md5(data, usedforsecurity=False).digest()).decode()

        def call() -> None:
            self._client.put_object(
                Bucket=self.bucket,
                Key=name,
                Body=data,
                ContentType=content_type,
                CacheControl=IMMUTABLE,
                ContentMD5=digest,
            )

        await self._run("put", name, call)

    async def get(self, key: str) -> bytes | None:
        name = self.object_key(key)

        def call() -> bytes | None:
            try:
                response = self._client.get_object(Bucket=self.bucket, Key=name)
            except ClientError as exc:
                if _code(exc) in MISSING_KEY:
                    return None
                raise
            with response["Body"] as body:
                return body.read()

        return await self._run("get", name, call)

    async def delete(self, key: str) -> None:
        name = self.object_key(key)

        def call() -> None:
            # S3 answers 204 for a key that does not exist: nothing to special-case.
            self._client.delete_object(Bucket=self.bucket, Key=name)

        await self._run("delete", name, call)

    async def exists(self, key: str) -> bool:
        name = self.object_key(key)

        def call() -> bool:
            try:
                self._client.head_object(Bucket=self.bucket, Key=name)
            except ClientError as exc:
                if _code(exc) not in MISSING_KEY:
                    raise
                # HEAD answers carry no body: a missing bucket is a bare 404 too. Tell them
                # apart once, so that a misnamed bucket is an error and not "not there".
                if not self._bucket_seen:
                    self._check_bucket()
                return False
            return True

        return await self._run("exists", name, call)

    async def check(self) -> None:
        """Raise ``MediaStorageError`` unless the bucket is reachable (start-up, readiness)."""
        await self._run("check", self.prefix or "/", self._check_bucket)

    async def presigned_url(self, key: str, expires: int = 3600) -> str:
        """A time-limited GET URL of the object, for serving originals straight from the
        bucket. Signing is local (no request is sent), but resolving credentials from an
        instance role may hit the network, hence the thread."""
        if not 1 <= expires <= MAX_PRESIGN_SECONDS:
            raise ValueError(f"expires must be 1..{MAX_PRESIGN_SECONDS} seconds (got {expires})")
        name = self.object_key(key)

        def call() -> str:
            return self._client.generate_presigned_url(
                "get_object", Params={"Bucket": self.bucket, "Key": name}, ExpiresIn=expires
            )

        return await self._run("presign", name, call)

    def close(self) -> None:
        """Close the client's pooled connections (at shutdown)."""
        self._client.close()

    def _check_bucket(self) -> None:
        try:
            self._client.head_bucket(Bucket=self.bucket)
        except ClientError as exc:
            # 403: the bucket exists but the policy grants no s3:ListBucket; objects may
            # still be readable and writable, so that is not an error here.
            if _code(exc) not in DENIED:
                raise
        self._bucket_seen = True

    async def _run(self, operation: str, key: str, call: Callable[[], T]) -> T:
        try:
            return await asyncio.to_thread(call)
        except ClientError as exc:
            raise MediaStorageError(operation, key, self._explain(exc)) from exc
        except BotoCoreError as exc:  # connection refused, timeouts, no credentials
            raise MediaStorageError(operation, key, f"{type(exc).__name__}: {exc}") from exc

    def _explain(self, exc: ClientError) -> str:
        code = _code(exc)
        where = f"bucket {self.bucket!r} at {self.endpoint_url or 'AWS'}"
        if code in MISSING_BUCKET or (code in MISSING_KEY and not self._bucket_seen):
            return f"{where} does not exist (create it, or check GATEWAY_MEDIA_S3_BUCKET)"
        if code in BAD_CREDENTIALS:
            return f"{code}: the access key or secret was rejected by {where}"
        if code in DENIED:
            return f"{code}: access denied to {where} (check the bucket policy)"
        message = exc.response.get("Error", {}).get("Message") or "no message"
        return f"{code} from {where}: {message}"


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))
