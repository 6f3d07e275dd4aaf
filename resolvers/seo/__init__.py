"""SEO and routing rules: metadata with fallbacks, JSON-LD, paths, redirects, routing, sitemaps, feeds, audit.

May import: the ``resolvers`` top-level modules and ``resolvers.content``.
"""
