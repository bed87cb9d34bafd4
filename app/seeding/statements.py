"""What a statement must hold: at the Fifteenth Coordination Meeting, whose report records
what each speaker said, every statement carries its points, so none is only a verb of saying
("listed the issues", "reported the recommendations") with the substance left out."""

from __future__ import annotations

import re

from app.seeding.reader import Dataset

MEETING = "cm-15"
SAYING = re.compile(
    r"\b(listed|reported|explained|highlighted|outlined|presented|discussed|described|"
    r"briefed|recalled|noted|informed|announced|stressed|underlined|emphasi[sz]ed)\b",
    re.IGNORECASE,
)


def statement_problems(dataset: Dataset) -> list[str]:
    """Statements at the meeting or its sessions without points."""
    problems = []
    for event in dataset.of("events"):
        if MEETING not in (event.id, event.parent):
            continue
        for p in event.participants:
            if p.statement and not p.points:
                said = SAYING.search(p.statement)
                how = f" (it says only that they {said.group(0)} ...)" if said else ""
                problems.append(
                    f"event '{event.id}': the statement of '{p.actor}' has no points{how}; "
                    "list what was said as points, each with its quotes"
                )
    return problems
