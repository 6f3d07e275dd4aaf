"""Deterministic demo content: realistic authors, articles, categories, tags and SEO rows.

The same ``seed`` gives the same content. Bodies are built from a pool of pre-generated sentences
so that 100,000 articles generate in seconds; rows are written in bulk, in batches.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import func, insert, select, text

from resolvers.content.slugs import make_slug as slugify
from resolvers.db import Database
from resolvers.demo.words import ADJ, CATEGORIES, FIRST, GERMAN, LAST, NOUN, TAGS, VERB, WORDS
from resolvers.models import (
    article_author_t,
    article_category_t,
    article_t,
    article_tag_t,
    author_t,
    category_t,
    seo_meta_t,
    tag_t,
)
from resolvers.search.collation import collation_key
from resolvers.search.index import index_articles_async
from resolvers.site import WORDS_PER_MINUTE

DOCUMENTED_AUTHOR = "Ada Lovelace"
STATUS_WEIGHTS = (("published", 84), ("draft", 8), ("scheduled", 5), ("archived", 3))


@dataclass
class SeedResult:
    authors: int
    articles: int


@lru_cache(maxsize=100_000)
def title_slug(title: str) -> str:
    # Generated titles repeat; slugify is the slowest step of generation.
    return slugify(title)


def _sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 18))]
    return words[0].capitalize() + " " + " ".join(words[1:]) + "."


class _Generator:
    def __init__(self, seed: int, now: datetime) -> None:
        self.rng = random.Random(seed)
        self.now = now
        self.sentences = [_sentence(self.rng) for _ in range(3000)]

    def paragraph(self) -> str:
        return " ".join(self.rng.choices(self.sentences, k=self.rng.randint(5, 8)))

    def body(self) -> tuple[str, int]:
        """HTML of a few paragraphs and a heading, and its reading time in minutes."""
        texts = [self.paragraph() for _ in range(self.rng.randint(5, 7))]
        words = sum(len(t.split()) for t in texts)
        paragraphs = [f"<p>{t}</p>" for t in texts]
        paragraphs.insert(
            2, f"<h2>{self.rng.choice(ADJ).capitalize()} {self.rng.choice(NOUN)}</h2>"
        )
        return "\n".join(paragraphs), max(1, round(words / WORDS_PER_MINUTE))

    def title(self, locale: str) -> str:
        r = self.rng
        if locale == "de":
            return f"{r.choice(GERMAN)}: {r.choice(ADJ).capitalize()} {r.choice(NOUN)}"
        return f"The {r.choice(ADJ)} {r.choice(NOUN)} that {r.choice(VERB)} {r.choice(NOUN)}".capitalize()

    def status_and_date(self) -> tuple[str, datetime | None]:
        r = self.rng
        status = r.choices([s for s, _ in STATUS_WEIGHTS], [w for _, w in STATUS_WEIGHTS])[0]
        if status == "draft":
            return "draft", None
        if status == "scheduled":
            return "published", self.now + timedelta(hours=r.randint(1, 24 * 60))
        minutes = r.randint(60, 60 * 24 * 365 * 3)
        return status, (self.now - timedelta(minutes=minutes)).replace(microsecond=0)


async def _next_id(db: Database, table: Any) -> int:
    return int(await db.scalar(select(func.coalesce(func.max(table.c.id), 0)))) + 1


async def _taxonomy_ids(db: Database, conn: Any, table: Any, names: list[str]) -> list[int]:
    rows = (await conn.execute(select(table.c.id, table.c.slug))).all()
    existing = {r.slug: r.id for r in rows}
    missing = [n for n in names if slugify(n) not in existing]
    if missing:
        now = datetime.now(UTC)
        await conn.execute(
            insert(table),
            [
                {
                    "slug": slugify(n),
                    "name": n.replace("-", " ").title(),
                    "name_sort": collation_key(n.replace("-", " ").title()),
                    "description": f"Articles about {n.replace('-', ' ')}.",
                    "created_at": now,
                    "updated_at": now,
                }
                for n in missing
            ],
        )
        rows = (await conn.execute(select(table.c.id, table.c.slug))).all()
        existing = {r.slug: r.id for r in rows}
    return [existing[slugify(n)] for n in names]


def _batches(total: int, size: int) -> Iterator[range]:
    for start in range(0, total, size):
        yield range(start, min(total, start + size))


def _author_rows(gen: _Generator, first_id: int, count: int) -> list[dict[str, Any]]:
    rng, now = gen.rng, gen.now
    rows = []
    for author_id in range(first_id, first_id + count):
        name = f"{rng.choice(FIRST)} {rng.choice(LAST).replace('-', ' ')}"
        if author_id == 1:
            name = DOCUMENTED_AUTHOR  # the docs' examples use her (ada-lovelace-1)
        rows.append(
            {
                "id": author_id,
                "slug": f"{slugify(name)}-{author_id}",
                "name": name,
                "name_sort": collation_key(name),
                "bio": f"<p>{gen.paragraph()}</p>",
                "email": f"author{author_id}@example.com",
                "website": f"https://example.com/~author{author_id}",
                "twitter": f"author{author_id}",
                "avatar_url": f"https://images.example.com/avatars/{author_id}.jpg",
                "avatar_alt": f"Portrait of {name}",
                "avatar_width": 256,
                "avatar_height": 256,
                "version": 1,
                "created_at": now,
                "updated_at": now,
            }
        )
    return rows


def _article_row(
    gen: _Generator, article_id: int, locale: str, group: str | None
) -> dict[str, Any]:
    rng, now = gen.rng, gen.now
    title = gen.title(locale)
    status, published_at = gen.status_and_date()
    body, minutes = gen.body()
    created = (published_at or now) - timedelta(days=rng.randint(0, 30))
    created = min(created, now)
    has_image = rng.random() < 0.8
    return {
        "id": article_id,
        "slug": f"{title_slug(title)}-{article_id}",
        "locale": locale,
        "title": title,
        "excerpt": gen.paragraph()[:300] if rng.random() < 0.9 else None,
        "body": body,
        "status": status,
        "published_at": published_at,
        "created_at": created,
        "updated_at": max(created, published_at or created),
        "reading_time_minutes": minutes,
        "feature_image_url": (
            f"https://images.example.com/articles/{article_id}.jpg" if has_image else None
        ),
        "feature_image_alt": title if has_image and rng.random() < 0.9 else None,
        "feature_image_width": 1200 if has_image else None,
        "feature_image_height": 630 if has_image else None,
        "translation_group": group,
        "version": 1,
    }


@dataclass
class _ArticleBatch:
    """One batch of articles with their links and SEO rows, inserted together."""

    gen: _Generator
    author_ids: list[int]
    category_ids: list[int]
    tag_ids: list[int]
    rows: list[dict[str, Any]] = field(default_factory=list)
    authors: list[dict[str, Any]] = field(default_factory=list)
    categories: list[dict[str, Any]] = field(default_factory=list)
    tags: list[dict[str, Any]] = field(default_factory=list)
    seo: list[dict[str, Any]] = field(default_factory=list)

    def add(self, article_id: int) -> None:
        rng, rows = self.gen.rng, self.rows
        locale = "de" if rows and rng.random() < 0.08 else "en"
        group = None
        if locale == "de" and rows[-1]["locale"] == "en":
            # A translation of the previous article: they share a translation group.
            group = rows[-1]["translation_group"] = f"tg-{rows[-1]['id']}"
        row = _article_row(self.gen, article_id, locale, group)
        rows.append(row)
        self._link(article_id)
        if rng.random() < 0.3:
            self.seo.append(
                {
                    "entity_type": "article",
                    "entity_id": article_id,
                    "meta_title": f"{row['title']} — explained",
                    "meta_description": self.gen.paragraph()[:155],
                    "robots_index": rng.random() > 0.05,
                    "robots_follow": True,
                }
            )

    def _link(self, article_id: int) -> None:
        rng, author_ids = self.gen.rng, self.author_ids
        byline = rng.sample(author_ids, k=min(len(author_ids), rng.choice((1, 1, 1, 2, 3))))
        self.authors += [
            {"article_id": article_id, "author_id": a, "position": p} for p, a in enumerate(byline)
        ]
        self.categories += [
            {"article_id": article_id, "category_id": c, "position": p}
            for p, c in enumerate(rng.sample(self.category_ids, k=rng.randint(1, 2)))
        ]
        self.tags += [
            {"article_id": article_id, "tag_id": t, "position": p}
            for p, t in enumerate(rng.sample(self.tag_ids, k=rng.randint(2, 5)))
        ]

    async def insert(self, conn: Any) -> None:
        await conn.execute(insert(article_t), self.rows)
        await conn.execute(insert(article_author_t), self.authors)
        await conn.execute(insert(article_category_t), self.categories)
        await conn.execute(insert(article_tag_t), self.tags)
        if self.seo:
            await conn.execute(insert(seo_meta_t), self.seo)


async def _move_sequences(conn: Any) -> None:
    """Explicit ids were inserted: move PostgreSQL's sequences past them."""
    for table in ("author", "article"):
        await conn.execute(
            text(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT coalesce(max(id), 1) FROM {table}))"
            )
        )


async def seed_content(
    db: Database,
    *,
    authors: int,
    articles: int,
    seed: int = 1,
    progress: Callable[[int], None] | None = None,
    batch_size: int = 2000,
) -> SeedResult:
    """Add ``authors`` authors and ``articles`` articles; deterministic for a given ``seed``."""
    if authors < 1 and articles > 0:
        raise ValueError("articles need at least one author")
    gen = _Generator(seed, datetime.now(UTC).replace(microsecond=0))
    first_author = await _next_id(db, author_t)
    first_article = await _next_id(db, article_t)
    done = 0
    async with db.engine.begin() as conn:
        category_ids = await _taxonomy_ids(db, conn, category_t, CATEGORIES)
        tag_ids = await _taxonomy_ids(db, conn, tag_t, TAGS)
        author_rows = _author_rows(gen, first_author, authors)
        for chunk in _batches(len(author_rows), batch_size):
            await conn.execute(insert(author_t), author_rows[chunk.start : chunk.stop])
        author_ids = [r["id"] for r in author_rows]
        for chunk in _batches(articles, batch_size):
            batch = _ArticleBatch(gen, author_ids, category_ids, tag_ids)
            for i in chunk:
                batch.add(first_article + i)
            await batch.insert(conn)
            # Seeded content is searchable like content written through the API.
            await index_articles_async(conn, [row["id"] for row in batch.rows])
            done += len(chunk)
            if progress is not None:
                progress(len(chunk))
        if not db.is_sqlite:
            await _move_sequences(conn)
    return SeedResult(authors=authors, articles=done)


async def is_empty(db: Database) -> bool:
    return bool(await db.scalar(select(func.count()).select_from(article_t)) == 0)
