"""Storage for the response cache and APQ documents: an in-process LRU or Redis.

Both keep a tag index (tag -> keys) so a write purges exactly the responses that showed what it
changed, and both close the classic race of a slow read storing data a write already replaced:
every invalidation bumps a sequence number and marks its tags with it; a response is stored only
if none of its tags was invalidated after the request started (``since``).
"""

from __future__ import annotations

import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any, Protocol

import orjson

# How long an invalidation mark outlives its write: longer than any request may run.
MARK_SECONDS = 600.0
ENTRY_OVERHEAD = 256  # rough per-entry bookkeeping bytes, so many tiny entries count too


@dataclass(slots=True)
class CachedResponse:
    """A stored answer: the exact body bytes and what its headers are made of."""

    body: bytes
    etag: str
    tags: tuple[str, ...]
    not_after: float | None = None  # epoch: a scheduled article becomes public then

    def encode(self) -> bytes:
        meta = orjson.dumps({"e": self.etag, "t": self.tags, "n": self.not_after})
        return meta + b"\n" + self.body

    @classmethod
    def decode(cls, data: bytes) -> CachedResponse:
        meta, _, body = data.partition(b"\n")
        values = orjson.loads(meta)
        return cls(body=body, etag=values["e"], tags=tuple(values["t"]), not_after=values["n"])


class CacheBackend(Protocol):
    name: str
    # Whether a call can wait on something outside the process (a network round trip): only
    # then does it run under a deadline (``gateway.cache.coherence.within``).
    remote: bool

    async def lookup(self, key: str) -> tuple[CachedResponse | None, int]:
        """The live entry (or None) and the current invalidation sequence number."""
        ...

    async def store(
        self, key: str, entry: CachedResponse, ttl: float, tags: tuple[str, ...], since: int
    ) -> bool:
        """Store unless one of ``tags`` was invalidated after sequence ``since``."""
        ...

    async def invalidate(self, tags: set[str], generation: int | None = None) -> int:
        """Drop every entry carrying one of ``tags``; returns how many were dropped. With
        ``generation``, also record that the database's purges up to it are applied."""
        ...

    async def generation(self) -> int | None:
        """The last database purge generation applied to this cache (None: unknown)."""
        ...

    async def start_generation(self, generation: int) -> None:
        """Set the applied generation where none is known yet (a new, empty cache)."""
        ...

    async def clear(self) -> None:
        """Drop every stored answer (purges were missed and cannot be replayed)."""
        ...

    async def get_document(self, digest: str) -> str | None: ...

    async def put_document(self, digest: str, text: str, ttl: float) -> None: ...

    async def close(self) -> None: ...


class MemoryBackend:
    """An LRU bounded by bytes, for one process. Other processes' writes reach it through the
    purges recorded in the database (``resolvers.cache.purges``), checked before every hit."""

    name = "memory"
    remote = False  # its calls never suspend: no deadline can fire

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.used = 0
        # key -> (value, size, expires at (monotonic), tags)
        self._items: OrderedDict[str, tuple[Any, int, float, tuple[str, ...]]] = OrderedDict()
        self._by_tag: dict[str, set[str]] = {}
        self._marks: dict[str, tuple[int, float]] = {}  # tag -> (sequence, monotonic time)
        self._seq = 0
        self._generation: int | None = None
        self.evictions = 0  # entries dropped to make room (not expiries, not purges)

    def _drop(self, key: str) -> None:
        _, size, _, tags = self._items.pop(key)
        self.used -= size
        for tag in tags:
            keys = self._by_tag.get(tag)
            if keys is not None:
                keys.discard(key)
                if not keys:
                    del self._by_tag[tag]

    def _get(self, key: str) -> Any:
        item = self._items.get(key)
        if item is None:
            return None
        if item[2] <= time.monotonic():
            self._drop(key)
            return None
        self._items.move_to_end(key)
        return item[0]

    def _put(self, key: str, value: Any, size: int, ttl: float, tags: tuple[str, ...]) -> None:
        if key in self._items:
            self._drop(key)
        size += ENTRY_OVERHEAD + sum(len(t) for t in tags)
        if size > self.max_bytes:
            return  # larger than the whole cache: not worth evicting everything for
        while self.used + size > self.max_bytes:
            self._drop(next(iter(self._items)))
            self.evictions += 1
        self._items[key] = (value, size, time.monotonic() + ttl, tags)
        self.used += size
        for tag in tags:
            self._by_tag.setdefault(tag, set()).add(key)

    async def lookup(self, key: str) -> tuple[CachedResponse | None, int]:
        return self._get("r:" + key), self._seq

    async def store(
        self, key: str, entry: CachedResponse, ttl: float, tags: tuple[str, ...], since: int
    ) -> bool:
        for tag in tags:
            mark = self._marks.get(tag)
            if mark is not None and mark[0] > since:
                return False
        self._put("r:" + key, entry, len(entry.body), ttl, tags)
        return True

    async def invalidate(self, tags: set[str], generation: int | None = None) -> int:
        if generation is not None:
            self._generation = max(self._generation or 0, generation)
        self._seq += 1
        now = time.monotonic()
        removed = 0
        for tag in tags:
            for key in list(self._by_tag.get(tag, ())):
                self._drop(key)
                removed += 1
            self._marks[tag] = (self._seq, now)
        if len(self._marks) > 10_000:
            self._marks = {t: m for t, m in self._marks.items() if now - m[1] < MARK_SECONDS}
        return removed

    async def generation(self) -> int | None:
        return self._generation

    async def start_generation(self, generation: int) -> None:
        if self._generation is None:
            self._generation = generation

    async def clear(self) -> None:
        for key in [k for k in self._items if k.startswith("r:")]:
            self._drop(key)
        self._seq += 1

    async def get_document(self, digest: str) -> str | None:
        value = self._get("d:" + digest)
        return value if isinstance(value, str) else None

    async def put_document(self, digest: str, text: str, ttl: float) -> None:
        self._put("d:" + digest, text, len(text), ttl, ())

    async def close(self) -> None:
        self._items.clear()
        self._by_tag.clear()


# KEYS: entry, n tag sets, n invalidation marks. ARGV: n, since, ttl ms, now ms, value.
STORE_LUA = """
local n = tonumber(ARGV[1])
local since = tonumber(ARGV[2])
for i = 1, n do
  local mark = redis.call('GET', KEYS[n + 1 + i])
  if mark and tonumber(mark) > since then return 0 end
end
local ttl = tonumber(ARGV[3])
local now = tonumber(ARGV[4])
redis.call('SET', KEYS[1], ARGV[5], 'PX', ttl)
for i = 1, n do
  local set = KEYS[1 + i]
  redis.call('ZREMRANGEBYSCORE', set, '-inf', now)
  redis.call('ZADD', set, now + ttl, KEYS[1])
  if redis.call('PTTL', set) < ttl then redis.call('PEXPIRE', set, ttl) end
end
return 1
"""

# KEYS: sequence, applied generation, n tag sets, n invalidation marks.
# ARGV: n, mark ttl ms, generation (0: none).
INVALIDATE_LUA = """
local n = tonumber(ARGV[1])
local seq = redis.call('INCR', KEYS[1])
local removed = 0
for i = 1, n do
  local members = redis.call('ZRANGE', KEYS[2 + i], 0, -1)
  for _, key in ipairs(members) do removed = removed + redis.call('DEL', key) end
  redis.call('DEL', KEYS[2 + i])
  redis.call('SET', KEYS[n + 2 + i], seq, 'PX', tonumber(ARGV[2]))
end
local gen = tonumber(ARGV[3])
if gen > 0 and gen > tonumber(redis.call('GET', KEYS[2]) or '0') then
  redis.call('SET', KEYS[2], gen)
end
return {seq, removed}
"""


class RedisBackend:
    """Shared by every worker and instance: an invalidation on one is seen by all at once.

    Entries expire by TTL; tag sets are sorted sets scored by member expiry and pruned on write,
    so they never outgrow the live entries. Store and invalidate are Lua scripts (atomic).
    """

    name = "redis"
    remote = True

    def __init__(self, client: Any, prefix: str) -> None:
        self.client = client
        self.prefix = prefix
        self._store = client.register_script(STORE_LUA)
        self._invalidate = client.register_script(INVALIDATE_LUA)

    def _tag_keys(self, tags: tuple[str, ...] | list[str]) -> list[str]:
        return [f"{self.prefix}t:{t}" for t in tags] + [f"{self.prefix}i:{t}" for t in tags]

    async def lookup(self, key: str) -> tuple[CachedResponse | None, int]:
        raw, seq = await self.client.mget(f"{self.prefix}r:{key}", f"{self.prefix}seq")
        entry = CachedResponse.decode(raw) if raw is not None else None
        return entry, int(seq or 0)

    async def store(
        self, key: str, entry: CachedResponse, ttl: float, tags: tuple[str, ...], since: int
    ) -> bool:
        keys = [f"{self.prefix}r:{key}", *self._tag_keys(tags)]
        args = [len(tags), since, int(ttl * 1000), int(time.time() * 1000), entry.encode()]
        return bool(await self._store(keys=keys, args=args))

    async def invalidate(self, tags: set[str], generation: int | None = None) -> int:
        ordered = sorted(tags)
        keys = [f"{self.prefix}seq", f"{self.prefix}gen", *self._tag_keys(ordered)]
        args = [len(ordered), int(MARK_SECONDS * 1000), generation or 0]
        _, removed = await self._invalidate(keys=keys, args=args)
        return int(removed)

    async def generation(self) -> int | None:
        raw = await self.client.get(f"{self.prefix}gen")
        return int(raw) if raw is not None else None

    async def start_generation(self, generation: int) -> None:
        await self.client.set(f"{self.prefix}gen", generation, nx=True)

    async def clear(self) -> None:
        # Answers expire by their TTL; a forgotten purge backlog is rare enough that walking
        # the prefix's answer keys is acceptable.
        async for key in self.client.scan_iter(match=f"{self.prefix}r:*", count=500):
            await self.client.delete(key)

    async def get_document(self, digest: str) -> str | None:
        raw = await self.client.get(f"{self.prefix}d:{digest}")
        return raw.decode() if raw is not None else None

    async def put_document(self, digest: str, text: str, ttl: float) -> None:
        await self.client.set(f"{self.prefix}d:{digest}", text.encode(), px=int(ttl * 1000))

    async def close(self) -> None:
        await self.client.aclose()
