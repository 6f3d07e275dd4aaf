"""Where media bytes live: one small contract, a local directory by default."""

from __future__ import annotations

from typing import Protocol


class MediaStorage(Protocol):
    async def put(self, key: str, data: bytes, content_type: str) -> None: ...
    async def get(self, key: str) -> bytes | None: ...  # None when missing
    async def delete(self, key: str) -> None: ...  # missing is fine
    async def exists(self, key: str) -> bool: ...
