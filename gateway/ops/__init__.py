"""Operations: structured logs, metrics, tracing, health and readiness, serving and lifecycle.

May import: ``gateway.config``, ``resolvers``.
"""
