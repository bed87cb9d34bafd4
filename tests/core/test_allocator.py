"""The worker's allocator thresholds (app.core.allocator) and the cite_as splice."""

from __future__ import annotations

import json
import platform
import sys

import pytest

from app.api.cite_as import cited_kind, with_cite_as
from app.core import allocator


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc",
    reason="thresholds are glibc's",
)
def test_glibc_thresholds_are_fixed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_", raising=False)
    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    assert allocator.keep_large_bodies_on_heap()


def test_thresholds_given_in_the_environment_win(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "131072")
    assert not allocator.keep_large_bodies_on_heap()


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b"{}", {"cite_as": {"x": 1}}),
        (b" { \n} \n", {"cite_as": {"x": 1}}),
        (b'{"a":1}', {"a": 1, "cite_as": {"x": 1}}),
        (b'{"a":{"b":"}"}}\n', {"a": {"b": "}"}, "cite_as": {"x": 1}}),
    ],
)
def test_cite_as_is_the_last_member(body: bytes, expected: dict[str, object]) -> None:
    spliced = with_cite_as(body, b'{"x":1}')
    assert json.loads(spliced) == expected
    assert list(json.loads(spliced))[-1] == "cite_as"


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/actors/{actor_id}", "actors"),
        ("/api/v1/meetings/{event_id}", "meetings"),
        ("/actors/{actor_id}/timeline", None),
        ("/actors", None),
        ("/themes/{theme_id}", None),
        ("/{kind}", None),
    ],
)
def test_only_citable_details_are_cited(path: str, kind: str | None) -> None:
    assert cited_kind(path) == kind
