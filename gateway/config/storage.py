"""Settings of media storage: where original images live (a local directory by default, or an
S3-compatible bucket), and ``build_s3_storage`` that turns them into the S3 back end.
``gateway.config.settings.Settings`` inherits them; they are read from the same ``GATEWAY_*``
variables. See docs/media-storage.md."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings

from resolvers.media.keys import normalise_prefix

if TYPE_CHECKING:
    from resolvers.media.s3 import S3Storage


class StorageSettings(BaseSettings):
    media_storage: Literal["local", "s3"] = Field(
        "local",
        description="Where original media files are stored: local (a directory) or s3 (an "
        "S3-compatible bucket: AWS S3, MinIO, Cloudflare R2, Garage; see docs/media-storage.md).",
    )
    media_s3_endpoint_url: str | None = Field(
        None,
        description="Endpoint of the S3-compatible service, e.g. http://127.0.0.1:9000 "
        "(MinIO) or https://<account>.r2.cloudflarestorage.com; unset: AWS S3 of the region.",
    )
    media_s3_bucket: str | None = Field(
        None, description="Bucket of the media files (required with GATEWAY_MEDIA_STORAGE=s3)."
    )
    media_s3_region: str = Field(
        "us-east-1", description='Region of the bucket (R2: "auto"; Garage: its s3_region).'
    )
    media_s3_access_key_id: str | None = Field(
        None,
        description="Access key id; unset with the secret: boto3's default chain (AWS_* "
        "variables, shared config, instance or task role).",
    )
    media_s3_secret_access_key: SecretStr | None = Field(
        None, description="Secret access key (never logged); set together with the key id."
    )
    media_s3_prefix: str = Field(
        "", description='Key prefix of every object, e.g. "media/" (several sites, one bucket).'
    )
    media_s3_addressing_style: Literal["path", "virtual"] = Field(
        "path",
        description="path (endpoint/bucket/key: MinIO, Garage, most self-hosted servers) or "
        "virtual (bucket.endpoint/key: what AWS recommends).",
    )
    media_s3_timeout: float = Field(
        5.0,
        gt=0,
        le=300,
        description="Seconds to connect and, separately, to wait for each read from the bucket; "
        "a call to an unreachable or silent server gives up after about attempts x timeout.",
    )
    media_s3_max_attempts: int = Field(
        3, ge=1, le=10, description="Attempts per storage call (the first one included)."
    )

    @field_validator("media_s3_endpoint_url")
    @classmethod
    def _check_endpoint(cls, value: str | None) -> str | None:
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http(s) URL such as https://s3.example.com")
        if parts.username or parts.password:
            raise ValueError(
                "must not contain credentials; use GATEWAY_MEDIA_S3_ACCESS_KEY_ID and "
                "GATEWAY_MEDIA_S3_SECRET_ACCESS_KEY"
            )
        return value.rstrip("/")

    @field_validator("media_s3_prefix")
    @classmethod
    def _check_prefix(cls, value: str) -> str:
        try:
            normalise_prefix(value)
        except ValueError:
            raise ValueError('must be path segments without empty, "." or ".." parts') from None
        return value

    @model_validator(mode="after")
    def _check_s3(self) -> StorageSettings:
        if self.media_storage != "s3":
            return self
        if not self.media_s3_bucket:
            raise ValueError("GATEWAY_MEDIA_S3_BUCKET is required when GATEWAY_MEDIA_STORAGE=s3")
        if (self.media_s3_access_key_id is None) != (self.media_s3_secret_access_key is None):
            raise ValueError(
                "set both GATEWAY_MEDIA_S3_ACCESS_KEY_ID and GATEWAY_MEDIA_S3_SECRET_ACCESS_KEY, "
                "or neither (boto3's default credential chain)"
            )
        return self


def build_s3_storage(settings: StorageSettings) -> S3Storage:
    """The S3 back end that the settings describe (they were validated at start-up)."""
    # Imported here: boto3 costs a few hundred milliseconds at import, paid only when the
    # bucket is in use (not by every CLI command that reads settings).
    from resolvers.media.s3 import S3Storage

    if not settings.media_s3_bucket:
        raise ValueError("GATEWAY_MEDIA_S3_BUCKET is required when GATEWAY_MEDIA_STORAGE=s3")
    secret = settings.media_s3_secret_access_key
    return S3Storage(
        endpoint_url=settings.media_s3_endpoint_url,
        bucket=settings.media_s3_bucket,
        region=settings.media_s3_region,
        access_key_id=settings.media_s3_access_key_id,
        secret_access_key=secret.get_secret_value() if secret is not None else None,
        prefix=settings.media_s3_prefix,
        addressing_style=settings.media_s3_addressing_style,
        timeout=settings.media_s3_timeout,
        max_attempts=settings.media_s3_max_attempts,
    )
