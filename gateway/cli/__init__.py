"""The ``content-gateway`` command line.

May import: anything in ``gateway``, ``schema`` and ``resolvers``.
"""
