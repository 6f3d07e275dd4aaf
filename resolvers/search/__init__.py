"""Full-text search: the text analysis (folding, stop words, Snowball stemming per locale), the
one search language parsed in Python and rendered per backend (FTS5 on SQLite, ``tsquery`` on
PostgreSQL), the stored search document kept current by every write, ranking, snippets, facets
and the per-process concurrency gate. Imports only ``resolvers`` modules and the standard library
(plus PyStemmer and nh3); never strawberry or starlette."""
