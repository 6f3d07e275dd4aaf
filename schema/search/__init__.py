"""The search API: the `search` root field, its results (article, score, highlights, snippet)
and its connection (totalCount, facets). Imports ``schema.content`` types and ``resolvers``."""
