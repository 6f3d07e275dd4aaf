"""Logging: structlog for our own lines, the same renderer for every stdlib logger (hypercorn,
SQLAlchemy, alembic), JSON in production and readable text in development.

Secrets never reach the output: a processor replaces the values of token-like keys and any
``Bearer ...`` credential inside strings, including exception text.
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

REDACTED = "[REDACTED]"
# Keys whose values are credentials whatever they look like.
SECRET_KEY = re.compile(r"authorization|token|password|passwd|secret|api[_-]?key|cookie", re.I)
# Credentials embedded in free text: "Bearer abc", "token=abc", "password: abc".
SECRET_TEXT = re.compile(
    r"(?i)(\bbearer\s+|\b(?:access_|api_|preview_)?token[\"']?\s*[=:]\s*[\"']?|"
    r"\bpassword[\"']?\s*[=:]\s*[\"']?)[^\s\"'&,;]+"
)
# Keys we write ourselves that merely contain a secret-looking word.
SAFE_KEYS = frozenset({"sql_statements"})


def redact_text(text: str) -> str:
    return SECRET_TEXT.sub(lambda m: m.group(1) + REDACTED, text)


def _redact_value(value: Any) -> Any:
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, dict):
        return {k: _redact_item(str(k), v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_redact_value(v) for v in value]
    return value


def _redact_item(key: str, value: Any) -> Any:
    if key not in SAFE_KEYS and SECRET_KEY.search(key) and value not in (None, ""):
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


def _shared_processors() -> list[Processor]:
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]


def add_pid(_logger: Any, _method: str, event_dict: EventDict) -> EventDict:
    # Several workers write to one stream; the pid tells their lines apart.
    event_dict.setdefault("pid", os.getpid())
    return event_dict


def configure_logging(*, json: bool, level: str = "INFO") -> None:
    """Route structlog and stdlib logging through one handler on the root logger.

    Process-wide by nature (logging is); calling it again replaces our handler, so each app
    built in one process (tests) leaves exactly one handler behind.
    """
    if json:
        final: list[Processor] = [
            add_pid,
            structlog.processors.format_exc_info,
            redact_secrets,
            structlog.processors.JSONRenderer(serializer=_json),
        ]
    else:
        final = [
            redact_secrets,
            structlog.dev.ConsoleRenderer(colors=sys.stderr.isatty()),
        ]
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_shared_processors(),
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            *final,
        ],
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
    structlog.configure(
        processors=[
            *_shared_processors(),
            structlog.processors.StackInfoRenderer(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=False,
    )


def get_logger(name: str) -> Any:
    return structlog.stdlib.get_logger(name)
