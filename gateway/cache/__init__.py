"""Cross-request caching: response cache, persisted documents, HTTP cache headers, document identity.

May import: ``gateway.config``, ``resolvers``.
"""
