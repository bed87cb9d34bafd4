"""What a comparison of two instruments shows: their attributes side by side (the adoption and
the endorsement or affirmation each in a row of its own) and their provisions aligned by
theme. Built from the two instruments as stored (``InstrumentSide``'s JSON) as plain values,
a ``Comparison`` in shape: parsing them into models again would cost more than the rest."""

from __future__ import annotations

from typing import Any

COMPARED = (
    "kind",
    "symbol",
    "date",
    "adopted_by",
    "vote",
    "adoption",
    "endorsement",
    "binding",
    "lead",
    "process",
    "review",
    "basis",
    "follow_up",
)


# The acts a comparison shows in a row of their own: an affirmation is the General
# Assembly's endorsement under another name (the GCR's, in its resolution on UNHCR).
ACT_ROWS = {"adoption": ("adoption",), "endorsement": ("endorsement", "affirmation")}


def _attribute(instrument: dict[str, Any], name: str) -> Any:
    """An attribute of a stored instrument; for an act's row, the act (or None)."""
    if name not in ACT_ROWS:
        return instrument[name]
    return next((a for a in instrument["acts"] if a["act"] in ACT_ROWS[name]), None)


def comparison(sides: list[dict[str, Any]]) -> dict[str, Any]:
    """The comparison of two stored instruments (left, right) as ``Comparison``'s values."""
    one, other = (side["instrument"] for side in sides)
    by_theme: dict[str, tuple[dict[str, str], list[Any], list[Any]]] = {}
    unthemed: list[Any] = []
    for index, side in enumerate(sides):
        for provision in side["provisions"]:
            if not provision["themes"]:
                unthemed.append(provision)
            for theme in provision["themes"]:
                _, left_side, right_side = by_theme.setdefault(theme["id"], (theme, [], []))
                (right_side if index else left_side).append(provision)
    rows = [
        {"theme": theme, "left": lp, "right": rp}
        for theme, lp, rp in sorted(by_theme.values(), key=lambda entry: entry[0]["name"])
    ]
    return {
        "left": one,
        "right": other,
        "attributes": [
            {"attribute": a, "left": x, "right": y, "same": x == y}
            for a in COMPARED
            for x, y in [(_attribute(one, a), _attribute(other, a))]
        ],
        "shared_themes": [r for r in rows if r["left"] and r["right"]],
        "left_only_themes": [r for r in rows if r["left"] and not r["right"]],
        "right_only_themes": [r for r in rows if r["right"] and not r["left"]],
        "unthemed": unthemed,
    }
