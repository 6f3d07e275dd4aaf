"""Trusted documents (the persisted-query allow-list): lookups and an all-or-nothing import."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, insert, or_, select

from resolvers.db import Database, now_utc
from resolvers.errors import UserInputError
from resolvers.models import persisted_document_t

t = persisted_document_t


@dataclass(frozen=True, slots=True)
class NewDocument:
    document_id: str
    sha256: str
    normalized_hash: str
    operation_name: str | None
    operation_type: str
    body: str


@dataclass
class ImportResult:
    added: list[NewDocument] = field(default_factory=list)
    present: list[NewDocument] = field(default_factory=list)


async def find_document(db: Database, ref: str) -> Any | None:
    """A trusted document by the id its client sends, or by the SHA-256 of its text."""
    return await db.one_or_none(
        select(t.c.body, t.c.sha256)
        .where(or_(t.c.document_id == ref, t.c.sha256 == ref))
        .order_by(t.c.id)
        .limit(1)
    )


async def find_by_normalized_hash(db: Database, normalized_hash: str) -> Any | None:
    """A trusted document equal to a sent one up to white space, commas and comments."""
    return await db.one_or_none(
        select(t.c.body, t.c.sha256).where(t.c.normalized_hash == normalized_hash).limit(1)
    )


async def add_documents(db: Database, docs: Sequence[NewDocument], source: str) -> ImportResult:
    """Add the documents not yet present, in one transaction. An id already bound to a
    different text is a conflict: nothing is written and the error names every such id."""
    result = ImportResult()
    ids = [d.document_id for d in docs]
    async with db.sessions() as session, session.begin():
        existing = {
            row.document_id: row.sha256
            for row in (
                await session.execute(
                    select(t.c.document_id, t.c.sha256).where(t.c.document_id.in_(ids))
                )
            ).all()
        }
        conflicts = [
            d.document_id for d in docs if existing.get(d.document_id, d.sha256) != d.sha256
        ]
        if conflicts:
            raise UserInputError(
                "these ids are already registered with a different document: "
                + ", ".join(sorted(conflicts))
            )
        seen: set[str] = set()
        rows = []
        now = now_utc()
        for doc in docs:
            if doc.document_id in existing or doc.document_id in seen:
                result.present.append(doc)
                continue
            seen.add(doc.document_id)
            result.added.append(doc)
            rows.append(
                {
                    "document_id": doc.document_id,
                    "sha256": doc.sha256,
                    "normalized_hash": doc.normalized_hash,
                    "operation_name": doc.operation_name,
                    "operation_type": doc.operation_type,
                    "body": doc.body,
                    "source": source[:500],
                    "created_at": now,
                }
            )
        if rows:
            await session.execute(insert(t), rows)
    return result


async def count_documents(db: Database) -> int:
    return int(await db.scalar(select(func.count()).select_from(t)))
