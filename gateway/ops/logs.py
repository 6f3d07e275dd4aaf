"""Logging: structlog for our own lines, the same renderer for every stdlib logger (hypercorn,
SQLAlchemy, alembic), JSON in production and readable text in development.

Secrets never reach the output: a processor replaces the values of token-like keys, any
``Bearer ...`` credential and the password of any URL inside strings, including exception text.
Tracebacks never show local variables (in development either).
"""

from __future__ import annotations

import atexit
import logging
import os
import re
import sys
import threading
import time
from collections import deque
from datetime import UTC, datetime
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
    # Every text SECRET_TEXT matches contains one of these words; almost no line does, and
    # substring checks are the cheapest way to tell (a case-blind regex scan costs more).
    lowered = text.lower()
    if not (
        "token" in lowered or "bearer" in lowered or "password" in lowered or "cgw_" in lowered
    ):
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


_SCALARS = frozenset({int, float, bool, type(None)})
# Short texts ``redact_text`` left as they were: a line's method, path, operation name, cache
# state, client id and logger name repeat on nearly every line, and a set lookup costs a
# fraction of checking them again.
_clean_texts: set[str] = set()
CLEAN_TEXTS = 2048
CLEAN_TEXT_MAX = 100


def redact_secrets(_logger: Any, _method: str, event_dict: EventDict) -> EventDict:
    """Runs last, after exceptions are formatted, so tracebacks are scrubbed too.

    ``_redact_item`` for each key, with the common cases (a string, a number) decided here:
    every request writes an access line of a dozen keys, most of whose texts were seen clean
    before (``_clean_texts``)."""
    redacted: EventDict = {}
    for key, value in event_dict.items():
        secret = _secret_keys.get(key)
        if secret is None:
            secret = _is_secret_key(key)
        kind = type(value)
        if secret and value is not None and value != "":
            redacted[key] = REDACTED
        elif kind is str:
            if value in _clean_texts:
                redacted[key] = value
                continue
            clean = redacted[key] = redact_text(value)
            if clean is value and len(value) <= CLEAN_TEXT_MAX:
                if len(_clean_texts) >= CLEAN_TEXTS:  # values that vary (ids) fill it: start over
                    _clean_texts.clear()
                _clean_texts.add(value)
        elif kind in _SCALARS:
            redacted[key] = value
        else:
            redacted[key] = _redact_value(value)
    return redacted


def _json(obj: Any, **_: Any) -> str:
    return orjson.dumps(obj, default=str).decode()


class _LogWriter:
    """Lines are rendered on the caller's thread and written to stderr by one background
    thread, so a slow or blocked stderr (a pipe nobody reads fast enough) never stalls the
    event loop. ``drain`` waits until every queued line is written (shutdown, tests).

    The caller only appends to a deque (atomic, no lock, no wake-up): a lock and a condition
    per line would hand the GIL to the writer thread for every request. The writer wakes every
    ``PAUSE`` seconds and writes what accumulated in one call."""

    PAUSE = 0.02
    BACKLOG = 256  # queued lines past which ``put`` checks that the writer is alive

    def __init__(self) -> None:
        self._start()
        os.register_at_fork(after_in_child=self._start)  # threads and locks do not survive

    def _start(self) -> None:
        self.lines: deque[str] = deque()
        self.thread: threading.Thread | None = None
        self.lock = threading.Lock()
        self.written = 0  # lines taken off the deque and written (or dropped on error)
        self.queued = 0

    def put(self, text: str) -> None:
        # A writer that died (it does not, short of the interpreter's end) shows as a backlog:
        # asking the thread every line would take its lock every line.
        if self.thread is None or (len(self.lines) > self.BACKLOG and not self.thread.is_alive()):
            with self.lock:
                if self.thread is None or not self.thread.is_alive():
                    self.thread = threading.Thread(target=self._run, name="log-writer", daemon=True)
                    self.thread.start()
        self.queued += 1  # only the event loop's thread (and stdlib handlers under the GIL)
        self.lines.append(text)

    def _run(self) -> None:
        while True:
            if not self.lines:
                time.sleep(self.PAUSE)
                continue
            batch = []
            while self.lines:
                batch.append(self.lines.popleft())
            try:
                stream = sys.stderr  # as it is at write time (test capture, redirections)
                stream.write("".join(batch))
                stream.flush()
            except Exception:  # a log line must never kill the writer
                pass
            finally:
                self.written += len(batch)

    def drain(self, timeout: float = 10.0) -> None:
        """Wait until every line queued so far has been written (bounded: a stuck stream)."""
        target = self.queued
        deadline = time.monotonic() + timeout
        while self.written < target and self.thread is not None and self.thread.is_alive():
            if time.monotonic() > deadline:
                return
            time.sleep(self.PAUSE / 4)


_WRITER = _LogWriter()
atexit.register(_WRITER.drain)  # nothing queued is lost when the process ends


def drain_logs() -> None:
    """Block until every log line written so far is on stderr."""
    _WRITER.drain()


class _StderrHandler(logging.Handler):
    """Formats on the calling thread; the log writer thread writes to stderr."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            _WRITER.put(self.format(record) + "\n")
        except Exception:  # logging's own contract: report, never raise
            self.handleError(record)


class _Stderr:
    """File-like stderr for structlog's WriteLogger, through the log writer thread."""

    def write(self, text: str) -> int:
        _WRITER.put(text)
        return len(text)

    def flush(self) -> None:
        """The writer thread flushes; a caller never waits for the stream."""


_pid = os.getpid()


def _forked() -> None:
    global _pid
    _pid = os.getpid()


os.register_at_fork(after_in_child=_forked)


def add_pid(_logger: Any, _method: str, event_dict: EventDict) -> EventDict:
    # Several workers write to one stream; the pid tells their lines apart. It is remembered
    # (a fork updates it): os.getpid() is a system call, on every log line.
    event_dict.setdefault("pid", _pid)
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
    timestamper = add_timestamp
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
    global _threshold
    _chain[:] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        _logger_key,
        timestamper,
        *final,
    ]
    _threshold = logging.getLevelNamesMapping()[level.upper()]
    structlog.configure(
        processors=list(_chain),
        logger_factory=structlog.WriteLoggerFactory(file=_Stderr()),  # type: ignore[arg-type]  # file-like
        wrapper_class=structlog.make_filtering_bound_logger(_threshold),
        cache_logger_on_first_use=False,
    )


# The processors ``configure_logging`` gave structlog, and its level: ``write_line`` runs them.
_chain: list[Processor] = []
_threshold = logging.INFO
_LEVELS = {"info": logging.INFO, "warning": logging.WARNING, "error": logging.ERROR}


def write_line(logger_name: str, method: str, event: str, fields: dict[str, Any]) -> None:
    """What ``get_logger(logger_name).<method>(event, **fields)`` writes (the same processors
    and output), without structlog's bound-logger machinery around them: for the access line,
    which every request writes. ``method``: info, warning or error (no exception to format)."""
    if not _chain:  # logging not configured here: structlog's defaults
        getattr(get_logger(logger_name), method)(event, **fields)
        return
    if _LEVELS[method] < _threshold:
        return
    event_dict: Any = {"logger_name": logger_name, **fields, "event": event}
    for processor in _chain:
        event_dict = processor(None, method, event_dict)
    _WRITER.put(event_dict + "\n")


def get_logger(name: str) -> Any:
    """A lazy logger: resolved against the configuration in force at each call. Hot paths
    should hold ``get_logger(name).bind()`` taken after ``configure_logging``."""
    return structlog.get_logger(logger_name=name)  # ``logger`` itself is a reserved argument


_second: tuple[int, str] = (-1, "")  # the current second (UNIX) and its ISO text


def add_timestamp(_logger: Any, _method: str, event_dict: EventDict) -> EventDict:
    """``timestamp``: what structlog's ``TimeStamper(fmt="iso", utc=True)`` writes (e.g.
    ``2026-12-07T00:17:34.970927Z``), with the date and time of a second formatted once per
    second rather than once per line (a datetime built and ISO-formatted: a tenth of the
    access line's cost)."""
    global _second
    seconds, micros = divmod(time.time_ns() // 1000, 1_000_000)
    second = _second
    if second[0] != seconds:
        text = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S")
        second = _second = (seconds, text)
    event_dict["timestamp"] = f"{second[1]}.{micros:06d}Z" if micros else f"{second[1]}Z"
    return event_dict


def _logger_key(_logger: Any, _method: str, event_dict: EventDict) -> EventDict:
    # The same key stdlib records get from add_logger_name.
    if "logger_name" in event_dict:
        event_dict["logger"] = event_dict.pop("logger_name")
    return event_dict
