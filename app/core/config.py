"""Settings, read from the environment (prefix ``MGT_``) and ``DATABASE_URL``."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import AliasChoices, Field
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
    releases_dir: Path = Field(
        default=PROJECT_ROOT / "var" / "releases",
        description="where `mgt release NAME` writes its bundle (a folder NAME inside)",
    )
    default_page_size: int = 50
    max_page_size: int = 500


@lru_cache
def get_settings() -> Settings:
    return Settings()
