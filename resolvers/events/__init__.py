"""Events as data: the transactional outbox, deliveries, webhooks and the outgoing-request guard.

May import: the ``resolvers`` top-level modules.
"""
