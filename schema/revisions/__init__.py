"""History, trash and review in the API: revision and review types, their mutations.

May import: ``schema`` top-level modules, ``schema.content`` and ``schema.seo`` types, and
``resolvers``.
"""
