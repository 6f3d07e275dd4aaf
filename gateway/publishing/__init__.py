"""Plain HTTP publishing outside GraphQL: sitemaps, robots.txt, RSS/Atom feeds.

May import: ``gateway.config``, ``gateway.http``, ``resolvers``.
"""
