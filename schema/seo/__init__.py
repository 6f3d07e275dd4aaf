"""GraphQL types of SEO metadata, JSON-LD, routing, sitemap, audit and redirects.

May import: ``schema`` top-level modules and ``resolvers``.
"""
