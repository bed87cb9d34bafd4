"""API keys: created and revoked from the CLI, stored as hashes, checked on every write."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.core.errors import DomainError
from app.models import ApiKey

Scope = Literal["write", "admin"]
SCOPES: dict[str, set[str]] = {"write": {"write"}, "admin": {"write", "admin"}}
TOKEN_PREFIX = "mgt_"


class Unauthenticated(DomainError):
    status = 401
    title = "Unauthorized"
    headers = {"WWW-Authenticate": "Bearer"}


class Forbidden(DomainError):
    status = 403
    title = "Forbidden"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_key(session: Session, name: str, scope: Scope) -> str:
    """Store a new key and return its token; the token itself is never stored."""
    if session.scalar(select(ApiKey).where(ApiKey.name == name)) is not None:
        raise DomainError(f"a key named '{name}' exists already; choose another name")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(
        ApiKey(
            name=name, scope=scope, token_hash=hash_token(token), created_at=dt.datetime.now(dt.UTC)
        )
    )
    return token


def revoke_key(session: Session, name: str) -> None:
    key = session.scalar(select(ApiKey).where(ApiKey.name == name, ApiKey.revoked_at.is_(None)))
    if key is None:
        raise DomainError(f"no active key named '{name}'")
    key.revoked_at = dt.datetime.now(dt.UTC)


def authenticate(session: Session, authorization: str | None, needed: str) -> ApiKey:
    """The key a request's ``Authorization: Bearer`` header names, if it may do ``needed``."""
    if not authorization:
        raise Unauthenticated(
            "This request changes data: send an API key as "
            "'Authorization: Bearer <token>' (create one with mgt keys create)"
        )
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("The Authorization header must be 'Bearer <token>'")
    key = session.scalar(select(ApiKey).where(ApiKey.token_hash == hash_token(token.strip())))
    if key is None or key.revoked_at is not None:
        raise Unauthenticated("The API key is unknown or has been revoked")
    if needed not in SCOPES.get(key.scope, set()):
        raise Forbidden(f"The key '{key.name}' has scope '{key.scope}'; this needs '{needed}'")
    return key
