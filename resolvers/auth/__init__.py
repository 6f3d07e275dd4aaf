"""Credentials as data: API tokens and signed preview tokens.

May import: the ``resolvers`` top-level modules.
"""
