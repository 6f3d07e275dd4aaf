"""Translations of authors, categories and tags: their tables, the writes that set and remove
them, and reads that lay a locale's translation over the base row with fallback to the default
locale. May import resolvers' shared modules (models, db, errors, visibility, content); never
strawberry, starlette or gateway."""
