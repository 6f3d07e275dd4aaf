"""The HTTP surface: the GraphQL endpoint (GET/POST/WebSocket), its HTTP rules, GraphiQL, the demo pages.

May import: ``gateway.config``, ``gateway.cache``, ``gateway.guard``, ``gateway.ops``, ``schema``, ``resolvers``.
"""
