"""The GraphQL HTTP endpoint as a pipeline of named steps.

``endpoint`` runs them in order: negotiate -> params -> lookup (persisted queries, response
cache) -> budget -> viewer -> execute -> finish. Each step lives in the module of its concern
(``negotiate``, ``params``, ``caching``, ``client``, ``execute``, ``outcome``,
``errors``, ``respond``) and receives what it needs as arguments;
``exchange.Exchange`` holds the request's fixed facts (id, clock, media type, headers so far).
May import from ``gateway.auth``, ``gateway.cache``, ``gateway.guard``, ``gateway.http`` and
``schema``; never from ``gateway.app``.
"""
