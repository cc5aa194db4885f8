"""Settings for every layer, read once from the environment and `.env`.

No other module reads `os.environ`: they take a `Settings` instance.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent


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
