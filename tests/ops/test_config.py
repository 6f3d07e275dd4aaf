"""Bad settings and an unreachable database stop the gateway with one clear line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from gateway.config.settings import Settings, SettingsError, load_settings

CLI = [sys.executable, "-m", "gateway"]


def run_cli(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("GATEWAY_")}
    return subprocess.run(
        [*CLI, *args], env={**base, **env}, cwd=cwd, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("GATEWAY_DATABASE_URL", "mysql://x", "GATEWAY_DATABASE_URL"),
        ("GATEWAY_SITE_URL", "not a url", "GATEWAY_SITE_URL"),
        ("GATEWAY_ENV", "staging", "GATEWAY_ENV"),
        ("GATEWAY_DB_POOL_SIZE", "zero", "GATEWAY_DB_POOL_SIZE"),
        ("GATEWAY_ARTICLE_PATH", "/articles/", "GATEWAY_ARTICLE_PATH"),
    ],
)
def test_bad_setting_is_one_clear_line(name, value, expected, tmp_path, monkeypatch):
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as info:
        load_settings(_env_file=None)
    assert str(info.value).startswith(f"invalid setting {expected}:")
    result = run_cli("migrate", env={name: value}, cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"content-gateway: invalid setting {expected}:")
    assert "Traceback" not in result.stderr


def test_unreachable_database_is_one_clear_line(tmp_path):
    # Port 9 on loopback (discard) has no PostgreSQL: the connection is refused at once.
    url = "postgresql+asyncpg://nobody:secret@127.0.0.1:9/missing"
    result = run_cli("serve", env={"GATEWAY_DATABASE_URL": url}, cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("content-gateway: cannot reach the database at")
    assert "secret" not in result.stderr  # the password never reaches logs
    assert "Traceback" not in result.stderr


def test_missing_sqlite_directory_is_a_clear_error(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path}/no/such/dir/content.db"
    result = run_cli("migrate", env={"GATEWAY_DATABASE_URL": url}, cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("content-gateway: cannot reach the database at")


def test_defaults_are_usable():
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.database_url == "sqlite+aiosqlite:///./content.db"
    assert settings.graphiql_enabled is True
    assert settings.max_page_size == 100 and settings.default_page_size == 10
