"""Deterministic demo content for ``make run`` and the benchmarks.

May import: anything in ``resolvers``.
"""
