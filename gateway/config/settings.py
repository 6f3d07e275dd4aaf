"""Settings: every knob of the gateway, read from ``GATEWAY_*`` environment variables and ``.env``.

Built once in ``create_app`` (or the CLI) and passed down explicitly; never a module global.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from string import Formatter
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    Field,
    SecretStr,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_settings import SettingsConfigDict

from gateway.config.database import DatabaseSettings
from gateway.config.locales import LocaleSettings
from gateway.config.media import MediaSettings
from gateway.config.redaction import redact_url_credentials
from gateway.config.routing import RoutingSettings
from gateway.config.security import SecuritySettings
from gateway.config.seo import SeoSettings
from gateway.config.storage import StorageSettings

# "none" is never accepted: an unsigned token would let anyone claim any role.
JWT_ALGORITHMS = (
    "HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "ES256", "ES384", "ES512",
    "PS256", "PS384", "PS512", "EdDSA",
)  # fmt: skip


class SettingsError(Exception):
    """A setting is invalid; the message is one line that names the setting."""


class Settings(
    DatabaseSettings,
    SecuritySettings,
    SeoSettings,
    RoutingSettings,
    LocaleSettings,
    MediaSettings,
    StorageSettings,
):
    """Gateway configuration. Every field is documented; the README table mirrors it."""

    model_config = SettingsConfigDict(
        env_prefix="GATEWAY_", env_file=".env", extra="ignore", validate_default=True
    )

    env: Literal["development", "production"] = Field(
        "development", description="Deployment environment: development or production."
    )
    site_url: str = Field(
        "http://127.0.0.1:8000", description="Public base URL of the site (absolute URLs)."
    )
    site_name: str = Field("Content Gateway", description="Site name used in SEO metadata.")
    server_timing: bool = Field(True, description="Send the Server-Timing header.")
    graphiql: bool | None = Field(
        None, description="Serve GraphiQL on GET /graphql; default: on in development only."
    )
    default_page_size: int = Field(10, ge=1, le=100, description="Default `first`.")
    max_page_size: int = Field(100, ge=1, le=1000, description="Largest `first`/`last`.")
    max_page_offset: int = Field(
        10_000,
        ge=0,
        le=1_000_000,
        description="Deepest row a page number may start at (`articles(page:, perPage:)`); "
        "deeper pages are refused with a hint to page with cursors.",
    )
    default_locale: str = Field("en", description="Locale whose paths carry no /<locale> prefix.")
    search_max_concurrent: int = Field(
        4,
        ge=1,
        le=64,
        description="Searches one process runs at once; more wait (see search_max_wait).",
    )
    search_max_wait: float = Field(
        2.0,
        gt=0,
        le=30,
        description="Seconds a search waits for a free slot before it is refused with "
        "SEARCH_BUSY (reads other than search never wait for it).",
    )
    search_candidates: int = Field(
        1000,
        ge=10,
        le=100_000,
        description="Articles a search looks at at most: the newest ones with every searched "
        "word; phrases, exclusions and ranking are decided among them. Also the largest "
        "totalCount (totalCountIsExact says when it was reached) and the base of facets.",
    )
    search_snippet_length: int = Field(
        160, ge=20, le=1000, description="Default length in characters of a search snippet."
    )
    seo_title_template: str | None = Field(
        None, description='Meta title template; %s is the title. Default "%s | <site name>".'
    )
    article_path: str = Field("/articles/{slug}", description="URL pattern of articles.")
    author_path: str = Field("/authors/{slug}", description="URL pattern of author pages.")
    category_path: str = Field("/categories/{slug}", description="URL pattern of categories.")
    tag_path: str = Field("/tags/{slug}", description="URL pattern of tag pages.")
    # --- developer experience (demo content, GraphiQL examples) ---
    demo: bool | None = Field(
        None,
        description="Serve the example SPA (examples/spa) at /demo/; default: on in development.",
    )
    document_cache_size: int = Field(
        512, ge=0, description="Parsed+validated GraphQL documents kept in memory (LRU)."
    )
    compiled_execution: bool = Field(
        True,
        description="Run queries on compiled execution plans (cached per document); off: every "
        "operation runs on graphql-core. Both give the same responses.",
    )
    coalesce_writes: bool = Field(
        True,
        description="`content-gateway serve`: what a response writes in one step of the event "
        "loop (status line, headers, body) leaves in one socket send instead of one per part; "
        "off: asyncio's socket transport as is.",
    )

    # --- operations (logs, metrics, tracing, readiness) ---
    log_format: Literal["auto", "json", "console"] = Field(
        "auto", description="Log format; auto: JSON in production, readable in development."
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", description="Lowest level written to the log."
    )
    access_log: bool = Field(True, description="Write one access log line per request.")
    metrics_enabled: bool = Field(True, description="Collect Prometheus metrics.")
    metrics_bind: str | None = Field(
        None,
        description="Serve metrics on this host:port (from `content-gateway serve`) instead of "
        "/metrics on the main port.",
    )
    metrics_token: SecretStr | None = Field(
        None,
        description="Bearer token that /metrics on the main port asks for (`Authorization: "
        "Bearer <token>`). In production /metrics on the main port is served only with it; "
        "without it use GATEWAY_METRICS_BIND (a port the public cannot reach).",
    )
    metrics_max_operation_names: int = Field(
        200,
        ge=1,
        description="Distinct GraphQL operation names (and, separately, API token names) kept "
        'as metric labels per process; later ones are counted as "other".',
    )
    tracing: bool = Field(
        False,
        description="Export OpenTelemetry traces (needs the otel extra; exporter, endpoint, "
        "service name and sampler come from the standard OTEL_* variables).",
    )
    # redis_url (GATEWAY_REDIS_URL) is defined with the events settings; /readyz checks it.
    readiness_timeout: float = Field(
        2.0, gt=0, le=60, description="Seconds each /readyz check may take before it fails."
    )

    # --- authentication (JWT bearer tokens) and preview tokens ---
    jwt_algorithm: str | None = Field(
        None,
        description="Accept JWT bearer tokens signed with this algorithm (e.g. RS256, ES256, "
        "HS256); unset: API tokens only.",
    )
    jwt_key: SecretStr | None = Field(
        None, description="PEM public key (RS/ES/PS/EdDSA) or shared secret (HS*) for JWTs."
    )
    jwt_issuer: str | None = Field(None, description="Required `iss` of JWTs, if set.")
    jwt_audience: str | None = Field(None, description="Required `aud` of JWTs, if set.")
    jwt_role_claim: str = Field(
        "role", description="JWT claim holding the role (author, editor, admin) or a list."
    )
    jwt_author_claim: str = Field(
        "author", description="JWT claim holding an author's slug (for the author role)."
    )
    jwt_leeway: int = Field(30, ge=0, le=600, description="Clock skew allowed for JWT exp/nbf, s.")
    preview_secret: SecretStr | None = Field(
        None,
        description="Signs preview tokens (>= 32 bytes). Unset: a random per-process secret "
        "(previews then fail across workers and restarts).",
    )
    preview_max_seconds: int = Field(
        7 * 24 * 3600, ge=60, description="Longest `expiresIn` a preview token may ask for."
    )

    # --- caching, persisted queries ---------------------------------------------------
    persisted_queries: Literal["off", "apq", "allowlist"] = Field(
        "apq",
        description="off: documents only; apq: automatic persisted queries; "
        "allowlist: only trusted documents (see `content-gateway persisted import`).",
    )
    persisted_query_ttl: int = Field(
        30 * 86400, ge=60, description="Seconds an APQ-registered document is kept."
    )
    response_cache: bool = Field(True, description="Cache public query responses server-side.")
    single_flight_wait: float = Field(
        5.0,
        ge=0,
        description="Identical cacheable requests that miss the response cache at once execute "
        "once: the others wait up to this many seconds for that answer (0 = off).",
    )
    cache_backend: Literal["memory", "redis"] | None = Field(
        None, description="memory (one process) or redis; default: redis when REDIS_URL is set."
    )
    redis_prefix: str = Field("cg:", description="Prefix of every Redis key the cache writes.")
    cache_memory_bytes: int = Field(
        64 * 1024 * 1024, ge=1024, description="Memory bound of the in-process cache (bytes)."
    )
    cache_ttl: int = Field(300, ge=1, description="Seconds a response stays in the server cache.")
    http_max_age: int = Field(30, ge=0, description="Cache-Control max-age of public GETs.")
    http_s_maxage: int = Field(60, ge=0, description="Cache-Control s-maxage (CDNs).")
    http_stale_while_revalidate: int = Field(
        30, ge=0, description="Cache-Control stale-while-revalidate of public GETs."
    )
    surrogate_key_max_length: int = Field(
        4000, ge=256, le=16000, description="Longest Surrogate-Key header before type fallback."
    )

    # --- events (outbox), webhooks, purges, subscriptions ---
    events_worker: bool = Field(
        True, description="Run the event delivery worker inside the server process."
    )
    events_poll_interval: float = Field(
        1.0, gt=0, le=60, description="Seconds the worker waits between polls when idle."
    )
    events_batch_size: int = Field(
        50, ge=1, le=1000, description="Events dispatched / deliveries claimed per poll."
    )
    events_lease_seconds: float = Field(
        60.0, gt=0, description="A claimed delivery not confirmed within this is retried."
    )
    events_retention_hours: float = Field(
        168.0, gt=0, description="Delivered events are pruned after this many hours."
    )
    revisions_keep_last: int | None = Field(
        None,
        ge=1,
        description="Keep at most this many revisions per article/author (the worker prunes "
        "older ones; the current state is always kept). Unset: keep all.",
    )
    revisions_keep_days: float | None = Field(
        None,
        gt=0,
        description="Prune revisions older than this many days (the current state is always "
        "kept). With GATEWAY_REVISIONS_KEEP_LAST, a revision is kept while either keeps it. "
        "Unset: keep all.",
    )
    trash_retention_days: float = Field(
        30.0,
        gt=0,
        description="Days a deleted article stays in the trash (restorable with restoreArticle) "
        "before the worker purges it for good.",
    )
    review_workflow: bool = Field(
        False,
        description="Enable the review workflow: submitForReview (authors), approve and "
        "requestChanges (editors), status IN_REVIEW.",
    )
    events_redis_channel: str = Field(
        "content-gateway:events", description="Redis pub/sub channel of live content events."
    )
    webhook_timeout: float = Field(10.0, gt=0, le=300, description="Timeout of one webhook call.")
    webhook_max_attempts: int = Field(
        8, ge=1, le=50, description="Attempts before a delivery is dead-lettered."
    )
    webhook_backoff_base: float = Field(
        5.0, ge=0, description="Seconds before the first retry; doubles per attempt (jittered)."
    )
    webhook_backoff_max: float = Field(3600.0, ge=0, description="Longest wait between retries.")
    webhook_concurrency: int = Field(
        8, ge=1, le=256, description="Webhook requests one worker sends at once."
    )
    webhook_allow_private_targets: bool = Field(
        False,
        description="Allow webhook/purge targets on private, loopback or link-local addresses "
        "(local development and tests only; SSRF protection is off for them).",
    )
    events_purge_url: str | None = Field(
        None, description="Generic HTTP purge: called with the surrogate keys of every event."
    )
    events_purge_method: Literal["POST", "PURGE"] = Field(
        "POST", description="POST (JSON body) or PURGE (Surrogate-Key header) to the purge URL."
    )
    events_purge_hook: str | None = Field(
        None, description="A custom purge hook factory, module:attribute (called with settings)."
    )
    redis_url: str | None = Field(
        None,
        description="redis://host:port/db; fans live subscription events out across "
        "instances (in-process only when unset), shares rate-limit budgets, holds the "
        "shared response cache and APQ documents; /readyz checks it when set.",
    )
    ws_max_connections: int = Field(
        1000, ge=1, description="WebSocket connections one process accepts at once."
    )
    ws_max_subscriptions: int = Field(
        20, ge=1, le=1000, description="Subscriptions one WebSocket connection may run at once."
    )
    ws_idle_timeout: float = Field(
        300.0, gt=0, description="Close a WebSocket after this many seconds without any message."
    )
    ws_init_timeout: float = Field(
        10.0, gt=0, description="Seconds a WebSocket client has to send connection_init."
    )

    @field_validator("metrics_bind")
    @classmethod
    def _check_metrics_bind(cls, value: str | None) -> str | None:
        if value is None:
            return None
        host, _, port = value.rpartition(":")
        if not host or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError("must be host:port, such as 127.0.0.1:9100")
        return value

    @field_validator("site_url")
    @classmethod
    def _check_site_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("must be an absolute http(s) URL such as https://example.com")
        return value.rstrip("/")

    @field_validator("article_path", "author_path", "category_path", "tag_path")
    @classmethod
    def _check_pattern(cls, value: str, info: ValidationInfo) -> str:
        if not value.startswith("/") or "{slug}" not in value:
            raise ValueError("must start with / and contain {slug}")
        allowed = {"slug", "category"} if info.field_name == "article_path" else {"slug"}
        names = {name for _, name, _, _ in Formatter().parse(value) if name is not None}
        if not names <= allowed:
            extra = ", ".join(sorted(names - allowed))
            raise ValueError(f"unknown placeholder {extra}; use {{slug}} (articles: {{category}})")
        return value

    @field_validator("robots_disallow", mode="before")
    @classmethod
    def _split_disallow(cls, value: object) -> object:
        if isinstance(value, str):
            if value.strip().startswith("["):
                try:
                    return json.loads(value)
                except json.JSONDecodeError:
                    raise ValueError("is not a valid JSON list of paths") from None
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("robots_disallow")
    @classmethod
    def _check_disallow(cls, value: list[str]) -> list[str]:
        for path in value:
            if not path.startswith("/") or any(c in path for c in "\r\n"):
                raise ValueError(f"each path must start with / and be one line (got {path!r})")
        return value

    @field_validator("preview_secret")
    @classmethod
    def _check_preview_secret(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and len(value.get_secret_value().encode()) < 32:
            raise ValueError("must be at least 32 bytes (e.g. `openssl rand -hex 32`)")
        return value

    @model_validator(mode="after")
    def _check_jwt(self) -> Settings:
        algorithm = self.jwt_algorithm
        if algorithm is None:
            return self
        if algorithm not in JWT_ALGORITHMS:
            raise ValueError(
                f"GATEWAY_JWT_ALGORITHM must be one of {', '.join(JWT_ALGORITHMS)} (got {algorithm!r})"
            )
        if self.jwt_key is None:
            raise ValueError("GATEWAY_JWT_KEY is required when GATEWAY_JWT_ALGORITHM is set")
        minimum = {"HS256": 32, "HS384": 48, "HS512": 64}.get(algorithm, 0)
        if len(self.jwt_key.get_secret_value().encode()) < minimum:
            raise ValueError(f"GATEWAY_JWT_KEY must be at least {minimum} bytes for {algorithm}")
        return self

    @field_validator("events_purge_url")
    @classmethod
    def _check_purge_url(cls, value: str | None) -> str | None:
        if value is not None and urlsplit(value).scheme not in ("http", "https"):
            raise ValueError("must be an http(s) URL")
        return value

    @field_validator("redis_url")
    @classmethod
    def _check_redis_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value

    @model_validator(mode="after")
    def _check_lease(self) -> Settings:
        # A lease shorter than the request timeout would let a second worker re-send a delivery
        # that is still in flight.
        if self.events_lease_seconds <= self.webhook_timeout:
            raise ValueError(
                "GATEWAY_EVENTS_LEASE_SECONDS must be longer than GATEWAY_WEBHOOK_TIMEOUT"
            )
        return self

    @model_validator(mode="after")
    def _check_cache_backend(self) -> Settings:
        if self.cache_backend == "redis" and not self.redis_url:
            raise ValueError("GATEWAY_CACHE_BACKEND=redis needs GATEWAY_REDIS_URL")
        return self

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        # repr/str reach logs and tracebacks: never with a URL's password in them.
        for name, value in super().__repr_args__():
            yield name, redact_url_credentials(value) if isinstance(value, str) else value

    @property
    def cache_backend_name(self) -> str:
        if self.cache_backend is not None:
            return self.cache_backend
        return "redis" if self.redis_url else "memory"

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    @property
    def json_logs(self) -> bool:
        if self.log_format == "auto":
            return self.env == "production"
        return self.log_format == "json"

    @property
    def graphiql_enabled(self) -> bool:
        return self.env == "development" if self.graphiql is None else self.graphiql

    @property
    def demo_enabled(self) -> bool:
        return self.env == "development" if self.demo is None else self.demo

    @property
    def introspection_for_all(self) -> bool:
        return self.env == "development" if self.introspection is None else self.introspection


def load_settings(**overrides: object) -> Settings:
    """Read settings from the environment, turning a validation error into one clear line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]  # pydantic validates the values
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "GATEWAY_" + str(first["loc"][0]).upper() if first["loc"] else "settings"
        message = first["msg"].removeprefix("Value error, ")
        raise SettingsError(f"invalid setting {name}: {message}") from None
