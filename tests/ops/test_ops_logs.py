"""Structured access logs and request ids, through the real app over HTTP."""

from __future__ import annotations

import json
import multiprocessing
import os
from typing import Any

import httpx
import pytest

from gateway.ops import logs
from gateway.ops.logs import add_pid, drain_logs, redact_secrets
from tests.auth_support import add_token
from tests.support import add_article, add_author, gql, ok


@pytest.fixture
def settings(settings):
    """The response cache off (issue 5): repeated identical requests must reach execution here,
    where a cache hit would rightly skip it."""
    return settings.model_copy(update={"response_cache": False})


TOKEN = "tok_live_9f8e7d6c5b4a"
ACCESS_FIELDS = {
    "timestamp",
    "level",
    "logger",
    "event",
    "pid",
    "request_id",
    "method",
    "path",
    "status",
    "duration_ms",
    "operation_name",
    "operation_type",
    "cache",
    "sql_statements",
    "db_ms",
    "client_id",
    "error_codes",
}
QUERY = "query FrontPage { articles(first: 5) { nodes { title authors { name } } } }"


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"env": "production"}


def drained(capsys: pytest.CaptureFixture[str]) -> Any:
    """What was captured, once the log writer thread wrote every queued line."""
    drain_logs()
    return capsys.readouterr()


def log_lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    err = drained(capsys).err
    return [json.loads(line) for line in err.splitlines() if line.strip()]


def access(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in lines if e.get("logger") == "gateway.access"]


async def test_one_json_access_line_per_request_with_documented_fields(
    client: httpx.AsyncClient, db: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    author = await add_author(db, "Grace Hopper")
    for n in range(3):
        await add_article(db, f"Story {n}", authors=[author])
    drained(capsys)

    result = await gql(client, QUERY, headers={"X-Request-ID": "req-42"})
    ok(result)

    lines = access(log_lines(capsys))
    assert len(lines) == 1
    line = lines[0]
    assert set(line) >= ACCESS_FIELDS, ACCESS_FIELDS - set(line)
    assert line["event"] == "request"
    assert line["request_id"] == "req-42"
    assert (line["method"], line["path"], line["status"]) == ("POST", "/graphql", 200)
    assert (line["operation_name"], line["operation_type"]) == ("FrontPage", "query")
    assert line["cache"] == "none"
    # list + authors batch: the same count the response's Server-Timing reports
    assert line["sql_statements"] == result.statements == 2
    assert line["client_id"] == "127.0.0.1"  # anonymous: the peer address
    assert line["error_codes"] == []
    assert line["duration_ms"] > 0


async def test_request_id_is_echoed_or_generated(client: httpx.AsyncClient) -> None:
    given = await client.get("/healthz", headers={"X-Request-ID": "edge-abc.123"})
    assert given.headers["x-request-id"] == "edge-abc.123"

    fresh = await client.get("/healthz")
    other = await client.get("/healthz")
    assert len(fresh.headers["x-request-id"]) == 32
    assert fresh.headers["x-request-id"] != other.headers["x-request-id"]

    # Log forging attempts and oversized ids are replaced, not echoed.
    forged = await client.get("/healthz", headers={"X-Request-ID": 'x" level=error'})
    assert forged.headers["x-request-id"] != 'x" level=error'
    huge = await client.get("/healthz", headers={"X-Request-ID": "a" * 500})
    assert len(huge.headers["x-request-id"]) == 32

    result = await gql(client, "{ articles { totalCount } }", headers={"X-Request-ID": "r-1"})
    assert result.response.headers.get_list("x-request-id") == ["r-1"]


async def test_error_codes_are_logged(
    client: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    drained(capsys)
    too_many = await gql(client, "query Big { articles(first: 500) { totalCount } }")
    assert too_many.codes == ["BAD_USER_INPUT"]
    broken = await gql(client, "{ articles { ")
    assert broken.codes == ["GRAPHQL_PARSE_FAILED"]
    not_json = await client.post(
        "/graphql", content=b"{", headers={"Content-Type": "application/json"}
    )
    assert not_json.status_code == 400

    lines = access(log_lines(capsys))
    assert [line["error_codes"] for line in lines] == [
        ["BAD_USER_INPUT"],
        ["GRAPHQL_PARSE_FAILED"],
        ["BAD_REQUEST"],
    ]
    assert lines[0]["operation_name"] == "Big"
    assert lines[1]["operation_type"] is None


async def test_tokens_never_reach_the_log(
    client: httpx.AsyncClient, db: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    author = await add_author(db, "Ada")
    await add_article(db, "Hello", authors=[author])
    token = await add_token(db, "editor", name="reader-app")
    drained(capsys)
    bearer = {"Authorization": f"Bearer {token}"}

    ok(await gql(client, QUERY, headers=bearer))
    ok(await gql(client, QUERY, headers=bearer, method="GET"))
    await client.get(f"/graphql?query={{articles{{totalCount}}}}&token={token}", headers=bearer)
    await client.get(f"/nowhere?preview_token={token}", headers=bearer)
    await gql(client, "query { articles(first: -1) { totalCount } }", headers=bearer)
    refused = await gql(client, QUERY, headers={"Authorization": f"Bearer {TOKEN}"})
    assert refused.codes == ["UNAUTHENTICATED"]

    err = drained(capsys).err
    lines = access([json.loads(line) for line in err.splitlines() if line.strip()])
    assert len(lines) == 6
    assert [line["client_id"] for line in lines[:2]] == ["token:reader-app"] * 2
    assert lines[-1]["error_codes"] == ["UNAUTHENTICATED"]
    assert lines[-1]["status"] == 401
    assert token not in err
    assert TOKEN not in err


def test_redaction_covers_keys_text_and_nesting() -> None:
    event = {
        "event": "calling upstream with Authorization: Bearer abc.def.ghi",
        "headers": {"authorization": "Bearer abc", "accept": "application/json"},
        "api_key": "k-123",
        "exception": "ValueError: bad token=abc123 in request",
        "sql_statements": 3,
        "items": [{"password": "hunter2"}],
        "url": "GET /graphql?query=x&preview=cgw_SECRETSECRET123",
        "client_id": "token:reader-app",  # a token's name, not the token
    }
    clean = redact_secrets(None, "info", event)
    text = json.dumps(clean)
    for secret in ("abc.def.ghi", "k-123", "abc123", "hunter2", '"Bearer abc"', "SECRETSECRET"):
        assert secret not in text
    assert clean["headers"]["accept"] == "application/json"
    assert clean["sql_statements"] == 3
    assert clean["client_id"] == "token:reader-app"
    # Under a secret key: any value but None or "" is hidden, numbers and nested ones too.
    scalars = redact_secrets(None, "info", {"token": 0, "secret": None, "password": "", "pin_token": 7.5, "retries": 2, "ok": True})  # fmt: skip
    assert scalars == {"token": "[REDACTED]", "secret": None, "password": "", "pin_token": "[REDACTED]", "retries": 2, "ok": True}  # fmt: skip
    nested = redact_secrets(None, "info", {"api_key": {"id": 1}, "tuple": ("Bearer xyz",)})
    assert nested == {"api_key": "[REDACTED]", "tuple": ["Bearer [REDACTED]"]}


def test_redaction_remembers_clean_texts_only() -> None:
    """Clean short texts are remembered (the access line's repeat on every line); a text with
    a secret is redacted every time it comes; a remembered text under a secret key is still
    hidden; the memory stays bounded."""
    for _ in range(3):
        line = redact_secrets(None, "info", {"path": "/graphql", "event": "token=abc123 seen"})
        assert line == {"path": "/graphql", "event": "token=[REDACTED] seen"}
    assert "/graphql" in logs._clean_texts
    assert "token=abc123 seen" not in logs._clean_texts
    assert redact_secrets(None, "info", {"password": "/graphql"}) == {"password": "[REDACTED]"}
    for n in range(logs.CLEAN_TEXTS + 10):
        redact_secrets(None, "info", {"request_id": f"{n:032x}"})
    assert len(logs._clean_texts) <= logs.CLEAN_TEXTS


@pytest.mark.parametrize("settings_overrides", [{"env": "development"}])
async def test_development_logs_are_readable_text(
    client: httpx.AsyncClient, capsys: pytest.CaptureFixture[str]
) -> None:
    drained(capsys)
    await client.get("/healthz", headers={"X-Request-ID": "dev-1"})
    err = drained(capsys).err
    line = next(line for line in err.splitlines() if "dev-1" in line)
    assert not line.startswith("{")
    assert "request" in line and "status=200" in line and "path=/healthz" in line


def _pid_in_child(pipe: Any) -> None:
    pipe.send((add_pid(None, "info", {})["pid"], os.getpid()))


def test_log_lines_carry_the_pid_of_the_process_that_wrote_them() -> None:
    """The pid is remembered, not asked of the kernel per line: a forked child still logs its
    own."""
    assert add_pid(None, "info", {})["pid"] == os.getpid()
    fork = multiprocessing.get_context("fork")
    parent_end, child_end = fork.Pipe()
    child = fork.Process(target=_pid_in_child, args=(child_end,))
    child.start()
    logged, actual = parent_end.recv()
    child.join(timeout=30)
    assert logged == actual == child.pid
    assert logged != os.getpid()


@pytest.mark.parametrize("json_format", [True, False])
@pytest.mark.parametrize("method", ["info", "warning", "error"])
def test_write_line_writes_what_the_structlog_logger_writes(
    capsys: pytest.CaptureFixture[str], json_format: bool, method: str
) -> None:
    """The access line's short route (``write_line``) and the logger give the same line, but
    for the moment it was written (redaction and the bound request id included)."""
    import re

    import structlog

    from gateway.ops.logs import configure_logging, get_logger, write_line

    configure_logging(json=json_format, level="INFO")
    fields = {
        "method": "POST", "path": "/graphql", "status": 200, "duration_ms": 1.5,
        "operation_name": None, "client_id": "token:ci", "error_codes": ["BAD_USER_INPUT"],
        "note": f"Bearer {TOKEN}",
    }  # fmt: skip
    drained(capsys)
    try:
        with structlog.contextvars.bound_contextvars(request_id="abc123"):
            getattr(get_logger("gateway.access"), method)("request", **fields)
            write_line("gateway.access", method, "request", dict(fields))
        lines = drained(capsys).err.splitlines()
    finally:
        configure_logging(json=True, level="INFO")
    assert len(lines) == 2
    stamp = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z?"
    same = [re.sub(stamp, "<time>", line) for line in lines]
    assert same[0] == same[1]
    assert TOKEN not in lines[1] and "abc123" in lines[1]


def test_write_line_leaves_out_what_the_level_leaves_out(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from gateway.ops.logs import configure_logging, write_line

    configure_logging(json=True, level="WARNING")
    drained(capsys)
    try:
        write_line("gateway.access", "info", "request", {"status": 200})
        write_line("gateway.access", "warning", "request", {"status": 200})
        lines = drained(capsys).err.splitlines()
        assert [json.loads(line)["level"] for line in lines] == ["warning"]
    finally:
        configure_logging(json=True, level="INFO")


def test_timestamps_are_what_structlogs_iso_utc_stamper_writes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``add_timestamp`` formats each second once; its text is ``TimeStamper``'s, with and
    without microseconds, across a second's boundary."""
    from datetime import UTC, datetime

    from gateway.ops import logs

    for ns in (1_796_000_000_123_456_000, 1_796_000_000_999_999_000, 1_796_000_001_000_000_000,
               1_796_000_001_000_007_000, 946_684_799_500_000_000):  # fmt: skip
        monkeypatch.setattr(logs.time, "time_ns", lambda ns=ns: ns)
        stamped = logs.add_timestamp(None, "info", {})["timestamp"]
        expected = datetime.fromtimestamp(ns // 1000 / 1e6, UTC).isoformat()
        assert stamped == expected.replace("+00:00", "Z")
