"""What the dataset holds, and what it may have missed.

For each source document on disk: how much of it the citations cover (the share of its
sentences that some quote touches, and of its text that quotes repeat), its longest runs of
sentences no quote touches, and the sentences that state a date or a number and that no
citation quote touches — a "what did we miss" list to read through.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from app.seeding.checks import normalize_text, record_citations
from app.seeding.reader import Dataset

# A sentence ends at . ! or ? before a capital, or at a blank line; not after a title.
SENTENCE_END = re.compile(
    r"(?<=[.!?])(?<!\bMr\.)(?<!\bMs\.)(?<!\bDr\.)(?<!\bMrs\.)(?<!\bH\.E\.)\s+(?=[A-Z“\"(])|\n\s*\n"
)
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
    sentences: int = 0
    covered_sentences: int = 0
    characters: int = 0
    quoted_characters: int = 0
    gaps: list[list[str]] = field(default_factory=list)

    @property
    def sentence_share(self) -> float:
        return self.covered_sentences / self.sentences if self.sentences else 0.0

    @property
    def text_share(self) -> float:
        return self.quoted_characters / self.characters if self.characters else 0.0

    def longest_gaps(self, n: int) -> list[list[str]]:
        """The ``n`` longest runs of consecutive sentences no quote touches, longest first."""
        return sorted(self.gaps, key=lambda run: -sum(len(x) for x in run))[:n]


@dataclass
class Report:
    records: Counter[str]
    sources: list[SourceReport]
    outside_followed: list[str] = field(default_factory=list)


UN_DOCUMENT_KINDS = frozenset({"resolution", "un_document"})


def outside_followed(dataset: Dataset) -> list[str]:
    """Disputes that follow a claim resting only on outside web pages (origin ``web_page``)
    against a claim a source document states, with no UN document behind the followed
    claim: the rule is to follow the document unless a UN document says otherwise."""
    sources = {source.id: source for source in dataset.of("sources")}
    found = []
    for dispute in dataset.of("disputes"):
        cited = [[sources[c.source] for c in claim.cite] for claim in dispute.claims]
        if not any(source.origin == "document" for claim in cited for source in claim):
            continue
        for claim, behind in zip(dispute.claims, cited, strict=True):
            outside = all(source.origin == "web_page" for source in behind)
            by_un = any(source.kind in UN_DOCUMENT_KINDS for source in behind)
            if claim.followed and outside and not by_un:
                found.append(dispute.id)
    return found


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


def _union_length(spans: list[tuple[int, int]]) -> int:
    total, reach = 0, 0
    for start, end in sorted(spans):
        start = max(start, reach)
        if end > start:
            total += end - start
            reach = end
    return total


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
        report.characters = len(normalize_text(text))
        report.quoted_characters = _union_length(covered)
        position, run = 0, list[str]()
        for sentence in sentences(text):
            length = len(normalize_text(sentence))
            start, end = position, position + length
            position = end
            if not length:
                continue
            touched = any(a < end and b > start for a, b in covered)
            report.sentences += 1
            report.covered_sentences += touched
            if touched:
                if run:
                    report.gaps.append(run)
                run = []
            else:
                run.append(sentence)
            if not DATE_OR_NUMBER.search(sentence):
                continue
            report.dated_sentences += 1
            if not touched:
                report.uncited.append(sentence)
        if run:
            report.gaps.append(run)
        reports.append(report)
    return Report(records, reports, outside_followed(dataset))


def format_report(report: Report, *, limit: int = 40, gaps: int = 5) -> str:
    lines = ["records by kind:"]
    if report.outside_followed:
        lines = [
            "disputes that follow an outside web page against a source document (the rule: "
            "follow the document unless a UN document says otherwise):",
            *(f"  - {ident}" for ident in report.outside_followed),
            *lines,
        ]
    lines += [f"  {kind}: {n}" for kind, n in sorted(report.records.items())]
    lines.append("citations by source:")
    lines += [f"  {s.source_id}: {s.citations}" for s in report.sources if s.citations]
    lines.append("coverage by source document (sentences some quote touches; text quoted):")
    for s in report.sources:
        if s.sentences:
            lines.append(
                f"  {s.file}: {s.covered_sentences} of {s.sentences} sentences "
                f"({s.sentence_share:.0%}); {s.text_share:.0%} of the text quoted"
            )
    for s in report.sources:
        if not s.sentences:
            continue
        lines.append(f"{s.file}: longest passages no citation touches:")
        for run in s.longest_gaps(gaps):
            passage = " ".join(run)
            more = "..." if len(passage) > 300 else ""
            lines.append(
                f"  - ({len(run)} sentences, {len(passage)} characters) {passage[:300]}{more}"
            )
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
