"""How documents execute: the fast field executor (and compiled plans).

May import: ``schema`` top-level modules and ``resolvers``.
"""
