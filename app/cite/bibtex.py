"""Sources and records as BibTeX entries, written by bibtexparser."""

from __future__ import annotations

import re
from typing import Any

from bibtexparser.library import Library
from bibtexparser.model import Entry, Field
from bibtexparser.writer import write

ENTRY_TYPES = {"report": "techreport", "article": "article", "chapter": "inbook"}
SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_"}
SPECIAL |= {"{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}


def _text(value: str) -> str:
    """The value in braces, TeX's special characters escaped (URLs are written as they
    are: BibTeX styles print the url field verbatim)."""
    return "{" + "".join(SPECIAL.get(char, char) for char in value) + "}"


def key(ident: str) -> str:
    """A citation key BibTeX and biber accept: letters, digits and ``-_.:``."""
    return re.sub(r"[^A-Za-z0-9_.:-]+", "-", ident)


def entry(item: dict[str, Any]) -> Entry:
    """A CSL-JSON item as a BibTeX entry (``@misc`` where BibTeX has no closer type). An
    author is written in double braces, so BibTeX keeps a corporate name whole."""
    kind = ENTRY_TYPES.get(item["type"], "misc")
    container = item.get("container-title")
    if kind in {"article", "inbook"} and not container:
        kind = "misc"
    publisher = item.get("publisher")
    if kind == "techreport" and not publisher:
        kind = "misc"
    fields: dict[str, str] = {"title": "{" + _text(item["title"]) + "}"}  # case kept
    authors = [author["literal"] for author in item.get("author", [])]
    if authors:
        fields["author"] = "{" + " and ".join(_text(a) for a in authors) + "}"  # names whole
    if publisher:
        fields["institution" if kind == "techreport" else "publisher"] = _text(publisher)
    if container and kind in {"article", "inbook"}:
        fields["journal" if kind == "article" else "booktitle"] = _text(container)
    if item.get("number"):
        fields["number"] = _text(item["number"])
    if item.get("URL"):
        fields["url"] = "{" + item["URL"] + "}"
    issued = item.get("issued", {}).get("date-parts", [[]])[0]
    if issued:
        fields["year"] = "{" + str(issued[0]) + "}"
        if len(issued) > 1:
            fields["month"] = "{" + str(issued[1]) + "}"
    notes = [item[key] for key in ("genre", "note") if item.get(key)]
    if item.get("version"):
        notes.append(f"release {item['version']}")
    if notes:
        fields["note"] = _text("; ".join(notes))
    accessed = item.get("accessed", {}).get("date-parts", [[]])[0]
    if accessed:
        fields["urldate"] = "{" + "-".join(f"{part:02d}" for part in accessed) + "}"
    return Entry(kind, key(item["id"]), [Field(name, value) for name, value in fields.items()])


def bibtex(items: list[dict[str, Any]]) -> str:
    return write(Library([entry(item) for item in items]))
