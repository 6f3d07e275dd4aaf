"""Storage settings: checked at start-up with one clear line, the secret never shown, and
``build_s3_storage`` gives a back end that works against a real S3-compatible server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from gateway.config.settings import SettingsError, load_settings
from gateway.config.storage import build_s3_storage
from gateway.ops.logs import redact_secrets
from tests.s3_support import (
    ACCESS_KEY_ID,
    REGION,
    SECRET_ACCESS_KEY,
    MotoServer,
    moto_server_fixture,  # noqa: F401  # the session fixture, used by name
)


def s3_env(**extra: str) -> dict[str, str]:
    return {"GATEWAY_MEDIA_STORAGE": "s3", **extra}


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (s3_env(), "GATEWAY_MEDIA_S3_BUCKET is required when GATEWAY_MEDIA_STORAGE=s3"),
        (s3_env(GATEWAY_MEDIA_S3_BUCKET=""), "GATEWAY_MEDIA_S3_BUCKET is required"),
        (
            s3_env(GATEWAY_MEDIA_S3_BUCKET="b", GATEWAY_MEDIA_S3_ACCESS_KEY_ID="id"),
            "set both GATEWAY_MEDIA_S3_ACCESS_KEY_ID and GATEWAY_MEDIA_S3_SECRET_ACCESS_KEY",
        ),
        (
            {"GATEWAY_MEDIA_S3_ENDPOINT_URL": "https://id:hunter2@s3.example.com"},
            "GATEWAY_MEDIA_S3_ENDPOINT_URL: must not contain credentials",
        ),
        (
            {"GATEWAY_MEDIA_S3_ENDPOINT_URL": "s3.example.com"},
            "GATEWAY_MEDIA_S3_ENDPOINT_URL: must be an http(s) URL",
        ),
        ({"GATEWAY_MEDIA_S3_PREFIX": "site/../other"}, "GATEWAY_MEDIA_S3_PREFIX: must be path"),
        ({"GATEWAY_MEDIA_S3_PREFIX": "a//b"}, "GATEWAY_MEDIA_S3_PREFIX: must be path"),
        ({"GATEWAY_MEDIA_STORAGE": "gcs"}, "invalid setting GATEWAY_MEDIA_STORAGE:"),
        ({"GATEWAY_MEDIA_S3_ADDRESSING_STYLE": "dns"}, "GATEWAY_MEDIA_S3_ADDRESSING_STYLE"),
        ({"GATEWAY_MEDIA_S3_MAX_ATTEMPTS": "0"}, "GATEWAY_MEDIA_S3_MAX_ATTEMPTS"),
    ],
)
def test_bad_storage_settings_are_one_clear_line(env, expected, monkeypatch):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as info:
        load_settings(_env_file=None)
    text = str(info.value)
    assert expected in text and "\n" not in text
    assert "hunter2" not in text


def test_s3_without_a_bucket_stops_the_cli_at_start_up(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    env |= {"GATEWAY_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/c.db", **s3_env()}
    result = subprocess.run(
        [sys.executable, "-m", "gateway", "migrate"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "content-gateway: invalid setting settings: GATEWAY_MEDIA_S3_BUCKET is required when "
        "GATEWAY_MEDIA_STORAGE=s3"
    ]
    assert not (tmp_path / "c.db").exists()


def test_local_is_the_default_and_needs_nothing(monkeypatch):
    monkeypatch.delenv("GATEWAY_MEDIA_STORAGE", raising=False)
    settings = load_settings(_env_file=None)
    assert settings.media_storage == "local"
    assert settings.media_s3_bucket is None


def test_the_secret_never_shows_in_repr_dumps_or_logs(monkeypatch):
    for name, value in s3_env(
        GATEWAY_MEDIA_S3_BUCKET="media",
        GATEWAY_MEDIA_S3_ACCESS_KEY_ID=ACCESS_KEY_ID,
        GATEWAY_MEDIA_S3_SECRET_ACCESS_KEY=SECRET_ACCESS_KEY,
    ).items():
        monkeypatch.setenv(name, value)
    settings = load_settings(_env_file=None)
    assert settings.media_s3_secret_access_key is not None
    assert settings.media_s3_secret_access_key.get_secret_value() == SECRET_ACCESS_KEY
    dumped = settings.model_dump()
    logged = redact_secrets(None, "info", {"event": "settings", **dumped})
    for text in (repr(settings), str(settings), settings.model_dump_json(), str(logged)):
        assert SECRET_ACCESS_KEY not in text
    assert logged["media_s3_secret_access_key"] == "[REDACTED]"


async def test_build_s3_storage_follows_the_settings(moto_server: MotoServer) -> None:
    bucket = moto_server.new_bucket()
    settings = load_settings(
        _env_file=None,
        media_storage="s3",
        media_s3_endpoint_url=moto_server.url + "/",
        media_s3_bucket=bucket,
        media_s3_region=REGION,
        media_s3_access_key_id=ACCESS_KEY_ID,
        media_s3_secret_access_key=SECRET_ACCESS_KEY,
        media_s3_prefix="site",
        media_s3_timeout=3.0,
    )
    storage = build_s3_storage(settings)
    try:
        assert storage.endpoint_url == moto_server.url and storage.prefix == "site/"
        await storage.check()
        await storage.put("originals/a.avif", b"....ftypavif", "image/avif")
        assert await storage.get("originals/a.avif") == b"....ftypavif"
        assert SECRET_ACCESS_KEY not in repr(storage)
    finally:
        storage.close()
    client = moto_server.client()
    try:
        head = client.head_object(Bucket=bucket, Key="site/originals/a.avif")
    finally:
        client.close()
    assert head["ContentType"] == "image/avif"
