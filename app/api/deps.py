"""Request dependencies: one database session a request, committed or rolled back at the end."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker

from app.core.db import WRITE_TRANSACTION


def get_session(request: Request) -> Iterator[Session]:
    factory: sessionmaker[Session] = request.app.state.sessionmaker
    with factory() as session, session.begin():
        if request.method not in {"GET", "HEAD", "OPTIONS"}:
            session.connection(execution_options=WRITE_TRANSACTION)
        yield session


# scope="function": the transaction commits before the response is sent, so a client that
# reads right after a write sees it, and a failed commit is an error, never a sent 201.
SessionDep = Annotated[Session, Depends(get_session, scope="function")]
