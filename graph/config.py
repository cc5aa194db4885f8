"""Settings for every layer, read once from the environment and `.env`.

No other module reads `os.environ`: they take a `Settings` instance.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

import orjson
from pydantic import Field, SecretStr, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from graph.security.principal import Role

PROJECT_ROOT = Path(__file__).resolve().parent.parent

RATE_LIMIT_PER_MINUTE = {
    Role.ADMIN: 1200,
    Role.ANALYST: 600,
    Role.ACCOUNT_TEAM: 600,
    Role.FRONTEND: 1200,
    Role.PARTNER: 120,
}
COST_LIMIT_PER_MINUTE = {
    Role.ADMIN: 2_000_000,
    Role.ANALYST: 2_000_000,
    Role.ACCOUNT_TEAM: 500_000,
    Role.FRONTEND: 1_000_000,
    Role.PARTNER: 200_000,
}


class Settings(BaseSettings):
    """customer360 configuration. Environment variables use the field names in upper case."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    # Neo4j connection. When `neo4j_uri` is unset, the local server managed by `c360 neo4j` is used.
    neo4j_uri: str | None = None
    neo4j_user: str = "neo4j"
    neo4j_password: SecretStr = SecretStr("customer360-dev")
    neo4j_database: str = "neo4j"
    neo4j_max_pool_size: int = Field(default=100, ge=1)
    neo4j_connection_timeout_s: float = Field(default=5.0, gt=0)
    neo4j_query_timeout_s: float = Field(default=10.0, gt=0)

    # Local server (used only when `neo4j_uri` is unset).
    neo4j_version: str = "5.26.30"
    neo4j_home: Path = PROJECT_ROOT / ".neo4j"
    neo4j_data_dir: Path | None = None
    neo4j_bolt_port: int = Field(default=7687, ge=1, le=65535)
    neo4j_auth: bool = True
    neo4j_heap: str = "2g"
    neo4j_pagecache: str = "4g"
    neo4j_start_timeout_s: float = Field(default=120.0, gt=0)

    # HTTP API.
    api_host: str = "127.0.0.1"
    api_port: int = Field(default=8000, ge=1, le=65535)
    api_graphiql: bool = True
    api_migrate_on_start: bool = True
    # Browser origins allowed to call the API (CORS), e.g. `https://app.example.com`, comma-separated
    # or a JSON list; empty (the default) allows none but this one.
    api_cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Run only the GraphQL documents registered with `c360 documents add` (sent in full or by their
    # SHA-256, `extensions.persistedQuery`); off, any document runs and clients may persist theirs.
    api_trusted_documents: bool = False
    # Responses at least this large are gzip-compressed for clients that accept it.
    api_gzip_min_bytes: int = Field(default=1000, ge=0)

    # Authentication (api/auth/middleware.py). On unless AUTH_DISABLED=true *and* ENVIRONMENT=development; the API
    # then treats every caller as an anonymous admin and logs a warning at every start.
    environment: str = "production"  # only "development" means anything (see auth_disabled)
    auth_disabled: bool = False
    # Bearer JWTs: HS256 signed with `auth_jwt_secret` (32 bytes or more) and/or RS256 signed by a key
    # of the JWKS at `auth_jwks` (a file path or an http(s) URL). With neither, only API keys work.
    auth_jwt_secret: SecretStr | None = None
    auth_jwks: str | None = None
    auth_jwks_timeout_s: float = Field(default=5.0, gt=0)  # fetching a JWKS URL
    auth_jwks_cache_s: float = Field(default=300.0, ge=0)  # how long a fetched JWKS is used
    auth_jwt_issuer: str = "customer360"  # the `iss` every token must carry
    auth_jwt_audience: str = "customer360-api"  # the `aud` every token must carry
    auth_jwt_leeway_s: float = Field(default=30.0, ge=0)  # clock skew allowed on `exp` and `nbf`
    auth_token_ttl_s: int = Field(default=3600, ge=1)  # `c360 token issue` default lifetime
    # API keys: stored as HMAC-SHA256(pepper, id:secret). Set a long random pepper in production;
    # changing it invalidates every key.
    auth_apikey_pepper: SecretStr = SecretStr("")
    # A validated key is trusted for this long without asking Neo4j again: a revocation made by
    # another process (`c360 apikey revoke`) takes effect within this many seconds.
    auth_apikey_cache_s: float = Field(default=30.0, ge=0)

    # Abuse limits (api/ratelimit.py), shared by every worker through REDIS_URL when it is set.
    api_max_body_bytes: int = Field(default=100_000, ge=1)  # larger request bodies get 413
    api_max_batch: int = Field(default=10, ge=1)  # operations per batched request; more get 400
    # Requests per minute per caller, by role (a bucket of this many tokens, refilled evenly);
    # 0 means unlimited. Roles left out of an override keep their defaults.
    rate_limit_per_minute: dict[Role, int] = Field(
        default_factory=lambda: dict(RATE_LIMIT_PER_MINUTE)
    )
    # Query cost (values a query may return, see api/limits.py) per minute per caller, by role; a
    # single query above its role's budget is refused as too complex. 0 means unlimited.
    cost_limit_per_minute: dict[Role, int] = Field(
        default_factory=lambda: dict(COST_LIMIT_PER_MINUTE)
    )
    # Failed authentications per minute per client address before it gets 429; 0 means unlimited.
    rate_limit_auth_failures_per_minute: int = Field(default=60, ge=0)

    # Operations (graph/telemetry, api/observability.py, docs/operations.md).
    log_format: Literal["json", "text"] = "json"  # one JSON object a line, or key=value text
    log_level: str = "INFO"
    log_slow_statement_ms: float = Field(default=500.0, ge=0)  # slow-statement line at or above
    # /metrics answers admins on the API's port; with METRICS_PORT set, every metric is also served
    # without authentication on METRICS_HOST:METRICS_PORT (keep it on a private interface).
    metrics_host: str = "127.0.0.1"
    metrics_port: int = Field(default=0, ge=0, le=65535)  # 0: no separate listener
    # prometheus-client's multiprocess folder (several workers); it reads the variable itself.
    prometheus_multiproc_dir: Path | None = None
    otel_exporter_otlp_endpoint: str | None = None  # traces exported over OTLP/HTTP when set
    otel_service_name: str = "customer360"
    # The shared store of the rate and cost limits (redis://host:port/db); memory (per process)
    # when unset.
    redis_url: str | None = None
    # `c360 load` writes its job metrics to <dir>/c360_load.prom (node_exporter's textfile collector).
    metrics_textfile_dir: Path | None = None
    backup_dir: Path = PROJECT_ROOT / "var" / "backups"  # `c360 load --backup-first` dumps here
    # `c360 serve`: seconds in-flight requests get to finish after SIGTERM before they are cut.
    api_graceful_shutdown_s: float = Field(default=30.0, ge=0)
    # `c360 serve --workers N`: seconds a worker may take to answer the supervisor's health check
    # before it is killed and replaced (uvicorn's default, 5, kills slow-starting workers in a loop
    # on a busy host).
    api_worker_healthcheck_s: int = Field(default=30, ge=1)

    @field_validator(
        "auth_jwt_secret", "auth_jwks", "redis_url", "otel_exporter_otlp_endpoint", mode="before"
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        """An empty variable (`AUTH_JWT_SECRET=` in a compose file) means not set."""
        return None if value == "" else value

    @field_validator("api_cors_origins", mode="before")
    @classmethod
    def _origins(cls, value: object) -> object:
        """`a,b` or `["a", "b"]` from the environment; each origin without a trailing slash."""
        if isinstance(value, str):
            text = value.strip()
            value = orjson.loads(text) if text.startswith("[") else text.split(",")
        if isinstance(value, list):
            return [str(v).strip().rstrip("/") for v in value if str(v).strip()]
        return value

    @field_validator("rate_limit_per_minute", "cost_limit_per_minute", mode="after")
    @classmethod
    def _every_role(cls, value: dict[Role, int], info: ValidationInfo) -> dict[Role, int]:
        if any(limit < 0 for limit in value.values()):
            raise ValueError("limits are 0 (unlimited) or more")
        defaults = (
            RATE_LIMIT_PER_MINUTE
            if info.field_name == "rate_limit_per_minute"
            else COST_LIMIT_PER_MINUTE
        )
        return {**defaults, **value}

    @property
    def auth_enabled(self) -> bool:
        """False only when explicitly disabled in development."""
        return not (self.auth_disabled and self.environment == "development")

    @property
    def local(self) -> bool:
        """True when this process manages a local Neo4j server instead of using `NEO4J_URI`."""
        return self.neo4j_uri is None

    @property
    def bolt_uri(self) -> str:
        return self.neo4j_uri or f"bolt://127.0.0.1:{self.neo4j_bolt_port}"

    @property
    def data_dir(self) -> Path:
        return self.neo4j_data_dir or self.neo4j_home / "data"

    @property
    def auth(self) -> tuple[str, str] | None:
        if self.local and not self.neo4j_auth:
            return None
        return (self.neo4j_user, self.neo4j_password.get_secret_value())


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
