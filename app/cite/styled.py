"""CSL-JSON items as plain text, in the Cite Them Right Harvard style citeproc-py ships."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import orjson
from citeproc import (
    Citation,
    CitationItem,
    CitationStylesBibliography,
    CitationStylesStyle,
    formatter,
)
from citeproc.source.json import CiteProcJSON

STYLE = "harvard-cite-them-right"


@lru_cache(maxsize=1)
def _style() -> CitationStylesStyle:
    return CitationStylesStyle(STYLE, validate=False)


def _for_text(item: dict[str, Any]) -> dict[str, Any]:
    """A work with no author is cited under its publisher (as UN documents are), not by its
    title twice. The style prints no version for a dataset: a record's kind and release go
    in brackets after its title, as citation guides advise for datasets."""
    if item["type"] != "dataset":
        if "author" in item or "publisher" not in item:
            return item
        shown = {key: value for key, value in item.items() if key != "publisher"}
        return shown | {"author": [{"literal": item["publisher"]}]}
    about = f"{item['genre']}, release {item['version']}"
    shown = {key: value for key, value in item.items() if key != "publisher"}
    return shown | {
        "title": f"{item['title']} [{about}]",
        "author": [{"literal": item["publisher"]}],
    }


def texts(items: list[dict[str, Any]]) -> list[str]:
    """Each item's bibliography entry, in the order given."""
    source = CiteProcJSON([_for_text(item) for item in items])
    bibliography = CitationStylesBibliography(_style(), source, formatter.plain)
    for item in items:
        bibliography.register(Citation([CitationItem(item["id"])]))
    by_key = dict(zip(bibliography.keys, bibliography.bibliography(), strict=True))
    return [str(by_key[item["id"].lower()]) for item in items]


def text(item: dict[str, Any]) -> str:
    """One item's entry, rendered on its own and remembered: citeproc takes some 15 ms an
    item, and an item's text is a function of the item alone."""
    return _remembered(orjson.dumps(item, option=orjson.OPT_SORT_KEYS))


@lru_cache(maxsize=4096)
def _remembered(item: bytes) -> str:
    return texts([orjson.loads(item)])[0]
