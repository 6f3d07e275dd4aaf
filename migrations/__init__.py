"""Alembic migrations: the only way the database schema changes (run by
`content-gateway migrate`; a wheel carries them as package data of ``gateway``)."""
