"""The viewer query, preview tokens and API tokens.

May import: ``schema`` top-level modules and ``resolvers``.
"""
