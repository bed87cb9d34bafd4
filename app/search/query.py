"""The search syntax, parsed by us and rendered for each engine, so no input reaches FTS5 or
``to_tsquery`` unchecked.

    migration governance     both words (stemmed: "pledges" finds "pledge")
    "global compact"         the phrase
    migra*                   words starting with "migra"
    gcm OR gcr               either
    -refugees                not this word (with at least one word to find)

Other punctuation separates words, as in the text searched. A quote left open, a ``*`` not
at the end of a word, or an ``OR`` or ``-`` with nothing to act on is an error, with a
message saying how to write it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from app.search.text import fold

WORD = re.compile(r"[^\W_]+")
MAX_TERMS = 32
MIN_STEM = 4


class SearchSyntaxError(ValueError):
    """The query cannot be read; the message says why and how to write it."""


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]
    prefix: bool = False

    def stems(self) -> list[str]:
        """The index holds word stems ("coordination" as "coordin"), which may be shorter
        than a typed prefix: a one-word prefix also matches the stems it begins with."""
        word = self.words[0]
        if not self.prefix or len(self.words) > 1 or len(word) < MIN_STEM + 1:
            return []
        return [word[:n] for n in range(len(word) - 1, max(MIN_STEM, len(word) - 6) - 1, -1)]

    def fts5(self) -> str:
        found = '"' + " ".join(self.words) + '"' + ("*" if self.prefix else "")
        return " OR ".join([found, *(f'"{stem}"' for stem in self.stems())])

    def tsquery(self) -> str:
        text = " <-> ".join(self.words)
        return " | ".join([f"{text}:*" if self.prefix else text, *self.stems()])


@dataclass
class SearchQuery:
    """Clauses all of which must match, each a list of alternatives; and excluded terms."""

    clauses: list[list[Term]] = field(default_factory=list)
    excluded: list[Term] = field(default_factory=list)

    def fts5(self) -> str:
        found = " AND ".join("(" + " OR ".join(t.fts5() for t in c) + ")" for c in self.clauses)
        if self.excluded:
            found = f"({found}) NOT (" + " OR ".join(t.fts5() for t in self.excluded) + ")"
        return found

    def exact(self) -> str:
        """The words of a plain search (no OR, exclusion or prefix) as one lower-case string,
        to rank the records named exactly so first; empty for any other search."""
        terms = [t for c in self.clauses for t in c]
        if self.excluded or any(len(c) > 1 for c in self.clauses) or any(t.prefix for t in terms):
            return ""
        return " ".join(w for t in terms for w in t.words)

    def tsquery(self) -> str:
        found = " & ".join("(" + " | ".join(t.tsquery() for t in c) + ")" for c in self.clauses)
        if self.excluded:
            found = f"({found}) & !(" + " | ".join(t.tsquery() for t in self.excluded) + ")"
        return found


def _term(text: str, *, phrase: bool) -> Term | None:
    prefix = text.endswith("*")
    core = text[:-1] if prefix else text
    if "*" in core:
        raise SearchSyntaxError("'*' marks a prefix and goes at the end of a word, as in migra*")
    words = tuple(fold(w.lower()) for w in WORD.findall(core))
    if not words:
        if prefix:
            raise SearchSyntaxError("'*' needs a word before it, as in migra*")
        if phrase:
            raise SearchSyntaxError('a phrase in quotes needs words, as in "global compact"')
        return None
    if prefix and not WORD.fullmatch(core[-1:] or "_"):
        raise SearchSyntaxError("'*' must follow a letter or digit directly, as in migra*")
    return Term(words, prefix)


TOKEN = re.compile(r'(-?)"([^"]*)"(\*?)|([^\s"]+)')


def _tokens(text: str) -> list[tuple[str, bool, bool]]:
    """Split into (text, is_phrase, negated) pieces; quotes must pair up."""
    if text.count('"') % 2:
        raise SearchSyntaxError(
            'a quote is not closed: put phrases in pairs of quotes, "like this"'
        )
    tokens = []
    for match in TOKEN.finditer(text):
        minus, phrase, star, word = match.groups()
        if word is None:
            tokens.append((phrase.strip() + star, True, bool(minus)))
        elif word.startswith("-"):
            if word == "-":
                raise SearchSyntaxError("'-' excludes the word right after it, as in -refugees")
            tokens.append((word[1:], False, True))
        else:
            tokens.append((word, False, False))
    return tokens


def parse(text: str) -> SearchQuery:
    """Read a search; raise SearchSyntaxError with an actionable message if it is malformed."""
    query = SearchQuery()
    pending_or = False
    for raw, phrase, negated in _tokens(text):
        if raw == "OR" and not phrase and not negated:
            if not query.clauses or pending_or:
                raise SearchSyntaxError("OR goes between two words or phrases, as in gcm OR gcr")
            pending_or = True
            continue
        term = _term(raw, phrase=phrase)
        if term is None:
            continue
        if negated:
            if pending_or:
                raise SearchSyntaxError("OR cannot be followed by an excluded word")
            query.excluded.append(term)
        elif pending_or:
            query.clauses[-1].append(term)
            pending_or = False
        else:
            query.clauses.append([term])
        if len(query.excluded) + sum(len(c) for c in query.clauses) > MAX_TERMS:
            raise SearchSyntaxError(f"a search may have at most {MAX_TERMS} words or phrases")
    if pending_or:
        raise SearchSyntaxError("OR goes between two words or phrases, as in gcm OR gcr")
    if not query.clauses:
        if query.excluded:
            raise SearchSyntaxError("'-word' only excludes: add at least one word to find")
        raise SearchSyntaxError("the search has no words in it (letters or digits)")
    return query
