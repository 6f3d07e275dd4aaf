"""Settings of the database: its URL, the connection pool and how SQLite files are read.
``gateway.config.settings.Settings`` inherits them; they are read from the same ``GATEWAY_*``
variables."""

from __future__ import annotations

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings


class DatabaseSettings(BaseSettings):
    database_url: str = Field(
        "sqlite+aiosqlite:///./content.db",
        description="SQLAlchemy async URL: sqlite+aiosqlite:///path or postgresql+asyncpg://...",
    )
    db_pool_size: int = Field(
        10,
        ge=1,
        le=500,
        description="Database connections each worker keeps open (PostgreSQL, or a SQLite file); "
        "on PostgreSQL, also the reads a worker runs at once (more wait their turn).",
    )
    db_max_overflow: int = Field(
        10,
        ge=0,
        le=500,
        description="Extra database connections a worker may open under load (a SQLite file "
        "keeps them open once opened: each is a thread).",
    )
    db_sqlite_read_concurrency: int = Field(
        1,
        ge=1,
        le=64,
        description="Reads one worker runs at once on a SQLite file; more wait their turn (each "
        "runs on a connection's thread, and many at once contend for the interpreter lock).",
    )
    db_sqlite_inline_reads: bool = Field(
        True,
        description="Run the hot reads (article lists, an article, its authors and terms) on a "
        "read-only SQLite connection of the worker's event loop instead of handing each to a "
        "connection's thread (about 0.2 ms of CPU less per statement; a busy database falls "
        "back to the pool).",
    )
    db_pool_timeout: float = Field(
        10.0, gt=0, description="Seconds a request waits for a free PostgreSQL connection."
    )
    db_pool_recycle: int = Field(
        1800, ge=-1, description="Replace PostgreSQL connections older than N seconds (-1: never)."
    )
    db_echo: bool = Field(False, description="Log every SQL statement (debugging only).")
    db_pool_pre_ping: bool = Field(
        False,
        description="Test each pooled PostgreSQL connection before use (one extra round trip per "
        "query). Off: a connection lost to a database restart fails one query, then the pool "
        "is invalidated and reconnects.",
    )

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str) -> str:
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError(
                "must start with sqlite+aiosqlite:// or postgresql+asyncpg:// "
                f"(got {value.split('://', 1)[0]!r})"
            )
        return value
