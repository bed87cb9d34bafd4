"""Writes to facts that hang off other records: a participant's role at an event, and a
citation of any record. Same rules as every write: a key, evidence, ETags, an audit trail."""

import hashlib
from typing import Annotated, Any

from fastapi import APIRouter, Path, Response
from fastapi.responses import JSONResponse
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from app import models as m
from app.api.deps import reads, writes
from app.api.writes import (
    WRITE_RESPONSES,
    AdminKey,
    IdempotencyKey,
    IfMatch,
    PatchBody,
    WriteKey,
    check_etag,
    idempotent,
    with_etag,
)
from app.core.config import get_settings
from app.core.errors import Conflict, NotFound, UnprocessableRecord
from app.records import store
from app.seeding import schemas as s
from app.seeding.exporter import as_data, read_participation
from app.seeding.ids import participation_id

router = APIRouter(tags=["writes"])

ParticipationId = Annotated[
    str, Path(max_length=400, examples=["cm-15.s3.moderator.juan-jose-gomez-camacho"])
]
CitationId = Annotated[str, Path(max_length=40)]


class ParticipationIn(s.ParticipantIn):
    """An actor's role at an event (meeting or session), with its evidence."""

    event: s.Slug


class CitationIn(s.CitationIn):
    """Evidence for an existing record: a source and a quote and/or locator."""

    subject: s.CitedRef


# Participations live inside their event record: each write reads the event, changes its
# list of participants, and writes the event back through the same path as an event write.


def _event_of(
    session: Session, ident: str, *, for_update: bool = False
) -> tuple[str, dict[str, Any], int]:
    event_id = session.scalar(select(m.Participation.event_id).where(m.Participation.id == ident))
    if event_id is None:
        raise NotFound(f"No participation with id '{ident}'; see an event's actors")
    read = store.read_for_update if for_update else store.read_one
    event = as_data(read(session.connection(), "events", event_id))
    for index, participant in enumerate(event.get("participants", [])):
        if participation_id(event_id, s.ParticipantIn.model_validate(participant)) == ident:
            return event_id, event, index
    raise NotFound(f"No participation with id '{ident}'")


def _save_event(
    session: Session, event: dict[str, Any], before: dict[str, Any], key: m.ApiKey
) -> None:
    store.replace(
        session.connection(),
        "events",
        event["id"],
        event,
        key.name,
        get_settings().sources_dir,
        before=before,
    )


@router.get("/participations/{ident}", summary="One participation")
@reads
def get_participation(session: Session, ident: ParticipationId) -> JSONResponse:
    """A participant's role at an event in write form, with the ETag a PATCH needs."""
    found = read_participation(session.connection(), ident)
    if found is None:
        raise NotFound(f"No participation with id '{ident}'; see an event's actors")
    event_id, participant = found
    return with_etag({"event": event_id, **as_data(participant)})


@router.post(
    "/participations", status_code=201, responses=WRITE_RESPONSES, summary="Add a participant"
)
@writes
def create_participation(
    session: Session,
    key: WriteKey,
    body: ParticipationIn,
    idempotency_key: IdempotencyKey = None,
) -> JSONResponse:
    payload = body.model_dump(mode="json", exclude_none=True)

    def run() -> dict[str, Any]:
        before = as_data(store.read_one(session.connection(), "events", body.event))
        ident = participation_id(body.event, body)
        participants = before.get("participants", [])
        if any(
            participation_id(body.event, s.ParticipantIn.model_validate(p)) == ident
            for p in participants
        ):
            raise Conflict(f"'{body.actor}' already has the role '{body.role}' at '{body.event}'")
        participant = {k: v for k, v in payload.items() if k != "event"}
        _save_event(session, {**before, "participants": [*participants, participant]}, before, key)
        return {"id": ident, "event": body.event, **participant}

    return idempotent(session, key, idempotency_key, payload, run)


@router.patch(
    "/participations/{ident}", responses=WRITE_RESPONSES, summary="Change a participation"
)
@writes
def patch_participation(
    session: Session,
    key: WriteKey,
    ident: ParticipationId,
    patch: PatchBody,
    if_match: IfMatch = None,
) -> JSONResponse:
    event_id, event, index = _event_of(session, ident, for_update=True)
    current = {"event": event_id, **event["participants"][index]}
    check_etag(current, if_match, required=True)
    if patch.get("event", event_id) != event_id:
        raise UnprocessableRecord(["event: a participation cannot move to another event"])
    changed = store.merge_patch(current, patch)
    participants = list(event["participants"])
    participants[index] = {k: v for k, v in changed.items() if k != "event"}
    _save_event(session, {**event, "participants": participants}, event, key)
    return with_etag(changed)


@router.delete(
    "/participations/{ident}",
    status_code=204,
    responses=WRITE_RESPONSES,
    summary="Remove a participant",
)
@writes
def delete_participation(
    session: Session, key: AdminKey, ident: ParticipationId, if_match: IfMatch = None
) -> Response:
    event_id, event, index = _event_of(session, ident, for_update=True)
    check_etag({"event": event_id, **event["participants"][index]}, if_match, required=False)
    participants = [p for i, p in enumerate(event["participants"]) if i != index]
    _save_event(session, {**event, "participants": participants}, event, key)
    return Response(status_code=204)


def _citation(session: Session, ident: str) -> dict[str, Any]:
    row = session.get(m.Citation, ident)
    if row is None:
        raise NotFound(f"No citation with id '{ident}'")
    data = {
        "subject": {"kind": row.subject_type, "id": row.subject_id},
        "source": row.source_id,
        "quote": row.quote,
        "locator": row.locator,
        "note": row.note,
    }
    return {k: v for k, v in data.items() if v is not None}


def _validate_citation(session: Session, data: dict[str, Any]) -> CitationIn:
    try:
        citation = CitationIn.model_validate(data)
    except ValueError as error:
        raise UnprocessableRecord([str(error)]) from error
    connection = session.connection()
    subject = citation.subject
    if not store.exists(connection, subject.kind, subject.id):
        raise UnprocessableRecord([f"subject: no {subject.kind} with id '{subject.id}'"])
    if not store.exists(connection, "source", citation.source):
        raise UnprocessableRecord([f"source: no source with id '{citation.source}'"])
    problems = store.quote_problems(connection, [citation], get_settings().sources_dir)
    if problems:
        raise UnprocessableRecord(problems)
    return citation


@router.get("/citations/{ident}", summary="One citation")
@reads
def get_citation(session: Session, ident: CitationId) -> JSONResponse:
    return with_etag({"id": ident, **_citation(session, ident)})


@router.post("/citations", status_code=201, responses=WRITE_RESPONSES, summary="Cite a record")
@writes
def create_citation(
    session: Session, key: WriteKey, body: CitationIn, idempotency_key: IdempotencyKey = None
) -> JSONResponse:
    """Add evidence to any record (actor, event, process, instrument, provision, pledge,
    figure, position, participation, a dispute's claim, ...)."""
    payload = body.model_dump(mode="json", exclude_none=True)

    def run() -> dict[str, Any]:
        citation = _validate_citation(session, payload)
        key_text = "|".join(
            (
                citation.subject.kind,
                citation.subject.id,
                citation.source,
                citation.quote or "",
                citation.locator or "",
            )
        )
        ident = hashlib.sha1(key_text.encode()).hexdigest()[:20]
        if session.get(m.Citation, ident) is not None:
            raise Conflict(f"This citation exists already (id '{ident}')")
        ordinal = (session.scalar(select(func.max(m.Citation.ordinal))) or 0) + 1
        session.connection().execute(
            insert(m.Citation).values(
                id=ident,
                subject_type=citation.subject.kind,
                subject_id=citation.subject.id,
                ordinal=ordinal,
                source_id=citation.source,
                quote=citation.quote,
                locator=citation.locator,
                note=citation.note,
            )
        )
        after = {"id": ident, **_citation(session, ident)}
        store.record_change(
            session.connection(), key.name, "create", "citations", ident, None, after
        )
        return after

    return idempotent(session, key, idempotency_key, payload, run)


@router.patch("/citations/{ident}", responses=WRITE_RESPONSES, summary="Change a citation")
@writes
def patch_citation(
    session: Session,
    key: WriteKey,
    ident: CitationId,
    patch: PatchBody,
    if_match: IfMatch = None,
) -> JSONResponse:
    store.lock_row(session.connection(), m.Citation, ident)
    before = {"id": ident, **_citation(session, ident)}
    check_etag(before, if_match, required=True)
    changed = store.merge_patch(before, patch)
    if changed.get("id") != ident or changed.get("subject") != before["subject"]:
        raise UnprocessableRecord(["a citation keeps its id and subject; add a new one instead"])
    citation = _validate_citation(session, {k: v for k, v in changed.items() if k != "id"})
    session.connection().execute(
        update(m.Citation)
        .where(m.Citation.id == ident)
        .values(
            source_id=citation.source,
            quote=citation.quote,
            locator=citation.locator,
            note=citation.note,
        )
    )
    after = {"id": ident, **_citation(session, ident)}
    store.record_change(session.connection(), key.name, "update", "citations", ident, before, after)
    return with_etag(after)


@router.delete(
    "/citations/{ident}", status_code=204, responses=WRITE_RESPONSES, summary="Remove a citation"
)
@writes
def delete_citation(
    session: Session, key: AdminKey, ident: CitationId, if_match: IfMatch = None
) -> Response:
    """Remove a citation; a record's last citation cannot be removed (every fact is cited)."""
    store.lock_row(session.connection(), m.Citation, ident)
    before = {"id": ident, **_citation(session, ident)}
    check_etag(before, if_match, required=False)
    subject = before["subject"]
    remaining = session.scalar(
        select(func.count())
        .select_from(m.Citation)
        .where(m.Citation.subject_type == subject["kind"], m.Citation.subject_id == subject["id"])
    )
    if remaining == 1:
        raise UnprocessableRecord(
            [
                f"this is the last citation of {subject['kind']} '{subject['id']}'; every fact "
                "must keep at least one: add another first"
            ]
        )
    session.connection().execute(delete(m.Citation).where(m.Citation.id == ident))
    store.record_change(session.connection(), key.name, "delete", "citations", ident, before, None)
    return Response(status_code=204)
