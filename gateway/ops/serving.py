"""``content-gateway serve``: hypercorn with N worker processes, shared metrics, clean shutdown.

- Metrics: with several workers (or the ``GATEWAY_METRICS_BIND`` listener, which this parent
  process runs), every worker writes its samples into ``PROMETHEUS_MULTIPROC_DIR`` (a fresh
  temporary directory unless you set one), so a scrape of any worker, or of the listener, sees
  the sum over all workers. The directory is emptied at start and removed (or emptied, if it was
  yours) at exit. One worker without a listener keeps its samples in memory: its /metrics is
  already the whole server's, and every observation skips the files' lock and writes (about
  1 ms of CPU per request).
- Shutdown: on SIGTERM/SIGINT the parent tells the workers to stop; each stops accepting, lets
  in-flight requests finish (up to ``graceful_timeout`` seconds), then runs the app's lifespan
  shutdown (background tasks, Redis, spans, database pool) and exits 0.
- Failure: a worker that exits on its own (it could not start, or it died) stops the server with
  a non-zero exit code, so ``Restart=on-failure`` restarts it; a start-up failure is reported in
  one line (the app's own error), without a multiprocessing traceback.
"""

from __future__ import annotations

import logging
import os
import shutil
import signal
import sys
import tempfile
import time
from typing import Any

from gateway.config.settings import Settings
from gateway.ops.logs import configure_logging, get_logger
from gateway.ops.metrics import MULTIPROC_ENV, prepare_multiprocess_dir

log = get_logger("gateway.serve")
STARTUP_FAILED = 3  # a worker's exit code when its app could not start
WORKER_DIED = 1  # the server's exit code when a worker was killed by a signal


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


def _contains(exc: BaseException, kind: type[BaseException]) -> bool:
    if isinstance(exc, kind):
        return True
    if isinstance(exc, BaseExceptionGroup):
        return any(_contains(inner, kind) for inner in exc.exceptions)
    return False


def worker_process(
    config: Any, sockets: Any, shutdown_event: Any, coalesce_writes: bool = False
) -> None:
    """One hypercorn worker (the target of a spawned process). A start-up failure ends it with
    exit code ``STARTUP_FAILED`` and the one line the app logged, never a multiprocessing
    traceback."""
    from hypercorn.utils import LifespanFailureError

    from gateway.ops.drain import draining_worker

    try:
        # drains keep-alive clients on stop
        draining_worker(config, sockets, shutdown_event, coalesce_writes=coalesce_writes)
    except Exception as exc:
        if not _contains(exc, LifespanFailureError):  # the app has not said why: say it here
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            print(
                f"content-gateway: worker {os.getpid()} failed: {type(exc).__name__}: {reason}",
                file=sys.stderr,
                flush=True,
            )
        sys.exit(STARTUP_FAILED)


def _stop_all(processes: list[Any], stop_event: Any, graceful_timeout: float) -> None:
    stop_event.set()
    deadline = time.monotonic() + graceful_timeout + 5
    for process in processes:
        process.join(max(0.0, deadline - time.monotonic()))
    for process in processes:
        if process.is_alive():  # workers ignore SIGTERM (see serve): only SIGKILL ends them
            log.warning("worker did not stop in time; killing it", pid=process.pid)
            process.kill()
            process.join(5)


def supervise(
    config: Any, workers: int, graceful_timeout: float, *, coalesce_writes: bool = False
) -> int:
    """Run ``workers`` worker processes until SIGTERM/SIGINT (exit 0 once they all stopped
    cleanly) or until one of them exits on its own: then the others are stopped and the exit
    code is non-zero, so a supervisor (systemd ``Restart=on-failure``, Kubernetes) restarts
    the whole server. (hypercorn's own ``run`` loses a dead worker's exit code.)"""
    from multiprocessing import get_context
    from multiprocessing.connection import wait

    sockets = config.create_sockets()
    context = get_context("spawn")
    stop_event = context.Event()
    requested = False

    def shutdown(*_: Any) -> None:
        nonlocal requested
        requested = True
        stop_event.set()

    # Spawned workers inherit "ignore" for both: only this process decides when they stop.
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
    processes = [
        context.Process(
            target=worker_process,
            kwargs={
                "config": config,
                "sockets": sockets,
                "shutdown_event": stop_event,
                "coalesce_writes": coalesce_writes,
            },
        )
        for _ in range(workers)
    ]
    try:
        for process in processes:
            process.start()
        for sig in previous:
            signal.signal(sig, shutdown)
        ready = wait([process.sentinel for process in processes])
        first = next(p for p in processes if p.sentinel in ready)
        first.join(5)  # the sentinel is ready as the process ends, its exit code just after
        if not requested:
            log.error(
                "a worker exited; stopping the server",
                pid=first.pid,
                exit_code=first.exitcode,
            )
        _stop_all(processes, stop_event, graceful_timeout)
        if requested:
            return 0 if all(p.exitcode == 0 for p in processes) else 1
        code = first.exitcode or 0
        return code if code > 0 else WORKER_DIED
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        for sock in (*sockets.secure_sockets, *sockets.insecure_sockets):
            sock.close()


def serve(settings: Settings, *, bind: str, workers: int, graceful_timeout: float) -> int:
    configure_logging(json=settings.json_logs, level=settings.log_level)
    metrics_bind = settings.metrics_bind if settings.metrics_enabled else None
    given = os.environ.get(MULTIPROC_ENV)
    shared = workers > 1 or bool(metrics_bind) or bool(given)
    own_dir = shared and not given
    metrics_dir = None
    if shared:
        metrics_dir = given or tempfile.mkdtemp(prefix="content-gateway-")
        prepare_multiprocess_dir(metrics_dir)
        # Set before the workers are spawned: prometheus_client reads it when first imported.
        os.environ[MULTIPROC_ENV] = metrics_dir
    listener = None
    try:
        if metrics_bind:
            listener = _start_metrics_listener(metrics_bind)
            log.info("metrics listener started", bind=metrics_bind)
        config = hypercorn_config(bind, workers, graceful_timeout)
        log.info("serving", bind=bind, workers=workers, metrics_dir=metrics_dir)
        # Workers ignore SIGTERM: when a supervisor signals the whole process group (systemd's
        # default KillMode), only this parent reacts and the workers shut down gracefully on
        # its word instead of dying mid-request.
        code = supervise(
            config, workers, graceful_timeout, coalesce_writes=settings.coalesce_writes
        )
        log.info("stopped", exit_code=code)
        return code
    finally:
        if listener is not None:
            listener.shutdown()
        if own_dir and metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)
            os.environ.pop(MULTIPROC_ENV, None)
        elif metrics_dir is not None:
            prepare_multiprocess_dir(metrics_dir)  # yours: emptied, kept
