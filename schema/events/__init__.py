"""GraphQL subscriptions and the webhook admin API.

May import: ``schema`` top-level modules, ``schema.content`` types, ``resolvers``.
"""
