"""The built-in renderer: Pillow makes a rendition the first time it is asked for (in a worker
thread, never on the event loop), once however many requests ask at the same time (single
flight), and keeps it in a disk cache bounded by size that evicts the least recently used."""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from pathlib import Path

from PIL import Image, ImageOps

from resolvers.media.urls import RenditionSpec

PILLOW_FORMATS = {"jpg": "JPEG", "png": "PNG", "webp": "WEBP", "avif": "AVIF"}


def render(original: bytes, spec: RenditionSpec) -> bytes:
    """CPU bound. Never enlarges: a size above the original's is made at the original's."""
    with Image.open(io.BytesIO(original)) as source:
        source.seek(0)
        image = source.convert("RGBA" if _has_alpha(source) else "RGB")
    scale = min(1.0, spec.width / image.width)
    if spec.height is None:
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(size, Image.Resampling.LANCZOS)
    elif spec.fit == "cover":
        target = _no_larger(image, spec.width, spec.height)
        centre = (spec.focal[0] / 100, spec.focal[1] / 100) if spec.focal else (0.5, 0.5)
        image = ImageOps.fit(image, target, Image.Resampling.LANCZOS, centering=centre)
    else:
        image.thumbnail(_no_larger(image, spec.width, spec.height), Image.Resampling.LANCZOS)
    fmt = PILLOW_FORMATS[spec.extension]
    if fmt == "JPEG" and image.mode != "RGB":
        image = image.convert("RGB")
    out = io.BytesIO()
    options: dict[str, object] = {"quality": 82} if fmt in ("JPEG", "WEBP") else {}
    if fmt == "AVIF":
        options = {"quality": 60}
    image.save(out, format=fmt, **options)
    return out.getvalue()


def _has_alpha(image: Image.Image) -> bool:
    return "A" in image.getbands() or "transparency" in image.info


def _no_larger(image: Image.Image, width: int, height: int) -> tuple[int, int]:
    scale = min(1.0, image.width / width, image.height / height)
    return max(1, round(width * scale)), max(1, round(height * scale))


class DiskCache:
    """Files under ``root``, at most ``max_bytes`` in all. The order of use is kept in memory
    (seeded from the files' modification times at start, which every hit refreshes), so the
    least recently used files go first when a new one does not fit. Each process keeps its
    own order; they share the files."""

    def __init__(self, root: Path, max_bytes: int) -> None:
        self.root = root
        self.max_bytes = max_bytes
        self.sizes: OrderedDict[str, int] = OrderedDict()
        self.total = 0
        self._lock = threading.Lock()  # the index is used from worker threads
        self._scan()

    def _scan(self) -> None:
        if not self.root.is_dir():
            return
        files = [p for p in self.root.rglob("*") if p.is_file() and not p.name.startswith(".")]
        for path in sorted(files, key=lambda p: p.stat().st_mtime):
            key = path.relative_to(self.root).as_posix()
            self.sizes[key] = path.stat().st_size
            self.total += self.sizes[key]

    def get(self, key: str) -> bytes | None:
        path = self.root / key
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            with self._lock:
                self._forget(key)
            return None
        with contextlib.suppress(FileNotFoundError):  # evicted meanwhile: the bytes are read
            os.utime(path)
        with self._lock:
            self._forget(key)
            self.sizes[key] = len(data)
            self.total += len(data)
        return data

    def put(self, key: str, data: bytes) -> None:
        path = self.root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
        with self._lock:
            self._forget(key)
            self.sizes[key] = len(data)
            self.total += len(data)
            self._evict(keep=key)

    def _forget(self, key: str) -> None:
        self.total -= self.sizes.pop(key, 0)

    def _evict(self, keep: str) -> None:
        while self.total > self.max_bytes and len(self.sizes) > 1:
            oldest = next(iter(self.sizes))
            if oldest == keep:
                break
            self._forget(oldest)
            (self.root / oldest).unlink(missing_ok=True)


class Renderer:
    """Renditions through the disk cache; concurrent requests for one rendition share one
    render (``flights``), and ``renders`` counts the renders made (tests, metrics)."""

    def __init__(self, cache: DiskCache) -> None:
        self.cache = cache
        self.flights: dict[str, asyncio.Future[bytes]] = {}
        self.renders = 0

    async def rendition(
        self, key: str, spec: RenditionSpec, original: Callable[[], Awaitable[bytes]]
    ) -> bytes:
        # Joining or starting the flight happens before any await, and a flight ends only once
        # the rendition is in the cache: no request can miss both and render a second time.
        flight = self.flights.get(key)
        if flight is not None:
            return await asyncio.shield(flight)
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self.flights[key] = future
        try:
            data = await asyncio.to_thread(self.cache.get, key)
            if data is None:
                data = await asyncio.to_thread(render, await original(), spec)
                self.renders += 1
                await asyncio.to_thread(self.cache.put, key, data)
            future.set_result(data)
            return data
        except BaseException as exc:
            if isinstance(exc, asyncio.CancelledError):
                future.cancel()
            else:
                future.set_exception(exc)
                future.exception()  # retrieved: waiters get it, nobody is warned about it
            raise
        finally:
            del self.flights[key]
