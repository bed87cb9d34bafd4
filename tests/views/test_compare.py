"""The comparison of two stored instruments, as plain values: attributes side by side (acts
in rows of their own), provisions aligned by theme, unthemed provisions kept."""

from __future__ import annotations

from typing import Any

from app.views.compare import COMPARED, comparison
from app.views.instruments import Comparison


def _side(ident: str, acts: list[dict[str, Any]], provisions: list[dict[str, Any]]) -> Any:
    instrument = {name: None for name in COMPARED if name not in {"adoption", "endorsement"}}
    return {
        "instrument": instrument | {"id": ident, "kind": "compact", "acts": acts},
        "provisions": provisions,
    }


def _provision(ident: str, *themes: str) -> dict[str, Any]:
    return {"id": ident, "themes": [{"id": t, "name": t.title()} for t in themes]}


def test_acts_rows_and_themes_aligned():
    affirmed = {"act": "affirmation", "date": "2018-12-17"}
    left = _side(
        "a",
        [{"act": "adoption", "date": "2018-12-10"}],
        [
            _provision("a.1", "return", "data"),
            _provision("a.2"),
        ],
    )
    right = _side("b", [affirmed], [_provision("b.1", "data"), _provision("b.2", "asylum")])
    found = comparison([left, right])
    rows = {row["attribute"]: row for row in found["attributes"]}
    assert [row["attribute"] for row in found["attributes"]] == list(COMPARED)
    assert rows["adoption"]["left"] == {"act": "adoption", "date": "2018-12-10"}
    assert rows["adoption"]["right"] is None
    assert rows["endorsement"]["right"] == affirmed  # an affirmation is the endorsement's row
    assert (rows["kind"]["same"], rows["adoption"]["same"]) == (True, False)
    shared = [
        (r["theme"]["id"], [p["id"] for p in r["left"]], [p["id"] for p in r["right"]])
        for r in found["shared_themes"]
    ]
    assert shared == [("data", ["a.1"], ["b.1"])]
    assert [r["theme"]["id"] for r in found["left_only_themes"]] == ["return"]
    assert [r["theme"]["id"] for r in found["right_only_themes"]] == ["asylum"]
    assert [p["id"] for p in found["unthemed"]] == ["a.2"]
    assert set(found) == set(Comparison.model_fields)
