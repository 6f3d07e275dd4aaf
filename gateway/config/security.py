"""Settings of the hardening layer: query limits, HTTP limits, CORS/CSRF, rate limits
and fault handling. ``gateway.config.settings.Settings`` inherits them; they are read from the same
``GATEWAY_*`` variables."""

from __future__ import annotations

import ipaddress
from typing import Annotated, Any

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode

# A list setting written as comma-separated text in the environment ("a, b"), or a JSON list.
CsvList = Annotated[list[str], NoDecode]


class SecuritySettings(BaseSettings):
    # --- Hardening: query limits, HTTP limits, CORS/CSRF, rate limits, faults ---
    max_query_depth: int = Field(6, ge=1, description="Deepest selection (graphql-armor count).")
    depth_flatten_fragments: bool = Field(
        True,
        description="Count depth through fragments without a level for the fragment itself "
        "(graphql-armor's flattenFragments), so `route { ... on Article { seo { ...Head } } }` "
        "is as deep as its fields.",
    )
    max_aliases: int = Field(15, ge=0, description="Aliases per operation (__typename free).")
    max_tokens: int = Field(1000, ge=1, description="Lexical tokens per document.")
    max_directives: int = Field(50, ge=0, description="Directives per operation.")
    max_query_cost: int = Field(5000, ge=1, description="Largest computed query cost.")
    cost_object: int = Field(2, ge=0, description="Cost of a field that selects an object.")
    cost_scalar: int = Field(1, ge=0, description="Cost of a scalar or enum field.")
    cost_report: bool = Field(
        False, description="Always add extensions.cost; else only on X-GraphQL-Cost: 1."
    )
    max_document_length: int = Field(15000, ge=1, description="Characters per document.")
    max_body_bytes: int = Field(102400, ge=1024, description="Largest HTTP request body.")
    max_body_bytes_authenticated: int = Field(
        1048576,
        ge=1024,
        description="Largest body of a request with credentials (an editor's long article).",
    )
    max_batch_operations: int = Field(
        0, ge=0, le=50, description="Operations per JSON-array request; 0 = batching off."
    )
    execution_timeout: float = Field(10.0, gt=0, description="Seconds a request may execute.")
    db_statement_timeout: float = Field(
        10.0, ge=0, description="PostgreSQL statement_timeout in seconds; 0 = none."
    )
    db_connect_timeout: float = Field(5.0, gt=0, description="Seconds to open a DB connection.")
    introspection: bool | None = Field(
        None,
        description="Introspection for everyone; default: on in development only "
        "(editors and admins always may).",
    )
    csrf_prevention: bool = Field(
        True, description="Refuse GET / simple POSTs without a preflight-forcing header."
    )
    cors_allow_origins: CsvList = Field(
        default_factory=list, description="Origins allowed by CORS (comma-separated)."
    )
    cors_allow_methods: CsvList = Field(
        default_factory=lambda: ["GET", "POST"], description="Methods allowed by CORS."
    )
    cors_allow_headers: CsvList = Field(
        default_factory=lambda: [
            "content-type",
            "authorization",
            "apollo-require-preflight",
            "x-apollo-operation-name",
            "graphql-preflight",
            "x-request-id",
            "x-graphql-cost",
        ],
        description="Request headers allowed by CORS.",
    )
    cors_allow_credentials: bool = Field(
        False, description="Allow cookies/credentials (only for the listed origins, never *)."
    )
    cors_max_age: int = Field(600, ge=0, description="Seconds browsers cache a preflight.")
    trusted_proxies: CsvList = Field(
        default_factory=list,
        description="Proxy IPs/CIDRs whose X-Forwarded-For is believed (comma-separated).",
    )
    rate_limit_budget: int = Field(
        50000, ge=0, description="Cost units per client per window; 0 = no rate limit."
    )
    rate_limit_window: float = Field(
        60.0, gt=0, description="Seconds in which a spent budget refills completely."
    )
    rate_limit_key_prefix: str = Field("gw:rl:", description="Redis key prefix of buckets.")
    # redis_url (below, with the events settings) also shares the rate-limit buckets.
    redis_retry_interval: float = Field(
        5.0, ge=0, description="Seconds to use local limits before retrying a failed Redis."
    )
    redis_connect_timeout: float = Field(
        1.0,
        gt=0,
        description="Seconds to wait for a new Redis connection; past it Redis counts as "
        "unreachable for that call (the cache, rate limits and events go on without it).",
    )
    redis_timeout: float = Field(
        2.0, gt=0, description="Seconds to wait for a Redis reply before giving up on it."
    )
    redis_warning_interval: float = Field(
        60.0, ge=0, description="At most one 'Redis unreachable' warning per this many seconds."
    )

    @field_validator(
        "cors_allow_origins",
        "cors_allow_methods",
        "cors_allow_headers",
        "trusted_proxies",
        mode="before",
    )
    @classmethod
    def _split_csv(cls, value: Any) -> Any:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                import orjson

                return orjson.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _check_proxies(cls, value: list[str]) -> list[str]:
        for item in value:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(f"{item!r} is not an IP address or CIDR network") from None
        return value

    @model_validator(mode="after")
    def _check_combinations(self) -> SecuritySettings:
        if self.cors_allow_credentials and "*" in self.cors_allow_origins:
            raise ValueError(
                "GATEWAY_CORS_ALLOW_CREDENTIALS needs explicit GATEWAY_CORS_ALLOW_ORIGINS, not *"
            )
        if 0 < self.rate_limit_budget < self.max_query_cost:
            raise ValueError(
                "GATEWAY_RATE_LIMIT_BUDGET must be at least GATEWAY_MAX_QUERY_COST "
                f"({self.max_query_cost}), or the most expensive allowed query never runs"
            )
        return self
