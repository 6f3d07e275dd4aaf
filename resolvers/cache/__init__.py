"""Response-cache bookkeeping in the database (purges recorded with writes, read on hits).

May import ``resolvers.db``, ``resolvers.models``, ``resolvers.cache_tags`` and
``resolvers.changes``; nothing from ``gateway`` or ``schema``.
"""
