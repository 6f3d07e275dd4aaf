"""Persisted queries: Apollo's automatic persisted queries (APQ) and trusted documents.

Modes (``GATEWAY_PERSISTED_QUERIES``):

- ``off``: documents only; a persisted-query request gets ``PERSISTED_QUERY_NOT_SUPPORTED``.
- ``apq``: any document runs; ``extensions.persistedQuery.sha256Hash`` alone looks the document
  up (registered APQ documents in the cache backend, then the trusted-document table); an unknown
  hash gets ``PERSISTED_QUERY_NOT_FOUND`` so Apollo Client resends hash + document, which is
  stored once it has validated. ``documentId`` (or Relay's ``doc_id``) names a trusted document.
- ``allowlist``: only trusted documents run, by hash, id, or a full text equal to one of them
  up to white space and comments; nothing is registered at run time.

A hash names one text forever, so hash -> text is memoised in process (positive answers only:
an import becomes visible at once).
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from gateway.cache.backends import CacheBackend
from gateway.cache.documents import describe, sha256_hex
from resolvers import persisted as trusted
from resolvers.db import Database

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
MEMO_SIZE = 4096


class PersistedQueryError(Exception):
    """A persisted-query request that cannot run; ``message`` is what Apollo clients match."""

    def __init__(self, code: str, message: str, status: int = 200) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


def not_found() -> PersistedQueryError:
    # Apollo Client's persisted-query link retries with the full document on this message/code.
    return PersistedQueryError("PERSISTED_QUERY_NOT_FOUND", "PersistedQueryNotFound")


@dataclass(slots=True)
class Resolved:
    query: str
    register: str | None = None  # an APQ hash to store once the document has validated


def _hash_of(extensions: dict[str, Any] | None) -> str | None:
    if not extensions or "persistedQuery" not in extensions:
        return None
    pq = extensions["persistedQuery"]
    if not isinstance(pq, dict):
        raise PersistedQueryError(
            "BAD_REQUEST", "`extensions.persistedQuery` must be an object.", 400
        )
    if pq.get("version") != 1:
        raise PersistedQueryError(
            "PERSISTED_QUERY_VERSION_NOT_SUPPORTED",
            "Unsupported persisted query version; only version 1 is supported.",
            400,
        )
    digest = pq.get("sha256Hash")
    if not isinstance(digest, str) or not _SHA256.match(digest.lower()):
        raise PersistedQueryError(
            "BAD_REQUEST",
            "`extensions.persistedQuery.sha256Hash` must be 64 hexadecimal characters.",
            400,
        )
    return digest.lower()


class PersistedQueries:
    def __init__(self, mode: str, ttl: float, max_tokens: int | None = None) -> None:
        self.mode = mode
        self.ttl = ttl
        self.max_tokens = max_tokens  # longer documents are refused by execution anyway
        self._memo: OrderedDict[str, str] = OrderedDict()

    def _remember(self, ref: str, text: str) -> None:
        self._memo[ref] = text
        self._memo.move_to_end(ref)
        if len(self._memo) > MEMO_SIZE:
            self._memo.popitem(last=False)

    async def _trusted(self, db: Database, ref: str) -> str | None:
        text = self._memo.get(ref)
        if text is None:
            row = await trusted.find_document(db, ref)
            if row is None:
                return None
            text = row.body
            self._remember(ref, text)
        return text

    async def resolve(
        self,
        db: Database,
        backend: CacheBackend | None,
        query: str | None,
        extensions: dict[str, Any] | None,
        document_id: str | None,
    ) -> Resolved:
        digest = _hash_of(extensions)
        if self.mode == "off":
            if digest is not None or document_id is not None:
                raise PersistedQueryError(
                    "PERSISTED_QUERY_NOT_SUPPORTED", "PersistedQueryNotSupported"
                )
            return Resolved(query or "")
        if digest is not None and query is not None and sha256_hex(query) != digest:
            raise PersistedQueryError(
                "PERSISTED_QUERY_HASH_MISMATCH",
                "provided sha256Hash does not match the SHA-256 of the query",
                400,
            )
        if document_id is not None:
            text = await self._trusted(db, document_id.removeprefix("sha256:"))
            if text is None:
                raise not_found()
            return Resolved(text)
        if self.mode == "allowlist":
            return await self._allowlisted(db, query, digest)
        if digest is None:
            return Resolved(query or "")
        text = self._memo.get(digest)
        if text is None and backend is not None:
            text = await backend.get_document(digest)
        if text is None:
            text = await self._trusted(db, digest)
        if text is not None:
            self._remember(digest, text)
            return Resolved(text)
        if query is None:
            raise not_found()
        return Resolved(query, register=digest)

    async def _allowlisted(self, db: Database, query: str | None, digest: str | None) -> Resolved:
        refusal = PersistedQueryError(
            "PERSISTED_QUERY_NOT_IN_LIST",
            "This server runs trusted documents only, and this one is not registered.",
            400,
        )
        if digest is not None:
            text = await self._trusted(db, digest)
            if text is not None:
                return Resolved(text)
            if query is None:
                raise not_found()
            raise refusal
        if query is None:
            return Resolved("")
        info = describe(query, self.max_tokens)
        key = "n:" + (info.normalized_hash if info is not None else sha256_hex(query))
        text = self._memo.get(key)
        if text is None and info is not None:
            row = await trusted.find_by_normalized_hash(db, info.normalized_hash)
            if row is not None:
                text = row.body
                self._remember(key, text)
        if text is None:
            raise refusal
        return Resolved(query)

    async def register(self, backend: CacheBackend | None, digest: str, text: str) -> None:
        """Store an APQ document that has just validated."""
        self._remember(digest, text)
        if backend is not None:
            await backend.put_document(digest, text, self.ttl)
