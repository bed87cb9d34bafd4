"""Writes: create, change and delete actors, events (meetings), positions and pledges.

Every write needs an API key (``Authorization: Bearer``), carries at least one citation, is
one transaction, and is recorded in the audit log. PATCH is a JSON Merge Patch (RFC 7396)
guarded by ``If-Match``; POST honours ``Idempotency-Key``.
"""

import datetime as dt
import hashlib
import json
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Header, Path, Request, Response
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import models as m
from app.api.deps import writes
from app.core.config import get_settings
from app.core.errors import (
    Conflict,
    PreconditionFailed,
    PreconditionRequired,
    UnprocessableRecord,
)
from app.records import store
from app.records.auth import authenticate
from app.seeding import etags
from app.seeding import schemas as s
from app.seeding.exporter import as_data

router = APIRouter(tags=["writes"])

WRITE_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"description": "No API key, or an unknown or revoked one"},
    403: {"description": "The key's scope does not allow this (deletes need scope admin)"},
    422: {"description": "The record is not valid: schema, references or citations"},
}


def _key(request: Request, needed: str) -> m.ApiKey:
    """The request's API key, checked in a read of its own: before the write waits for its
    turn, and without holding the write lock while it is checked."""
    with request.app.state.db.read_sessions() as session, session.begin():
        key = authenticate(session, request.headers.get("authorization"), needed)
    request.state.key_name = key.name  # for the access log; the token is never logged
    return key


def write_key(request: Request) -> m.ApiKey:
    return _key(request, "write")


def admin_key(request: Request) -> m.ApiKey:
    return _key(request, "admin")


WriteKey = Annotated[m.ApiKey, Depends(write_key)]
AdminKey = Annotated[m.ApiKey, Depends(admin_key)]
IfMatch = Annotated[str | None, Header(description="The ETag the change is based on")]
IdempotencyKey = Annotated[
    str | None,
    Header(max_length=200, description="Retrying a POST with the same key creates nothing twice"),
]


def with_etag(data: dict[str, Any], status: int = 200) -> JSONResponse:
    return JSONResponse(data, status_code=status, headers={"ETag": etags.etag(data)})


def check_etag(current: dict[str, Any], if_match: str | None, *, required: bool) -> None:
    if if_match is None:
        if required:
            raise PreconditionRequired(
                "Send If-Match with the ETag of the record you read, so that no change is lost"
            )
        return
    if if_match.strip() != "*" and etags.etag(current) not in {
        tag.strip() for tag in if_match.split(",")
    }:
        raise PreconditionFailed(
            "The record changed since you read it (ETag mismatch); read it again and reapply"
        )


def idempotent(
    session: Session, key: m.ApiKey, idempotency_key: str | None, payload: Any, run: Any
) -> JSONResponse:
    """Run ``run`` once per (API key, Idempotency-Key); replay its response on a retry."""
    if idempotency_key is None:
        data = run()
        return with_etag(data, 201)
    request_hash = hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
    previous = session.get(m.IdempotentRequest, (idempotency_key, key.id))
    if previous is not None:
        if previous.request_hash != request_hash:
            raise UnprocessableRecord(
                ["Idempotency-Key was already used for a different request; use a new key"]
            )
        data = json.loads(previous.body)
        return JSONResponse(
            data,
            status_code=previous.status,
            headers={"ETag": etags.etag(data), "Idempotent-Replayed": "true"},
        )
    data = run()
    try:
        with session.begin_nested():
            session.add(
                m.IdempotentRequest(
                    key=idempotency_key,
                    api_key_id=key.id,
                    request_hash=request_hash,
                    status=201,
                    body=json.dumps(data),
                    created_at=dt.datetime.now(dt.UTC),
                )
            )
    except IntegrityError as error:
        raise Conflict("The same Idempotency-Key is being used by a concurrent request") from error
    return with_etag(data, 201)


def _create(
    session: Session, kind: str, body: s.Record, key: m.ApiKey, idempotency_key: str | None
) -> JSONResponse:
    payload = body.model_dump(mode="json", by_alias=True)
    sources_dir = get_settings().sources_dir

    def run() -> dict[str, Any]:
        return store.create(session.connection(), kind, payload, key.name, sources_dir)

    return idempotent(session, key, idempotency_key, payload, run)


def _patch(
    session: Session,
    kind: str,
    ident: str,
    patch: dict[str, Any],
    key: m.ApiKey,
    if_match: str | None,
) -> JSONResponse:
    connection = session.connection()
    before = as_data(store.read_for_update(connection, kind, ident))
    check_etag(before, if_match, required=True)
    merged = store.merge_patch(before, patch)
    after = store.replace(
        connection, kind, ident, merged, key.name, get_settings().sources_dir, before=before
    )
    return with_etag(after)


def _delete(
    session: Session, kind: str, ident: str, key: m.ApiKey, if_match: str | None
) -> Response:
    connection = session.connection()
    before = as_data(store.read_for_update(connection, kind, ident))
    check_etag(before, if_match, required=False)
    store.remove(connection, kind, ident, key.name, before=before)
    return Response(status_code=204)


PatchBody = Annotated[
    dict[str, Any],
    Body(
        media_type="application/merge-patch+json",
        description="Fields to change (JSON Merge Patch: null removes a field); citations "
        "are replaced as a whole list",
        examples=[{"status": "in_progress"}],
    ),
]


def _register(plural: str, kind: str, schema: type[s.Record], id_example: str) -> None:
    Ident = Annotated[str, Path(max_length=200, examples=[id_example])]
    label = store.SUBJECT[kind]

    @router.post(
        f"/{plural}",
        status_code=201,
        responses=WRITE_RESPONSES,
        summary=f"Create a {label}",
        name=f"create_{plural}",
    )
    @writes
    def create_record(
        session: Session,
        key: WriteKey,
        body: schema,  # type: ignore[valid-type]
        idempotency_key: IdempotencyKey = None,
    ) -> JSONResponse:
        if plural == "meetings" and body.kind not in s.MEETING_KINDS:  # type: ignore[attr-defined]
            raise UnprocessableRecord([f"kind: '{body.kind}' is not a meeting kind"])  # type: ignore[attr-defined]
        return _create(session, kind, body, key, idempotency_key)

    @router.patch(
        f"/{plural}/{{ident}}",
        responses=WRITE_RESPONSES
        | {
            412: {"description": "If-Match does not match: the record changed since it was read"},
            428: {"description": "If-Match is missing"},
        },
        summary=f"Change a {label}",
        name=f"patch_{plural}",
    )
    @writes
    def patch_record(
        session: Session, key: WriteKey, ident: Ident, patch: PatchBody, if_match: IfMatch = None
    ) -> JSONResponse:
        return _patch(session, kind, ident, patch, key, if_match)

    @router.delete(
        f"/{plural}/{{ident}}",
        status_code=204,
        responses=WRITE_RESPONSES
        | {
            409: {"description": "Other records still refer to this one"},
        },
        summary=f"Delete a {label}",
        name=f"delete_{plural}",
    )
    @writes
    def delete_record(
        session: Session, key: AdminKey, ident: Ident, if_match: IfMatch = None
    ) -> Response:
        return _delete(session, kind, ident, key, if_match)


for _plural, _kind, _schema, _example in (
    ("actors", "actors", s.ActorIn, "iom"),
    ("events", "events", s.EventIn, "cm-15"),
    ("meetings", "events", s.EventIn, "cm-15"),
    ("positions", "positions", s.PositionIn, "peter-sutherland.srsg"),
    ("pledges", "pledges", s.PledgeIn, "example-pledge"),
):
    _register(_plural, _kind, _schema, _example)
