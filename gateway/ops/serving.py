"""``content-gateway serve``: hypercorn with N worker processes, shared metrics, clean shutdown.

- Metrics: every worker writes its samples into ``PROMETHEUS_MULTIPROC_DIR`` (a fresh temporary
  directory unless you set one), so a scrape of any worker, or of the ``GATEWAY_METRICS_BIND``
  listener run by this parent process, sees the sum over all workers. The directory is emptied
  at start and removed (or emptied, if it was yours) at exit.
- Shutdown: on SIGTERM/SIGINT the parent tells the workers to stop; each first drains
  (``gateway/ops/drain.py``: answers requests on open keep-alive connections, closing each after
  its answer, for ``keep_alive_timeout``), then stops accepting, lets in-flight requests finish (up to ``graceful_timeout`` seconds), then runs the app's lifespan
  shutdown (background tasks, Redis, spans, database pool) and exits 0.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import tempfile
from typing import Any

from gateway.config.settings import Settings
from gateway.ops.logs import configure_logging, get_logger
from gateway.ops.metrics import MULTIPROC_ENV, prepare_multiprocess_dir

log = get_logger("gateway.serve")


def hypercorn_config(bind: str, workers: int, graceful_timeout: float) -> Any:
    from hypercorn.config import Config

    config = Config()
    config.application_path = "gateway.app:create_app()"
    config.bind = [bind]
    config.workers = workers
    config.accesslog = None  # the gateway writes its own access line, with more in it
    # A Logger object (pickled by name) makes hypercorn use it as is: its lines then go through
    # our handler and format instead of a plain-text handler of its own.
    config.errorlog = logging.getLogger("hypercorn.error")
    config.graceful_timeout = graceful_timeout
    return config


def _start_metrics_listener(bind: str) -> Any:
    from prometheus_client import CollectorRegistry, start_http_server
    from prometheus_client.multiprocess import MultiProcessCollector

    host, _, port = bind.rpartition(":")
    registry = CollectorRegistry()
    MultiProcessCollector(registry)
    server, _thread = start_http_server(int(port), addr=host.strip("[]"), registry=registry)
    return server


def serve(settings: Settings, *, bind: str, workers: int, graceful_timeout: float) -> int:
    from gateway.ops.drain import run_draining

    configure_logging(json=settings.json_logs, level=settings.log_level)
    own_dir = not os.environ.get(MULTIPROC_ENV)
    metrics_dir = os.environ.get(MULTIPROC_ENV) or tempfile.mkdtemp(prefix="content-gateway-")
    prepare_multiprocess_dir(metrics_dir)
    # Set before the workers are spawned: prometheus_client reads it when first imported there.
    os.environ[MULTIPROC_ENV] = metrics_dir
    listener = None
    try:
        if settings.metrics_enabled and settings.metrics_bind:
            listener = _start_metrics_listener(settings.metrics_bind)
            log.info("metrics listener started", bind=settings.metrics_bind)
        config = hypercorn_config(bind, workers, graceful_timeout)
        log.info("serving", bind=bind, workers=workers, metrics_dir=metrics_dir)
        # Workers inherit SIG_IGN for SIGTERM: when a supervisor signals the whole process group
        # (systemd's default KillMode), only this parent reacts and the workers shut down
        # gracefully on its word instead of dying mid-request. hypercorn installs the parent's
        # own handler right after spawning them.
        previous = signal.signal(signal.SIGTERM, signal.SIG_IGN)
        try:
            code = run_draining(config)  # hypercorn's run, workers drain before they stop
        finally:
            signal.signal(signal.SIGTERM, previous)
        log.info("stopped", exit_code=code)
        return code
    finally:
        if listener is not None:
            listener.shutdown()
        if own_dir:
            shutil.rmtree(metrics_dir, ignore_errors=True)
            os.environ.pop(MULTIPROC_ENV, None)
        else:
            prepare_multiprocess_dir(metrics_dir)
