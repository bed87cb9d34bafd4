"""Flatten response models into CSV columns, planned from the model class so every row has
the same columns whatever it holds.

A date becomes ``date_edtf, date_start, date_end, date_display, date_precision``; a
reference ``process`` and ``process_name``; a nested object (a place) its fields prefixed;
``citations`` one compact column (``source: "quote" (locator) | ...``); other lists the ids
or names of what they hold, ``; ``-separated — and a list of references (participants,
themes, pledgers) also their names beside them, as ``actors_names``
(``Mexico (co_chair); IOM (speaker)``), so a spreadsheet or pandas reads them as they are.

Every cell a spreadsheet would read as a formula is neutralised (``neutralise``).
"""

from __future__ import annotations

import json
import re
import types
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel

from app.views.schemas import CitationOut, DateOut, Ref

Batches = Iterator[Sequence[BaseModel]]  # the pages of a list, one after another
Writer = Callable[[Batches], Iterator[str]]  # a file's text, from a list's pages
Getter = Callable[[Any], str]
Column = tuple[str, Getter]
DATE_PARTS = ("edtf", "start", "end", "display", "precision")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def neutralise(cell: str) -> str:
    """A leading ``'`` before a cell a spreadsheet would run as a formula (OWASP's advice:
    cells starting with ``=``, ``+``, ``-``, ``@``, tab or carriage return), so a value sent
    by a client or imported from a dashboard is shown as text. A plain number such as ``-12``
    or ``+44`` is left as it is: it is no formula, and a spreadsheet still reads it as a number.
    """
    if cell.startswith(FORMULA_STARTS) and not NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


def _plain(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, BaseModel):
        return json.dumps(value.model_dump(mode="json"), ensure_ascii=False)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str, separators=(",", ":"))
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


def citation_text(citation: CitationOut) -> str:
    text = citation.source.id
    if citation.quote:
        text += f': "{citation.quote}"'
    if citation.locator:
        text += f" ({citation.locator})"
    return text


def citations_text(citations: list[CitationOut]) -> str:
    return " | ".join(citation_text(c) for c in citations)


def _item_label(item: Any) -> str:
    if isinstance(item, BaseModel):
        if hasattr(item, "actor") and isinstance(item.actor, Ref):
            role = getattr(item, "role", None)
            return f"{item.actor.id} ({role})" if role else item.actor.id
        fields = vars(item)
        if "post_held" in fields:  # how someone acted for an actor (``Via``)
            how = fields["position"] or f"on behalf of {fields['actor']}"
            return f"{fields['person']} ({how})"
        for name in ("id", "number", "claim"):
            if getattr(item, name, None) is not None:
                return str(getattr(item, name))
    return _plain(item)


def _list_text(values: Any) -> str:
    return "; ".join(_item_label(v) for v in values or [])


def _name_label(item: Any) -> str:
    if isinstance(getattr(item, "actor", None), Ref):
        role = getattr(item, "role", None)
        return f"{item.actor.name} ({role})" if role else item.actor.name
    return str(getattr(item, "name", ""))


def _names_text(values: Any) -> str:
    return "; ".join(_name_label(v) for v in values or [])


def _named(kind: Any) -> bool:
    """Whether a list of ``kind`` holds references with names (a Ref, or an actor's role)."""
    if not isinstance(kind, type) or not issubclass(kind, BaseModel):
        return False
    actor = kind.model_fields.get("actor")
    return issubclass(kind, Ref) or (actor is not None and actor.annotation is Ref)


def _bare(annotation: Any) -> Any:
    """``X | None`` to ``X``; anything else unchanged."""
    if get_origin(annotation) in (Union, types.UnionType):
        found = [a for a in get_args(annotation) if a is not type(None)]
        return found[0] if len(found) == 1 else annotation
    return annotation


def _at(path: tuple[str, ...]) -> Callable[[Any], Any]:
    def get(obj: Any) -> Any:
        for name in path:
            obj = getattr(obj, name, None) if obj is not None else None
        return obj

    return get


def _part(get: Callable[[Any], Any], part: str) -> Getter:
    return lambda o: _plain(getattr(get(o), part, None))


def _field_columns(name: str, annotation: Any, path: tuple[str, ...]) -> list[Column]:
    get = _at(path)
    kind = _bare(annotation)
    if name == "citations":
        return [(name, lambda o: citations_text(get(o) or []))]
    if isinstance(kind, type) and issubclass(kind, DateOut):
        return [(f"{name}_{part}", _part(get, part)) for part in DATE_PARTS]
    if isinstance(kind, type) and issubclass(kind, Ref):
        return [
            (name, lambda o: _plain(getattr(get(o), "id", None))),
            (f"{name}_name", lambda o: _plain(getattr(get(o), "name", None))),
        ]
    if isinstance(kind, type) and issubclass(kind, BaseModel):
        return plan(kind, path, prefix=f"{name}_")
    if get_origin(kind) is list:
        columns: list[Column] = [(name, lambda o: _list_text(get(o)))]
        if _named(get_args(kind)[0]):
            columns.append((f"{name}_names", lambda o: _names_text(get(o))))
        return columns
    return [(name, lambda o: _plain(get(o)))]


def plan(model: type[BaseModel], path: tuple[str, ...] = (), prefix: str = "") -> list[Column]:
    """The CSV columns of a model: (header, getter) pairs; the evidence last."""
    columns: list[Column] = []
    names = sorted(model.model_fields, key=lambda n: n == "citations")
    for name in names:
        info = model.model_fields[name]
        for header, getter in _field_columns(name, info.annotation, (*path, name)):
            columns.append((prefix + header, getter))
    return columns


COMPARISON_COLUMNS = ["section", "key", "name", "left", "right", "left_value", "right_value"]
COMPARISON_COLUMNS.append("same")


def _readable(value: Any) -> tuple[str, str]:
    """A compared value as (what a person reads, what a program matches: an id or EDTF; for
    an act, its date's EDTF and its symbol)."""
    if isinstance(value, dict) and "act" in value:
        parts = [value["act"], value["date"] and value["date"]["display"]]
        parts += [(value[k] or {}).get("name") for k in ("body", "meeting")]
        parts += [value["symbol"], value["vote"] and f"vote {value['vote']}"]
        matched = [value["date"] and value["date"]["edtf"], value["symbol"]]
        return "; ".join(p for p in parts if p), " ".join(m for m in matched if m)
    if isinstance(value, dict) and "display" in value:
        return value["display"], value["edtf"]
    if isinstance(value, dict) and "name" in value:
        return value["name"], value["id"]
    plain = _plain(value)
    return plain, plain


def _provisions(provisions: list[dict[str, Any]]) -> tuple[str, str]:
    titles = [f"{p['number']}. {p.get('short_title') or p['title']}" for p in provisions]
    return "; ".join(titles), "; ".join(p["id"] for p in provisions)


def comparison_rows(comparison: dict[str, Any]) -> list[list[str]]:
    """A comparison as CSV rows: one per attribute, then one per theme alignment (shared,
    left only, right only), each side as readable text and as ids."""
    rows = []
    for row in comparison["attributes"]:
        left, left_value = _readable(row["left"])
        right, right_value = _readable(row["right"])
        same = _plain(row["same"])
        rows.append(["attribute", row["attribute"], row["attribute"].replace("_", " ")])
        rows[-1] += [left, right, left_value, right_value, same]
    for section in ("shared", "left_only", "right_only"):
        for row in comparison[f"{section}_themes"]:
            left, left_value = _provisions(row["left"])
            right, right_value = _provisions(row["right"])
            theme = row["theme"]
            rows.append([section, theme["id"], theme["name"], left, right, left_value])
            rows[-1] += [right_value, ""]
    return rows
