"""Settings, read from the environment (prefix ``MGT_``) and ``DATABASE_URL``."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MGT_", extra="ignore")

    database_url: str = Field(
        default=f"sqlite:///{PROJECT_ROOT / 'var' / 'mgt.sqlite3'}",
        validation_alias=AliasChoices("DATABASE_URL", "MGT_DATABASE_URL"),
        description="SQLAlchemy URL; SQLite by default, postgresql+psycopg://... in production",
    )
    seeds_dir: Path = PROJECT_ROOT / "seeds"
    sources_dir: Path = PROJECT_ROOT.parent / "shared" / "sources"
    max_body_bytes: int = Field(
        default=10 * 1024 * 1024, description="larger request bodies are refused with 413"
    )
    cors_origins: list[str] = Field(default=["*"], description="origins allowed to call the API")
    cors_methods: list[str] = Field(default=["GET"], description="methods allowed cross-origin")
    response_cache_mb: int = Field(
        default=32,
        ge=0,
        description="memory for rendered GET responses, reused until the data changes; 0: none",
    )
    read_threads: int = Field(
        default=2,
        ge=1,
        description="worker threads answering GETs at once; more only adds interpreter-lock "
        "contention on a small machine",
    )
    header_timeout: float = Field(
        default=10.0,
        gt=0,
        description="seconds from a request's first byte to the end of its headers (408 after)",
    )
    log_level: Literal["debug", "info", "warning", "error"] = Field(
        default="info", description="lowest level logged; info: a line per request"
    )
    log_format: Literal["auto", "json", "text"] = Field(
        default="auto", description="auto: JSON lines unless stderr is a terminal"
    )
    metrics: bool = Field(default=False, description="serve Prometheus metrics at /metrics")
    db_pool_size: int = Field(
        default=5, ge=1, description="PostgreSQL connections each server process keeps open"
    )
    db_max_overflow: int = Field(
        default=10, ge=0, description="connections a process may open beyond the pool at busy times"
    )
    db_pool_timeout: float = Field(
        default=30.0, gt=0, description="seconds a request waits for a free connection, then 503"
    )
    revision: str | None = Field(
        default=None, description="source revision shown by /health; default: asked of git"
    )
    releases_dir: Path = Field(
        default=PROJECT_ROOT / "var" / "releases",
        description="where `mgt release NAME` writes its bundle (a folder NAME inside)",
    )
    default_page_size: int = 50
    max_page_size: int = 500

    @field_validator("log_level", "log_format", mode="before")
    @classmethod
    def _lower(cls, value: Any) -> Any:
        return value.lower() if isinstance(value, str) else value

    @property
    def pool(self) -> dict[str, Any]:
        """The connection pool's options, as ``make_engine`` takes them."""
        return {
            "pool_size": self.db_pool_size,
            "max_overflow": self.db_max_overflow,
            "pool_timeout": self.db_pool_timeout,
        }


@lru_cache
def get_settings() -> Settings:
    return Settings()
