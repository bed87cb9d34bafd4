"""Ids of records that seed files write without one: derived from what identifies them."""

from __future__ import annotations

import re

from app.seeding import schemas as s


def provision_id(provision: s.ProvisionIn) -> str:
    number = re.sub(r"[^a-z0-9]+", "-", provision.number.lower()).strip("-")
    return f"{provision.instrument}.{provision.kind.replace('_', '-')}.{number}"


def process_role_id(r: s.ProcessRoleIn) -> str:
    return f"{r.process}.{r.role}.{r.actor}" + (f".{r.date}" if r.date else "")


def participation_id(event: str, p: s.ParticipantIn) -> str:
    return f"{event}.{p.role}.{p.actor}"


def point_id(participation: str, index: int) -> str:
    """A statement's point by its place in the statement, counted from 1."""
    return f"{participation}.point-{index + 1}"


def process_link_id(r: s.ProcessLinkIn) -> str:
    return f"{r.source}.{r.kind}.{r.target}"
