"""Logging: structlog for our own lines, the same renderer for every stdlib logger (hypercorn,
SQLAlchemy, alembic), JSON in production and readable text in development.

Secrets never reach the output: a processor replaces the values of token-like keys, any
``Bearer ...`` credential and the password of any URL inside strings, including exception text.
Tracebacks never show local variables (in development either).
"""

from __future__ import annotations

import logging
import os
import re
import sys
from typing import Any

import orjson
import structlog
from structlog.types import EventDict, Processor

from gateway.config.redaction import redact_url_credentials

REDACTED = "[REDACTED]"
# Keys whose values are credentials whatever they look like.
SECRET_KEY = re.compile(r"authorization|token|password|passwd|secret|api[_-]?key|cookie", re.I)
# Credentials embedded in free text: "Bearer abc", "token=abc", "password: abc", and the
# gateway's own API tokens (cgw_...) wherever they appear. "token:name" (no space: a token's
# display name, as in client ids) is not a credential.
SECRET_TEXT = re.compile(
    r"(?i)(\bbearer\s+|\b(?:access_|api_|preview_)?token[\"']?(?:\s*=|\s*:\s+|:[\"'])\s*[\"']?|"
    r"\bpassword[\"']?\s*[=:]\s*[\"']?|(?<![A-Za-z0-9])(?=cgw_))[^\s\"'&,;]+"
)
# Keys we write ourselves that merely contain a secret-looking word.
SAFE_KEYS = frozenset({"sql_statements"})


def redact_text(text: str) -> str:
    text = redact_url_credentials(text)
    lowered = text.lower()
    # Cheap substring checks first: almost no line contains a credential.
    if not any(word in lowered for word in ("bearer", "token", "password", "cgw_")):
        return text
    return SECRET_TEXT.sub(lambda m: m.group(1) + REDACTED, text)


_secret_keys: dict[str, bool] = {}


def _is_secret_key(key: str) -> bool:
    known = _secret_keys.get(key)
    if known is None:
        known = key not in SAFE_KEYS and bool(SECRET_KEY.search(key))
        if len(_secret_keys) < 4096:  # keys come from code, but stay bounded anyway
            _secret_keys[key] = known
    return known


def _redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {k: _redact_item(str(k), v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redact_value(v) for v in value]
    return value


def _redact_item(key: str, value: Any) -> Any:
    if _is_secret_key(key) and value not in (None, ""):
        return REDACTED
    return _redact_value(value)


def redact_secrets(_logger: Any, _method: str, event_dict: EventDict) -> EventDict:
    """Runs last, after exceptions are formatted, so tracebacks are scrubbed too."""
    return {k: _redact_item(k, v) for k, v in event_dict.items()}


def _json(obj: Any, **_: Any) -> str:
    return orjson.dumps(obj, default=str).decode()


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]  # stdlib generic
    """Writes to whatever ``sys.stderr`` is at emit time (test capture, redirected streams)."""

    def __init__(self) -> None:
        super().__init__()

    @property  # type: ignore[override]  # StreamHandler keeps the stream as an attribute
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


class _Stderr:
    """File-like ``sys.stderr`` as it is at write time, for structlog's WriteLogger."""

    def write(self, text: str) -> int:
        return sys.stderr.write(text)

    def flush(self) -> None:
        sys.stderr.flush()


def add_pid(_logger: Any, _method: str, event_dict: EventDict) -> EventDict:
    # Several workers write to one stream; the pid tells their lines apart.
    event_dict.setdefault("pid", os.getpid())
    return event_dict


def _final_processors(json: bool) -> list[Processor]:
    """Exceptions are formatted as plain text before redaction, in both formats: the console
    renderer's default (rich) prints every frame's local variables, database URLs with their
    passwords included."""
    if json:
        return [
            add_pid,
            structlog.processors.format_exc_info,
            redact_secrets,
            structlog.processors.JSONRenderer(serializer=_json),
        ]
    return [
        structlog.processors.format_exc_info,
        redact_secrets,
        structlog.dev.ConsoleRenderer(
            colors=sys.stderr.isatty(), exception_formatter=structlog.dev.plain_traceback
        ),
    ]


def configure_logging(*, json: bool, level: str = "INFO") -> None:
    """Our own loggers (structlog) write straight to stderr; every stdlib logger (hypercorn,
    SQLAlchemy, strawberry, asyncio) goes through one root handler that renders the same way.

    Process-wide by nature (logging is); calling it again replaces our handler and the
    structlog configuration, so each app built in one process (tests) leaves one behind.
    """
    final = _final_processors(json)
    timestamper = structlog.processors.TimeStamper(fmt="iso", utc=True)
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[
            structlog.contextvars.merge_contextvars,
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            timestamper,
        ],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *final],
    )
    handler = _StderrHandler()
    handler.setFormatter(formatter)
    handler.set_name("content-gateway")
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == "content-gateway"]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # hypercorn's own loggers would otherwise print plain-text lines beside ours.
    for name in ("hypercorn.error", "hypercorn.access"):
        named = logging.getLogger(name)
        named.handlers.clear()
        named.propagate = True
    # Not through stdlib logging: an access line per request is on the hot path, and the
    # direct route costs a fraction of a LogRecord plus handler plus formatter.
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            _logger_key,
            timestamper,
            *final,
        ],
        logger_factory=structlog.WriteLoggerFactory(file=_Stderr()),  # type: ignore[arg-type]  # file-like
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level)),
        cache_logger_on_first_use=False,
    )


def get_logger(name: str) -> Any:
    """A lazy logger: resolved against the configuration in force at each call. Hot paths
    should hold ``get_logger(name).bind()`` taken after ``configure_logging``."""
    return structlog.get_logger(logger_name=name)  # ``logger`` itself is a reserved argument


def _logger_key(_logger: Any, _method: str, event_dict: EventDict) -> EventDict:
    # The same key stdlib records get from add_logger_name.
    if "logger_name" in event_dict:
        event_dict["logger"] = event_dict.pop("logger_name")
    return event_dict
