"""The event machinery at run time: live pub/sub, the outbox worker, webhook sending, cache purges.

May import: ``gateway.config``, ``gateway.cache``, ``gateway.ops``, ``resolvers``.
"""
