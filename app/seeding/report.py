"""What the dataset holds, and what it may have missed.

For each source document on disk: the sentences that state a date or a number and that no
citation quote touches — a "what did we miss" list to read through.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from app.seeding.checks import normalize_text, record_citations
from app.seeding.reader import Dataset

SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z“\"(])|\n\s*\n")
DATE_OR_NUMBER = re.compile(
    r"\b(1[89]\d\d|20\d\d)\b|\b\d+(?:[.,]\d+)?\b|\b(January|February|March|April|May|June|"
    r"July|August|September|October|November|December)\b"
)


@dataclass
class SourceReport:
    source_id: str
    file: str
    citations: int = 0
    uncited: list[str] = field(default_factory=list)
    dated_sentences: int = 0


@dataclass
class Report:
    records: Counter[str]
    sources: list[SourceReport]


def sentences(text: str) -> list[str]:
    return [" ".join(s.split()) for s in SENTENCE_END.split(text) if s and s.strip()]


def _spans(text: str, quotes: list[str]) -> list[tuple[int, int]]:
    normalized = normalize_text(text)
    spans = []
    for quote in quotes:
        needle = normalize_text(quote)
        start = normalized.find(needle)
        while start != -1 and needle:
            spans.append((start, start + len(needle)))
            start = normalized.find(needle, start + 1)
    return spans


def build_report(dataset: Dataset, sources_dir: Path) -> Report:
    records = Counter({kind: len(items) for kind, items in dataset.records.items() if items})
    quotes: dict[str, list[str]] = {}
    counts: Counter[str] = Counter()
    for kind in dataset.records:
        for record in dataset.of(kind):
            for citation in record_citations(record):
                counts[citation.source] += 1
                if citation.quote:
                    quotes.setdefault(citation.source, []).append(citation.quote)
    reports = []
    for source in dataset.of("sources"):
        if not source.file or not (sources_dir / source.file).exists():
            reports.append(SourceReport(source.id, source.file or "", counts[source.id]))
            continue
        text = (sources_dir / source.file).read_text(encoding="utf-8", errors="replace")
        covered = _spans(text, quotes.get(source.id, []))
        report = SourceReport(source.id, source.file, counts[source.id])
        position = 0
        for sentence in sentences(text):
            length = len(normalize_text(sentence))
            start, end = position, position + length
            position = end
            if not DATE_OR_NUMBER.search(sentence):
                continue
            report.dated_sentences += 1
            if not any(a < end and b > start for a, b in covered):
                report.uncited.append(sentence)
        reports.append(report)
    return Report(records, reports)


def format_report(report: Report, *, limit: int = 40) -> str:
    lines = ["records by kind:"]
    lines += [f"  {kind}: {n}" for kind, n in sorted(report.records.items())]
    lines.append("citations by source:")
    lines += [f"  {s.source_id}: {s.citations}" for s in report.sources if s.citations]
    for s in report.sources:
        if not s.dated_sentences:
            continue
        lines.append(
            f"{s.file}: {len(s.uncited)} of {s.dated_sentences} sentences stating a date or "
            "number are not cited"
        )
        lines += [f"  - {sentence[:300]}" for sentence in s.uncited[:limit]]
        if len(s.uncited) > limit:
            lines.append(f"  ... and {len(s.uncited) - limit} more")
    return "\n".join(lines)
