"""Logs never show local variables in tracebacks (the development renderer included) and never
a URL's password: not in messages, exception text, tracebacks or the settings' repr."""

from __future__ import annotations

import logging

import pytest

from gateway.config.settings import Settings
from gateway.ops.logs import configure_logging, drain_logs, get_logger

DATABASE_URL = "postgresql+asyncpg://gateway:PASSWORD-1@db.internal:5432/content"
REDIS_URL = "redis://:PASSWORD-2@cache.internal:6379/0"


def fail_with_locals() -> None:
    database_url = DATABASE_URL  # locals a rich traceback would print
    hidden_local = {"redis": REDIS_URL}
    assert hidden_local
    raise ConnectionError(f"cannot connect to {database_url} ({REDIS_URL})")


@pytest.mark.parametrize("json", [False, True], ids=["development", "production"])
def test_tracebacks_have_no_locals_and_no_passwords(capsys, json: bool) -> None:
    configure_logging(json=json, level="INFO")
    try:
        fail_with_locals()
    except ConnectionError:
        get_logger("gateway.test").exception("worker turn failed", url=DATABASE_URL)
        logging.getLogger("gateway.events.runtime").exception("turn failed at %s", REDIS_URL)
    drain_logs()  # lines are written by the log writer thread, off the caller's path
    err = capsys.readouterr().err
    assert err.count("fail_with_locals") >= 2  # both tracebacks are there
    assert "ConnectionError" in err
    assert "PASSWORD" not in err
    assert "hidden_local" not in err and "database_url =" not in err  # no locals
    assert "db.internal:5432/content" in err  # the rest of the URL is kept
    assert "[REDACTED]@" in err


def test_settings_repr_hides_url_passwords() -> None:
    settings = Settings(_env_file=None, database_url=DATABASE_URL, redis_url=REDIS_URL)  # type: ignore[call-arg]
    for text in (repr(settings), str(settings)):
        assert "PASSWORD" not in text
        assert "db.internal:5432/content" in text
    assert settings.database_url == DATABASE_URL  # the value itself is intact
