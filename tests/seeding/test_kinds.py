"""Record kinds: every field of every kind survives loading and exporting, unchanged.

The fixture ``every-field.yaml`` sets every field of every kind to a value that is not its
default. A field the declaration (``app.seeding.kinds``) forgets to map, or maps to the wrong
column, comes back missing or different, and ``test_every_field_survives_load_and_export``
names it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, get_args

import yaml
from pydantic import BaseModel
from sqlalchemy import insert

from app.core.db import make_engine
from app.seeding import kinds
from app.seeding import schemas as s
from app.seeding.exporter import as_data, collect
from app.seeding.reader import read_dataset
from app.seeding.rows import build_rows

EVERY_FIELD = Path(__file__).parent.parent / "fixtures" / "every-field"


def test_every_field_and_column_is_declared():
    assert kinds.unmapped() == []


# Fields whose column is named otherwise than the field or the field plus "_id".
RENAMED = {("date", "date_edtf"), ("review", "review_process_id")}


def test_each_field_is_held_in_the_column_of_its_name():
    """A load and an export through the same wrong column (two fields swapped) would agree;
    the naming rule catches that."""
    odd = [
        (kind.name, field, column)
        for kind in kinds.KINDS
        for field, column in kind.fields.items()
        if column not in (field, f"{field}_id", (f"{field}_type", f"{field}_id"))
        and (field, column) not in RENAMED
    ]
    assert odd == []


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The record model a field holds (in a list or optional), if it holds one."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_of(arg)
        if found:
            return found
    return None


def _unset(model: type[BaseModel], records: list[dict[str, Any]], where: str) -> list[str]:
    """Fields of ``model`` that no record in ``records`` sets (children checked alike)."""
    missing = []
    for name, info in model.model_fields.items():
        key = info.alias or name
        given = [r[key] for r in records if key in r]
        if not given:
            missing.append(f"{where}.{name}")
            continue
        child = _model_of(info.annotation)
        if child is not None and child not in (s.SubjectRef, s.CitationIn):
            items = [x for v in given for x in (v if isinstance(v, list) else [v])]
            missing += _unset(child, [x for x in items if isinstance(x, dict)], f"{where}.{name}")
    return missing


def _cites(value: Any) -> list[dict[str, Any]]:
    """Every citation anywhere in the fixture."""
    if isinstance(value, list):
        return [c for v in value for c in _cites(v)]
    if isinstance(value, dict):
        return list(value.get("cite", [])) + [c for v in value.values() for c in _cites(v)]
    return []


def test_fixture_sets_every_field_of_every_kind():
    data = yaml.safe_load((EVERY_FIELD / "every-field.yaml").read_text(encoding="utf-8"))
    missing = _unset(s.CitationIn, _cites(data), "cite")
    for plural, info in s.SeedFile.model_fields.items():
        if plural == "unlinked_mentions":  # read by the checks, not stored as rows
            continue
        model = _model_of(info.annotation)
        assert model is not None
        missing += _unset(model, data.get(plural, []), plural)
    assert missing == [], "set these fields in tests/fixtures/every-field/every-field.yaml"


def _dumped(records: list[Any]) -> list[dict[str, Any]]:
    return sorted((as_data(r) for r in records), key=repr)


def test_every_field_survives_load_and_export(migrated_url):
    dataset = read_dataset(EVERY_FIELD)
    engine = make_engine(migrated_url)
    try:
        with engine.begin() as connection:
            for table, rows in build_rows(dataset).items():
                if rows:
                    connection.execute(insert(table), rows)
            exported = collect(connection)
    finally:
        engine.dispose()
    for plural, records in dataset.records.items():
        if plural == "unlinked_mentions":
            continue
        written = _dumped([located.record for located in records])
        assert _dumped(exported[plural]) == written, plural
