"""Guards against abusive queries: depth/alias/directive limits, query cost, rate limits.

May import: ``gateway.config``, ``resolvers``.
"""
