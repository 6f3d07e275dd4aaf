"""Where original images live: the storage contract every back end implements, and the local
directory back end (the default). The S3-compatible back end implements the same protocol."""

from __future__ import annotations

import asyncio
import os
import tempfile
from pathlib import Path
from typing import Protocol


class MediaStorage(Protocol):
    async def put(self, key: str, data: bytes, content_type: str) -> None: ...
    async def get(self, key: str) -> bytes | None: ...  # None when missing
    async def delete(self, key: str) -> None: ...  # missing is fine
    async def exists(self, key: str) -> bool: ...


def _safe_relative(key: str) -> Path:
    """Keys are produced by this package (``originals/<sha256>.<ext>``); anything that could
    leave the root is a programming error, refused loudly."""
    path = Path(key)
    if path.is_absolute() or ".." in path.parts or not key:
        raise ValueError(f"invalid storage key: {key!r}")
    return path


class LocalStorage:
    """Files under ``root``. A write goes to a temporary file in the same folder and is moved
    into place with ``os.replace``: readers see the whole file or none."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_of(self, key: str) -> Path:
        return self.root / _safe_relative(key)

    def _put(self, key: str, data: bytes) -> None:
        target = self.path_of(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-", suffix=target.suffix)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def _get(self, key: str) -> bytes | None:
        try:
            return self.path_of(key).read_bytes()
        except FileNotFoundError:
            return None

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        await asyncio.to_thread(self._put, key, data)

    async def get(self, key: str) -> bytes | None:
        return await asyncio.to_thread(self._get, key)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self.path_of(key).unlink, missing_ok=True)

    async def exists(self, key: str) -> bool:
        return await asyncio.to_thread(self.path_of(key).is_file)
