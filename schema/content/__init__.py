"""GraphQL types, queries and mutations of articles, authors, categories and tags.

May import: ``schema`` top-level modules, ``schema.seo`` types, ``resolvers``.
"""
